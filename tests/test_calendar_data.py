"""The working-day calendar as data (jurisdictions/calendars/<year>.yaml) and every deadline kind
computed on it, observed through the CLI (`due --json`, `show --json`, `check --json`).

Every expected date below was counted by hand from the State Council's notice of that year; the
comment beside each case shows the count. 民法典 第二百零一条: the event day is not counted;
第二百零三条: a period whose last day is a statutory holiday ends on the next working day.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from tracker.core.calendar import load_calendar, parse_calendar_text
from tracker.core.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
CAL_DIR = ROOT / "jurisdictions" / "calendars"
YEARS = range(2020, 2027)  # the years shipped; add a year here when its file is added
D = dt.date

# chinesecalendar lists 30-31 December 2023 as New Year's Day, but the 2024 notice only says
# "元旦：1月1日放假，与周末连休" (as it does for 端午节 on 10 June, whose weekend it does not list):
# ordinary weekend days, left out of 2023.yaml. Working-day status is the same either way.
NOT_NOTICE_HOLIDAYS = {D(2023, 12, 30), D(2023, 12, 31)}


@pytest.fixture(scope="module")
def cal():
    return load_calendar(CAL_DIR, ROOT)


# ---------------------------------------------------------------------------------------
# The data against chinesecalendar, day by day

def _days(year: int):
    d = D(year, 1, 1)
    while d.year == year:
        yield d
        d += dt.timedelta(days=1)


@pytest.mark.parametrize("year", YEARS)
def test_every_day_agrees_with_chinesecalendar(cal, year):
    import chinese_calendar as cc
    from chinese_calendar.constants import holidays, workdays

    assert cal.known(year), f"{year}.yaml is missing"
    wrong = [d for d in _days(year) if cal.is_working_day(d) != cc.is_workday(d)]
    assert not wrong, f"working-day status differs on {wrong}"
    # chinesecalendar's holidays dict holds the days off of each break (its is_holiday also
    # counts every ordinary weekend, a different notion); ours are exactly those
    theirs = {d for d in holidays if d.year == year} - NOT_NOTICE_HOLIDAYS
    assert {d for d in cal.holidays if d.year == year} == theirs
    assert {d for d in cal.workdays if d.year == year} == {d for d in workdays if d.year == year}
    assert all(cc.is_holiday(d) for d in cal.holidays if d.year == year)


@pytest.mark.parametrize("year", YEARS)
def test_each_file_names_its_notice(cal, year):
    n = cal.notices[year]
    assert n.title == f"国务院办公厅关于{year}年部分节假日安排的通知"
    m = re.fullmatch(r"国办发明电〔(\d{4})〕\d+号", n.number or "")
    assert m and int(m.group(1)) == year - 1 and n.date.year == year - 1  # issued the year before
    assert cal.file_for(year) == f"jurisdictions/calendars/{year}.yaml"


def test_known_notice_numbers(cal):
    assert {y: cal.notices[y].number for y in YEARS} == {
        2020: "国办发明电〔2019〕16号", 2021: "国办发明电〔2020〕27号", 2022: "国办发明电〔2021〕11号",
        2023: "国办发明电〔2022〕16号", 2024: "国办发明电〔2023〕7号", 2025: "国办发明电〔2024〕12号",
        2026: "国办发明电〔2025〕7号"}


def test_2020_extension_and_year_crossing_new_year(cal):
    # 国办发明电〔2020〕1号 extended the Spring Festival to 2 February: Saturday 1 February is off
    assert not cal.is_working_day(D(2020, 2, 1)) and cal.is_working_day(D(2020, 2, 3))
    # 国办发明电〔2022〕16号: 2022-12-31 to 2023-01-02 off; the day is kept in 2022.yaml
    assert D(2022, 12, 31) in cal.holidays and cal.names[D(2022, 12, 31)] == "元旦"


def test_runtime_never_imports_chinesecalendar():
    for f in (ROOT / "tracker").rglob("*.py"):
        assert "chinese_calendar" not in f.read_text(encoding="utf-8"), f


def test_acceptance_example_engine(cal):
    # 2025-09-26 (Fri) + 10 working days: 09-28 (Sun, 调休) 1, 09-29 2, 09-30 3, 10-01..08 off,
    # 10-09 4, 10-10 5, 10-11 (Sat, 调休) 6, 10-13 7, 10-14 8, 10-15 9, 10-16 10
    due = cal.add_working_days(D(2025, 9, 26), 10)
    assert (due.date, due.estimated, due.missing_years) == (D(2025, 10, 16), False, ())


def test_unknown_year_is_estimated_and_named(cal):
    due = cal.add_working_days(D(2026, 12, 28), 10)
    assert due.estimated and due.missing_years == (2027,)
    assert cal.file_for(2027) == "jurisdictions/calendars/2027.yaml"
    # a period ending before the unknown year is not estimated
    assert not cal.add_working_days(D(2026, 12, 1), 5).estimated


# ---------------------------------------------------------------------------------------
# Malformed calendar files: InputError with file:line (engine) and exit 2 with file:line (CLI)

GOOD = """year: 2025
notice:
  title: 国务院办公厅关于2025年部分节假日安排的通知
  number: 国办发明电〔2024〕12号
  date: 2024-11-12
