"""河源 河府办〔2021〕30号 附表1–3, laid out as printed at the end of the measures
(../shared/seeds/000_*.txt): 项目立项申请表, 项目数据资源管理核查表, 项目变更单."""

from __future__ import annotations

from tracker.forms.fill import Facts, approval_date, day_text, money_text, short_title, split_funding
from tracker.forms.model import Cell, Form, Line, PageBreak, Para, Row, Table, cell

DOC = "河府办〔2021〕30号"
SIGN_GAP = "　" * 8  # room after 签字： for a hand signature
DATE_BLANK = "年　　月　　日"


def header(label: str, title: str) -> list:
    return [Para(label, "label", space_after=6), Para(title, "title", "center", space_after=10)]


def opinion_box(heading: str, colspan: int) -> Row:
    """An opinion with stamp and signature: the heading top left, 主要领导签字 and the date bottom right."""
    return Row([Cell([Line(heading), Line(""), Line(""), Line("主要领导签字：" + SIGN_GAP, "right"),
                      Line(DATE_BLANK + "　", "right")], colspan=colspan, valign="top")], 32)


def application_form(f: Facts) -> Form:
    """附表1 项目立项申请表 (河府办〔2021〕30号 第十一条第（三）项)."""
    unit, title = f.text("unit"), f.text("title")
    funds = split_funding(f.funding(), [("省级财政", ("省",)), ("市级财政", ("市",)), ("单位自筹", ("自筹",))], "其它")

    def source(name: str) -> Cell:
        v = None if funds is None else funds.get(name)
        return cell(f"{money_text(v)}万元" if v is not None else "万元", "right", colspan=2, fact="funding",
                    filled=v is not None)

    budget = f.money("budget_wan")
    start, end = f.month("planned_start"), f.month("planned_end")
    rows = [
        Row([cell("申请单位", colspan=2), cell(unit, "left", colspan=6, fact="unit", filled=True)]),
        Row([cell("项目使用单位", colspan=2), cell("", colspan=6)]),
        Row([cell("项目名称", colspan=2), cell(title, "left", colspan=6, fact="title", filled=True)]),
        Row([cell("项目拟建设地点", colspan=2), cell("", colspan=6)]),
        Row([cell("建设性质", colspan=2), cell("□新建　□扩建　□迁建　□改建　□其他", "left", colspan=6)]),
        Row([cell("计划动工时间", colspan=2), cell(start or "年　　月", "center", colspan=2, fact="planned_start",
                                              filled=bool(start)),
             cell("项目总投资\n（万元）", colspan=2, rowspan=2),
             cell(budget, colspan=2, rowspan=2, fact="budget_wan", filled=bool(budget))]),
        Row([cell("计划竣工时间", colspan=2), cell(end or "年　　月", "center", colspan=2, fact="planned_end",
                                              filled=bool(end))]),
    ]
    years = ("第一年", "第二年", "第三年", "第四年", "第五年")
    sources = ("省级财政", "市级财政", "单位自筹", "其它", None)
    for i, (year, src) in enumerate(zip(years, sources)):
        cells = []
        if i == 0:
            cells.append(cell("资金\n安排\n计划", rowspan=5))
        cells += [cell(year), cell("万元", "right", colspan=2)]
        if i == 0:
            cells.append(cell("资金\n来源", rowspan=5))
        cells += [cell(src), source(src)] if src else [cell("", colspan=3)]
        rows.append(Row(cells, 7))
    rows += [
        Row([cell("建设内容", colspan=2), cell("", "left", colspan=6)], 26),
        Row([cell("预期经济和\n社会效益", colspan=2), cell("", "left", colspan=6)], 26),
        opinion_box("申请单位意见及盖章：", 8),
        opinion_box("行业主管部门意见及盖章：", 8),
        Row([cell("联系人", colspan=2), cell(""), cell("办公电话"), cell(""), cell("手机号码"), cell("", colspan=2)]),
        Row([cell("联系地址", colspan=2), cell("", colspan=3), cell("邮编"), cell("", colspan=2)]),
    ]
    return Form("application_form", "项目立项申请表", [
        *header("附表1", "项目立项申请表"),
        Table([100, 60], [Row([cell(f"申请单位（盖章）：{unit}", "left", fact="unit", filled=True),
                               cell("项目编号：", "left")], 8)], style="body", borders=False),
        Table([12, 20, 24, 22, 22, 20, 20, 20], rows),
    ])


