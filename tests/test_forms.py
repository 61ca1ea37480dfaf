"""tracker export: the regulations' forms filled from case facts (docx and pdf), blanks for what is
missing, Chinese fonts that really render, and bad input refused with exit 2."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn

from tracker import forms, services
from tracker.core.errors import InputError

TITLES = {"application_form": "项目立项申请表", "data_checklist": "项目数据资源管理核查表", "change_form": "项目变更单",
          "declaration_form": "六安市叶集区政务信息化项目申报表", "progress_report": "六安市叶集区政务信息化项目进度情况表",
          "filing_form": "格尔木市政务信息系统备案表"}
PLACEHOLDERS = ("None", "N/A", "未填写", "待填", "TODO", "null", "-（", "（空）")


@pytest.fixture
def cases(store):
    """A full and a sparse case in each jurisdiction that has forms."""
    new = services.new_case
    ids = {
        "hy": new(store, "heyuan", "河源市全民健康信息平台升级改造项目", "河源市卫生健康局",
                  ["budget_wan=320", "category=professional", "software_cost_wan=210", "planned_start=2025-06-01",
                   "planned_end=2025-12-31", "funding=市级财政:300,单位自筹:20"]),
        "hy_sparse": new(store, "heyuan", "河源市某系统", "河源市某局", []),
        "yj": new(store, "yeji", "叶集区不动产登记信息共享平台", "六安市叶集区自然资源和规划局",
                  ["budget_wan=58", "planned_start=2026-05-01", "planned_end=2026-12-31", "funding=财政资金:50,自筹:8"]),
        "yj2": new(store, "yeji", "叶集区智慧就业公共服务平台", "六安市叶集区人力资源和社会保障局",
                   ["budget_wan=96.5", "planned_start=2026-04-01", "planned_end=2026-10-31", "funding=区级财政:96.5"]),
        "yj_sparse": new(store, "yeji", "叶集区档案馆馆藏档案数字化", "六安市叶集区档案馆", ["budget_wan=12"]),
        "gem": new(store, "golmud", "格尔木市城市安全风险综合监测预警平台", "格尔木市应急管理局",
                   ["budget_wan=760", "security_level=3", "planned_start=2026-07-01", "planned_end=2027-06-30",
                    "funding=市级财政:560,单位自筹:200", "data_catalog=是"]),
        "yf": new(store, "yunfu", "云浮市某平台", "云浮市某局", ["budget_wan=80"]),
    }
    return ids


def rows_of(table) -> list[list]:
    """Each row's cells once each (python-docx repeats a merged cell for every column it spans)."""
    out = []
    for row in table.rows:
        seen, cells = set(), []
        for c in row.cells:
            if id(c._tc) not in seen:
                seen.add(id(c._tc))
                cells.append(c)
        out.append(cells)
    return out


def after(table, label: str) -> str:
    """The text of the cell right of the cell reading ``label``."""
    for cells in rows_of(table):
        for i, c in enumerate(cells):
            if c.text == label:
                return cells[i + 1].text
    raise AssertionError(f"no cell {label!r}")


def all_text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        parts += [c.text for cells in rows_of(t) for c in cells]
    return "\n".join(parts)


def all_runs(doc):
    for p in doc.paragraphs:
        yield from p.runs
    for t in doc.tables:
        for cells in rows_of(t):
            for c in cells:
                for p in c.paragraphs:
                    yield from p.runs


def east_asian(run) -> str | None:
    fonts = run._element.rPr.rFonts
    return fonts.get(qn("w:eastAsia")) if fonts is not None else None


def grid_table(doc):
    """The form's main (bordered) table."""
    return next(t for t in doc.tables if t.style is not None and t.style.name == "Table Grid")


def export(store, ids, form, tmp_path, name="out.docx", fmt=None):
    return forms.export_form(store, ids if isinstance(ids, list) else [ids], form, tmp_path / name, fmt)


def test_available_forms_per_jurisdiction():
    assert [f[0] for f in forms.available_forms("heyuan")] == ["application_form", "data_checklist", "change_form"]
    assert [f[0] for f in forms.available_forms("yeji")] == ["declaration_form", "progress_report"]
    assert [f[0] for f in forms.available_forms("golmud")] == ["filing_form"]
    assert forms.available_forms("yunfu") == []
    fid, zh, en = forms.available_forms("heyuan")[0]
    assert zh == "附表1 项目立项申请表" and "application" in en
    # the form ids are the packs' document kinds, so an exported form can be attached as is
    from tests.helpers import PACKS

    for f in forms.FORMS.values():
        assert f.id in PACKS[f.jurisdiction].documents, f.id