holidays:
  - {name: 元旦, from: 2025-01-01}
  - {name: 春节, from: 2025-01-28, to: 2025-02-04}
workdays:
  - {date: 2025-01-26, for: 春节}
"""

# (what is wrong, replace this, with this, line reported)
BAD = [
    ("impossible date", "from: 2025-01-28, to: 2025-02-04", "from: 2025-01-28, to: 2025-02-30", 8),
    ("date outside the year", "{name: 元旦, from: 2025-01-01}", "{name: 元旦, from: 2024-12-31}", 7),
    ("holiday and workday", "{date: 2025-01-26,", "{date: 2025-01-28,", 10),
    ("make-up day not a weekend", "{date: 2025-01-26,", "{date: 2025-01-27,", 10),
    ("wrong type", "{name: 元旦,", "{name: 2,", 7),
    ("date not a date", "date: 2024-11-12", "date: 12 November", 5),
    ("year not the file's", "year: 2025", "year: 2026", 1),
    ("year not a number", "year: 2025", "year: twenty", 1),
    ("unknown key", "workdays:", "workday:", 9),
    ("reversed range", "to: 2025-02-04", "to: 2025-01-20", 8),
    ("day listed twice", "{name: 元旦, from: 2025-01-01}", "{name: 元旦, from: 2025-01-01, to: 2025-01-29}", 8),
    ("not a list", "workdays:\n  - {date: 2025-01-26, for: 春节}", "workdays: 2025-01-26", 9),
    ("bad YAML", "  - {name: 元旦, from: 2025-01-01}", "  - {name: 元旦, from: [2025-01-01}", 7),
    ("missing notice", "notice:\n  title", "notic:\n  title", 2),
]


def test_good_file_parses():
    y = parse_calendar_text(GOOD, "jurisdictions/calendars/2025.yaml", 2025)
    assert len(y.holidays) == 9 and y.workdays == {D(2025, 1, 26): "春节"}
    assert y.notice.number == "国办发明电〔2024〕12号" and y.notice.date == D(2024, 11, 12)


@pytest.mark.parametrize("what,old,new,line", BAD, ids=[b[0] for b in BAD])
def test_malformed_file_names_file_and_line(what, old, new, line):
    assert old in GOOD
    with pytest.raises(InputError) as e:
        parse_calendar_text(GOOD.replace(old, new), "jurisdictions/calendars/2025.yaml", 2025)
    assert (e.value.file, e.value.line) == ("jurisdictions/calendars/2025.yaml", line), e.value.message


def test_misnamed_file_is_an_error_not_skipped(tmp_path):
    (tmp_path / "2025.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "README.md").write_text("ignored", encoding="utf-8")
    assert load_calendar(tmp_path).years == {2025}
    (tmp_path / "calendar-2026.yaml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_calendar(tmp_path)
    assert e.value.file.endswith("calendar-2026.yaml")


# edits of the shipped 2025.yaml: (what, replace this, with this)
BAD_IN_STORE = [
    ("impossible date", "to: 2025-06-02}", "to: 2025-06-31}"),
    ("holiday and workday", "{date: 2025-01-26,", "{date: 2025-01-29,"),
    ("make-up day not a weekend", "{date: 2025-01-26,", "{date: 2025-01-27,"),
]


@pytest.mark.parametrize("what,old,new", BAD_IN_STORE, ids=[b[0] for b in BAD_IN_STORE])
def test_malformed_calendar_in_a_store_exits_2_with_file_line(cli, store, what, old, new):
    from tracker import services

    s = str(store.root)
    cid = services.new_case(store, "heyuan", "t", "u", ["budget_wan=120", "category=professional"])
    path = store.root / "jurisdictions" / "calendars" / "2025.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    want = f"jurisdictions/calendars/2025.yaml:{text[:text.index(old)].count(chr(10)) + 1}: "
    for args in (("due",), ("due", "--json"), ("show", cid), ("list",), ("actions", cid)):
        r = cli(*args, "--store", s)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert "Traceback" not in r.stderr and r.stderr.startswith(want), (args, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    r = cli("check", "--all", "--json", "--store", s)
    assert r.returncode == 2
    f = json.loads(r.stdout)["findings"][0]
    assert (f["file"], f["severity"]) == ("jurisdictions/calendars/2025.yaml", "error")


# ---------------------------------------------------------------------------------------
# Every deadline kind in each jurisdiction that has it, through the CLI.
# One store holds all the cases (built once); each case is driven to its stage on a given day.

# name: (jurisdiction, facts, opened on, drive to stage (or None), on)
CASES = {
    "hy-initial": ("heyuan", ["budget_wan=120", "category=professional", "in_annual_plan=true"], D(2025, 9, 1),
                   "initial_review", D(2025, 9, 26)),
    "hy-crypto": ("heyuan", ["budget_wan=120", "category=professional", "security_level=3", "in_annual_plan=true"],
                  D(2025, 1, 2), "crypto_review", D(2025, 1, 24)),
    "hy-funding": ("heyuan", ["budget_wan=120", "category=professional", "in_annual_plan=true"], D(2025, 4, 1),
                   "funding_review", D(2025, 4, 25)),
    "hy-approval": ("heyuan", ["budget_wan=120", "category=professional", "in_annual_plan=true"], D(2024, 9, 2),
                    "approval", D(2024, 9, 13)),
    "hy-compliance": ("heyuan", ["budget_wan=120", "category=professional", "in_annual_plan=true", "contract_wan=120",
                                "completed_on=2026-09-18"],
                      D(2026, 9, 1), "compliance_review", D(2026, 9, 18)),
    "hy-list": ("heyuan", ["budget_wan=120", "category=professional"], D(2024, 3, 1), None, None),
    "hy-2027": ("heyuan", ["budget_wan=120", "category=professional", "in_annual_plan=true"], D(2026, 12, 1),
                "initial_review", D(2026, 12, 25)),
    "yj-declare": ("yeji", ["budget_wan=80"], D(2023, 3, 1), None, None),
    "yj-joint": ("yeji", ["budget_wan=80"], D(2022, 1, 4), "joint_review", D(2022, 10, 10)),
    "yj-progress": ("yeji", ["budget_wan=80", "approved_estimate_wan=80", "contract_wan=80",
                             "planned_start=2025-03-01", "planned_end=2026-06-30"], D(2025, 1, 2),
                    "implementation", D(2025, 9, 1)),
    "yj-final": ("yeji", ["budget_wan=80", "preliminary_accepted_on=2025-09-01", "contract_acceptance_due=2025-12-15"],
                 D(2025, 1, 2), None, None),
    "yj-self": ("yeji", ["budget_wan=80", "accepted_on=2025-03-20", "in_operation_on=2025-04-01"], D(2025, 1, 2),
                None, None),
    "yf-declare": ("yunfu", ["budget_wan=120", "category=professional"], D(2025, 3, 3), None, None),
    "gm-prelim": ("golmud", ["budget_wan=900", "completed_on=2025-07-01"], D(2025, 1, 2), None, None),
    "gm-final": ("golmud", ["budget_wan=900", "preliminary_accepted_on=2026-01-17"], D(2025, 1, 2), None, None),
    "gm-self": ("golmud", ["budget_wan=900", "accepted_on=2024-10-01", "in_operation_on=2024-09-20"], D(2024, 1, 2),
                None, None),
    "gm-2027": ("golmud", ["budget_wan=900", "accepted_on=2025-03-03"], D(2025, 1, 2), None, None),
    "yn-declare": ("yunan", ["budget_wan=80", "category=professional"], D(2024, 3, 1), None, None),
    "yn-validity": ("yunan", ["budget_wan=80", "category=professional", "in_annual_plan=true"], D(2024, 1, 2),
                    "funding_review", D(2024, 2, 19)),
    "yn-validity-2027": ("yunan", ["budget_wan=80", "category=professional", "in_annual_plan=true"], D(2025, 1, 2),
                         "funding_review", D(2025, 6, 10)),
    "yn-self": ("yunan", ["budget_wan=80", "category=professional", "accepted_on=2025-02-16"], D(2025, 1, 2),
                None, None),
}

# (case, deadline id, day to look, due, opens) — the count by hand is in the comment.
# "⟂" marks a date that the weekday-only count would get wrong.
DUE = [
    # review periods (河府办〔2021〕30号 第十一条、第二十四条)
    ("hy-initial", "stage.initial_review", D(2025, 10, 16), None),
    # ⟂ 10 wd after Fri 09-26: 09-28 (Sun, 调休) 1, 09-29 2, 09-30 3, 10-01..08 off, 10-09 4, 10-10 5,
    #   10-11 (Sat, 调休) 6, 10-13..16 7-10 → 10-16 (weekday-only: 10-10). Crosses a holiday.
    ("hy-crypto", "stage.crypto_review", D(2025, 2, 7), None),
    # ⟂ 5 wd after Fri 01-24: 01-26 (Sun, 调休) 1, 01-27 2, 01-28..02-04 off, 02-05 3, 02-06 4, 02-07 5
    ("hy-funding", "stage.funding_review", D(2025, 5, 15), None),
    # ⟂ 12 wd after Fri 04-25: 04-27 (Sun, 调休) 1, 04-28..30 2-4, 05-01..05 off, 05-06..09 5-8, 05-12..15 9-12
    ("hy-approval", "stage.approval", D(2024, 9, 23), None),
    # ⟂ 5 wd after Fri 2024-09-13: 09-14 (Sat, 调休) 1, 09-15..17 off, 09-18..20 2-4, 09-23 5
    ("hy-compliance", "stage.compliance_review", D(2026, 10, 9), None),
    # ⟂ 10 wd after Fri 2026-09-18: 09-20 (Sun, 调休) 1, 09-21..24 2-5, 09-25..27 off, 09-28..30 6-8,
    #   10-01..07 off, 10-08 9, 10-09 10
    # annual declarations: the day itself, or the next working day (民法典 第二百零三条)
    ("hy-list", "annual_list", D(2024, 7, 1), None),            # 2024-06-30 is a Sunday (第六条)
    ("yj-declare", "declaration", D(2023, 10, 7), None),
    # ⟂ 2023-09-30 is in the 中秋节、国庆节 break (09-29..10-06); 10-07 (Sat) is a 调休 working day (第六条)
    ("yf-declare", "annual_plan", D(2025, 12, 1), None),        # 2025-11-30 is a Sunday (第六条)
    ("yn-declare", "annual_plan", D(2024, 12, 2), None),        # 2024-11-30 is a Saturday (第七条)
    # Yeji joint review closes on 31 December (第七条)
    ("yj-joint", "joint_review_window", D(2023, 1, 3), None),
    # ⟂ 2022-12-31 (Sat) to 2023-01-02 off (国办发明电〔2022〕16号) → 01-03; ends on a holiday
    # Yeji quarterly report: first five working days of the quarter (第十五条)
    ("yj-progress", "progress_report", D(2025, 10, 14), D(2025, 10, 1)),
    # ⟂ 10-01..08 off, 10-09 1, 10-10 2, 10-11 (Sat, 调休) 3, 10-13 4, 10-14 5
    # acceptance (叶政办〔2020〕19号 第二十二条; 格政办〔2023〕15号 三（六）)
    ("yj-final", "final_acceptance_application", D(2025, 10, 9), None),
    # ⟂ 1 month after 09-01 is 10-01, a holiday → next working day 10-09; ends on a holiday
    ("yj-final", "contract_acceptance", D(2025, 12, 15), None),   # the contract's own date
    ("gm-prelim", "preliminary_acceptance", D(2025, 10, 9), None),
    # ⟂ 3 months after 07-01 is 10-01 → 10-09
    ("gm-final", "final_acceptance_application", D(2026, 2, 24), None),
    # ⟂ 1 month after 2026-01-17 is 02-17, in the Spring Festival (02-15..23) → 02-24
    # self-evaluation (叶政办 第二十三条; 格政办 三（七）; 郁府办〔2024〕21号 第二十三条)
    ("yj-self", "self_evaluation", D(2025, 10, 9), None),
    # ⟂ 6 months after the later of acceptance (03-20) and operation (04-01): 10-01 → 10-09
    ("gm-self", "self_evaluation", D(2026, 10, 8), D(2025, 10, 9)),
    # ⟂ window 12 to 24 months after 2024-10-01: opens 2025-10-01 → 10-09, closes 2026-10-01 → 10-08
    ("yn-self", "self_evaluation", D(2026, 2, 24), None),
    # ⟂ 12 months after 2025-02-16 is 2026-02-16, in the Spring Festival → 02-24
    # approval opinion valid two years (郁府办〔2024〕21号 第十二条第（二）项)
    ("yn-validity", "approval_validity", D(2026, 2, 24), None),
    # ⟂ 2 years after 2024-02-19 is 2026-02-19, in the Spring Festival → 02-24
    # the measures' own validity (郁府办〔2024〕21号 第三十一条): a date in the text
    ("yn-declare", "regulation_validity", D(2029, 8, 17), None),
]


def _set_today(mp, day):
    mp.setenv("TRACKER_TODAY", day.isoformat())


def _drive(store, cid, to_stage, on, docs: Path):
    """Take forward actions on ``on`` until the case is at ``to_stage``, attaching missing documents."""
    from tracker import services
    from tracker.core import engine

    order = ("submit", "approve", "complete")
    for _ in range(20):
        view = services.load(store, cid, on).view
        if view.stage_id == to_stage:
            return
        opt = sorted((o for o in engine.list_actions(view, on=on) if o.kind in order), key=lambda o: order.index(o.kind))[0]
        for m in opt.missing:
            if m.type == "document":
                f = docs / f"{m.id}.txt"
                f.write_text(m.id, encoding="utf-8")
                services.attach(store, cid, f, m.id)
        try:
            services.advance(store, cid, opt.id, on=on)
        except Exception as e:
            raise AssertionError(f"{cid} at {view.stage_id}: {e} {getattr(e, 'reasons', '')}") from None
    raise AssertionError(f"{cid} did not reach {to_stage}")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The store with every case of CASES (the autouse hermetic fixture is per test, so the module
    fixture isolates HOME and git the same way)."""
    from tracker import services

    with pytest.MonkeyPatch.context() as mp:
        home = tmp_path_factory.mktemp("calhome")
        import os

        for k in list(os.environ):
            if k.startswith(("GIT_", "TRACKER_")):
                mp.delenv(k, raising=False)
        mp.setenv("HOME", str(home))
        mp.setenv("XDG_CONFIG_HOME", str(home / ".config"))
        mp.setenv("GIT_CONFIG_NOSYSTEM", "1")
        (home / ".gitconfig").write_text("[user]\n\tname = 测试员\n\temail = clerk@example.gov.cn\n"
                                         "[init]\n\tdefaultBranch = main\n", encoding="utf-8")
        root = tmp_path_factory.mktemp("calstore")
        docs = tmp_path_factory.mktemp("caldocs")
        _set_today(mp, D(2020, 1, 2))
        store = services.init_store(root / "store", date=D(2020, 1, 2))
        ids = {}
        for name, (jur, facts, opened, stage, on) in CASES.items():
            _set_today(mp, opened)
            ids[name] = services.new_case(store, jur, name, "测试单位", facts, on=opened)
            if stage:
                _set_today(mp, on)
                _drive(store, ids[name], stage, on, docs)
        yield store, ids


