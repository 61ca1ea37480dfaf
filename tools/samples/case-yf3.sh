source "$(dirname "$0")/lib.sh"
C=YF-2026-0001
newcase 2026-08-24 --jurisdiction yunfu --title "云浮市森林防灭火指挥调度系统建设项目" --unit "云浮市应急管理局" --set budget_wan=95 --set category=professional --set in_annual_plan=false --set urgent=true --set urgent_approved_by=云浮市人民政府 --set supports_ipv6=true --set service_types=software --set software_cost_wan=62 --set security_level=2 --set funding=市级财政=95
doc $C 2026-09-04 government_consent 市政府同意立项文件.md "# 云浮市人民政府办公室文件处理笺" "" "关于市应急管理局申请建设森林防灭火指挥调度系统的请示（云应急〔2026〕58号）" "市政府领导批示：该项目关系森林防火安全，同意在年初预算外申请立项，按程序办理。" "2026年9月2日"
doc $C 2026-09-04 project_plan 项目方案.md "# 云浮市森林防灭火指挥调度系统建设项目方案" "" "建设背景：省应急管理厅要求2026年冬春火险期前实现林区视频监控、护林员定位和扑火队伍一张图调度。" "建设内容：火情监测预警、扑火力量调度、指挥会商三个子系统；接入林区视频监控点128个。" "预算：95万元（应用软件62万元）；系统支持IPv6。"
doc $C 2026-09-04 review_opinion 方案论证意见.md "# 方案论证意见" "" "2026年9月3日组织专家论证，认为项目紧迫、方案可行，建议复用市应急指挥一张图底座。"
doc $C 2026-09-04 data_sharing_catalog 政务数据共享资源目录.md "# 政务数据共享资源目录" "" "林区火情监测点位、护林员队伍、扑火物资储备等数据资源9项。"
adv $C 2026-09-07 submit "该项目未纳入年初预算，属关系森林防火安全的紧急项目，已经市政府同意（见附件），现申请立项。"
adv $C 2026-09-25 return "初核意见：方案中火情监测视频接入与市“雪亮工程”平台存在重复建设风险，请说明视频资源复用方式并核减相应费用后重新报送。"
doc $C 2026-10-20 project_plan 项目方案（修订稿）.md "# 项目方案（修订稿）" "" "林区视频统一从市视频共享平台调用，不再新建视频接入网关，预算调整说明：节省费用用于护林员终端适配，总预算95万元不变。"
adv $C 2026-10-22 submit "已按初核意见调整视频资源复用方式，重新报送。"
