"""Lists for finance and audit as Excel workbooks (openpyxl): the annual project plan per
jurisdiction and year, the overdue list, and a summary of count and amount per track and stage.

Cases are read through :mod:`tracker.services` (``iter_case_rows`` for track, stage and
deadlines; ``due_items`` for the overdue list); amounts come from the case files as exact
decimals, never from the rows' JSON-friendly floats.

The *plan year* of a case is the year of its planned start (``planned_start``), else the year
it was opened: a project declared in October 2025 to start in May 2026 is in the 2026 plan.
"""

from __future__ import annotations

import datetime as _dt
import io
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from tracker.core.errors import InputError, TrackerError
from tracker.core.i18n import pick
from tracker.core.models import Case
from tracker.forms.fill import funding_text
from tracker.forms.output import out_format, safe_file_name, write_file

KINDS = ("plan", "overdue", "summary")
EXCLUDED_STAGES = ("rejected", "terminated")  # not in any plan
MONEY_FORMAT = "#,##0.00"

TRACK_KIND_NAMES = {"approval": ("立项审批", "approval"), "filing": ("备案", "filing"),
                    "simplified": ("简化审批", "simplified"), "exempt": ("不适用本办法", "exempt")}
STAGE_KIND_NAMES = {
    "planning": ("年度计划申报", "planning"), "proposal": ("方案编制及论证", "proposal"),
    "crypto_review": ("密码应用审核", "crypto review"), "security_review": ("网络安全审查", "security review"),
    "application": ("立项申报", "application"), "initial_review": ("初步审核", "initial review"),
    "expert_review": ("专家论证", "expert review"), "funding_review": ("资金审核", "funding review"),
    "approval": ("立项批复", "approval"), "filing": ("备案", "filing"), "funding_request": ("资金申请", "funding request"),
    "procurement": ("采购", "procurement"), "implementation": ("实施", "implementation"), "change": ("变更", "change"),
    "preliminary_acceptance": ("初步验收", "preliminary acceptance"),
    "compliance_review": ("验收前符合性审查", "compliance review"), "archive_acceptance": ("档案验收", "archive acceptance"),
    "final_acceptance": ("验收", "final acceptance"), "self_evaluation": ("绩效自评价", "self-evaluation"),
    "post_evaluation": ("后评价", "post-evaluation"), "closed": ("已办结", "closed"), "terminated": ("已终止", "terminated"),
    "rejected": ("未通过", "rejected"),
}


def kind_name(table: dict, kind: str) -> str:
    zh, en = table.get(kind, (kind, kind))
    return pick(zh, en)


def parse_year(raw: str | int | None) -> int | None:
    if raw is None:
        return None
    text = str(raw).strip()
    if not text.isdigit() or len(text) != 4 or not 1949 <= int(text) <= 2199:
        raise InputError(pick(f"年份无效：{raw!r}（应为四位数字，如 2025）", f"invalid year: {raw!r} (four digits, e.g. 2025)"))
    return int(text)


def plan_year(case: Case) -> int:
    start = case.facts.get("planned_start")
    return start.year if isinstance(start, _dt.date) else case.created_on.year


@dataclass
class Entry:
    row: dict  # services.case_row
    case: Case


def entries(store, *, jurisdiction: str | None = None, year: int | None = None, on: _dt.date | None = None,
            plan_only: bool = False) -> tuple[list[Entry], list[TrackerError]]:
    """The cases with their list rows, filtered by jurisdiction and plan year; with ``plan_only``,
    only cases the annual plan lists (not exempt from the measures, not rejected or terminated)."""
    from tracker import services

    pack_id = store.pack(jurisdiction).id if jurisdiction else None
    out, errors = [], []
    for _, _, row in services.iter_case_rows(store, on):
        if isinstance(row, TrackerError):
            errors.append(row)
            continue
        if pack_id and row["jurisdiction"] != pack_id:
            continue
        if plan_only and (row["track"] == "exempt" or row["stage"]["kind"] in EXCLUDED_STAGES):
            continue
        try:
            case = store.load_case(row["id"], check_files=False)
        except TrackerError as e:
            errors.append(e)
            continue
        if year is not None and plan_year(case) != year:
            continue
        out.append(Entry(row, case))
    return out, errors


def plan_case_ids(store, jurisdiction: str, year: int) -> list[str]:
    """The cases of a jurisdiction's annual plan for ``year`` (叶集 附件1 lists them)."""
    found, _ = entries(store, jurisdiction=jurisdiction, year=year, plan_only=True)
    return [e.case.id for e in found]