def _due(cli, store, on, *extra):
    r = cli("due", "--json", "--all", "--on", on.isoformat(), "--store", str(store.root), *extra,
            env={"TRACKER_TODAY": on.isoformat()})
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def _item(doc, cid, ident):
    found = [i for i in doc["items"] if i["id"] == ident and i["case"] in (cid, None)]
    assert len(found) == 1, (ident, [(i["case"], i["id"]) for i in doc["items"]])
    return found[0]


@pytest.mark.parametrize("name,ident,due,opens", DUE, ids=[f"{d[0]}-{d[1]}" for d in DUE])
def test_deadline_on_the_official_calendar(cli, world, name, ident, due, opens):
    store, ids = world
    on_day = _item(_due(cli, store, due), ids[name], ident)
    assert (on_day["due"], on_day["status"], on_day["estimated"], on_day["calendar_missing"]) == \
        (due.isoformat(), "pending", False, [])
    assert on_day["cite"]
    if opens:
        assert on_day["opens"] == opens.isoformat()
    after = _item(_due(cli, store, due + dt.timedelta(days=1)), ids[name], ident)
    if on_day["kind"] == "declaration":  # an annual deadline that has passed gives way to next year's
        assert after["due"] > due.isoformat() and after["due"][:4] == str(due.year + 1), after
    else:
        assert (after["due"], after["status"]) == (due.isoformat(), "overdue")