def test_application_form_filled_cells_layout_and_fonts(store, cases, tmp_path):
    r = export(store, cases["hy"], "附表1", tmp_path)
    assert r.path == (tmp_path / "out.docx").resolve() and r.form == "application_form" and r.missing == []
    doc = Document(str(r.path))
    t = grid_table(doc)
    assert after(t, "申请单位") == "河源市卫生健康局"
    assert after(t, "项目名称") == "河源市全民健康信息平台升级改造项目"
    assert after(t, "计划动工时间") == "2025年6月"
    assert after(t, "计划竣工时间") == "2025年12月"
    assert after(t, "项目总投资\n（万元）") == "320"
    assert after(t, "市级财政") == "300万元" and after(t, "单位自筹") == "20万元"
    assert after(t, "省级财政") == "万元" and after(t, "其它") == "万元"  # the printed unit, no amount
    for blank in ("项目使用单位", "项目拟建设地点", "建设内容", "联系人", "邮编"):
        assert after(t, blank) == "", blank
    assert after(t, "建设性质") == "□新建　□扩建　□迁建　□改建　□其他"
    text = all_text(doc)
    for block in ("附表1", "申请单位（盖章）：河源市卫生健康局", "项目编号：", "申请单位意见及盖章：",
                  "行业主管部门意见及盖章：", "主要领导签字：", "年　　月　　日"):
        assert block in text, block
    assert text.count("主要领导签字：") == 2
    assert not any(p in text for p in PLACEHOLDERS)
    # fonts: every run sets the East-Asian typeface, not only the Latin one
    runs = list(all_runs(doc))
    assert runs and all(east_asian(r) for r in runs)
    assert all(r.font.name == "Times New Roman" for r in runs)
    title = next(r for r in runs if r.text == "项目立项申请表")
    assert east_asian(title) == "方正小标宋简体" and title.font.size.pt == 18
    assert east_asian(next(r for r in runs if r.text == "附表1")) == "黑体"
    assert east_asian(next(r for r in runs if r.text == "河源市卫生健康局")) == "宋体"
    assert east_asian(next(r for r in runs if r.text.startswith("申请单位（盖章）"))) == "仿宋_GB2312"
    assert doc.styles["Normal"].element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    sec = doc.sections[0]
    assert sec.orientation == WD_ORIENT.PORTRAIT and round(sec.page_width.mm) == 210
    assert doc.core_properties.subject == cases["hy"]


def test_missing_facts_leave_cells_blank_and_are_listed_on_stderr(cli, store, cases, tmp_path):
    out = tmp_path / "sparse.docx"
    r = cli("export", cases["hy_sparse"], "--form", "application_form", "--out", str(out), "--store", str(store.root))
    assert r.returncode == 0, r.stderr
    for fact in ("budget_wan", "planned_start", "planned_end", "funding"):
        assert f"（{fact}）" in r.stderr, fact
    assert "项目总投资/预算（万元）（budget_wan）" in r.stderr and "计划开工日期（planned_start）" in r.stderr
    t = grid_table(Document(str(out)))
    assert after(t, "项目总投资\n（万元）") == ""
    assert after(t, "计划动工时间") == "年　　月"  # the form's printed blank for hand completion
    assert after(t, "市级财政") == "万元"
    assert not any(p in all_text(Document(str(out))) for p in PLACEHOLDERS)
    # --json: one document naming the file and what is missing
    r = cli("export", cases["hy_sparse"], "--form", "附表1", "--out", str(out), "--json", "--store", str(store.root))
    doc = json.loads(r.stdout)
    assert doc["path"] == str(out.resolve()) and doc["form"] == "application_form" and doc["format"] == "docx"
    assert {m["fact"] for m in doc["missing_facts"]} == {"budget_wan", "planned_start", "planned_end", "funding"}
    assert len(doc["missing"]) == 4
    # a full case: nothing missing, nothing on stderr
    r = cli("export", cases["hy"], "--form", "附表1", "--out", str(out), "--json", "--store", str(store.root))
    assert r.returncode == 0 and r.stderr == "" and json.loads(r.stdout)["missing"] == []


