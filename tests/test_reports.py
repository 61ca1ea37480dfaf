"""tracker report plan|overdue|summary: Excel lists read back with openpyxl — rows, exact amounts,
totals, fonts — and bad input refused with exit 2."""

import json
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tracker import services
from tracker.forms.reports import export_report, plan_year


@pytest.fixture
def cases(store, tmp_path):
    new = services.new_case
    ids = {
        "hy26": new(store, "heyuan", "河源市政务云扩容", "河源市政务服务数据管理局",
                    ["budget_wan=460.25", "planned_start=2026-10-01", "category=public", "in_annual_plan=是",
                     "funding=市级财政:460.25"]),
        "hy26b": new(store, "heyuan", "河源市教育专网", "河源市教育局",
                     ["budget_wan=40.1", "planned_start=2026-03-01", "category=professional"]),
        "hy_classified": new(store, "heyuan", "涉密系统", "河源市某局",
                             ["budget_wan=300", "planned_start=2026-05-01", "classified=是"]),
        "hy25": new(store, "heyuan", "河源市社保系统", "河源市人社局", ["budget_wan=120", "planned_start=2025-06-01"]),
        "yj26": new(store, "yeji", "叶集区智慧就业平台", "叶集区人社局", ["budget_wan=96", "planned_start=2026-04-01"]),
        "yj_nobudget": new(store, "yeji", "叶集区档案数字化", "叶集区档案馆", []),
    }
    # one heyuan case goes to initial review (10 working days from 2025-03-03: due 2025-03-17)
    for k in ("project_plan", "review_opinion", "application_form", "data_checklist", "necessity_docs"):
        f = tmp_path / f"{k}.txt"
        f.write_text(k)
        services.attach(store, ids["hy25"], f, k)
    services.set_facts(store, ids["hy25"], ["category=professional", "in_annual_plan=是"])
    services.advance(store, ids["hy25"], "submit")
    services.advance(store, ids["hy25"], "submit")
    return ids


def sheet_rows(ws) -> list[tuple]:
    """Non-empty rows; numbers as exact decimals (Excel stores them as doubles: 40.1 reads back as a float)."""
    def value(v):
        return Decimal(str(v)) if isinstance(v, float) else v
    return [tuple(value(v) for v in r) for r in ws.iter_rows(values_only=True) if any(v is not None for v in r)]


def test_annual_plan_per_jurisdiction_and_year(cli, store, cases, tmp_path):
    out = tmp_path / "计划.xlsx"
    r = cli("report", "plan", "--year", "2026", "--jurisdiction", "河源", "--out", str(out), "--json",
            "--store", str(store.root))
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc == {"path": str(out.resolve()), "kind": "plan", "year": 2026, "jurisdiction": "heyuan", "rows": 2,
                   "errors": []}
    wb = load_workbook(out)
    assert wb.sheetnames == ["河源市"]
    ws = wb["河源市"]
    rows = sheet_rows(ws)
    assert rows[0][0] == "河源市2026年度政务信息化项目计划"
    assert "河府办〔2021〕30号" in rows[1][0] and "金额单位：万元" in rows[1][0]
    assert rows[2][:8] == ("序号", "案件编号", "项目名称", "建设单位", "项目类别", "办理类型", "当前阶段", "项目总投资（万元）")
    body = rows[3:-1]
    # the classified case is outside the measures, the 2025 case is in another plan
    assert [r[1] for r in body] == [cases["hy26"], cases["hy26b"]]
    assert body[0][2:5] == ("河源市政务云扩容", "河源市政务服务数据管理局", "公共类")
    assert body[0][7] == Decimal("460.25") and body[0][8] == "市级财政460.25万元"
    assert body[0][9] == "2026-10-01" and body[0][11] == "是" and body[1][11] == "否"
    assert body[1][5] == "备案管理"  # 40.1万元 ≤ 50: filing
    total = rows[-1]
    assert total[0] == "合计" and total[1] == "2件" and total[7] == Decimal("500.35")
    # fonts: 黑体 title and headers, 宋体 body; amounts formatted as money
    assert ws["A1"].font.name == "黑体" and ws["A3"].font.name == "黑体" and ws["B4"].font.name == "宋体"
    assert ws["H4"].number_format == "#,##0.00" and ws["B4"].border.left.style == "thin"
    assert "A1:M1" in {str(m) for m in ws.merged_cells.ranges}


def test_plan_default_year_is_this_year_and_lists_every_jurisdiction(cli, store, cases, tmp_path):
    r = cli("report", "plan", "--json", "--store", str(store.root), cwd=tmp_path,
            env={"TRACKER_TODAY": "2026-01-05"})
    doc = json.loads(r.stdout)
    assert doc["year"] == 2026 and doc["rows"] == 3
    wb = load_workbook(doc["path"])
    assert doc["path"].endswith("年度项目计划-2026.xlsx")
    assert wb.sheetnames == ["河源市", "六安市叶集区"]
    assert [r[1] for r in sheet_rows(wb["六安市叶集区"])[3:-1]] == [cases["yj26"]]
    # plan year: the planned start, else the year the case was opened
    assert plan_year(store.load_case(cases["yj_nobudget"])) == 2025
    r = cli("report", "plan", "--year", "2030", "--json", "--out", str(tmp_path / "empty.xlsx"), "--store",
            str(store.root))
    assert json.loads(r.stdout)["rows"] == 0 and load_workbook(tmp_path / "empty.xlsx").sheetnames