def test_every_deadline_kind_of_every_pack_is_covered():
    from helpers import PACKS

    covered = {(CASES[name][0], ident) for name, ident, *_ in DUE}
    for jur, pack in PACKS.items():
        for d in pack.deadlines:
            assert (jur, d.id) in covered, f"{jur}: {d.id} ({d.kind}) has no calendar test"
        for sid, st in pack.stages.items():
            if st.due is not None:
                assert (jur, f"stage.{sid}") in covered, f"{jur}: stage {sid} has no calendar test"


def test_acceptance_example_in_show_plan_and_due(cli, world):
    # a stage with a 10-working-day period entered on 2025-09-26 is due 2025-10-16
    store, ids = world
    r = cli("show", ids["hy-initial"], "--json", "--store", str(store.root), env={"TRACKER_TODAY": "2025-10-01"})
    assert r.returncode == 0, r.stderr
    cur = json.loads(r.stdout)["plan"][0]
    assert (cur["id"], cur["due"], cur["estimated"], cur["calendar_missing"]) == ("initial_review", "2025-10-16", False, [])
    r = cli("due", "--store", str(store.root), env={"TRACKER_TODAY": "2025-10-01"})
    line = next(x for x in r.stdout.splitlines() if ids["hy-initial"] in x and "初步审核" in x)
    assert "2025-10-16" in line and "2025-10-16~" not in line  # "~" marks an estimated date