# ---------------------------------------------------------------------------------------
# workbook helpers

class Sheet:
    """A worksheet written top to bottom: a title, a note line, a bordered table."""

    def __init__(self, ws, widths: list[int]):
        from openpyxl.styles import Alignment, Border, Font, Side

        self.ws, self.n = ws, len(widths)
        self.title_font = Font(name="黑体", size=16, charset=134)
        self.head_font = Font(name="黑体", size=11, charset=134)
        self.body_font = Font(name="宋体", size=11, charset=134)
        thin = Side(style="thin")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.center = Alignment(horizontal="center", vertical="center", wrap_text=True)
        self.left = Alignment(horizontal="left", vertical="center", wrap_text=True)
        self.right = Alignment(horizontal="right", vertical="center")
        from openpyxl.utils import get_column_letter

        for i, w in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(i)].width = w
        self.r = 1

    def banner(self, text: str, title: bool = True) -> None:
        ws = self.ws
        ws.merge_cells(start_row=self.r, start_column=1, end_row=self.r, end_column=self.n)
        c = ws.cell(self.r, 1, text)
        c.font = self.title_font if title else self.body_font
        c.alignment = self.center if title else self.left
        ws.row_dimensions[self.r].height = 30 if title else 18
        self.r += 1

    def row(self, values: list, header: bool = False, money: tuple[int, ...] = ()) -> None:
        for i, v in enumerate(values, 1):
            c = self.ws.cell(self.r, i, v)
            c.border = self.border
            c.font = self.head_font if header else self.body_font
            if header:
                c.alignment = self.center
            elif i - 1 in money:
                c.number_format, c.alignment = MONEY_FORMAT, self.right
            else:
                c.alignment = self.left if isinstance(v, str) and len(v) > 6 else self.center
        if header:
            self.ws.freeze_panes = self.ws.cell(self.r + 1, 1)
        self.r += 1


def _money(v) -> Decimal | None:
    return Decimal(v) if v is not None else None


def _sum(values) -> Decimal:
    return sum((v for v in values if v is not None), Decimal(0))


def _date(v) -> str:
    return v.isoformat() if isinstance(v, _dt.date) else ""


# ---------------------------------------------------------------------------------------
# the three lists

def _plan(wb, store, year: int, jurisdiction: str | None, on: _dt.date) -> tuple[int, list[TrackerError]]:
    found, errors = entries(store, jurisdiction=jurisdiction, year=year, on=on, plan_only=True)
    packs = [store.pack(jurisdiction)] if jurisdiction else [store.packs[p] for p in sorted(store.packs)]
    category = {"public": pick("公共类", "public"), "professional": pick("专业类", "professional")}
    for pack in packs:
        mine = [e for e in found if e.row["jurisdiction"] == pack.id]
        if not mine and not jurisdiction:
            continue
        ws = wb.create_sheet(pack.jurisdiction[:31])
        sh = Sheet(ws, [6, 15, 36, 24, 9, 11, 16, 14, 26, 12, 12, 10, 12])
        sh.banner(pick(f"{pack.jurisdiction}{year}年度政务信息化项目计划", f"{pack.jurisdiction_en or pack.id} "
                                                                 f"government IT project plan {year}"))
        sh.banner(pick(f"依据：{pack.name}（{pack.document or '原文未载文号'}）　制表日期：{on.isoformat()}　金额单位：万元",
                       f"under: {pack.name_en or pack.name} ({pack.document or 'no number'})  as of {on.isoformat()}  "
                       f"amounts in 万元"), title=False)
        sh.row([pick("序号", "no."), pick("案件编号", "case"), pick("项目名称", "title"), pick("建设单位", "unit"),
                pick("项目类别", "category"), pick("办理类型", "track"), pick("当前阶段", "stage"),
                pick("项目总投资（万元）", "budget (万元)"), pick("资金来源", "funding"), pick("计划开工", "planned start"),
                pick("计划竣工", "planned end"), pick("列入年度计划", "in annual plan"), pick("下一期限", "next due")],
               header=True)
        for n, e in enumerate(mine, 1):
            f = e.case.facts
            sh.row([n, e.case.id, e.case.title, e.case.unit, category.get(f.get("category"), ""),
                    e.row["track_name"], e.row["stage"]["name"], _money(f.get("budget_wan")),
                    funding_text(f.get("funding")), _date(f.get("planned_start")), _date(f.get("planned_end")),
                    pick("是", "yes") if f.get("in_annual_plan") else pick("否", "no"), e.row["next_due"] or ""],
                   money=(7,))
        sh.row([pick("合计", "total"), f"{len(mine)}" + pick("件", " cases"), "", "", "", "", "",
                _sum(e.case.facts.get("budget_wan") for e in mine), "", "", "", "", ""], money=(7,))
    return len(found), errors


