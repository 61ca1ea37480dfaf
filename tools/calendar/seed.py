#!/usr/bin/env python3
"""Draft a working-day calendar file, jurisdictions/calendars/<year>.yaml, from `chinesecalendar`.

    .venv/bin/python tools/calendar/seed.py 2027            # print the draft
    .venv/bin/python tools/calendar/seed.py 2027 --write    # write jurisdictions/calendars/2027.yaml

The draft is a starting point, not an authority: compare every line with the State Council's notice
(国务院办公厅关于<year>年部分节假日安排的通知) before checking it in, and fill in the notice's title,
number and date in NOTICES below (or in the file). The tracker never imports chinesecalendar at run
time; it is a test dependency, and tests/test_calendar_data.py checks every day of the checked-in
files against it.

A day is attributed to the notice that fixed it: the year's own notice, a later notice that changed
it (AMENDMENTS, e.g. the 2020 extension of the Spring Festival), or — for the New Year's Day break
that starts in late December — the next year's notice, which is then listed under other_notices.
An existing file is never overwritten without --force.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = ROOT / "jurisdictions" / "calendars"

# The notice of each year: (title, document number or None if not known for certain, date signed).
NOTICES: dict[int, tuple[str, str | None, str]] = {
    2020: ("国务院办公厅关于2020年部分节假日安排的通知", "国办发明电〔2019〕16号", "2019-11-21"),
    2021: ("国务院办公厅关于2021年部分节假日安排的通知", "国办发明电〔2020〕27号", "2020-11-25"),
    2022: ("国务院办公厅关于2022年部分节假日安排的通知", "国办发明电〔2021〕11号", "2021-10-25"),
    2023: ("国务院办公厅关于2023年部分节假日安排的通知", "国办发明电〔2022〕16号", "2022-12-08"),
    2024: ("国务院办公厅关于2024年部分节假日安排的通知", "国办发明电〔2023〕7号", "2023-10-25"),
    2025: ("国务院办公厅关于2025年部分节假日安排的通知", "国办发明电〔2024〕12号", "2024-11-12"),
    2026: ("国务院办公厅关于2026年部分节假日安排的通知", "国办发明电〔2025〕7号", "2025-11-04"),
}

# Later notices that changed days of a year: year -> [(title, number, date, days off it added,
# make-up working days it cancelled, note)].
AMENDMENTS: dict[int, list[tuple[str, str | None, str, list[str], list[str], str]]] = {
    2020: [("国务院办公厅关于延长2020年春节假期的通知", "国办发明电〔2020〕1号", "2020-01-26",
            ["2020-01-31", "2020-02-01", "2020-02-02"], ["2020-02-01"],
            "春节假期延长至2月2日，原定2月1日（星期六）上班取消 / Spring Festival extended to 2 February; "
            "the make-up working day of Saturday 1 February was cancelled")],
}

# The notice's own name for a break where chinesecalendar's labels differ (first day -> zh, en).
NAMES: dict[str, tuple[str, str]] = {
    "2020-10-01": ("国庆节、中秋节", "National Day and Mid-autumn Festival"),
}

# Notes written beside an entry (first day -> note).
NOTES: dict[str, str] = {
    "2022-12-31": "2023年通知：2022年12月31日至2023年1月2日放假调休 / the 2023 notice starts the break on 31 December 2022",
}

# Days chinesecalendar lists as holidays that no notice fixes as days off: left out (they are
# ordinary weekends, so working-day counts are the same either way).
SKIP: dict[str, str] = {
    "2023-12-30": "2024年通知只写“元旦：1月1日放假，与周末连休”（端午节6月10日同样写法，其前的周末也未列入）",
    "2023-12-31": "",
}

# Comment lines written at the top of a year's file.
HEADER: dict[int, list[str]] = {
    2023: ["2023-12-30、31（周六、周日）不列入：2024年通知只写“元旦：1月1日放假，与周末连休”，与端午节“6月10日放假，",
           "与周末连休”写法相同，均为普通周末 / 30-31 Dec 2023 are ordinary weekend days (the 2024 notice only joins",
           "1 January to the weekend, as it does for 10 June), so they are not listed."],
    2025: ["本年起适用《国务院关于修改〈全国年节及纪念日放假办法〉的决定》（国务院令第795号，2024年11月10日）：",
           "春节增加除夕、劳动节增加5月2日 / from 2025 the amended holiday measures (State Council Decree No. 795)",
           "add New Year's Eve of the Spring Festival and 2 May."],
}

OFFICIAL = {  # chinesecalendar's English names -> the notices' names
    "New Year's Day": ("元旦", "New Year's Day"),
    "Spring Festival": ("春节", "Spring Festival"),
    "Tomb-sweeping Day": ("清明节", "Qingming Festival"),
    "Labour Day": ("劳动节", "Labour Day"),
    "Dragon Boat Festival": ("端午节", "Dragon Boat Festival"),
    "Mid-autumn Festival": ("中秋节", "Mid-autumn Festival"),
    "National Day": ("国庆节", "National Day"),
    "Anti-Fascist 70th Day": ("中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日", "Victory Day (70th anniversary)"),
}


def _q(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _notice_yaml(title: str, number: str | None, date: str, indent: str) -> list[str]:
    lines = [f"{indent}title: {title}"]
    if number:
        lines.append(f"{indent}number: {number}")
    else:
        lines.append(f"{indent}number: null  # 文号未核实 / number not verified: check the notice")
    lines.append(f"{indent}date: {date}")
    return lines


def draft(year: int) -> str:
    try:
        from chinese_calendar.constants import holidays, workdays
    except ImportError:  # pragma: no cover
        sys.exit("chinesecalendar is not installed (it is a test dependency: pip install chinesecalendar)")
    if year not in NOTICES:
        sys.exit(f"add the notice of {year} (title, number, date) to NOTICES in {Path(__file__).name} first")
    title, number, date = NOTICES[year]
    days = sorted(d for d in holidays if d.year == year and d.isoformat() not in SKIP)
    if not days:
        sys.exit(f"chinesecalendar has no holidays for {year}; update it, or write the file by hand")
    added: dict[dt.date, str] = {}
    cancelled: set[dt.date] = set()
    others: list[tuple[str, str | None, str, str | None]] = []
    for a_title, a_number, a_date, a_days, a_cancel, a_note in AMENDMENTS.get(year, []):
        others.append((a_title, a_number, a_date, a_note))
        for d in a_days:
            added[dt.date.fromisoformat(d)] = a_number or a_title
        cancelled |= {dt.date.fromisoformat(d) for d in a_cancel}

    def by(d: dt.date) -> str | None:
        if d in added:
            return added[d]
        if d.month == 12 and holidays[d] == "New Year's Day":
            nxt = NOTICES.get(year + 1)
            if nxt is None:
                sys.exit(f"{d} belongs to the New Year's Day break fixed by the {year + 1} notice: add it to NOTICES")
            if not any(o[0] == nxt[0] for o in others):
                others.append((nxt[0], nxt[1], nxt[2], None))
            return nxt[1] or nxt[0]
        return None

    for d in days:  # attribute every day first, so that other_notices is complete
        by(d)
    # consecutive days off fixed by the same notice form one break
    runs: list[list[dt.date]] = []
    for d in days:
        if runs and d - runs[-1][-1] == dt.timedelta(days=1) and by(d) == by(runs[-1][-1]):
            runs[-1].append(d)
        else:
            runs.append([d])
    entries = []
    for run in runs:
        names: list[str] = []
        for d in run:
            if holidays[d] not in names:
                names.append(holidays[d])
        zh = "、".join(OFFICIAL[n][0] for n in names)
        en = " and ".join(OFFICIAL[n][1] for n in names)
        zh, en = NAMES.get(run[0].isoformat(), (zh, en))
        entries.append((run, zh, en, names))

    out = [
        f"# {year}年放假日与调休上班日 / Days off and make-up working days of {year}",
        f"# 依据 Source: {title}（{number or '文号未核实 / number not verified'}，{date}）",
        *(f"# 另见 See also: {o[0]}（{o[1] or '文号未核实'}，{o[2]}）" for o in others),
        *(f"# {line}" for line in HEADER.get(year, [])),
        "# 格式与添加年份的方法见 README.md / format and how to add a year: README.md in this folder.",
        f"year: {year}",
        "notice:",
        *_notice_yaml(title, number, date, "  "),
    ]
    if others:
        out.append("other_notices:")
        for o_title, o_number, o_date, _ in others:
            lines = _notice_yaml(o_title, o_number, o_date, "    ")
            out.append("  - " + lines[0].strip())
            out.extend(lines[1:])
    out.append("# 放假日（含通知所列与之连休的周六、周日）/ days off, including the weekend days of each break")
    out.append("holidays:")
    for run, zh, en, _ in entries:
        parts = [f"name: {zh}", f"name_en: {_q(en)}", f"from: {run[0]}", f"to: {run[-1]}"]
        b = by(run[0])
        if b:
            parts.append(f"by: {b}")
        note = NOTES.get(run[0].isoformat())
        if b and b in added.values():
            note = next(o[3] for o in others if (o[1] or o[0]) == b)
        if note:
            parts.append(f"note: {_q(note)}")
        out.append("  - {" + ", ".join(parts) + "}")
    out.append("# 调休上班的周六、周日 / Saturdays and Sundays that are working days (调休)")
    ws = sorted(d for d in workdays if d.year == year and d not in cancelled)
    out.append("workdays:" + ("" if ws else " []"))
    for d in ws:
        name = workdays[d]
        label = next((zh for run, zh, en, names in entries if name in names and run[0].year == year), OFFICIAL[name][0])
        out.append(f"  - {{date: {d}, for: {label}}}")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("years", nargs="+", type=int)
    ap.add_argument("--write", action="store_true", help="write jurisdictions/calendars/<year>.yaml")
    ap.add_argument("--force", action="store_true", help="overwrite an existing file")
    args = ap.parse_args(argv)
    for year in args.years:
        text = draft(year)
        if not args.write:
            sys.stdout.write(text)
            continue
        path = OUT_DIR / f"{year}.yaml"
        if path.exists() and not args.force:
            sys.exit(f"{path.relative_to(ROOT)} exists (reviewed data); use --force to overwrite")
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}: review it against the notice before committing")
    return 0


if __name__ == "__main__":
    sys.exit(main())