def test_data_checklist(store, cases, tmp_path):
    doc = Document(str(export(store, cases["hy"], "data_checklist", tmp_path).path))
    t = grid_table(doc)
    assert after(t, "项目名称") == "河源市全民健康信息平台升级改造项目"
    assert after(t, "应用软件开发") == "210万元"
    assert after(t, "系统硬件") == "" and after(t, "立项时间") == ""  # not approved yet
    assert [c.text for c in rows_of(t)[7]][1:] == ["系统功能", "产生数据名称", "共享周期", "提供方式"]
    assert "单位名称（盖章）：河源市卫生健康局" in all_text(doc)
    assert "注：1.系统的每个功能" in all_text(doc)
    r = export(store, cases["hy_sparse"], "data_checklist", tmp_path)
    assert [m.fact for m in r.missing_facts] == ["software_cost_wan"]


def test_change_form_with_change_facts_and_landscape_lists(store, cases, tmp_path):
    services.set_facts(store, cases["hy"], ["change_reason=业务需求调整", "change_wan=30", "new_total_wan=350"])
    r = export(store, cases["hy"], "附表3", tmp_path)
    assert r.missing == []
    doc = Document(str(r.path))
    t = grid_table(doc)
    cells = [c.text for row in rows_of(t) for c in row]
    assert "变更依据：业务需求调整" in cells
    assert "变更内容：变更部分金额：30万元；变更后项目总金额：350万元；原项目总投资：320万元" in cells
    assert cells.count("项目负责人：") == 3 and cells.count("日期：") == 3
    assert "监理单位意见：" in cells and "建设单位意见：" in cells
    assert [s.orientation for s in doc.sections] == [WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE, WD_ORIENT.LANDSCAPE]
    lists = [tb for tb in doc.tables if len(tb.columns) == 13]
    assert len(lists) == 2
    assert [c.text for c in lists[0].rows[0].cells][:4] == ["序号", "分项目名称", "原设备品牌/型号", "原设备参数"]
    assert [c.text for c in lists[1].rows[0].cells][2:4] == ["原功能模块", "软件功能"]
    text = all_text(doc)
    assert "（一）河源市全民健康信息平台升级改造项目硬件设备（含系统软件）变更清单" in text
    for who in ("建设单位", "监理单位", "承建单位"):
        assert text.count(f"{who}（盖章）：") == 2
    assert text.count("项目负责人（签名）：") == 6
    # without the change facts: blank and listed
    r = export(store, cases["hy_sparse"], "change_form", tmp_path)
    assert {m.fact for m in r.missing_facts} == {"change_reason", "change_wan", "new_total_wan"}
    cells = [c.text for row in rows_of(grid_table(Document(str(r.path)))) for c in row]
    assert "变更依据：" in cells and "变更内容：" in cells


def test_declaration_list_over_several_cases(cli, store, cases, tmp_path):
    r = export(store, [cases["yj"], cases["yj2"], cases["yj_sparse"]], "附件1", tmp_path)
    assert r.cases == [cases["yj"], cases["yj2"], cases["yj_sparse"]]
    assert r.missing == [f"{cases['yj_sparse']}：计划开工日期（planned_start）",
                         f"{cases['yj_sparse']}：计划竣工日期（planned_end）",
                         f"{cases['yj_sparse']}：资金来源（万元）（funding）"]
    doc = Document(str(r.path))
    assert doc.sections[0].orientation == WD_ORIENT.LANDSCAPE
    t = grid_table(doc)
    rows = [[c.text for c in cells] for cells in rows_of(t)]
    assert rows[0][:6] == ["序号", "建设单位", "项目名称", "项目简要说明及建设依据", "建设\n年度", "项目\n投资\n（万元）"]
    assert rows[1][6:10] == ["财政\n资金\n（万元）", "银行\n贷款\n（万元）", "自筹\n（万元）", "其他\n（万元）"]
    # 合计: budgets add up exactly; a funding column with an unknown case stays blank
    assert rows[2][:3] == ["合计", "", "166.5"] and rows[2][3:7] == ["", "", "", ""]
    assert rows[3][:9] == ["1", "六安市叶集区自然资源和规划局", "叶集区不动产登记信息共享平台", "",
                           "2026年5月至2026年12月", "58", "50", "", "8"]
    assert rows[4][:7] == ["2", "六安市叶集区人力资源和社会保障局", "叶集区智慧就业公共服务平台", "",
                           "2026年4月至2026年10月", "96.5", "96.5"]
    assert rows[5][:6] == ["3", "六安市叶集区档案馆", "叶集区档案馆馆藏档案数字化", "", "", "12"]
    text = all_text(doc)
    assert "项目主管部门意见（盖章）：" in text and "说明：1．本表由项目建设单位填写，主管部门盖章。" in text
    # two known cases: the funding totals appear
    r = export(store, [cases["yj"], cases["yj2"]], "declaration_form", tmp_path)
    assert [c.text for c in rows_of(grid_table(Document(str(r.path))))[2]][2:7] == ["154.5", "146.5", "0", "8", "0"]
    # --year: every case of that year's plan (planned start in 2026), none of another year
    out = tmp_path / "年度申报表.docx"
    res = cli("export", "--form", "附件1", "--year", "2026", "--out", str(out), "--json", "--store", str(store.root))
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["cases"] == [cases["yj"], cases["yj2"]]
    res = cli("export", "--form", "附件1", "--year", "2031", "--out", str(out), "--store", str(store.root))
    assert res.returncode == 2 and "2031" in res.stderr


