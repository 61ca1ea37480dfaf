"""格尔木 格政办〔2023〕15号 附件 格尔木市政务信息系统备案表, laid out as printed at the end of the
measures (../shared/seeds/003_*.txt)."""

from __future__ import annotations

from tracker.forms.fill import Facts, day_text, funding_text
from tracker.forms.heyuan import header
from tracker.forms.model import Cell, Form, Line, Row, Table, cell

TICKED, BOX = "■", "□"


def _levels(level: int | None) -> str:
    """等级保护备案: 等保三级, 等保二级, or 其他 with the level written in the 说明."""
    other = level is not None and level not in (2, 3)
    return (f"{TICKED if level == 3 else BOX}等保三级　{TICKED if level == 2 else BOX}等保二级　"
            f"{TICKED if other else BOX}其他（说明：{f'等保{level}级' if other else '　　　　'}）")


def filing_form(f: Facts) -> Form:
    """格尔木市政务信息系统备案表 (格政办〔2023〕15号 三（三）项目备案)."""
    unit, title = f.text("unit"), f.text("title")
    budget = f.money("budget_wan")
    funds = funding_text(f.funding())
    start, end = f.get("planned_start"), f.get("planned_end")
    level = f.get("security_level")
    # Reading: 计划建设时间 has two lines, 开工时间 (the planned start) and 建设时间, read as the whole
    # construction period from the planned start to the planned completion.
    period = f"{day_text(start)}至{day_text(end)}" if start and end else ""
    rows = [
        Row([cell("项目名称"), cell(title, "left", colspan=4, fact="title", filled=True)]),
        Row([cell("项目联系人"), cell("", colspan=2), cell("联系电话"), cell("")]),
        Row([cell("项目预算\n（万元）"), cell(budget, colspan=2, fact="budget_wan", filled=bool(budget)),
             cell("资金来源"), cell(funds, "left", fact="funding", filled=bool(funds))], 12),
        Row([cell("计划建设时间", rowspan=2), cell("开工时间"),
             cell(day_text(start), "left", colspan=3, fact="planned_start", filled=bool(start))]),
        Row([cell("建设时间"), cell(period, "left", colspan=3, fact="planned_end", filled=bool(period))]),
        Row([cell("项目建设依据"), cell("", "left", colspan=4)], 24),
        Row([cell("等级保护备案"), cell(_levels(level), "left", colspan=4, fact="security_level",
                                      filled=level is not None)]),
        Row([cell("应用系统数量"), cell("", colspan=2), cell("系统类型"), cell("")]),
        Row([cell("数据资源", rowspan=2), cell("数据资源需求"), cell("", "left", colspan=3)], 14),
        Row([cell("数据资源目录"), cell("已编制" if f.flag("data_catalog") else "", "left", colspan=3,
                                      fact="data_catalog", filled=f.flag("data_catalog"))], 14),
        Row([cell("运营费用"), cell("", "left", colspan=4)]),
        Row([cell("云平台部署\n（是/否）"), cell("", colspan=2), cell("云平台运维\n管理机构"), cell("")], 12),
        Row([cell("基础网络"), cell("", "left", colspan=4)]),
        Row([Cell([Line(f"申请单位（盖章）：{unit}")], colspan=3, valign="top", fact="unit", filled=True),
             Cell([Line("受理单位意见（盖章）：")], colspan=2, valign="top")], 36),
        Row([cell("日期：　　年　　月　　日", "left", colspan=3), cell("日期：　　年　　月　　日", "left", colspan=2)]),
    ]
    return Form("filing_form", "格尔木市政务信息系统备案表", [
        *header("附件", "格尔木市政务信息系统备案表"),
        Table([32, 30, 18, 30, 50], rows),
    ])
