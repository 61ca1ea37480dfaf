"""The regulations' forms, filled from case facts, as Word or PDF; lists as Excel (reports.py).

Layers: this package reads cases through :mod:`tracker.services` and the store, never imports the
CLI or the terminal UI. The UI calls :func:`available_forms` and :func:`export_form`.

Forms (their ids are the rule packs' document kinds, so an exported form can be attached as is):

=========  ==================  =====================================================
pack       id                  form
=========  ==================  =====================================================
heyuan     application_form    河府办〔2021〕30号 附表1 项目立项申请表
heyuan     data_checklist      河府办〔2021〕30号 附表2 项目数据资源管理核查表
heyuan     change_form         河府办〔2021〕30号 附表3 项目变更单
yeji       declaration_form    叶政办〔2020〕19号 附件1 政务信息化项目申报表 (several cases)
yeji       progress_report     叶政办〔2020〕19号 附件2 政务信息化项目进度情况表
golmud     filing_form         格政办〔2023〕15号 附件 格尔木市政务信息系统备案表
=========  ==================  =====================================================

A cell whose fact the case lacks stays blank for hand completion (never a placeholder); the
missing facts are returned so the caller can list them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from tracker.core.errors import InputError
from tracker.core.i18n import pick
from tracker.forms import golmud, heyuan, yeji
from tracker.forms.fill import Facts, MissingFact
from tracker.forms.model import Form
from tracker.forms.output import FORMATS, out_format, safe_file_name, write_file

__all__ = ["FORMS", "FormDef", "ExportResult", "available_forms", "resolve_form", "build_form", "export_form"]


@dataclass(frozen=True)
class FormDef:
    id: str
    jurisdiction: str  # rule pack id
    code: str  # 附表1 / 附件1 / 附件: how the measures number it
    name: str
    name_en: str
    build: Callable
    multi: bool = False  # one form lists several cases (叶集 附件1)
    aliases: tuple[str, ...] = ()

    @property
    def label_zh(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def label_en(self) -> str:
        return f"{self.code} {self.name_en}"

    def label(self) -> str:
        return pick(self.label_zh, self.label_en)


FORMS: dict[str, FormDef] = {f.id: f for f in (
    FormDef("application_form", "heyuan", "附表1", "项目立项申请表", "project application form",
            heyuan.application_form),
    FormDef("data_checklist", "heyuan", "附表2", "项目数据资源管理核查表", "data resource management checklist",
            heyuan.data_checklist, aliases=("项目数据资源管理检查表",)),  # so named in the list of 附表
    FormDef("change_form", "heyuan", "附表3", "项目变更单", "project change form", heyuan.change_form),
    FormDef("declaration_form", "yeji", "附件1", "六安市叶集区政务信息化项目申报表",
            "government IT project declaration list", yeji.declaration_form, multi=True,
            aliases=("政务信息化项目申报表", "申报表")),
    FormDef("progress_report", "yeji", "附件2", "六安市叶集区政务信息化项目进度情况表",
            "government IT project progress report", yeji.progress_report,
            aliases=("政务信息化项目进度情况表", "进度情况表")),
    FormDef("filing_form", "golmud", "附件", "格尔木市政务信息系统备案表", "government information system filing form",
            golmud.filing_form, aliases=("政务信息系统备案表", "备案表")),
)}


def available_forms(jurisdiction_id: str) -> list[tuple[str, str, str]]:
    """The forms of one rule pack: ``(form_id, label_zh, label_en)``; empty for a pack without forms."""
    return [(f.id, f.label_zh, f.label_en) for f in FORMS.values() if f.jurisdiction == jurisdiction_id]


def resolve_form(name: str, jurisdiction: str | None = None) -> FormDef:
    """A form by id, by its number in the measures (附表1, 附件2, 附件), by its name, or by
    ``number name`` as :func:`available_forms` labels it. With ``jurisdiction``, a form of another
    pack is bad input naming both."""
    key = "".join(name.split()).lower()
    found = None
    for f in FORMS.values():
        names = {f.id, f.code, f.name, f.code + f.name, f.name_en.replace(" ", "").lower(), *f.aliases}
        if key in {n.lower() for n in names}:
            found = f
            break
    own = [f"{f.id}（{f.label_zh}）" for f in FORMS.values() if jurisdiction is None or f.jurisdiction == jurisdiction]
    if found is None:
        known = "；".join(own) if own else pick("本辖区没有表格", "this jurisdiction has no forms")
        raise InputError(pick(f"未知的表格“{name}”（可用：{known}）", f"unknown form '{name}' (available: {known})"))
    if jurisdiction is not None and found.jurisdiction != jurisdiction:
        known = "；".join(own) if own else pick("本辖区没有表格", "none")
        raise InputError(pick(f"表格“{found.label_zh}”属于 {found.jurisdiction} 的办法，不适用于 {jurisdiction} 的案件"
                              f"（可用：{known}）",
                              f"form '{found.label_en}' belongs to {found.jurisdiction}, not to {jurisdiction} cases "
                              f"(available: {known})"))
    return found


@dataclass
class ExportResult:
    path: Path
    form: str
    format: str
    cases: list[str]
    missing_facts: list[MissingFact] = field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        """The missing facts as labels (with the case id when the form lists several cases)."""
        several = len(self.cases) > 1
        return [m.label(several) for m in self.missing_facts]

    def as_dict(self) -> dict:
        return {"path": str(self.path), "form": self.form, "format": self.format, "cases": self.cases,
                "missing": self.missing, "missing_facts": [m.as_dict() for m in self.missing_facts]}


def _facts(store, case_id: str) -> Facts:
    from tracker import services

    ld = services.load(store, case_id)
    st = ld.view.stage
    return Facts(ld.case, ld.view.pack, stage_name=st.name if st else "")


def build_form(store, case_ids: list[str], form_id: str) -> tuple[FormDef, Form, list[Facts]]:
    """The filled layout of a form for the given cases (which must all be of the form's jurisdiction)."""
    if not case_ids:
        raise InputError(pick("请指定案件", "name at least one case"))
    seen, ids = set(), []
    for cid in case_ids:
        key = cid.strip().upper()
        if key not in seen:
            seen.add(key)
            ids.append(cid)
    facts = [_facts(store, cid) for cid in ids]
    jurisdictions = sorted({f.pack.id for f in facts})
    fdef = resolve_form(form_id, jurisdictions[0] if len(jurisdictions) == 1 else None)
    for f in facts:
        if f.pack.id != fdef.jurisdiction:
            resolve_form(form_id, f.pack.id)  # raises, naming the form's and the case's jurisdictions
    if not fdef.multi and len(facts) > 1:
        raise InputError(pick(f"表格“{fdef.label_zh}”每份只填一个案件（给出了 {len(facts)} 个）",
                              f"form '{fdef.label_en}' takes one case ({len(facts)} given)"))
    form = fdef.build(facts) if fdef.multi else fdef.build(facts[0])
    form.subject = "、".join(f.case.id for f in facts)
    return fdef, form, facts


def default_name(fdef: FormDef, case_ids: list[str], fmt: str) -> str:
    who = case_ids[0] if len(case_ids) == 1 else pick(f"{case_ids[0]}等{len(case_ids)}件", f"{case_ids[0]}+{len(case_ids) - 1}")
    return safe_file_name(f"{who}-{fdef.code}-{fdef.name}") + f".{fmt}"


def render(form: Form, fmt: str) -> bytes:
    if fmt == "pdf":
        from tracker.forms.pdf import render_pdf

        return render_pdf(form)
    from tracker.forms.docx import render_docx

    return render_docx(form)


def export_form(store, case_ids: list[str], form_id: str, out: Path | None = None, fmt: str | None = "docx",
                ) -> ExportResult:
    """Fill ``form_id`` from the cases and write it to ``out`` (default: a name made of the case id and
    the form, in the current directory). ``fmt`` is ``docx`` or ``pdf``; None takes it from ``out``."""
    fmt = out_format(Path(out) if out is not None else None, fmt, FORMATS, "docx")
    fdef, form, facts = build_form(store, case_ids, form_id)
    ids = [f.case.id for f in facts]
    data = render(form, fmt)
    path = write_file(Path(out) if out is not None else Path(default_name(fdef, ids, fmt)), data)
    return ExportResult(path, fdef.id, fmt, ids, [m for f in facts for m in f.missing])
