"""The machine interface and the CLI shell: formats, exit codes, Vietnamese messages, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import fastjsonschema
import pytest

from xl_tthc.cli import main
from xl_tthc.core.document import score_document

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "docs" / "examples").glob("*-input.json"))
RESULT_SCHEMA = fastjsonschema.compile(json.loads((ROOT / "xl_tthc/schemas/result.schema.json").read_text("utf-8")))


def test_one_example_per_shipped_framework() -> None:
    from xl_tthc.core.framework import Registry

    named = {json.loads(p.read_text("utf-8"))["framework"] for p in EXAMPLES}
    shipped = {fid for fid in Registry().ids() if not fid.endswith("-xa")}  # -xa only changes the level
    assert shipped <= named


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_validate_and_results_are_current(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rel = path.relative_to(ROOT).as_posix()
    code = main(["score", rel])
    out = json.loads(capsys.readouterr().out)
    RESULT_SCHEMA(out)
    assert code in (0, 1)
    assert code == (1 if out["summary"]["errors"] else 0)
    committed = json.loads(path.with_name(path.name.replace("-input", "-result")).read_text("utf-8"))
    # keep docs/examples in sync: regenerate with `xl-tthc score <input> -o <result>` from the repo root
    assert out["units"] == committed["units"]


def test_table_format_is_vietnamese(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["score", str(ROOT / "xl_tthc/sample_data/seed001_tthc_huyen.json"), "--format", "table"])
    text = capsys.readouterr().out
    assert code == 0
    assert "Tổng điểm: 16,74/18" in text
    assert "Xếp loại: Xuất sắc" in text
    assert "99/1.147 = 8,63 %" in text


def test_exit_code_1_when_data_has_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(ROOT / "xl_tthc/sample_data/seed002_sv459.json")]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["summary"]["errors"] >= 2


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("{not json", "không phải JSON hợp lệ"),
        ('{"format": "xl-tthc/input", "format_version": 1, "framework": "x", "units": []}', "không đúng định dạng"),
        (
            '{"format": "xl-tthc/input", "format_version": 1, "framework": "khong-co", "units": [{"unit": {"name": "A"}}]}',
            "Không tìm thấy khung chấm điểm «khong-co»",
        ),
        ("[1, 2]", "không đúng định dạng"),
    ],
)
def test_unusable_input_exit_2_with_vietnamese_message(
    tmp_path: Path, content: str, needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    p = tmp_path / "đầu vào.json"
    p.write_text(content, encoding="utf-8")
    assert main(["score", str(p)]) == 2
    err = capsys.readouterr().err
    assert needle in err
    assert "Traceback" not in err


def test_missing_file_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", "khong-ton-tai.json"]) == 2
    assert "không tìm thấy tệp" in capsys.readouterr().err


def test_console_script_runs_without_traceback(tmp_path: Path) -> None:
    out = tmp_path / "kết quả.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "xl_tthc",
            "score",
            str(ROOT / "tests/data/seed003_par_huyen_2019.json"),
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    res = json.loads(out.read_text("utf-8"))
    assert res["units"][0]["extra"]["final"] == pytest.approx(79.415 - 8.90)


def test_frameworks_listing(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["frameworks"]) == 0
    text = capsys.readouterr().out
    assert "766/QĐ-TTg ngày 23/06/2022 của Thủ tướng Chính phủ" in text
    assert main(["frameworks", "--json"]) == 0
    ids = {f["id"] for f in json.loads(capsys.readouterr().out)}
    assert {
        "tthc-dienbien-1187-2019-huyen",
        "sv766-national-2026",
        "sv459-dienbien-2023",
        "par-dienbien-tinh-2020",
        "par-dienbien-huyen-2019",
    } <= ids


def test_provincial_override_needs_no_code(tmp_path: Path) -> None:
    """A province changes only the bands of the TTHC decision with a file that extends it."""
    override = {
        "schema_version": 1,
        "id": "tthc-tinh-x-2024",
        "extends": "tthc-dienbien-1187-2019-huyen",
        "kind": "tthc",
        "version": "2024.1",
        "title": "Chấm điểm TTHC – tỉnh X",
        "references": [{"number": "99/QĐ-UBND", "date": "2024-01-02", "issuer": "UBND tỉnh X"}],
        "effective": {"from": "2024-01-02", "to": None},
        "levels": ["huyen"],
        "bands": {
            "verified": True,
            "items": [
                {"code": "xuat_sac", "label": "Xuất sắc", "min": 17},
                {"code": "tot", "label": "Tốt", "min": 14},
                {"code": "khong_dat", "label": "Không đạt", "min": None},
            ],
        },
    }
    d = tmp_path / "khung"
    d.mkdir()
    (d / "tinh-x.json").write_text(json.dumps(override, ensure_ascii=False), "utf-8")
    from xl_tthc.core.framework import Registry

    doc = json.loads((ROOT / "xl_tthc/sample_data/seed001_tthc_huyen.json").read_text("utf-8"))
    doc["framework"] = "tthc-tinh-x-2024"
    doc["units"][0]["period"] = "2024-Q2"
    res = score_document(doc, registry=Registry([d]))
    # 16,7376 < 17 but ≥ 14 under the province's own bands
    assert res["units"][0]["band"] == {"code": "tot", "label": "Tốt"}
    assert res["units"][0]["total_shown"] == 16.74


def test_period_outside_effective_dates_is_a_warning() -> None:
    doc = json.loads((ROOT / "xl_tthc/sample_data/seed002_sv459.json").read_text("utf-8"))
    doc["units"] = doc["units"][:1]
    doc["units"][0]["period"] = "2022-12"
    res = score_document(doc)
    codes = [f["code"] for f in res["units"][0]["findings"]]
    assert "period_outside_effective_dates" in codes


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        ([], "thiếu tham số bắt buộc"),
        (["frob"], "không có lựa chọn «frob»"),
        (["fill"], "thiếu tham số bắt buộc"),
        (["score", "x.json", "--format", "xml"], "không có lựa chọn «xml»"),
    ],
)
def test_command_line_mistakes_are_explained_in_vietnamese(
    argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "Cách dùng: xl-tthc" in err and needle in err
    assert "usage:" not in err and "error:" not in err