def test_progress_report(store, cases, tmp_path):
    t = grid_table(Document(str(export(store, cases["yj"], "附件2", tmp_path).path)))
    assert after(t, "项目建设\n单位名称\n（盖章）") == "六安市叶集区自然资源和规划局"
    assert after(t, "项目名称") == "叶集区不动产登记信息共享平台"
    assert after(t, "建设单位") == "六安市叶集区自然资源和规划局"
    assert after(t, "总投资\n（万元）") == "58" and after(t, "已投资\n（万元）") == ""
    progress = after(t, "建设进度")
    assert progress.startswith("当前阶段：") and progress.endswith("预计完成时间：2026年12月31日")
    assert after(t, "填报\n日期") == "年　　月　　日" and after(t, "E-MAIL") == ""


def test_golmud_filing_form(store, cases, tmp_path):
    doc = Document(str(export(store, cases["gem"], "备案表", tmp_path).path))
    t = grid_table(doc)
    assert after(t, "项目名称") == "格尔木市城市安全风险综合监测预警平台"
    assert after(t, "项目预算\n（万元）") == "760"
    assert after(t, "资金来源") == "市级财政560万元；单位自筹200万元"
    assert after(t, "开工时间") == "2026年7月1日"
    assert after(t, "建设时间") == "2026年7月1日至2027年6月30日"
    assert after(t, "等级保护备案") == "■等保三级　□等保二级　□其他（说明：　　　　）"
    assert after(t, "数据资源目录") == "已编制" and after(t, "数据资源需求") == ""
    cells = [c.text for row in rows_of(t) for c in row]
    assert "申请单位（盖章）：格尔木市应急管理局" in cells and "受理单位意见（盖章）：" in cells
    assert cells.count("日期：　　年　　月　　日") == 2


def test_forms_of_every_kind_render_docx_with_east_asian_fonts(store, cases, tmp_path):
    for fid, case in (("application_form", "hy"), ("data_checklist", "hy"), ("change_form", "hy"),
                      ("declaration_form", "yj"), ("progress_report", "yj"), ("filing_form", "gem")):
        doc = Document(str(export(store, cases[case], fid, tmp_path, f"{fid}.docx").path))
        runs = list(all_runs(doc))
        assert all(east_asian(r) in ("方正小标宋简体", "黑体", "仿宋_GB2312", "宋体") for r in runs), fid
        assert any(r.text == TITLES[fid] and east_asian(r) == "方正小标宋简体" for r in runs), fid


# ---------------------------------------------------------------------------------------
# PDF

def _cjk_or_skip():
    from tracker.forms.pdf import find_cjk_fonts

    if shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftoppm, pdftotext) is not installed: apt-get install poppler-utils")
    if find_cjk_fonts() is None:
        pytest.skip("no CJK font is installed and none could be: apt-get install fonts-noto-cjk")


def _word_box(pdf: Path, word: str) -> tuple[float, float, float, float]:
    html = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html):
        if m[5] == word:
            return tuple(float(m[i]) for i in range(1, 5))
    raise AssertionError(f"{word!r} is not on page 1 of {pdf.name}: {html[:2000]}")


