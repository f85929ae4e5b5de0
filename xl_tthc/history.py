"""History of consolidations in SQLite, for period-over-period comparison.

One database file keeps every recorded period of every framework. :func:`record` stores a
:class:`~xl_tthc.core.consolidate.Consolidation` (re-recording a period replaces it, in one transaction);
:func:`compare` compares a period with an earlier one using the pure :mod:`xl_tthc.core.compare`.

The schema is versioned with ``PRAGMA user_version``; a database written by a newer version of the program
is refused rather than damaged.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path

from xl_tthc.core.compare import Comparison, Record, compare_records, latest_before, period_key, records_from_results
from xl_tthc.core.consolidate import Consolidation

SCHEMA_VERSION = 1

_SCHEMA_V1 = """
CREATE TABLE consolidation (
    framework_id      TEXT NOT NULL,
    period            TEXT NOT NULL,
    framework_version TEXT NOT NULL,
    recorded_at       TEXT NOT NULL,
    units             INTEGER NOT NULL,
    PRIMARY KEY (framework_id, period)
);
CREATE TABLE unit_result (
    framework_id TEXT NOT NULL,
    period       TEXT NOT NULL,
    level        TEXT NOT NULL,            -- '' when the unit level is unknown
    unit_key     TEXT NOT NULL,            -- normalised name (core.consolidate.short_key)
    unit_name    TEXT NOT NULL,
    status       TEXT NOT NULL,
    total        REAL,
    quy_doi      REAL,
    band_code    TEXT,
    band_label   TEXT,
    band_rank    INTEGER,                  -- 0 = the framework's highest band
    rank         INTEGER,
    items_json   TEXT NOT NULL,            -- {"item code": score as shown}
    PRIMARY KEY (framework_id, period, level, unit_key),
    FOREIGN KEY (framework_id, period) REFERENCES consolidation (framework_id, period) ON DELETE CASCADE
);
"""


class HistoryError(Exception):
    """The history database is unusable (message in Vietnamese, shown as is)."""


@contextmanager
def _connect(db_path: str | os.PathLike[str], *, create: bool) -> Iterator[sqlite3.Connection]:
    path = Path(db_path)
    if not create and not path.exists():
        raise HistoryError(f"không tìm thấy tệp lịch sử «{path}».")
    try:
        conn = sqlite3.connect(path, isolation_level=None)  # explicit BEGIN/COMMIT below
    except sqlite3.Error as exc:
        raise HistoryError(f"không mở được tệp lịch sử «{path}» ({exc}).") from None
    with closing(conn):
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            _migrate(conn, path)
        except sqlite3.DatabaseError as exc:
            raise HistoryError(f"tệp «{path}» không phải cơ sở dữ liệu lịch sử hợp lệ ({exc}).") from None
        yield conn


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version == SCHEMA_VERSION:
        return
    if version > SCHEMA_VERSION:
        raise HistoryError(
            f"tệp lịch sử «{path}» do phiên bản mới hơn của chương trình tạo (lược đồ {version}, "
            f"chương trình này đọc được lược đồ {SCHEMA_VERSION}); hãy cập nhật chương trình."
        )
    tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
    if version == 0 and tables:
        raise HistoryError(f"tệp «{path}» là cơ sở dữ liệu khác, không phải tệp lịch sử của xl_tthc.")
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in _SCHEMA_V1.split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def record(
    db_path: str | os.PathLike[str],
    consolidation: Consolidation,
    *,
    period: str | None = None,
    recorded_at: datetime | None = None,
) -> int:
    """Store every framework of ``consolidation`` under ``period`` (default: the consolidation's period).

    Re-recording a period replaces what was stored for it (idempotent). Everything is written in one
    transaction. Returns the number of unit rows written.
    """
    period = period or consolidation.period
    if not period:
        raise HistoryError("chưa biết kỳ báo cáo để ghi vào lịch sử (dùng --period, ví dụ 2023-07).")
    if period_key(period)[0].year == 9999:
        raise HistoryError(f"kỳ «{period}» không đọc được; viết dạng 2023, 2023-Q1 hoặc 2023-07.")
    stamp = (recorded_at or datetime.now(UTC)).isoformat(timespec="seconds")
    rows = 0
    with _connect(db_path, create=True) as conn:
        conn.execute("BEGIN IMMEDIATE")
        try:
            for fs in consolidation.frameworks:
                results = [r for lv in fs.levels for r in lv.results]
                records = records_from_results(fs.framework, results)
                conn.execute(
                    "DELETE FROM consolidation WHERE framework_id = ? AND period = ?", (fs.framework.id, period)
                )
                conn.execute(
                    "INSERT INTO consolidation VALUES (?, ?, ?, ?, ?)",
                    (fs.framework.id, period, fs.framework.version, stamp, len(records)),
                )
                conn.executemany(
                    "INSERT INTO unit_result VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            fs.framework.id,
                            period,
                            r.level or "",
                            r.unit_key,
                            r.unit,
                            r.status,
                            r.total,
                            r.quy_doi,
                            r.band_code,
                            r.band_label,
                            r.band_rank,
                            r.rank,
                            json.dumps(dict(r.items), ensure_ascii=False, sort_keys=True),
                        )
                        for r in records
                    ],
                )
                rows += len(records)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return rows


def periods(db_path: str | os.PathLike[str], framework_id: str) -> list[str]:
    """Recorded periods of a framework, oldest first."""
    with _connect(db_path, create=False) as conn:
        found = [p for (p,) in conn.execute("SELECT period FROM consolidation WHERE framework_id = ?", (framework_id,))]
    return sorted(found, key=period_key)


def load(db_path: str | os.PathLike[str], framework_id: str, period: str) -> list[Record]:
    """The unit records of one recorded period (by level, then rank, then name)."""
    with _connect(db_path, create=False) as conn:
        return _load(conn, framework_id, period)


def _load(conn: sqlite3.Connection, framework_id: str, period: str) -> list[Record]:
    cur = conn.execute(
        "SELECT unit_key, unit_name, level, status, total, quy_doi, band_code, band_label, band_rank, rank, "
        "items_json FROM unit_result WHERE framework_id = ? AND period = ? "
        "ORDER BY level, rank IS NULL, rank, unit_name",
        (framework_id, period),
    )
    return [
        Record(
            unit_key=row[0],
            unit=row[1],
            level=row[2] or None,
            status=row[3],
            total=row[4],
            quy_doi=row[5],
            band_code=row[6],
            band_label=row[7],
            band_rank=row[8],
            rank=row[9],
            items=json.loads(row[10]),
        )
        for row in cur
    ]


def compare(
    db_path: str | os.PathLike[str], framework_id: str, period: str, previous: str | None = None
) -> Comparison | None:
    """Compare ``period`` with ``previous`` (default: the latest recorded period before it).

    Returns None when no earlier period is recorded. Raises :class:`HistoryError` when ``period`` (or a
    ``previous`` given explicitly) was never recorded.
    """
    with _connect(db_path, create=False) as conn:
        known = [p for (p,) in conn.execute("SELECT period FROM consolidation WHERE framework_id = ?", (framework_id,))]
        if period not in known:
            raise HistoryError(f"lịch sử chưa có kỳ {period} của khung chấm điểm «{framework_id}».")
        if previous is None:
            previous = latest_before(known, period)
            if previous is None:
                return None
        elif previous not in known:
            raise HistoryError(f"lịch sử chưa có kỳ {previous} của khung chấm điểm «{framework_id}».")
        current_records = _load(conn, framework_id, period)
        previous_records = _load(conn, framework_id, previous)
    return compare_records(framework_id, period, current_records, previous, previous_records)


__all__ = ["SCHEMA_VERSION", "HistoryError", "compare", "load", "periods", "record"]


def record_and_compare(
    db_path: str | os.PathLike[str], consolidation: Consolidation, period: str | None = None
) -> list[Comparison]:
    """Record a consolidation, then compare each of its frameworks with its previous recorded period."""
    period = period or consolidation.period
    record(db_path, consolidation, period=period)
    if not period:
        return []
    return [c for fs in consolidation.frameworks if (c := compare(db_path, fs.framework.id, period)) is not None]
