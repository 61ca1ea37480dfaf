"""叶集 叶政办〔2020〕19号 附件1 政务信息化项目申报表 (a list over several cases) and 附件2 进度情况表,
laid out as printed at the end of the measures (../shared/seeds/001_*.txt)."""

from __future__ import annotations

from decimal import Decimal

from tracker.forms.fill import Facts, day_text, money_text, month_text, split_funding
from tracker.forms.heyuan import DATE_BLANK, header
from tracker.forms.model import Form, Para, Row, Table, cell

# 资金筹措 columns of 附件1. Reading: the converted text prints "银行货款"; the column is bank loans (银行贷款).
FUNDING = [("财政资金", ("财政",)), ("银行贷款", ("银行", "贷款")), ("自筹", ("自筹",))]
FUNDING_OTHER = "其他"
FUNDING_COLUMNS = [name for name, _ in FUNDING] + [FUNDING_OTHER]


def _years(f: Facts) -> str:
    """建设年度 as 说明3 asks: "XX年XX月至XX年XX月"; blank unless both ends are known."""
    start, end = f.get("planned_start"), f.get("planned_end")
    return f"{month_text(start)}至{month_text(end)}" if start and end else ""


def _total(values: list[Decimal | None]) -> str:
    """A 合计 cell: the sum, or blank when any project's amount is unknown (a partial sum would mislead)."""
    if not values or any(v is None for v in values):
        return ""
    return money_text(sum(values, Decimal(0)))


def declaration_form(cases: list[Facts]) -> Form:
    """附件1 六安市叶集区政务信息化项目申报表 (叶政办〔2020〕19号 第六条)."""
    head1 = [cell("序号", rowspan=2), cell("建设单位", rowspan=2), cell("项目名称", rowspan=2),
             cell("项目简要说明及建设依据", rowspan=2), cell("建设\n年度", rowspan=2),
             cell("项目\n投资\n（万元）", rowspan=2), cell("资金筹措", colspan=4), cell("负责人", rowspan=2),
             cell("联系人", rowspan=2), cell("联系\n电话", rowspan=2), cell("电子\n邮箱", rowspan=2),
             cell("备注", rowspan=2)]
    head2 = [cell(f"{name[:2]}\n{name[2:]}\n（万元）" if len(name) > 2 else f"{name}\n（万元）")
             for name in FUNDING_COLUMNS]
    budgets: list[Decimal | None] = []
    funds: list[dict | None] = []
    data = []
    for n, f in enumerate(cases, 1):
        years = _years(f)  # in the order of the columns, so the missing facts read left to right
        budget = f.get("budget_wan")
        split = split_funding(f.funding(), FUNDING, FUNDING_OTHER)
        budgets.append(budget)
        funds.append(split)
        data.append(Row([cell(str(n)), cell(f.text("unit"), fact="unit", filled=True),
                         cell(f.text("title"), "left", fact="title", filled=True), cell("", "left"),
                         cell(years, fact="planned_start", filled=bool(years)),
                         cell(money_text(budget), fact="budget_wan", filled=budget is not None),
                         *[cell(money_text(split.get(c)) if split else "", fact="funding",
                                filled=bool(split) and c in split) for c in FUNDING_COLUMNS],
                         *[cell("") for _ in range(5)]], 14))
    column_totals = [_total([None if s is None else s.get(c, Decimal(0)) for s in funds]) for c in FUNDING_COLUMNS]
    total = Row([cell("合计", colspan=4), cell(""), cell(_total(budgets), fact="budget_wan"),
                 *[cell(t, fact="funding") for t in column_totals], *[cell("") for _ in range(5)]], 10)
    widths = [10, 20, 28, 30, 20, 16, 16, 16, 16, 16, 12, 12, 16, 18, 11]
    return Form("declaration_form", "六安市叶集区政务信息化项目申报表", [
        *header("附件1", "六安市叶集区政务信息化项目申报表"),
        Table(widths, [Row(head1, 9), Row(head2, 14), total, *data], style="small"),
        Table([128.5, 128.5], [Row([cell("项目主管部门意见（盖章）：", "left", valign="top"), cell("")], 18),
                               Row([cell(""), cell(DATE_BLANK + "　" * 4, "right")], 8)],
              style="body", borders=False),
        Para("说明：1．本表由项目建设单位填写，主管部门盖章。", "note", space_before=4, space_after=0),
        Para("2．每个项目的简要说明字数控制在200字以内。", "note", space_after=0),
        Para("3．“建设年度”填写“XX年XX月至XX年XX月”。", "note"),
    ], landscape=True)


def progress_report(f: Facts) -> Form:
    """附件2 六安市叶集区政务信息化项目进度情况表 (叶政办〔2020〕19号 第十五条)."""
    unit, title = f.text("unit"), f.text("title")
    end = day_text(f.get("planned_end"))
    stage = f.stage_name
    # 说明2: 每个项目的建设进度要填写预计完成时间
    progress = "；".join(p for p in (f"当前阶段：{stage}" if stage else "",
                                      f"预计完成时间：{end}" if end else "") if p)
    budget = f.money("budget_wan")
    rows = [
        Row([cell("项目建设\n单位名称\n（盖章）"), cell(unit, fact="unit", filled=True), cell("负责人"), cell("")], 16),
        Row([cell("填报\n日期"), cell(DATE_BLANK), cell("传　真"), cell("")], 12),
        Row([cell("联系人"), cell(""), cell("电　话"), cell("")]),
        Row([cell("手　机"), cell(""), cell("E-MAIL"), cell("")]),
        Row([cell("项目名称"), cell(title, "left", colspan=3, fact="title", filled=True)]),
        Row([cell("主要内容"), cell("", "left", colspan=3)], 36),
        Row([cell("建设单位"), cell(unit, "left", colspan=3, fact="unit", filled=True)]),
        Row([cell("建设进度"), cell(progress, "left", colspan=3, fact="planned_end", filled=bool(end))], 36),
        Row([cell("总投资\n（万元）"), cell(budget, "left", colspan=3, fact="budget_wan", filled=bool(budget))], 12),
        Row([cell("已投资\n（万元）"), cell("", "left", colspan=3)], 12),
    ]
    return Form("progress_report", "六安市叶集区政务信息化项目进度情况表", [
        *header("附件2", "六安市叶集区政务信息化项目进度情况表"),
        Table([34, 50, 26, 50], rows),
        Para("说明：1．本表由项目建设单位填写。", "note", space_before=4, space_after=0),
        Para("2．每个项目的建设进度要填写预计完成时间。", "note"),
    ])
