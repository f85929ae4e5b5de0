"""The machine interface: input documents (``xl-tthc/input``) in, result documents (``xl-tthc/result``) out.

Both formats are versioned (``format_version``) and described by JSON Schemas in ``xl_tthc/schemas``;
``docs/interface.md`` documents them and ``docs/examples`` has one example per framework.
"""

from __future__ import annotations

from typing import Any

from xl_tthc._version import __version__
from xl_tthc.core.engine import assign_ranks, score_unit
from xl_tthc.core.framework import Framework, FrameworkError, Registry, default_registry
from xl_tthc.core.model import UnitInput, UnitResult
from xl_tthc.core.periods import period_start
from xl_tthc.schemas import SchemaValueError, explain, validator

INPUT_FORMAT = "xl-tthc/input"
RESULT_FORMAT = "xl-tthc/result"
FORMAT_VERSION = 1


class InputError(Exception):
    """The input document is unusable as a whole (its message is Vietnamese, shown as is)."""




def parse_input(
    doc: Any, registry: Registry | None = None, file: str | None = None
) -> tuple[Framework, list[UnitInput]]:
    """Validate an input document and turn it into a framework and unit inputs.

    ``file`` is the document's path as the user gave it (None for standard input): messages name it.
    """
    where = f"Tệp «{file}»" if file else "Dữ liệu đầu vào (stdin)"
    try:
        validator("input")(doc)
    except SchemaValueError as exc:
        raise InputError(
            f"{where} không đúng định dạng {INPUT_FORMAT} phiên bản {FORMAT_VERSION}: {explain(exc)}."
        ) from None
    reg = registry or default_registry()
    fid = doc["framework"]
    if fid not in reg.ids():
        known = ", ".join(reg.ids())
        raise FrameworkError(
            f"Không tìm thấy khung chấm điểm «{fid}» mà {where[0].lower()}{where[1:]} ghi ở mục «framework». "
            f"Các khung có: {known} (xem «xl-tthc frameworks»)."
        )
    fw = reg.get(fid)
    units = []
    for i, u in enumerate(doc["units"]):
        info = u["unit"]
        units.append(
            UnitInput(
                name=info["name"],
                level=info.get("level"),
                code=info.get("code"),
                period=u.get("period", doc.get("period")),
                data=u.get("data", {}),
                file=file,
                path_prefix=f"units[{i}].data",
            )
        )
    return fw, units


def score_document(doc: Any, registry: Registry | None = None, file: str | None = None) -> dict[str, Any]:
    """Score every unit of an input document and return the result document."""
    fw, units = parse_input(doc, registry, file)
    results = [score_unit(fw, u, on=period_start(u.period)) for u in units]
    assign_ranks(results)
    return result_document(fw, results)


def result_document(fw: Framework, results: list[UnitResult]) -> dict[str, Any]:
    return {
        "format": RESULT_FORMAT,
        "format_version": FORMAT_VERSION,
        "generator": f"xl_tthc {__version__}",
        "framework": {
            "id": fw.id,
            "version": fw.version,
            "kind": fw.kind,
            "title": fw.title,
            "max_total": fw.max_total,
            "references": [r.number for r in fw.references],
            "bands_verified": fw.bands.verified if fw.bands else None,
        },
        "units": [r.to_dict() for r in results],
        "summary": {
            "units": len(results),
            "errors": sum(1 for r in results for f in r.findings if f.severity.value == "error"),
            "warnings": sum(1 for r in results for f in r.findings if f.severity.value == "warning"),
        },
    }
