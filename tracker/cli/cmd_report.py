"""tracker report plan|overdue|summary [--year Y] [--jurisdiction J] [--out FILE] — lists as .xlsx.

plan: the annual project plan of each jurisdiction (or one) for a year (default: this year);
overdue: every overdue deadline as of today (TRACKER_TODAY), optionally only those due in a year;
summary: count and amount per track and stage, per jurisdiction and across them by kind.
"""

from pathlib import Path

from tracker.cli.common import store_of
from tracker.cli.output import emit_json, err, out
from tracker.core.i18n import pick
from tracker.forms.reports import KINDS, export_report, parse_year


def register(sub, parent):
    p = sub.add_parser("report", parents=[parent], help=pick("报表（xlsx）：年度计划、逾期清单、汇总",
                                                              "lists as xlsx: annual plan, overdue, summary"))
    p.add_argument("kind", choices=KINDS, help=pick("plan 年度计划、overdue 逾期清单、summary 汇总",
                                                    "plan, overdue or summary"))
    p.add_argument("--year", help=pick("年度（plan 默认今年；summary 按计划年度；overdue 按期限年度）",
                                       "year (plan: default this year; summary: plan year; overdue: year due)"))
    p.add_argument("--jurisdiction", help=pick("只列该辖区", "only this jurisdiction"))
    p.add_argument("--out", metavar="FILE", help=pick("输出文件（.xlsx）", "output file (.xlsx)"))
    return p


def run(args) -> int:
    store = store_of(args)
    year = parse_year(args.year)
    result = export_report(store, args.kind, year=year, jurisdiction=args.jurisdiction,
                           out=Path(args.out) if args.out else None)
    for e in result.errors:
        err(e.one_line())
    if args.json:
        emit_json(result.as_dict())
    else:
        out(pick(f"已生成报表（{result.rows} 行）：{result.path}", f"report written ({result.rows} rows): {result.path}"))
    return 2 if result.errors else 0