def _overdue(wb, store, year: int | None, jurisdiction: str | None, on: _dt.date) -> tuple[int, list[TrackerError]]:
    from tracker import services

    found, errors = entries(store, jurisdiction=jurisdiction, on=on)
    rows = {e.case.id: e.row for e in found}
    items, more = services.due_items(store, on)
    items = [i for i in items if i.status == "overdue" and i.case in rows and (year is None or i.due.year == year)]
    ws = wb.create_sheet(pick("逾期事项", "overdue"))
    sh = Sheet(ws, [6, 15, 12, 36, 24, 40, 12, 10, 8, 30])
    sh.banner(pick(f"逾期事项清单（截至{on.isoformat()}）", f"Overdue items (as of {on.isoformat()})"))
    scope = [pick(f"辖区：{store.pack(jurisdiction).jurisdiction}", f"jurisdiction: {store.pack(jurisdiction).id}")
             if jurisdiction else pick("辖区：全部", "jurisdictions: all")]
    if year is not None:
        scope.append(pick(f"期限年度：{year}", f"due in {year}"))
    sh.banner("　".join(scope), title=False)
    sh.row([pick("序号", "no."), pick("案件编号", "case"), pick("辖区", "jurisdiction"), pick("项目名称", "title"),
            pick("建设单位", "unit"), pick("事项", "what"), pick("期限", "due"), pick("逾期天数", "days late"),
            pick("估算", "estimated"), pick("依据", "cite")], header=True)
    for n, i in enumerate(items, 1):
        r = rows[i.case]
        sh.row([n, i.case, r["jurisdiction_name"], r["title"], r["unit"], str(i.what), i.due.isoformat(),
                (on - i.due).days, pick("是", "yes") if i.estimated else "", i.cite])
    seen = {(e.file, e.line, e.message) for e in errors}
    return len(items), errors + [e for e in more if (e.file, e.line, e.message) not in seen]


def _summary(wb, store, year: int | None, jurisdiction: str | None, on: _dt.date) -> tuple[int, list[TrackerError]]:
    found, errors = entries(store, jurisdiction=jurisdiction, year=year, on=on)
    heads = [pick("件数", "cases"), pick("金额（万元）", "amount (万元)"), pick("金额未填（件）", "amount unknown")]

    def figures(group: list[Entry]) -> list:
        budgets = [e.case.facts.get("budget_wan") for e in group]
        return [len(group), _sum(budgets), sum(1 for b in budgets if b is None)]

    scope = pick(f"计划年度：{year}", f"plan year {year}") if year else pick("全部年度", "all years")
    ws = wb.create_sheet(pick("按辖区", "by jurisdiction"))
    sh = Sheet(ws, [14, 16, 22, 18, 8, 16, 14])
    sh.banner(pick("政务信息化项目汇总（按办理类型和阶段）", "Government IT projects by track and stage"))
    sh.banner(pick(f"{scope}　截至{on.isoformat()}", f"{scope}, as of {on.isoformat()}"), title=False)
    sh.row([pick("辖区", "jurisdiction"), pick("办理类型", "track"), pick("阶段", "stage"),
            pick("阶段类别", "stage kind"), *heads], header=True)
    for pid in sorted({e.row["jurisdiction"] for e in found}):
        pack = store.packs[pid]
        mine = [e for e in found if e.row["jurisdiction"] == pid]
        order = {sid: i for i, sid in enumerate(pack.stages)}
        groups: dict[tuple, list[Entry]] = {}
        for e in mine:
            groups.setdefault((list(pack.tracks).index(e.row["track_id"]) if e.row["track_id"] in pack.tracks else 99,
                               order.get(e.row["stage"]["id"], 99), e.row["track_name"], e.row["stage"]["name"],
                               e.row["stage"]["kind"]), []).append(e)
        for (_, _, track, stage, kind), group in sorted(groups.items(), key=lambda g: g[0][:2]):
            sh.row([mine[0].row["jurisdiction_name"], track, stage, kind_name(STAGE_KIND_NAMES, kind), *figures(group)],
                   money=(5,))
        sh.row([mine[0].row["jurisdiction_name"], pick("小计", "subtotal"), "", "", *figures(mine)], money=(5,))
    sh.row([pick("总计", "total"), "", "", "", *figures(found)], money=(5,))
    ws = wb.create_sheet(pick("按类别", "by kind"))
    sh = Sheet(ws, [16, 22, 8, 16, 14])
    sh.banner(pick("政务信息化项目汇总（按办理类型类别和阶段类别）", "Government IT projects by track kind and stage kind"))
    sh.banner(pick(f"{scope}　截至{on.isoformat()}", f"{scope}, as of {on.isoformat()}"), title=False)
    sh.row([pick("办理类型类别", "track kind"), pick("阶段类别", "stage kind"), *heads], header=True)
    tracks = list(TRACK_KIND_NAMES)
    stages = list(STAGE_KIND_NAMES)
    kinds: dict[tuple[str, str], list[Entry]] = {}
    for e in found:
        kinds.setdefault((e.row["track"], e.row["stage"]["kind"]), []).append(e)
    for (track, stage), group in sorted(kinds.items(), key=lambda k: (tracks.index(k[0][0]) if k[0][0] in tracks else 99,
                                                                      stages.index(k[0][1]) if k[0][1] in stages else 99)):
        sh.row([kind_name(TRACK_KIND_NAMES, track), kind_name(STAGE_KIND_NAMES, stage), *figures(group)], money=(3,))
    sh.row([pick("总计", "total"), "", *figures(found)], money=(3,))
    return len(found), errors