def _check(cli, store, cid, today):
    r = cli("check", cid, "--json", "--store", str(store.root), env={"TRACKER_TODAY": today.isoformat()})
    return r.returncode, {f["rule"]: f for f in json.loads(r.stdout)["findings"]}


def test_real_lateness_is_a_warning(cli, world):
    store, ids = world
    code, found = _check(cli, store, ids["hy-initial"], D(2025, 10, 16))
    assert "overdue.stage.initial_review" not in found
    code, found = _check(cli, store, ids["hy-initial"], D(2025, 10, 17))
    f = found["overdue.stage.initial_review"]
    assert (f["severity"], f["cite"]) == ("warning", "河府办〔2021〕30号 第十一条第（四）项")
    assert "2025-10-16" in f["message"]
    assert code == (1 if any(x["severity"] == "error" for x in found.values()) else 0)


def test_blocking_lapse_is_an_error_and_blocks(cli, world):
    # 郁府办〔2024〕21号 第十二条第（二）项: the approval opinion is valid two years (to 2026-02-24)
    store, ids = world
    cid, s = ids["yn-validity"], str(store.root)
    code, found = _check(cli, store, cid, D(2026, 2, 24))
    assert "overdue.approval_validity" not in found
    code, found = _check(cli, store, cid, D(2026, 2, 25))
    assert found["overdue.approval_validity"]["severity"] == "error" and code == 1
    r = cli("actions", cid, "--json", "--store", s, env={"TRACKER_TODAY": "2026-02-25"})
    fwd = [a for a in json.loads(r.stdout)["actions"] if a["kind"] in ("approve", "submit", "complete")]
    assert fwd and all(not a["allowed"] and "approval_validity" in {m["id"] for m in a["missing"]} for a in fwd)


