source "$(dirname "$0")/lib.sh"
C=YJ-2026-0001
newcase 2026-03-16 --jurisdiction yeji --title "叶集区档案馆馆藏档案数字化加工服务（2026年度）" --unit "六安市叶集区档案馆" --set budget_wan=9.6 --set category=professional --set in_department_budget=true --set service_types=third_party --set funding=财政资金=9.6
doc $C 2026-03-20 other 分散采购说明.md "# 分散采购说明" "" "本项目为列入2026年部门预算的馆藏档案数字化加工服务，预算9.6万元，属10万元以下项目，按《叶集区政务信息化项目管理办法》第二条通过分散采购方式实施，不适用该办法。"