BUILDERS = {"plan": _plan, "overdue": _overdue, "summary": _summary}


@dataclass
class ReportResult:
    path: Path
    kind: str
    year: int | None
    jurisdiction: str | None
    rows: int
    errors: list[TrackerError] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"path": str(self.path), "kind": self.kind, "year": self.year, "jurisdiction": self.jurisdiction,
                "rows": self.rows,
                "errors": [{"file": e.file, "line": e.line, "message": e.message} for e in self.errors]}


def build_report(store, kind: str, *, year: int | None = None, jurisdiction: str | None = None,
                 on: _dt.date | None = None) -> tuple[bytes, int, list[TrackerError]]:
    from openpyxl import Workbook

    from tracker.store.store import today

    if kind not in KINDS:
        raise InputError(pick(f"未知的报表“{kind}”（可选：plan 年度计划、overdue 逾期清单、summary 汇总）",
                              f"unknown report '{kind}' (choose: plan, overdue, summary)"))
    on = on or today()
    if kind == "plan" and year is None:
        year = on.year
    wb = Workbook()
    wb.remove(wb.active)
    count, errors = BUILDERS[kind](wb, store, year, jurisdiction, on)
    if not wb.sheetnames:  # a plan of a year with no cases in any jurisdiction: still a valid, empty workbook
        sh = Sheet(wb.create_sheet(pick("年度计划", "plan")), [60])
        sh.banner(pick(f"{year}年度没有政务信息化项目", f"no government IT projects in {year}"))
    wb.properties.creator = "tracker"
    wb.properties.title = {"plan": pick("年度项目计划", "annual plan"), "overdue": pick("逾期清单", "overdue list"),
                           "summary": pick("汇总", "summary")}[kind]
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), count, errors


def export_report(store, kind: str, *, year: int | None = None, jurisdiction: str | None = None,
                  out: Path | None = None, on: _dt.date | None = None) -> ReportResult:
    """Build a list and write it as .xlsx to ``out`` (default: a name of the kind and year here)."""
    from tracker.store.store import today

    out = Path(out) if out is not None else None
    out_format(out, None, ("xlsx",), "xlsx")
    on = on or today()
    pack_id = store.pack(jurisdiction).id if jurisdiction else None
    data, count, errors = build_report(store, kind, year=year, jurisdiction=pack_id, on=on)
    if kind == "plan" and year is None:
        year = on.year
    if out is None:
        name = {"plan": pick("年度项目计划", "plan"), "overdue": pick("逾期清单", "overdue"),
                "summary": pick("项目汇总", "summary")}[kind]
        out = Path(safe_file_name("-".join(str(p) for p in (name, pack_id, year or on.isoformat()) if p)) + ".xlsx")
    path = write_file(out, data)
    return ReportResult(path, kind, year, pack_id, count, errors)