def test_overdue_list(cli, store, cases, tmp_path):
    out = tmp_path / "overdue.xlsx"
    r = cli("report", "overdue", "--out", str(out), "--json", "--store", str(store.root),
            env={"TRACKER_TODAY": "2025-04-01"})
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["rows"] >= 1
    rows = sheet_rows(load_workbook(out).active)
    assert rows[0][0] == "逾期事项清单（截至2025-04-01）"
    assert rows[2] == ("序号", "案件编号", "辖区", "项目名称", "建设单位", "事项", "期限", "逾期天数", "估算", "依据")
    review = [r for r in rows[3:] if r[1] == cases["hy25"] and r[6] == "2025-03-17"]
    assert review, rows
    assert review[0][2:5] == ("河源市", "河源市社保系统", "河源市人社局") and review[0][7] == 15
    assert "河府办〔2021〕30号" in review[0][9]
    # compare with the source: every overdue item of `due` is listed, and nothing else
    due = json.loads(cli("due", "--json", "--on", "2025-04-01", "--store", str(store.root)).stdout)["items"]
    expected = sorted((i["case"], i["due"]) for i in due if i["status"] == "overdue" and i["case"])
    assert sorted((r[1], r[6]) for r in rows[3:]) == expected
    # --jurisdiction and --year narrow the list
    r = cli("report", "overdue", "--jurisdiction", "yeji", "--out", str(out), "--json", "--store", str(store.root),
            env={"TRACKER_TODAY": "2025-04-01"})
    assert all(row[2] == "六安市叶集区" for row in sheet_rows(load_workbook(out).active)[3:])
    r = cli("report", "overdue", "--year", "2024", "--out", str(out), "--json", "--store", str(store.root),
            env={"TRACKER_TODAY": "2025-04-01"})
    assert json.loads(r.stdout)["rows"] == 0


def test_summary_counts_and_amounts_per_track_and_stage(store, cases, tmp_path):
    res = export_report(store, "summary", out=tmp_path / "s.xlsx")
    assert res.rows == 6
    wb = load_workbook(res.path)
    assert wb.sheetnames == ["按辖区", "按类别"]
    rows = sheet_rows(wb["按辖区"])
    assert rows[2] == ("辖区", "办理类型", "阶段", "阶段类别", "件数", "金额（万元）", "金额未填（件）")
    hy = {(r[1], r[2]): r[4:] for r in rows[3:] if r[0] == "河源市"}
    assert hy[("立项审批", "方案编制及论证")][:2] == (1, Decimal("460.25"))
    assert hy[("立项审批", "初步审核")][:2] == (1, 120)
    assert hy[("备案管理", "方案编制及论证")][:2] == (1, Decimal("40.1"))
    assert [v[:2] for k, v in hy.items() if k[0] == "不适用本办法"] == [(1, 300)]  # the classified case
    assert hy[("小计", None)] == (4, Decimal("920.35"), 0)
    yj_sub = next(r for r in rows if r[0] == "六安市叶集区" and r[1] == "小计")
    assert yj_sub[4:] == (2, 96, 1)  # one case without a budget is counted, and said to be unknown
    assert rows[-1][0] == "总计" and rows[-1][4:] == (6, Decimal("1016.35"), 1)
    kinds = sheet_rows(wb["按类别"])
    assert kinds[2] == ("办理类型类别", "阶段类别", "件数", "金额（万元）", "金额未填（件）")
    by = {(r[0], r[1]): r[2:] for r in kinds[3:-1]}
    assert by[("立项审批", "初步审核")] == (1, 120, 0)
    assert kinds[-1][2:] == (6, Decimal("1016.35"), 1)
    assert wb["按类别"]["A1"].font.name == "黑体"
    # --year: plan year only
    res = export_report(store, "summary", year=2025, out=tmp_path / "s25.xlsx")
    assert res.rows == 2  # the 2025 heyuan case and the yeji case opened in 2025 without a start date


@pytest.mark.parametrize("args, needle", [
    (["weekly"], "invalid choice"),
    (["plan", "--year", "abc"], "年份无效"),
    (["plan", "--year", "20266"], "年份无效"),
    (["summary", "--jurisdiction", "北京"], "未知的辖区"),
    (["plan", "--out", "{tmp}/plan.docx"], ".xlsx"),
    (["plan", "--out", "{tmp}/nodir/plan.xlsx"], "不存在"),
    (["plan", "--out", "{tmp}/file.txt/plan.xlsx"], "无法写入"),
])
def test_bad_input_exits_2(cli, store, tmp_path, args, needle):
    (tmp_path / "file.txt").write_text("x")
    r = cli("report", *[a.format(tmp=tmp_path) for a in args], "--store", str(store.root))
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert needle in r.stderr and "Traceback" not in r.stderr
    assert not list(tmp_path.rglob("*.xlsx"))


def test_report_to_a_chinese_path_in_english(cli, store, cases, tmp_path):
    out = tmp_path / "报表 目录" / "汇总.xlsx"
    out.parent.mkdir()
    r = cli("--lang", "en", "report", "summary", "--out", str(out), "--store", str(store.root))
    assert r.returncode == 0, r.stderr
    assert "report written (6 rows)" in r.stdout
    wb = load_workbook(out)
    assert wb.sheetnames == ["by jurisdiction", "by kind"]
    assert sheet_rows(wb["by kind"])[2][:3] == ("track kind", "stage kind", "cases")
