"""The add-in build (xl_tthc/addin_build.py): reproducible bytes, our ribbon, the filled config sheet, and
VBA that matches the pinned xlwings (checked with oletools).

Ribbon schema: the test validates against ``macros/customUI-subset.xsd``, a hand-written subset of
MS-CUSTOMUI 2006/01. Microsoft's own ``customUI.xsd`` is not shipped by any package on PyPI or the npm
registry that we could find (name/summary search of both registries' package lists; wheels of
openxml-audit, pyxll, xloil, pyooxml, ooxml-integrity and mcp-ooxml-ledger inspected: openxml-audit ships a
JSON rendering of the 2006/01 customui schema taken from the Open XML SDK, not the XSD, and its validator
does not flag a misspelt ribbon attribute), and project rules forbid committing it from a fetched
repository. Replace the subset by the official file once a registry package ships it.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import tomllib
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from lxml import etree

from xl_tthc.addin_build import (
    ACTIVE_CONF_SHEET,
    CUSTOMUI_NS,
    AddinBuildError,
    build_addin,
    stock_addin_bytes,
)

ROOT = Path(__file__).resolve().parent.parent
MACROS = ROOT / "macros"
SUBSET_XSD = MACROS / "customUI-subset.xsd"
SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
UI = f"{{{CUSTOMUI_NS}}}"


def pinned_xlwings() -> str:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["dependencies"]
    (pin,) = [d.split("==")[1] for d in deps if d.lower().startswith("xlwings==")]
    return str(pin)


@pytest.fixture(scope="module")
def xlam(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_addin(tmp_path_factory.mktemp("addin"))


@pytest.fixture(scope="module")
def parts(xlam: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(xlam) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SUBSET_XSD)))


# ---------------------------------------------------------------------------- reproducible zip


def test_file_name_is_the_module_the_ribbon_imports(xlam: Path) -> None:
    assert xlam.name == "xl_tthc.xlam"
    # RunMain: mymodule = Left(ThisWorkbook.Name, InStrRev(ThisWorkbook.Name, ".") - 1)
    base = xlam.name[: xlam.name.rindex(".")]
    assert base == "xl_tthc" and base.isascii() and base.isidentifier()
    assert importlib.util.find_spec(base) is not None


def test_two_builds_are_byte_identical(xlam: Path, tmp_path: Path) -> None:
    again = build_addin(tmp_path)
    assert again.read_bytes() == xlam.read_bytes()


def test_zip_is_deterministic(xlam: Path) -> None:
    with zipfile.ZipFile(xlam) as zf:
        infos = zf.infolist()
    names = [i.filename for i in infos]
    assert names[0] == "[Content_Types].xml"
    assert names[1:] == sorted(names[1:])
    for i in infos:
        assert i.date_time == (1980, 1, 1, 0, 0, 0)
        assert i.compress_type == zipfile.ZIP_DEFLATED
        assert i.create_system == 0 and i.external_attr == 0x20


def test_same_parts_as_the_stock_addin(parts: dict[str, bytes]) -> None:
    import io

    with zipfile.ZipFile(io.BytesIO(stock_addin_bytes())) as zf:
        stock = {n: zf.read(n) for n in zf.namelist()}
    assert set(parts) == set(stock)
    changed = {n for n in parts if parts[n] != stock[n]}
    assert changed == {"customUI/customUI.xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml", "docProps/core.xml"}
    assert parts["xl/vbaProject.bin"] == stock["xl/vbaProject.bin"]


# ---------------------------------------------------------------------------- ribbon


def test_customui_part_is_our_ribbon(parts: dict[str, bytes]) -> None:
    ours = (MACROS / "customUI.xml").read_bytes().replace(b"\r\n", b"\n")
    assert parts["customUI/customUI.xml"] == ours
    assert b"customUI/customUI.xml" in parts["_rels/.rels"]
    root = ET.fromstring(ours)
    assert root.tag == f"{UI}customUI" and CUSTOMUI_NS.endswith("/2006/01/customui")
    (tab,) = root.iter(f"{UI}tab")
    (group,) = tab.iter(f"{UI}group")
    (button,) = group.iter(f"{UI}button")
    assert tab.get("label") == "Tính điểm"
    assert group.get("label") == "Chấm điểm"
    assert button.get("label") == "Tính điểm"
    assert button.get("size") == "large"
    assert button.get("onAction") == "RibbonMyAddin.RunMain"
    assert "điểm" in (button.get("supertip") or "") and "điểm" in (button.get("screentip") or "")


def test_ribbon_file_and_built_part_validate(schema: etree.XMLSchema, parts: dict[str, bytes]) -> None:
    for data in ((MACROS / "customUI.xml").read_bytes(), parts["customUI/customUI.xml"]):
        doc = etree.fromstring(data)
        assert schema.validate(doc), schema.error_log


@pytest.mark.parametrize(
    ("old", "new", "why"),
    [
        ('label="Tính điểm"\n', 'lable="Tính điểm"\n', "attribute 'lable'"),
        ('size="large"', 'size="huge"', "huge"),
        ('id="grpChamDiem"', 'id="tabTinhDiem"', "tabTinhDiem"),
        ('keytip="T"', 'keytip="TINH"', "keytip"),
    ],
)
def test_schema_rejects_mistakes(schema: etree.XMLSchema, old: str, new: str, why: str) -> None:
    text = (MACROS / "customUI.xml").read_text("utf-8")
    assert old in text
    doc = etree.fromstring(text.replace(old, new, 1).encode("utf-8"))
    assert not schema.validate(doc)
    assert why in str(schema.error_log.last_error)


# ---------------------------------------------------------------------------- config sheet


def conf_sheet(parts: dict[str, bytes]) -> dict[str, Any]:
    sst = ET.fromstring(parts["xl/sharedStrings.xml"])
    strings = ["".join(t.text or "" for t in si.iter(f"{SHEET_NS}t")) for si in sst.findall(f"{SHEET_NS}si")]
    out: dict[str, Any] = {}
    for row in ET.fromstring(parts["xl/worksheets/sheet1.xml"]).iter(f"{SHEET_NS}row"):
        cells = {c.get("r", "")[0]: c for c in row.findall(f"{SHEET_NS}c")}
        key = strings[int(cells["A"].findtext(f"{SHEET_NS}v") or "")]
        b = cells.get("B")
        if b is None:
            out[key] = ""
        elif b.get("t") == "b":
            out[key] = b.findtext(f"{SHEET_NS}v") == "1"
        else:
            assert b.get("t") == "inlineStr"
            out[key] = "".join(t.text or "" for t in b.iter(f"{SHEET_NS}t"))
    return out


def test_config_sheet_is_active_and_filled(parts: dict[str, bytes]) -> None:
    wb = parts["xl/workbook.xml"].decode("utf-8")
    assert f'<sheet name="{ACTIVE_CONF_SHEET}"' in wb and "_myaddin.conf" not in wb
    values = conf_sheet(parts)
    assert list(values)[:1] == ["Interpreter_Win"]  # the VBA reads A1 down to the first blank cell
    assert values["Interpreter_Win"] == "C:\\TinhDiem\\python\\pythonw.exe"
    assert values["PYTHONPATH"] == "C:\\TinhDiem\\app"
    assert values["UDF Modules"] == "xl_tthc.udfs"
    assert values["Use UDF Server"] is False
    assert values["Show Console"] is False
    assert values["Debug UDFs"] is False
    assert values["Interpreter_Mac"] == values["Conda Path"] == values["Conda Env"] == ""
    assert all(isinstance(v, bool) or v.isascii() for v in values.values())
    config = json.loads((MACROS / "addin_config.json").read_text("utf-8"))
    assert values == {k: config["sheet"].get(k, "") for k in values}


def test_developer_metadata_is_gone(parts: dict[str, bytes]) -> None:
    everything = b"".join(v for k, v in parts.items() if k.endswith(".xml") or k.endswith(".rels"))
    for marker in (b"absPath", b"felix", b"Felix", b"C:\\Users"):
        assert marker not in everything
    core = parts["docProps/core.xml"].decode("utf-8")
    assert f"xlwings {pinned_xlwings()}" in core


# ---------------------------------------------------------------------------- VBA (oletools)


def vba_modules(path: Path) -> dict[str, str]:
    from oletools.olevba import VBA_Parser

    parser = VBA_Parser(str(path))
    try:
        return {name: code for _f, _s, name, code in parser.extract_all_macros()}
    finally:
        parser.close()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # oletools 0.60.2 uses old pyparsing names
def test_vba_matches_pinned_xlwings(xlam: Path) -> None:
    import xlwings

    pin = pinned_xlwings()
    assert pin == "0.37.8" and xlwings.__version__ == pin
    mods = vba_modules(xlam)
    assert {"RibbonMyAddin.bas", "xlwings.bas", "ThisWorkbook.cls"} <= set(mods)
    ribbon = " ".join(mods["RibbonMyAddin.bas"].split())
    assert "Sub RunMain(control As IRibbonControl)" in ribbon
    assert 'mymodule = Left(ThisWorkbook.Name, (InStrRev(ThisWorkbook.Name, ".", -1, vbTextCompare) - 1))' in ribbon
    assert 'RunPython "import " & mymodule & ";" & mymodule & ".main()"' in ribbon
    core = mods["xlwings.bas"]
    assert re.search(rf'\bXLWINGS_VERSION As String = "{re.escape(pin)}"', core)
    assert f'"xlwings64-{pin}.dll"' in core and f'"xlwings32-{pin}.dll"' in core
    assert 'PROJECT_NAME As String = "myaddin"' in core  # hence the sheet name myaddin.conf


# ---------------------------------------------------------------------------- inputs


@pytest.fixture
def macros_copy(tmp_path: Path) -> Path:
    d = tmp_path / "macros"
    d.mkdir()
    for name in ("customUI.xml", "addin_config.json"):
        shutil.copy(MACROS / name, d / name)
    return d


def edit_config(macros_dir: Path, sheet: dict[str, Any] | None = None, addin_file: str | None = None) -> None:
    path = macros_dir / "addin_config.json"
    config = json.loads(path.read_text("utf-8"))
    config["sheet"].update(sheet or {})
    if addin_file is not None:
        config["addin_file"] = addin_file
    path.write_text(json.dumps(config, ensure_ascii=False), "utf-8")


def test_crlf_checkout_builds_the_same_bytes(xlam: Path, macros_copy: Path, tmp_path: Path) -> None:
    ribbon = macros_copy / "customUI.xml"
    ribbon.write_bytes(ribbon.read_bytes().replace(b"\n", b"\r\n"))
    assert build_addin(tmp_path / "out", macros_dir=macros_copy).read_bytes() == xlam.read_bytes()


def test_non_ascii_path_is_refused(macros_copy: Path, tmp_path: Path) -> None:
    edit_config(macros_copy, {"PYTHONPATH": "C:\\Tính điểm\\app"})
    with pytest.raises(AddinBuildError, match="không phải ASCII"):
        build_addin(tmp_path, macros_dir=macros_copy)


def test_addin_name_must_be_an_importable_ascii_module(macros_copy: Path, tmp_path: Path) -> None:
    edit_config(macros_copy, addin_file="Tính điểm.xlam")
    with pytest.raises(AddinBuildError, match="import"):
        build_addin(tmp_path, macros_dir=macros_copy)


def test_unknown_config_key_is_refused(macros_copy: Path, tmp_path: Path) -> None:
    edit_config(macros_copy, {"Interpreter_Windows": "C:\\x.exe"})
    with pytest.raises(AddinBuildError, match="Interpreter_Windows"):
        build_addin(tmp_path, macros_dir=macros_copy)


def test_ribbon_in_another_namespace_is_refused(macros_copy: Path, tmp_path: Path) -> None:
    ribbon = macros_copy / "customUI.xml"
    ribbon.write_text(ribbon.read_text("utf-8").replace("2006/01/customui", "2009/07/customui"), "utf-8")
    with pytest.raises(AddinBuildError, match="customUI"):
        build_addin(tmp_path, macros_dir=macros_copy)


def test_vba_project_can_be_replaced(macros_copy: Path, tmp_path: Path) -> None:
    bin_ = tmp_path / "vbaProject.bin"
    bin_.write_bytes(b"made once in Excel")
    out = build_addin(tmp_path / "out", macros_dir=macros_copy, vba_project=bin_)
    with zipfile.ZipFile(out) as zf:
        assert zf.read("xl/vbaProject.bin") == b"made once in Excel"


def test_command_line_wrapper(tmp_path: Path, xlam: Path) -> None:
    import subprocess
    import sys

    res = subprocess.run(
        [sys.executable, str(MACROS / "build_addin.py"), "-o", str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(res.stdout.strip()) == tmp_path / "xl_tthc.xlam"
    assert (tmp_path / "xl_tthc.xlam").read_bytes() == xlam.read_bytes()


def test_cli_build_addin_twice_gives_identical_bytes(tmp_path: Path) -> None:
    from xl_tthc.cli import main

    assert main(["build-addin", "-o", str(tmp_path / "a")]) == 0
    assert main(["build-addin", "-o", str(tmp_path / "b")]) == 0
    first, second = (tmp_path / d / "xl_tthc.xlam" for d in ("a", "b"))
    assert first.read_bytes() == second.read_bytes()