def _glyph_tiles(pdf: Path, word: str, tmp_path: Path, dpi: int = 200):
    """Page 1 rendered by pdftoppm, cropped to ``word``, cut into one tile per (full-width) character."""
    from PIL import Image

    x0, y0, x1, y1 = _word_box(pdf, word)
    k = dpi / 72
    stem = tmp_path / f"crop-{pdf.stem}"
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", "-f", "1", "-l", "1", "-singlefile",
                    "-x", str(int(x0 * k)), "-y", str(int(y0 * k)), "-W", str(int((x1 - x0) * k) + 1),
                    "-H", str(int((y1 - y0) * k) + 1), str(pdf), str(stem)], check=True)
    img = Image.open(f"{stem}.png").convert("L")
    w = img.width / len(word)
    return [list(img.crop((int(i * w), 0, int((i + 1) * w), img.height)).resize((24, 24)).tobytes())
            for i in range(len(word))]


def _differ(a, b) -> float:
    return sum(abs(p - q) for p, q in zip(a, b)) / len(a)


def test_pdf_of_every_form_shows_chinese_glyphs_not_boxes(store, cases, tmp_path):
    _cjk_or_skip()
    for fid, case in (("application_form", "hy"), ("data_checklist", "hy"), ("change_form", "hy"),
                      ("declaration_form", "yj"), ("progress_report", "yj"), ("filing_form", "gem")):
        r = export(store, cases[case], fid, tmp_path, f"{fid}.pdf")
        assert r.format == "pdf" and r.path.read_bytes()[:5] == b"%PDF-"
        fonts = subprocess.run(["pdffonts", str(r.path)], capture_output=True, text=True).stdout
        assert re.search(r"CID .*\byes\b", fonts), fonts  # a CID-keyed (CJK) font is embedded
        text = subprocess.run(["pdftotext", str(r.path), "-"], capture_output=True, text=True).stdout
        assert TITLES[fid] in text
        title = TITLES[fid]
        tiles = _glyph_tiles(r.path, title, tmp_path)
        for tile in tiles:
            assert min(tile) < 128, f"{fid}: a character of the title has no ink"
        # distinct characters must render as distinct shapes: missing glyphs (tofu) all look alike
        pairs = [(i, j) for i in range(len(title)) for j in range(i + 1, len(title)) if title[i] != title[j]]
        alike = [(title[i], title[j]) for i, j in pairs if _differ(tiles[i], tiles[j]) < 8]
        assert not alike, f"{fid}: these characters render identically (tofu?): {alike}"
    # the check itself can fail: the same character twice gives the same tiles
    same = _glyph_tiles(tmp_path / "application_form.pdf", "项目立项申请表", tmp_path)
    assert _differ(same[0], same[3]) < 8  # 项 … 项


def test_pdf_values_are_on_the_page(store, cases, tmp_path):
    _cjk_or_skip()
    r = export(store, cases["gem"], "filing_form", tmp_path, "备案表.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(r.path), "-"], capture_output=True, text=True).stdout
    for v in ("格尔木市城市安全风险综合监测预警平台", "760", "2026年7月1日", "■等保三级", "申请单位（盖章）：格尔木市应急管理局"):
        assert v in text, v


def test_pdf_without_a_cjk_font_names_the_package(store, cases, tmp_path, monkeypatch, cli):
    import tracker.forms.pdf as pdf

    monkeypatch.setattr(pdf, "_fc_list", lambda: [])
    monkeypatch.setattr(pdf, "_known_faces", lambda: [])
    with pytest.raises(InputError) as e:
        export(store, cases["gem"], "filing_form", tmp_path, "x.pdf")
    assert "fonts-noto-cjk" in e.value.message and not (tmp_path / "x.pdf").exists()
    # an explicit font that is not there: exit 2, one line naming the variable
    r = cli("export", cases["gem"], "--form", "filing_form", "--format", "pdf", "--out", str(tmp_path / "y.pdf"),
            "--store", str(store.root), env={"TRACKER_CJK_FONT": str(tmp_path / "nofont.ttc")})
    assert r.returncode == 2 and "TRACKER_CJK_FONT" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "y.pdf").exists()
    r = cli("--lang", "en", "export", cases["gem"], "--form", "filing_form", "--format", "pdf", "--out",
            str(tmp_path / "y.pdf"), "--store", str(store.root), env={"TRACKER_CJK_FONT": str(tmp_path / "no.ttc")})
    assert r.returncode == 2 and "does not name a font file" in r.stderr
    latin = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # a font without Chinese: refused, not tofu
    if latin.is_file():
        r = cli("export", cases["gem"], "--form", "filing_form", "--out", str(tmp_path / "y.pdf"),
                "--store", str(store.root), env={"TRACKER_CJK_FONT": str(latin)})
        assert r.returncode == 2 and "没有中文字形" in r.stderr and not (tmp_path / "y.pdf").exists()


