"""Official templates: reproducible, derived from the framework data, metadata that survives, protection, validation.

The committed copies in ``workbooks/`` must equal a fresh build byte for byte; regenerate them with
``.venv/bin/xl-tthc templates -o workbooks`` and the samples with ``.venv/bin/python scripts/make_samples.py``.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from xl_tthc.cli import main
from xl_tthc.core.framework import get
from xl_tthc.io.layouts import (
    NAME_FINGERPRINT,
    NAME_FRAMEWORK,
    NAME_FRAMEWORK_VERSION,
    NAME_LAYOUT,
    NAME_TEMPLATE,
    SPECS,
    LayoutError,
    a1,
    build_layout,
    norm,
    spec_layouts,
)
from xl_tthc.io.templates import build_templates

ROOT = Path(__file__).resolve().parent.parent
WORKBOOKS = ROOT / "workbooks"
SAMPLES = WORKBOOKS / "samples"


def _load_script(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return build_templates(tmp_path_factory.mktemp("templates"))


def test_fresh_build_is_byte_identical_to_committed_templates(built: list[Path]) -> None:
    assert sorted(p.name for p in built) == sorted(s.file_name for s in SPECS)
    committed = sorted(p.name for p in WORKBOOKS.glob("*.xlsx") if p.name != "Mau_Tong_hop.xlsx")  # its own test
    assert committed == sorted(p.name for p in built)
    for p in built:
        assert p.read_bytes() == (WORKBOOKS / p.name).read_bytes(), f"{p.name}: run `xl-tthc templates -o workbooks`"


def test_rebuild_is_reproducible(built: list[Path], tmp_path: Path) -> None:
    again = build_templates(tmp_path)
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in built]


def test_samples_are_current(tmp_path: Path) -> None:
    from xl_tthc.samples import build_samples  # what scripts/make_samples.py writes into workbooks/samples

    fresh = build_samples(tmp_path)
    assert sorted(p.name for p in fresh) == sorted(p.name for p in SAMPLES.glob("*.xlsx"))
    for p in fresh:
        assert p.read_bytes() == (SAMPLES / p.name).read_bytes(), f"{p.name}: run scripts/make_samples.py"


def test_cli_templates_writes_every_template(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["templates", "-o", str(tmp_path / "biểu mẫu")]) == 0
    printed = capsys.readouterr().out.split()
    assert len([p for p in printed if p.endswith(".xlsx")]) == len(SPECS) + 1  # and the consolidation workbook
    for s in SPECS:
        assert (tmp_path / "biểu mẫu" / s.file_name).read_bytes() == (WORKBOOKS / s.file_name).read_bytes()


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.file_name)
def test_metadata_defined_names_and_custom_properties(spec: Any) -> None:
    wb = openpyxl.load_workbook(WORKBOOKS / spec.file_name)
    fw = get(spec.framework_id)
    expected = {
        NAME_TEMPLATE: spec.template_id,
        NAME_LAYOUT: "1",
        NAME_FRAMEWORK: fw.id,
        NAME_FRAMEWORK_VERSION: fw.version,
    }
    names = {n: wb.defined_names[n].attr_text for n in expected}
    assert names == {n: f'"{v}"' for n, v in expected.items()}
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert {n: props.get(n) for n in expected} == expected
    assert NAME_FINGERPRINT not in wb.defined_names  # a template was never filled
    assert wb.properties.created.year == 2024 and wb.properties.modified == wb.properties.created
    assert wb.properties.creator == "xl_tthc"
    assert wb.vba_archive is None and spec.file_name.endswith(".xlsx")


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.file_name)
def test_protection_inputs_unlocked_outputs_locked_print_setup(spec: Any) -> None:
    layout = build_layout(spec.template_id, get(spec.framework_id))
    wb = openpyxl.load_workbook(WORKBOOKS / spec.file_name)
    ws = wb[layout.sheet]
    assert ws.protection.sheet is True
    assert not ws.protection.password  # protected WITHOUT a password: Review › Unprotect Sheet works
    for slot in layout.slots:
        locked = ws[slot.ref].protection.locked
        assert locked is (slot.io == "output"), f"{slot.ref} {slot.key}"
    labels = [c for c in layout.cells if isinstance(c.value, str)]
    assert all(ws[a1(c.row, c.col)].protection.locked for c in labels)
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.page_setup.orientation == ("landscape" if layout.landscape else "portrait")
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1)  # 1 page wide
    assert ws.page_setup.fitToHeight == 0
    first, last = layout.repeat_rows
    assert ws.print_title_rows == f"${first + 1}:${last + 1}"
    fonts = {ws[a1(c.row, c.col)].font.name for c in layout.cells} | {ws[s.ref].font.name for s in layout.slots}
    assert fonts == {"Times New Roman"}


def _validations(ws: Any) -> dict[str, Any]:
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            for row in rng.cells:
                out[a1(row[0] - 1, row[1] - 1)] = dv
    return out


def test_tthc_validation_counts_marks() -> None:
    fw = get("tthc-dienbien-1187-2019-huyen")
    layout = build_layout("tthc-unit", fw)
    ws = openpyxl.load_workbook(WORKBOOKS / "Mau_TTHC_cap_huyen.xlsx")[layout.sheet]
    dv = _validations(ws)
    counts = [s for s in layout.inputs() if s.kind == "count"]
    marks = [s for s in layout.inputs() if s.kind == "mark"]
    assert len(counts) == len(fw.count_fields) + sum(len(c.levels) for c in fw.criteria if c.rule == "weighted_count")
    assert len(marks) == sum(len(c.levels) for c in fw.criteria if c.rule == "level_choice")
    for s in counts:
        assert (dv[s.ref].type, dv[s.ref].operator, dv[s.ref].formula1) == ("whole", "greaterThanOrEqual", "0")
    for s in marks:
        assert (dv[s.ref].type, dv[s.ref].formula1) == ("list", '"x"')
    assert all(s.ref not in dv for s in layout.inputs() if s.kind in {"text", "name", "period"})


def test_par_and_appendix_score_validation() -> None:
    fw = get("par-dienbien-tinh-2020")
    layout = build_layout("par-self", fw)
    dv = _validations(openpyxl.load_workbook(WORKBOOKS / "Mau_Chi_so_CCHC_tinh_2020.xlsx")[layout.sheet])
    maxima = {n.code: n.max for n in fw.nodes()}
    scores = [s for s in layout.inputs() if s.kind == "score"]
    assert scores
    for s in scores:
        code = s.key.split("/")[1]
        assert (dv[s.ref].type, dv[s.ref].operator or "between") == ("decimal", "between")
        assert (float(dv[s.ref].formula1), float(dv[s.ref].formula2)) == (0.0, maxima[code])
    si = build_layout("si-appendix", get("sv459-dienbien-2023"))
    dv = _validations(openpyxl.load_workbook(WORKBOOKS / "Mau_Bo_chi_so_459_phu_luc.xlsx")[si.sheet])
    ref = next(s.ref for s in si.inputs() if s.kind == "si_score" and s.key == "indicators/2.1")
    assert dv[ref].type == "custom" and '="-"' in dv[ref].formula1 and "<=30" in dv[ref].formula1


def _grid(path: Path) -> list[list[Any]]:
    with CalamineWorkbook.from_path(str(path)) as wb:
        return wb.get_sheet_by_index(0).to_python(skip_empty_area=False)


def _texts(grid: list[list[Any]]) -> set[str]:
    return {norm(v) for row in grid for v in row if isinstance(v, str) and v}


@pytest.mark.parametrize("fid", ["tthc-dienbien-1187-2019-huyen", "tthc-dienbien-1187-2019-xa"])
def test_tthc_texts_come_from_the_framework(fid: str) -> None:
    fw = get(fid)
    spec = next(s for s in SPECS if s.framework_id == fid)
    grid = _grid(WORKBOOKS / spec.file_name)
    texts = _texts(grid)
    for label in (
        "ĐÁNH GIÁ VIỆC GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH",
        "Kỳ đánh giá:",
        "Đơn vị:",
        "STT",
        "Tiêu chí/Tiêu chí thành phần",
        "Điểm tối đa",
        "Số lượng hồ sơ",
        "Điểm tự đánh giá",
        "Ghi chú",
        "TỔNG ĐIỂM",
        "XẾP LOẠI",
    ):
        assert norm(label) in texts, label
    for f in fw.count_fields:
        assert norm(f.label) in texts or norm(f"– {f.label}") in texts
    for crit in fw.criteria:
        assert norm(crit.title) in texts
        for lv in crit.levels:
            assert norm(lv.label) in texts
    assert any(norm(fw.short_title or "") in t for t in texts)  # the subtitle names the level (huyện / xã)


def test_par_template_has_all_153_rows_in_order() -> None:
    fw = get("par-dienbien-tinh-2020")
    layout = build_layout("par-self", fw)
    grid = _grid(WORKBOOKS / "Mau_Chi_so_CCHC_tinh_2020.xlsx")
    header = next(i for i, row in enumerate(grid) if row[:1] == ["STT"])
    assert grid[header][:8] == [
        "STT",
        "Lĩnh vực/Tiêu chí/Tiêu chí thành phần",
        "Điểm chuẩn",
        "Điểm tự đánh giá",
        "Giải trình",
        "Tài liệu kiểm chứng",
        "Điểm thẩm định",
        "Ý kiến hội đồng thẩm định",
    ]
    codes = [row[0] for row in grid[header + 2 :] if isinstance(row[0], str) and row[0][:1].isdigit()]
    nodes = fw.nodes()
    assert len(nodes) == 153 and codes == [n.code for n in nodes]
    total_row = next(row for row in grid if row[1] == "TỔNG ĐIỂM")
    assert total_row[2] == 100
    parents = {s.key.split("/", 1)[1] for s in layout.outputs() if s.key.startswith("self/")}
    assert parents == {n.code for n in nodes if not n.is_leaf} and len(parents) == 39


def test_appendix_columns_and_sections() -> None:
    fw = get("sv459-dienbien-2023")
    layout = build_layout("si-appendix", fw)
    grid = _grid(WORKBOOKS / "Mau_Bo_chi_so_459_phu_luc.xlsx")
    texts = _texts(grid)
    for label in ("STT", "TÊN ĐƠN VỊ", "ĐIỂM CÁC CHỈ SỐ", "TỔNG ĐIỂM ĐẠT ĐƯỢC", "TỔNG ĐIỂM QUY ĐỔI", "XẾP LOẠI"):
        assert norm(label) in texts
    for grp in fw.groups:
        assert any(norm(grp.title) in t for t in texts)
    assert layout.table is not None and len(layout.table.inputs) == 11
    sections = {(s.number, s.label, s.level) for s in layout.table.sections}
    assert sections == {("I", "CÁC CƠ QUAN CHUYÊN MÔN THUỘC HUYỆN", "phong"), ("II", "UBND CÁC XÃ", "xa")}
    for s in layout.table.sections:
        assert grid[s.row][:2] == [s.number, s.label]


def test_766_unit_layout() -> None:
    fw = get("sv766-national-2026")
    layout = build_layout("si766-unit", fw)
    keys = {s.key for s in layout.inputs()}
    for ind in fw.indicators():
        if ind.monitoring_only:
            assert not any(k.startswith(f"indicators/{ind.code}/") for k in keys)
            continue
        assert f"indicators/{ind.code}/ratio" in keys
        assert (f"indicators/{ind.code}/numerator" in keys) is bool(ind.numerator_label)
    outputs = {s.key for s in layout.outputs()}
    assert {f"group/{g.code}" for g in fw.groups} <= outputs and {"total", "band"} <= outputs


def test_layout_helpers() -> None:
    assert [a1(0, 0), a1(20, 3), a1(0, 26), a1(9, 27)] == ["A1", "D21", "AA1", "AB10"]
    assert norm("  Tổng  ĐIỂM ") == norm("tổng điểm") and norm(1.0) == "1"
    with pytest.raises(LayoutError, match="không dùng được"):
        build_layout("tthc-unit", get("sv459-dienbien-2023"))
    with pytest.raises(LayoutError, match="Không có biểu mẫu"):
        build_layout("khong-co", get("sv459-dienbien-2023"))
    for layout in spec_layouts():
        refs = [s.ref for s in layout.slots]
        assert len(refs) == len(set(refs)), layout.file_name  # one slot per cell
        statics = {a1(c.row, c.col) for c in layout.cells}
        assert not statics & set(refs), layout.file_name


# ---------------------------------------------------------------------------- templates from the registry


def test_shipped_template_specs_are_data(monkeypatch: pytest.MonkeyPatch) -> None:
    from xl_tthc.core.framework import Registry
    from xl_tthc.io.layouts import template_specs

    monkeypatch.delenv("XL_TTHC_FRAMEWORKS", raising=False)
    assert set(template_specs(Registry())) == set(SPECS)


def _json_frameworks(folder: Path) -> None:
    import json

    folder.mkdir(parents=True, exist_ok=True)
    base = {"schema_version": 1, "version": "2025.1", "effective": {"from": "2025-01-01"}}
    (folder / "sv-thu-nghiem.json").write_text(
        json.dumps(
            {
                **base,
                "id": "sv-thu-nghiem-2025",
                "extends": "sv459-dienbien-2023",
                "kind": "service_index",
                "title": "Bộ chỉ số thử nghiệm (mức xếp loại khác)",
                "references": [{"number": "1/QĐ-UBND", "issuer": "UBND tỉnh thử nghiệm"}],
                "levels": ["phong", "xa"],
                "bands": {
                    "scale": "quy_doi",
                    "items": [
                        {"code": "tot", "label": "Tốt", "min": 75},
                        {"code": "dat", "label": "Đạt", "min": 55},
                        {"code": "chua_dat", "label": "Chưa đạt", "min": None},
                    ],
                },
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    (folder / "tthc-thu-nghiem.json").write_text(
        json.dumps(
            {
                **base,
                "id": "tthc-thu-nghiem-2025",
                "extends": "tthc-dienbien-1187-2019-huyen",
                "kind": "tthc",
                "title": "Chấm điểm giải quyết TTHC (tỉnh thử nghiệm)",
                "references": [{"number": "2/QĐ-UBND", "issuer": "UBND tỉnh thử nghiệm"}],
                "levels": ["huyen"],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )


@pytest.mark.parametrize(
    ("fid", "template_id", "parent_file"),
    [
        ("sv-thu-nghiem-2025", "si-appendix", "Mau_Bo_chi_so_459_phu_luc.xlsx"),
        ("tthc-thu-nghiem-2025", "tthc-unit", "Mau_TTHC_cap_huyen.xlsx"),
    ],
)
def test_a_json_only_framework_gets_its_own_template(
    fid: str, template_id: str, parent_file: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XL_TTHC_FRAMEWORKS", "")  # main() adds --frameworks to it; restored after the test
    _json_frameworks(tmp_path / "khung")
    out = tmp_path / "ra"
    assert main(["--frameworks", str(tmp_path / "khung"), "templates", "-o", str(out)]) == 0
    names = sorted(p.name for p in out.glob("*.xlsx"))
    assert names == sorted(
        [s.file_name for s in SPECS]
        + ["Mau_sv-thu-nghiem-2025.xlsx", "Mau_tthc-thu-nghiem-2025.xlsx", "Mau_Tong_hop.xlsx"]
    )
    for s in SPECS:  # the parents' templates are not overwritten by their children
        assert (out / s.file_name).read_bytes() == (WORKBOOKS / s.file_name).read_bytes()
    path = out / f"Mau_{fid}.xlsx"
    assert path.read_bytes() != (out / parent_file).read_bytes()
    wb = openpyxl.load_workbook(path)
    assert wb.defined_names[NAME_TEMPLATE].attr_text == f'"{template_id}"'
    assert wb.defined_names[NAME_FRAMEWORK].attr_text == f'"{fid}"'
    assert wb.defined_names[NAME_FRAMEWORK_VERSION].attr_text == '"2025.1"'
    meta = [v for row in _grid(path) for v in row if isinstance(v, str) and v.startswith("Mã biểu mẫu:")]
    assert meta == [f"Mã biểu mẫu: {template_id}; khung chấm điểm: {fid}, phiên bản 2025.1. Tạo bởi xl_tthc."]


def test_template_field_is_validated_and_inherited(tmp_path: Path) -> None:
    import json

    from xl_tthc.core.framework import FrameworkError, Registry
    from xl_tthc.io.layouts import template_spec

    _json_frameworks(tmp_path)
    reg = Registry([tmp_path])
    spec = template_spec(reg.get("sv-thu-nghiem-2025"))  # layout inherited from sv459, file name its own
    assert (spec.file_name, spec.template_id, spec.framework_id) == (
        "Mau_sv-thu-nghiem-2025.xlsx",
        "si-appendix",
        "sv-thu-nghiem-2025",
    )
    assert template_spec(reg.get("tthc-dienbien-1187-2019-xa")).file_name == "Mau_TTHC_cap_xa.xlsx"
    doc = json.loads((tmp_path / "sv-thu-nghiem.json").read_text("utf-8"))
    doc["template"] = {"layout": "tthc-unit"}  # a TTHC layout for a service index
    (tmp_path / "sv-thu-nghiem.json").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(FrameworkError, match="không đúng cấu trúc"):
        Registry([tmp_path]).get("sv-thu-nghiem-2025")
    doc["template"] = {"layout": "si766-unit", "file": "Bieu mau.xlsx"}  # not a stable ASCII name
    (tmp_path / "sv-thu-nghiem.json").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(FrameworkError, match="không đúng cấu trúc"):
        Registry([tmp_path]).get("sv-thu-nghiem-2025")


# ---------------------------------------------------------------------------- formulas


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.file_name)
def test_every_output_cell_holds_its_generated_formula(spec: Any) -> None:
    layout = build_layout(spec.template_id, get(spec.framework_id))
    formulas = layout.formulas()
    outputs = layout.outputs()
    assert outputs and set(formulas) == {s.ref for s in outputs}  # every output computes
    ws = openpyxl.load_workbook(WORKBOOKS / spec.file_name)[layout.sheet]
    for ref, text in formulas.items():
        assert ws[ref].value == text, ref
        assert ws[ref].protection.locked  # protected against typing over by accident (no password)
    used = {w for text in formulas.values() for w in re.findall(r"([A-Z][A-Z.]+)\(", text)}
    plain = {"IF", "AND", "OR", "NOT", "N", "ISNUMBER", "COUNTA", "COUNT", "COUNTIF", "SUMPRODUCT", "MIN", "ROUND"}
    assert used <= plain | {"LOOKUP", "RANK"}, used  # Excel 2010+, LibreOffice and WPS alike; no UDF, no _xlfn.
    assert not any("_xlfn" in t or "xl_tthc" in t.lower() for t in formulas.values())


def test_formulas_come_from_the_framework_data() -> None:
    tthc = build_layout("tthc-unit", get("tthc-dienbien-1187-2019-huyen")).formulas()
    band = next(t for t in tthc.values() if "LOOKUP(" in t)
    assert '{-1E+307,6,9,12,15},{"Yếu","Trung bình","Khá","Tốt","Xuất sắc"}' in band  # the JSON's bands
    assert '"Chưa phát sinh hồ sơ"' in band and '"Chưa chấm điểm"' in band
    si = build_layout("si-appendix", get("sv459-dienbien-2023"))
    assert si.number_rules and {r.num_format for r in si.number_rules} >= {'0.00"/85"', '0.00"/65"'}
    row = si.table.unit_rows[0][0]  # type: ignore[union-attr]
    qd = si.formulas()[a1(row, si.table.outputs[1][1])]  # type: ignore[union-attr]
    assert "MIN(30,N(F" in qd and '(F' in qd and '<>"-")*30' in qd and "*100,2)" in qd  # cap, "-" dropped, /100
    v766 = build_layout("si766-unit", get("sv766-national-2026")).formulas()
    assert any("MIN(2,2*ROUND(100*" in t and "/80)" in t for t in v766.values())  # 3.5: stated ratio, target 80


def test_a_json_only_framework_gets_its_formulas(tmp_path: Path) -> None:
    from xl_tthc.core.framework import Registry

    _json_frameworks(tmp_path)
    reg = Registry([tmp_path])
    layout = build_layout("si-appendix", reg.get("sv-thu-nghiem-2025"))
    bands = [t for t in layout.formulas().values() if "LOOKUP(" in t]
    assert bands and all('{-1E+307,55,75},{"Chưa đạt","Đạt","Tốt"}' in t for t in bands)
