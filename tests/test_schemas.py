"""The validators generated from xl_tthc/schemas/*.schema.json: in step with the schemas, used without compiling
anything at start, and their errors told in Vietnamese with the file and the item named."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from xl_tthc.cli import main
from xl_tthc.core.document import InputError, parse_input
from xl_tthc.core.framework import FrameworkError, Registry
from xl_tthc.schemas import NAMES, SchemaValueError, explain, generate, module_path, validator

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", NAMES)
def test_generated_validator_matches_its_schema(name: str) -> None:
    # fails after a schema is edited until `python -m xl_tthc.schemas` writes the modules again
    assert module_path(name).read_text("utf-8") == generate(name), (
        f"{module_path(name).name} is out of date: run `python -m xl_tthc.schemas`"
    )


def test_shipped_frameworks_examples_and_seeds_are_valid() -> None:
    for path in sorted((ROOT / "xl_tthc/frameworks").rglob("*.json")):
        doc = json.loads(path.read_text("utf-8"))
        if "schema_version" in doc and "extends" not in doc:
            validator("framework")(doc)
    for path in sorted((ROOT / "docs/examples").glob("*-input.json")) + sorted((ROOT / "xl_tthc/sample_data").glob("seed*.json")):
        validator("input")(json.loads(path.read_text("utf-8")))
    for path in sorted((ROOT / "docs/examples").glob("*-result.json")):
        validator("result")(json.loads(path.read_text("utf-8")))


def test_no_schema_is_compiled_at_start() -> None:
    # loading every framework and scoring a document must not import fastjsonschema's compiler
    code = (
        "import json, sys\n"
        "from xl_tthc.core.framework import default_registry\n"
        "from xl_tthc.core.document import score_document\n"
        "default_registry().all()\n"
        f"score_document(json.loads(open({str(ROOT / 'xl_tthc/sample_data/seed002_sv459.json')!r}, encoding='utf-8').read()))\n"
        "print(sorted(m for m in sys.modules if m.startswith('fastjsonschema')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def _input(**over: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "format": "xl-tthc/input",
        "format_version": 1,
        "framework": "tthc-dienbien-1187-2019-huyen",
        "units": [{"unit": {"name": "Huyện A"}}],
    }
    doc.update(over)
    return doc


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (_input(units={}), "mục «units» phải là một danh sách […]"),
        (_input(units=[]), "mục «units» phải có ít nhất 1 phần tử"),
        (_input(units=[{"unit": {"ten": "A"}}]), "mục «units[0].unit» thiếu mục «name»"),
        (_input(units=[{"unit": {"name": ""}}]), "mục «units[0].unit.name» không được để trống"),
        (_input(format_version=2), "mục «format_version» phải là 1"),
        (
            _input(units=[{"unit": {"name": "A"}, "data": {"rows": {"1": {"self": 1, "ghi_chu": "x"}}}}]),
            "mục «units[0].data.rows.1» có mục không được phép: «ghi_chu»",
        ),
        ([1, 2], "nội dung phải là một đối tượng {…}"),
    ],
)
def test_input_errors_are_vietnamese(doc: Any, message: str) -> None:
    with pytest.raises(SchemaValueError) as info:
        validator("input")(doc)
    assert explain(info.value) == message


def test_input_error_names_the_file() -> None:
    with pytest.raises(InputError) as info:
        parse_input(_input(units={}), file="Báo cáo/đầu vào.json")
    assert str(info.value) == (
        "Tệp «Báo cáo/đầu vào.json» không đúng định dạng xl-tthc/input phiên bản 1: mục «units» phải là một danh sách […]."
    )
    with pytest.raises(InputError) as info:
        parse_input(_input(units={}))
    assert str(info.value).startswith("Dữ liệu đầu vào (stdin) không đúng định dạng")


def test_unknown_framework_names_the_file_and_the_known_ones() -> None:
    with pytest.raises(FrameworkError) as info:
        parse_input(_input(framework="khung-la"), file="đầu vào.json")
    text = str(info.value)
    assert text.startswith("Không tìm thấy khung chấm điểm «khung-la» mà tệp «đầu vào.json» ghi ở mục «framework».")
    assert "tthc-dienbien-1187-2019-huyen" in text
    assert "sv459-dienbien-2023" in text


def test_score_command_shows_the_vietnamese_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "Đơn vị" / "số liệu quý 2.json"
    p.parent.mkdir()
    p.write_text(json.dumps(_input(units=[{"unit": {"name": "A", "level": 3}}]), ensure_ascii=False), "utf-8")
    assert main(["score", str(p)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"Lỗi: Tệp «{p}» không đúng định dạng xl-tthc/input phiên bản 1: "
        "mục «units[0].unit.level» phải là văn bản hoặc null.\n"
    )


def test_bad_framework_file_names_the_file_and_the_item(tmp_path: Path) -> None:
    doc = json.loads((ROOT / "xl_tthc/frameworks/tthc/tthc-dienbien-1187-2019-huyen.json").read_text("utf-8"))
    doc["id"] = "tthc-tinh-x"
    doc["bands"]["items"][0]["min"] = "mười bảy"
    d = tmp_path / "khung riêng"
    d.mkdir()
    (d / "tỉnh x.json").write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    with pytest.raises(FrameworkError) as info:
        Registry([d]).get("tthc-tinh-x")
    assert str(info.value) == (
        f"Tệp khung chấm điểm «{d / 'tỉnh x.json'}» không đúng cấu trúc: "
        "mục «bands.items[0].min» phải là một số hoặc null."
    )


def test_registry_builds_only_the_kind_asked_for(tmp_path: Path) -> None:
    # the add-in's click on a service-index sheet needs the service-index frameworks only: the shipped ones are
    # sv459-dienbien-2023 and sv766-national-2026; a province's service-index file that ``extends`` sv459 (its kind
    # inherited, not written) is one of them; a broken TTHC file of the same folder is not built, so it does not
    # stop a service-index sheet (it still stops what builds it)
    sv = {"id": "sv459-tinh-x", "schema_version": 1, "extends": "sv459-dienbien-2023", "title": "Bộ chỉ số tỉnh X"}
    bad = json.loads((ROOT / "xl_tthc/frameworks/tthc/tthc-dienbien-1187-2019-huyen.json").read_text("utf-8"))
    bad["id"], bad["bands"]["items"][0]["min"] = "tthc-tinh-x", "mười bảy"
    (tmp_path / "sv.json").write_text(json.dumps(sv, ensure_ascii=False), "utf-8")
    (tmp_path / "tthc.json").write_text(json.dumps(bad, ensure_ascii=False), "utf-8")
    reg = Registry([tmp_path])
    assert [fw.id for fw in reg.of_kind("service_index")] == ["sv459-dienbien-2023", "sv459-tinh-x", "sv766-national-2026"]
    assert sorted(reg._built) == ["sv459-dienbien-2023", "sv459-tinh-x", "sv766-national-2026"]
    found = reg.with_title("Bộ chỉ số tỉnh X")
    assert found is not None and found.id == "sv459-tinh-x"
    assert reg.with_title("Không có khung này") is None
    with pytest.raises(FrameworkError):
        reg.of_kind("tthc")