# ---------------------------------------------------------------------------------------
# CLI and bad input

def test_cli_lists_forms_and_exports_to_a_chinese_path(cli, store, cases, tmp_path):
    s = str(store.root)
    r = cli("export", cases["hy"], "--json", "--store", s)
    assert [f["id"] for f in json.loads(r.stdout)["forms"]] == ["application_form", "data_checklist", "change_form"]
    r = cli("export", cases["yf"], "--store", s)
    assert r.returncode == 0 and "没有附表" in r.stdout
    target = tmp_path / "导出 目录" / "河源市项目立项申请表.docx"
    target.parent.mkdir()
    r = cli("export", cases["hy"], "--form", "项目立项申请表", "--out", str(target), "--store", s)
    assert r.returncode == 0, r.stderr
    assert str(target.resolve()) in r.stdout and after(grid_table(Document(str(target))), "项目总投资\n（万元）") == "320"
    # default name: case id and form, in the current directory; --format from the suffix
    r = cli("export", cases["hy"].lower(), "--form", "data_checklist", "--store", s, "--json", cwd=tmp_path)
    path = Path(json.loads(r.stdout)["path"])
    assert path == (tmp_path / f"{cases['hy']}-附表2-项目数据资源管理核查表.docx").resolve() and path.is_file()
    assert oct(path.stat().st_mode & 0o777) != oct(0o600)  # an ordinary file, not the temporary file's mode


@pytest.mark.parametrize("args, needle", [
    (["HY-2025-0099", "--form", "附表1"], "找不到案件"),
    (["{hy}", "--form", "附表9"], "未知的表格"),
    (["{hy}", "--form", "filing_form"], "不适用于 heyuan"),
    (["{gem}", "--form", "附表1"], "不适用于 golmud"),
    (["{yf}", "--form", "附件1"], "本辖区没有表格"),
    (["{hy}", "{hy_sparse}", "--form", "附表1"], "只填一个案件"),
    (["{hy}", "{yj}", "--form", "附件1"], "不适用于 heyuan"),
    (["{hy}", "--form", "附表1", "--out", "{tmp}/no/such/dir/a.docx"], "不存在"),
    (["{hy}", "--form", "附表1", "--out", "{tmp}/file.txt/a.docx"], "无法写入"),
    (["{hy}", "--form", "附表1", "--out", "{tmp}"], "是目录"),
    (["{hy}", "--form", "附表1", "--out", "{tmp}/a.xlsx"], "扩展名"),
    (["{hy}", "--form", "附表1", "--out", "{tmp}/a.pdf", "--format", "docx"], "不符"),
    (["{hy}", "--form", "附表1", "--format", "odt"], "invalid choice"),
    (["--form", "附件1", "--year", "26"], "年份无效"),
    (["--form", "附件1", "--year", "二〇二六"], "年份无效"),
    (["--form", "附表1", "--year", "2026"], "--year"),
    (["--form", "附表1"], "请给出案件编号"),
])
def test_bad_input_exits_2_with_one_line(cli, store, cases, tmp_path, args, needle):
    (tmp_path / "file.txt").write_text("x")
    args = [a.format(tmp=tmp_path, **cases) for a in args]
    r = cli("export", *args, "--store", str(store.root))
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert needle in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not list(tmp_path.glob("*.docx"))


def test_export_form_api_for_the_terminal_ui(store, cases, tmp_path):
    """The UI calls export_form with a list of ids and gets the path and the missing labels."""
    r = forms.export_form(store, [cases["hy_sparse"]], "application_form", tmp_path / "a.docx")
    assert isinstance(r.path, Path) and r.path.is_file()
    assert "项目总投资/预算（万元）（budget_wan）" in r.missing
    with pytest.raises(InputError):
        forms.export_form(store, [], "application_form", tmp_path / "b.docx")
    with pytest.raises(InputError):
        forms.export_form(store, [cases["hy"]], "application_form", tmp_path / "b.pdf", "docx")


def test_forms_package_stays_below_the_shells():
    """tracker.forms may use services, core and store, never the CLI or the terminal UI."""
    from tests.test_layers import imports_of

    root = Path(forms.__file__).parent
    files = sorted(root.glob("*.py"))
    assert len(files) >= 8
    for f in files:
        for name in imports_of(f):
            assert not name.startswith(("tracker.cli", "tracker.tui", "textual")), f"{f.name} imports {name}"