def data_checklist(f: Facts) -> Form:
    """附表2 项目数据资源管理核查表 (河府办〔2021〕30号 第十一条第（三）项)."""
    unit, title = f.text("unit"), f.text("title")
    software = f.money("software_cost_wan")
    approved = day_text(approval_date(f.case, f.pack))
    rows = [
        Row([cell("项目名称"), cell(title, "left", colspan=5, fact="title", filled=True)]),
        Row([cell("联系人"), cell(""), cell("电话"), cell(""), cell("邮箱"), cell("")]),
        Row([cell("项目简介"), cell("", "left", colspan=5)], 30),
        Row([cell("项目总投资", rowspan=3), cell("系统硬件"), cell("", colspan=4)]),
        Row([cell("系统软件"), cell("", colspan=4)]),
        Row([cell("应用软件开发"), cell(f"{software}万元" if software else "", colspan=4, fact="software_cost_wan",
                                     filled=bool(software))]),
        Row([cell("立项时间"), cell(approved, filled=bool(approved)), cell("预计验收时间"), cell("", colspan=3)]),
        Row([cell("本项目\n数据内容", rowspan=9), cell("系统功能"), cell("产生数据名称"), cell("共享周期"),
             cell("提供方式", colspan=2)]),
    ]
    rows += [Row([cell(""), cell(""), cell(""), cell("", colspan=2)], 8) for _ in range(8)]
    return Form("data_checklist", "项目数据资源管理核查表", [
        *header("附表2", "项目数据资源管理核查表"),
        Table([80, 80], [Row([cell(f"单位名称（盖章）：{unit}", "left"), cell(DATE_BLANK, "right")], 8)],
              style="body", borders=False),
        Table([22, 34, 34, 22, 22, 26], rows),
        Para("注：1.系统的每个功能可产生多个数据名称（数据项），请如实填写。2.系统产生数据原则上为共享数据，"
             "凡声明不予共享的政务信息资源，必须提供相关法律、行政法规或党中央、国务院政策依据。", "note", space_before=4),
    ])


def _signatures() -> Table:
    """建设单位 / 监理单位 / 承建单位: stamp, the project leader's signature and the date."""
    def one(unit: str) -> Cell:
        return Cell([Line(f"{unit}（盖章）："), Line(""), Line("项目负责人（签名）："), Line(""), Line("日期：")],
                    valign="top")
    return Table([85.6, 85.7, 85.7], [Row([one("建设单位"), one("监理单位"), one("承建单位")], 34)],
                 style="body", borders=False)


CHANGE_LIST_NOTE = "（注：每一页项目变更清单均须建设单位、监理单位、承建单位的项目负责人签名、签署日期，并加盖单位公章）"


def _change_list(heading: str, columns: list[str]) -> list:
    widths = [10, 24, 24, 28, 13, 15, 16, 24, 28, 13, 15, 16, 31]
    rows = [Row([cell(c) for c in columns], 12)]
    rows += [Row([cell("") for _ in columns], 8) for _ in range(6)]
    rows.append(Row([cell("合计")] + [cell("") for _ in columns[1:]], 8))
    return [Para(heading, "body", space_before=4), Table(widths, rows, style="small"), _signatures(),
            Para(CHANGE_LIST_NOTE, "note")]


def change_form(f: Facts) -> Form:
    """附表3 项目变更单 (河府办〔2021〕30号 第二十一条)."""
    title = f.text("title")
    reason = f.text("change_reason")
    change, new_total = f.money("change_wan"), f.money("new_total_wan")
    # the original total only beside a change amount: alone it would read as the change itself
    budget = f.money("budget_wan") if change or new_total else ""
    content = "；".join(p for p in (
        f"变更部分金额：{change}万元" if change else "",
        f"变更后项目总金额：{new_total}万元" if new_total else "",
        f"原项目总投资：{budget}万元" if budget else "") if p)
    leader = Row([cell("项目负责人：", "left"), cell(""), cell("日期：", "left"), cell("")])
    basic = [
        Row([cell("项目名称"), cell(title, "left", fact="title", filled=True), cell("分项目名称"), cell("")]),
        Row([cell("承建单位"), cell("", colspan=3)]),
        Row([Cell([Line("变更依据：" + reason)], colspan=4, valign="top", fact="change_reason", filled=bool(reason))],
            24),
        Row([Cell([Line("变更内容：" + content)], colspan=4, valign="top", fact="change_wan",
                  filled=bool(content))], 36),
        leader,
        Row([Cell([Line("监理单位意见：")], colspan=4, valign="top")], 30),
        leader,
        Row([Cell([Line("建设单位意见：")], colspan=4, valign="top")], 30),
        leader,
    ]
    name = short_title(title)
    hardware = ["序号", "分项目名称", "原设备品牌/型号", "原设备参数", "原数量", "原单价", "原小计",
                "现设备品牌/型号", "现设备参数", "现数量", "现单价", "现小计", "备注"]
    software = ["序号", "分项目名称", "原功能模块", "软件功能", "原数量", "原单价", "原小计",
                "现功能模块", "现软件功能", "现数量", "现单价", "现小计", "备注"]
    return Form("change_form", "项目变更单", [
        *header("附表3", "项目变更单"),
        Para("一、变更基本情况", "heading", space_after=6),
        Table([30, 60, 30, 40], basic),
        Para("注：建设单位、承建单位、监理单位均须加盖公章。", "note", space_before=4),
        PageBreak(landscape=True),
        Para("二、变更明细清单", "heading", space_after=6),
        *_change_list(f"（一）{name}项目硬件设备（含系统软件）变更清单", hardware),
        PageBreak(landscape=True),
        *_change_list(f"（二）{name}项目应用软件变更清单", software),
    ])
