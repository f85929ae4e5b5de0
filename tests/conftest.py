"""Shared helpers for the core test suite.

Expected figures in the tests come from the seed documents in ``/work/shared/seeds/`` or from hand
calculation written next to them; the helpers here only load inputs and run the engine.
"""

from __future__ import annotations

import json
import os
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest

# xlwings' remote engine (used to drive the «Tính điểm» button without Excel) needs a key; the noncommercial key
# is for the tests only and must be set before xlwings is first imported. The shipped add-in needs no key.
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

from xl_tthc.core.document import score_document
from xl_tthc.core.engine import score_unit
from xl_tthc.core.findings import Code, Finding
from xl_tthc.core.framework import get
from xl_tthc.core.model import UnitInput, UnitResult

DATA = Path(__file__).parent / "data"
SEEDS = Path(__file__).parent.parent / "xl_tthc" / "sample_data"  # the seeds the demo and the samples use too


def load_seed(name: str) -> dict[str, Any]:
    path = SEEDS / f"{name}.json"
    return json.loads((path if path.exists() else DATA / f"{name}.json").read_text(encoding="utf-8"))


def score_seed(name: str) -> dict[str, Any]:
    """Score a seed input document and return the result document (``xl-tthc/result``)."""
    return score_document(load_seed(name))


def score_data(framework_id: str, data: dict[str, Any], *, name: str = "Đơn vị thử", level: str | None = None) -> UnitResult:
    fw = get(framework_id)
    return score_unit(fw, UnitInput(name=name, data=data, level=level))


def codes(findings: list[Finding] | list[dict[str, Any]]) -> list[str]:
    out = []
    for f in findings:
        out.append(f["code"] if isinstance(f, dict) else f.code.value)
    return out


def only(findings: list[dict[str, Any]], code: Code) -> list[dict[str, Any]]:
    return [f for f in findings if f["code"] == code.value]


def d2(x: str | Decimal) -> Decimal:
    """Half-up to 2 decimals on an exact decimal, as a person rounds on paper."""
    return Decimal(x).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.fixture(scope="session")
def seed001_huyen() -> dict[str, Any]:
    return score_seed("seed001_tthc_huyen")


@pytest.fixture(scope="session")
def seed001_xa() -> dict[str, Any]:
    return score_seed("seed001_tthc_xa")


@pytest.fixture(scope="session")
def seed002() -> dict[str, Any]:
    return score_seed("seed002_sv459")


@pytest.fixture(scope="session")
def seed003() -> dict[str, Any]:
    return score_seed("seed003_par_huyen_2019")


@pytest.fixture(scope="session")
def seed004() -> dict[str, Any]:
    return score_seed("seed004_par_tinh_2020")


TTHC_HUYEN = "tthc-dienbien-1187-2019-huyen"
TTHC_XA = "tthc-dienbien-1187-2019-xa"
SV459 = "sv459-dienbien-2023"



def write_ods(path: Path, tables: str) -> Path:
    """An .ods at ``path`` whose spreadsheet holds ``tables`` (the <table:table> elements, as LibreOffice writes them)."""
    import zipfile

    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
        f"<office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content)
    return path

def recognize(grid: Any, *, file: str | None = None, sheet: str | None = None, registry: Any = None) -> Any:
    """A form recognised by its header labels (xl_tthc.recognise.by_labels) with the shipped registry."""
    from xl_tthc.core.framework import default_registry
    from xl_tthc.recognise import Context, by_labels

    return by_labels(grid, Context(registry or default_registry(), file, sheet))


def consolidate_dir(folder: Any, roster: Any = None, period: str | None = None, *, output: Any = None, **kw: Any) -> Any:
    """The library API's consolidation, returning its batch report (the summary workbook written when ``output``)."""
    from xl_tthc import api

    return api.consolidate(folder, output, roster=roster, period=period, **kw).report

