"""Findings: the one channel for data problems.

A finding has a stable reason code, a severity, a location (file, sheet, cell or JSON path) and a
Vietnamese message for the officer. Validation collects every finding; it never stops at the first.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import field
from enum import StrEnum
from typing import Any

from xl_tthc.core.records import record


class Severity(StrEnum):
    ERROR = "error"  # the figure cannot be trusted until the input is fixed
    WARNING = "warning"  # the figure was computed, but something in the input looks wrong
    INFO = "info"  # a note for the officer (e.g. a published figure that was truncated)


SEVERITY_LABEL_VI = {Severity.ERROR: "Lỗi", Severity.WARNING: "Cảnh báo", Severity.INFO: "Ghi chú"}

# the columns of every findings sheet: of a workbook scored in place (the add-in and `xl-tthc fill`) and of the
# summary workbook of a consolidation; one row per finding
FINDING_ROW_HEADERS = ("STT", "Mức độ", "Mã", "Tệp", "Đơn vị", "Trang", "Ô", "Nội dung")


class Code(StrEnum):
    """Stable machine codes. Never rename a member: acceptance tests and reports key on them."""

    # values
    NOT_A_NUMBER = "not_a_number"
    NEGATIVE_VALUE = "negative_value"
    NOT_AN_INTEGER = "not_an_integer"
    AMBIGUOUS_DECIMAL = "ambiguous_decimal_separator"
    NON_ASCII_DIGITS = "non_ascii_digits"
    MISSING_VALUE = "missing_value"
    ERROR_VALUE = "error_value"
    FORMULA_WITHOUT_VALUE = "formula_without_cached_value"
    # counts and levels (TTHC)
    COUNTS_DO_NOT_ADD_UP = "counts_do_not_add_up"
    CRITERION_COUNTS_MISMATCH = "criterion_counts_mismatch"
    LEVEL_NOT_CHOSEN = "level_not_chosen"
    LEVEL_CHOSEN_TWICE = "level_chosen_more_than_once"
    LEVEL_CONTRADICTS_DATA = "level_contradicts_data"
    NO_DOSSIERS = "no_dossiers"
    NOT_SCORED = "not_scored"
    # scores
    SCORE_ABOVE_MAX = "score_above_max"
    RATIO_OUT_OF_RANGE = "ratio_out_of_range"
    NUMERATOR_ABOVE_DENOMINATOR = "numerator_above_denominator"
    STATED_SCORE_MISMATCH = "stated_score_mismatch"
    STATED_TOTAL_MISMATCH = "stated_total_mismatch"
    STATED_MAX_MISMATCH = "stated_max_mismatch"
    STATED_QUY_DOI_MISMATCH = "stated_quy_doi_mismatch"
    STATED_QUY_DOI_TRUNCATED = "stated_quy_doi_truncated"
    STATED_BAND_MISMATCH = "stated_band_mismatch"
    PARENT_SUM_MISMATCH = "parent_sum_mismatch"
    MISSING_EVIDENCE = "missing_evidence"
    SURVEY_ROW_SELF_SCORED = "survey_row_self_scored"
    # structure
    UNKNOWN_FRAMEWORK = "unknown_framework"
    FRAMEWORK_AMBIGUOUS = "framework_ambiguous"
    PERIOD_INVALID = "period_invalid"
    UNKNOWN_LEVEL = "unknown_level"
    UNKNOWN_ITEM = "unknown_item"
    INVALID_INPUT = "invalid_input"
    PERIOD_OUTSIDE_EFFECTIVE = "period_outside_effective_dates"
    UNVERIFIED_RULE = "unverified_rule"
    # files (batch, fill)
    FILE_EMPTY = "file_empty"
    FILE_CORRUPT = "file_corrupt"
    FILE_ENCRYPTED = "file_password_protected"
    FILE_TOO_LARGE = "file_too_large"
    FILE_UNSAFE_XML = "file_unsafe_xml"
    FILE_UNSUPPORTED = "file_unsupported"
    FILE_LOCK = "file_lock_skipped"
    FILE_LEGACY_FORMAT = "file_legacy_format"
    TEMPLATE_UNKNOWN = "template_unknown"
    TEMPLATE_OUTDATED = "template_outdated"
    SHEET_MISSING = "sheet_missing"
    SHEET_HIDDEN = "sheet_hidden"
    SHEET_TOO_LARGE = "sheet_too_large"
    SHEET_RENAMED = "sheet_renamed"
    COLUMN_MISSING = "column_missing"
    MERGED_INPUT = "merged_input_cells"
    FORMULA_INJECTION = "formula_injection"
    STALE_RESULTS = "stale_results"
    FORMULA_OVERWRITTEN = "formula_overwritten"  # a typed number, a blank or another formula where our template computes
    FORMULA_DISAGREES = "formula_disagrees"  # the spreadsheet's own formula gives another figure than the core
    # consolidation
    DUPLICATE_UNIT = "duplicate_unit"
    UNIT_NOT_ON_ROSTER = "unit_not_on_roster"
    UNIT_MISSING = "unit_missing"
    PERIOD_MISMATCH = "period_mismatch"


@record(frozen=True)
class Location:
    """Where a finding points: a workbook cell, or a JSON path in a machine input."""

    file: str | None = None
    sheet: str | None = None
    cell: str | None = None
    path: str | None = None

    def describe_vi(self) -> str:
        parts = []
        if self.file:
            parts.append(f"tệp {self.file}")
        if self.sheet:
            parts.append(f"trang {self.sheet}")
        if self.cell:
            parts.append(f"ô {self.cell}")
        if not parts and self.path:
            parts.append(f"mục {self.path}")
        return ", ".join(parts)

    def to_dict(self) -> dict[str, str | None]:
        return {"file": self.file, "sheet": self.sheet, "cell": self.cell, "path": self.path}


@record(frozen=True)
class Finding:
    code: Code
    severity: Severity
    message: str  # Vietnamese, full diacritics, Vietnamese number format
    location: Location = field(default_factory=Location)
    unit: str | None = None
    item: str | None = None  # criterion / indicator / tree code
    value: Any = None
    expected: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code.value,
            "severity": self.severity.value,
            "message": self.message,
            "location": self.location.to_dict(),
            "unit": self.unit,
            "item": self.item,
            "value": self.value,
            "expected": self.expected,
        }


def finding_row(n: int, f: Finding) -> tuple[int, str, str, str, str, str, str, str]:
    """Finding number ``n`` as a row under :data:`FINDING_ROW_HEADERS`."""
    loc = f.location
    return (
        n,
        SEVERITY_LABEL_VI[f.severity],
        f.code.value,
        loc.file or "",
        f.unit or "",
        loc.sheet or "",
        loc.cell or "",
        f.message,
    )


class Findings:
    """Collect-all container (the pandera 'lazy' mode): add everything, decide later."""

    def __init__(self, unit: str | None = None, items: Iterable[Finding] = ()) -> None:
        self.unit = unit
        self._items: list[Finding] = list(items)

    def add(
        self,
        code: Code,
        severity: Severity,
        message: str,
        location: Location | None = None,
        *,
        item: str | None = None,
        value: Any = None,
        expected: Any = None,
    ) -> Finding:
        f = Finding(code, severity, message, location or Location(), self.unit, item, value, expected)
        self._items.append(f)
        return f

    def extend(self, other: Iterable[Finding]) -> None:
        self._items.extend(other)

    def __iter__(self) -> Iterator[Finding]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def as_list(self) -> list[Finding]:
        return list(self._items)

    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self._items)

    def by_code(self, code: Code) -> list[Finding]:
        return [f for f in self._items if f.code is code]
