source "$(dirname "$0")/lib.sh"
C=YN-2025-0002
newcase 2025-05-12 --jurisdiction yunan --title "连滩镇便民服务中心排队叫号及评价系统升级" --unit "郁南县连滩镇人民政府" --set budget_wan=8 --set category=professional --set service_types=software --set funding=镇级财政=8
doc $C 2025-05-12 other 自行管理说明.md "# 项目自行管理说明" "" "本项目投资总额8万元，属《郁南县政务信息化服务项目管理办法》第十条规定的10万元以下项目，由建设单位自行管理，按政府采购有关规定直接采购。"
doc $C 2025-07-18 other 验收单.md "# 验收单" "" "2025年7月17日镇便民服务中心组织验收，叫号机3台、评价器12台安装调试完成，运行正常。"
adv $C 2025-07-18 complete "投资总额8万元，由我镇自行管理，已完成采购、安装及验收，办结。"