# ---------------------------------------------------------------------------------------
# 2027 has no calendar file: estimated, never an error, and the output names the file to add

def test_2027_deadline_is_estimated_and_names_the_file(cli, world):
    store, ids = world
    # 24 months after 2025-03-03 is 2027-03-03 (a Wednesday on the weekday-only count)
    doc = _due(cli, store, D(2027, 1, 4))
    item = _item(doc, ids["gm-2027"], "self_evaluation")
    assert (item["due"], item["estimated"], item["calendar_missing"]) == \
        ("2027-03-03", True, ["jurisdictions/calendars/2027.yaml"])
    assert "jurisdictions/calendars/2027.yaml" in item["calendar_note"]
    assert "jurisdictions/calendars/2027.yaml" in doc["calendar_missing"]
    for lang, words in (("zh", "估算"), ("en", "estimated")):
        r = cli("due", "--on", "2027-01-04", "--lang", lang, "--store", str(store.root))
        assert r.returncode == 0, r.stderr
        assert "2027-03-03~" in r.stdout and words in r.stdout and "jurisdictions/calendars/2027.yaml" in r.stdout
        assert "README.md" in r.stdout  # how to add it


def test_2027_stage_due_in_show_plan(cli, world):
    # 10 working days after Fri 2026-12-25: 12-28..31 1-4, then 2027 counted Monday to Friday:
    # 01-01 5, 01-04..08 6-10 → about 2027-01-08
    store, ids = world
    r = cli("show", ids["hy-2027"], "--json", "--store", str(store.root), env={"TRACKER_TODAY": "2026-12-28"})
    cur = json.loads(r.stdout)["plan"][0]
    assert (cur["due"], cur["estimated"], cur["calendar_missing"]) == \
        ("2027-01-08", True, ["jurisdictions/calendars/2027.yaml"])


