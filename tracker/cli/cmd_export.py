"""tracker export CASE [CASE …] --form FORM [--out FILE] [--format docx|pdf] — the regulations' forms, filled.

A form that lists several cases (叶集 附件1 申报表) takes several case ids, or ``--year Y`` for
every case of the jurisdiction's annual plan of that year. Facts a case lacks leave their cells
blank for hand completion and are listed on stderr (and under ``missing`` with --json).
"""

from pathlib import Path

from tracker import forms
from tracker.cli.common import store_of
from tracker.cli.output import emit_json, err, out
from tracker.core.errors import InputError
from tracker.core.i18n import pick


def register(sub, parent):
    p = sub.add_parser("export", parents=[parent], help=pick("导出办法附表（docx / pdf），用案件事实填写",
                                                              "export a regulation's form filled from case facts"))
    p.add_argument("cases", nargs="*", metavar="CASE",
                   help=pick("案件编号；申报表（叶集 附件1）可给多个", "case id; several for a list form (Yeji 附件1)"))
    p.add_argument("--form", help=pick("表格：编号（如 application_form）、附表/附件号（如 附表1）或名称；"
                                       "不给出时列出案件可用的表格", "form id, its number (附表1) or name; "
                                       "without it, list the forms of the case"))
    p.add_argument("--out", metavar="FILE", help=pick("输出文件（默认：案件编号-表格名称.docx，在当前目录）",
                                                      "output file (default: CASE-form.docx here)"))
    p.add_argument("--format", choices=forms.FORMATS, help=pick("docx（默认）或 pdf；默认取 --out 的扩展名",
                                                                "docx (default) or pdf; default: from --out"))
    p.add_argument("--year", help=pick("列表表格：该年度计划中的全部案件", "list forms: every case of that year's plan"))
    return p


def _list_forms(store, case_ids: list[str], as_json: bool) -> int:
    from tracker import services

    pack_ids = sorted({services.load(store, c).case.jurisdiction for c in case_ids}) if case_ids else sorted(store.packs)
    doc = {"forms": [{"id": fid, "jurisdiction": pid, "label": pick(zh, en), "label_zh": zh, "label_en": en,
                      "multi": forms.FORMS[fid].multi}
                     for pid in pack_ids for fid, zh, en in forms.available_forms(pid)]}
    if as_json:
        emit_json(doc)
    else:
        for f in doc["forms"]:
            out(f"{f['id']:<18} {f['jurisdiction']:<8} {f['label']}" + (pick("（可列多个案件）", " (several cases)")
                                                                         if f["multi"] else ""))
        if not doc["forms"]:
            out(pick("该辖区的办法没有附表", "this jurisdiction's measures have no forms"))
    return 0


def run(args) -> int:
    store = store_of(args)
    if not args.form:
        if args.year or args.out:
            raise InputError(pick("请用 --form 指定表格", "name the form with --form"))
        return _list_forms(store, args.cases, args.json)
    case_ids = list(args.cases)
    if args.year is not None:
        from tracker.forms.reports import parse_year, plan_case_ids

        year = parse_year(args.year)
        fdef = forms.resolve_form(args.form)
        if not fdef.multi:
            raise InputError(pick(f"--year 只用于列出多个案件的表格（{fdef.label_zh} 每份一个案件）",
                                  f"--year is for list forms ('{fdef.label_en}' takes one case)"))
        if case_ids:
            raise InputError(pick("--year 与案件编号不能同时使用", "--year and case ids cannot be used together"))
        case_ids = plan_case_ids(store, fdef.jurisdiction, year)
        if not case_ids:
            raise InputError(pick(f"{fdef.jurisdiction} 没有 {year} 年度计划中的案件",
                                  f"{fdef.jurisdiction} has no cases in the {year} plan"))
    if not case_ids:
        raise InputError(pick("请给出案件编号（列表表格也可用 --year）", "name a case (or --year for a list form)"))
    result = forms.export_form(store, case_ids, args.form, Path(args.out) if args.out else None, args.format)
    if result.missing:
        err(pick("以下事实尚未填写，相应栏目已留空待手工填写（可用 tracker set 补充）：",
                 "these facts are not set; their cells are left blank for hand completion (tracker set fills them):"))
        for m in result.missing:
            err(f"  - {m}")
    if args.json:
        emit_json(result.as_dict())
    else:
        out(pick(f"已导出 {forms.FORMS[result.form].label_zh}：{result.path}",
                 f"exported {forms.FORMS[result.form].label_en}: {result.path}"))
    return 0