def test_check_never_fails_on_an_estimated_date(cli, world):
    store, ids = world
    for name, rule, today in (("hy-2027", "overdue.stage.initial_review", D(2027, 2, 1)),
                              ("gm-2027", "overdue.self_evaluation", D(2027, 6, 1))):
        code, found = _check(cli, store, ids[name], today)
        f = found[rule]
        assert f["severity"] == "info" and "jurisdictions/calendars/2027.yaml" in f["message"]
        assert not any(x["severity"] == "error" and x["rule"].startswith("overdue.") for x in found.values())


def test_estimated_blocking_lapse_warns_but_does_not_block(cli, world):
    # approval left on 2025-06-10: valid to about 2027-06-10 (estimated); on 2027-07-01 the lapse
    # is only possible, so neither check nor actions treat it as certain
    store, ids = world
    cid, s = ids["yn-validity-2027"], str(store.root)
    code, found = _check(cli, store, cid, D(2027, 7, 1))
    assert found["overdue.approval_validity"]["severity"] == "info"
    r = cli("actions", cid, "--json", "--store", s, env={"TRACKER_TODAY": "2027-07-01"})
    fwd = [a for a in json.loads(r.stdout)["actions"] if a["kind"] in ("approve", "submit", "complete")]
    assert fwd
    for a in fwd:
        assert "approval_validity" not in {m["id"] for m in a["missing"]}
        w = next(m for m in a["warnings"] if m["id"] == "approval_validity")
        assert "jurisdictions/calendars/2027.yaml" in w["message"]
