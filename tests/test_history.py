"""History (SQLite) and period comparison: seed 002 (July 2023) against a hand-modified June copy.

The June copy differs from July in four places, so every expected figure below can be checked by hand:
- UBND xã Mường Pồn: June DVCTT indicator 2 (3.2) = 5 instead of 0 -> 77,74/85 = 91,46 (Xuất sắc);
  July 72,74/85 = 85,58 (Tốt): change -5,88, fell one band; 2nd of the communes in both months.
- UBND xã Hua Thanh: June indicator 2.1 = 20 instead of 30 -> 50,51/85 = 59,42 (Trung bình);
  July 60,51/85 = 71,19 (Khá): change +11,77, rose one band. June rank 18 (only the three Yếu communes at
  23,31 are lower), July rank 17: up one place.
- UBND xã Thanh Yên is absent in June: a new unit in July.
- UBND xã Nà Nhạn (a copy of Pa Thơm's figures) is only in June: missing in July.
"""

from __future__ import annotations

import copy
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from conftest import load_seed

from xl_tthc import history
from xl_tthc.core.compare import Record, compare_records, latest_before, period_key, records_from_results
from xl_tthc.core.consolidate import Consolidation, consolidate
from xl_tthc.core.document import parse_input
from xl_tthc.core.engine import score_unit
from xl_tthc.history import HistoryError

FW = "sv459-dienbien-2023"


def _consolidation(doc: dict[str, Any], period: str) -> Consolidation:
    fw, units = parse_input(doc)
    return consolidate([(fw, score_unit(fw, u)) for u in units], period=period)


def _unit(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(u for u in doc["units"] if u["unit"]["name"] == name)


def july() -> Consolidation:
    return _consolidation(load_seed("seed002_sv459"), "2023-07")


def june_doc() -> dict[str, Any]:
    doc = copy.deepcopy(load_seed("seed002_sv459"))
    for u in doc["units"]:
        u["period"] = "2023-06"
    _unit(doc, "UBND xã Mường Pồn")["data"]["indicators"]["3.2"] = "5"
    _unit(doc, "UBND xã Hua Thanh")["data"]["indicators"]["2.1"] = "20"
    for name in ("UBND xã Mường Pồn", "UBND xã Hua Thanh"):
        _unit(doc, name)["data"].pop("stated")
    doc["units"] = [u for u in doc["units"] if u["unit"]["name"] != "UBND xã Thanh Yên"]
    na_nhan = copy.deepcopy(_unit(doc, "UBND xã Pa Thơm"))
    na_nhan["unit"]["name"] = "UBND xã Nà Nhạn"
    doc["units"].append(na_nhan)
    return doc


def june() -> Consolidation:
    return _consolidation(june_doc(), "2023-06")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "lich_su.sqlite"
    assert history.record(path, june()) == 26
    assert history.record(path, july()) == 26
    return path


def test_the_june_copy_scores_as_computed_by_hand() -> None:
    results = {r.unit: r for r in june().all_results()}
    assert (results["UBND xã Mường Pồn"].quy_doi, results["UBND xã Mường Pồn"].band_label) == (91.46, "Xuất sắc")
    assert (results["UBND xã Hua Thanh"].quy_doi, results["UBND xã Hua Thanh"].band_label) == (59.42, "Trung bình")
    assert results["UBND xã Hua Thanh"].rank == 18
    assert "UBND xã Thanh Yên" not in results


def test_round_trip_compare(db: Path) -> None:
    cmp = history.compare(db, FW, "2023-07")
    assert cmp is not None
    assert (cmp.period, cmp.previous_period) == ("2023-07", "2023-06")

    pon = cmp.change_for("UBND xã Mường Pồn")
    assert (pon.previous_score, pon.current_score, pon.change) == (91.46, 85.58, -5.88)
    assert (pon.previous.band_label, pon.current.band_label, pon.band_change) == ("Xuất sắc", "Tốt", -1)
    assert (pon.previous.rank, pon.current.rank, pon.rank_change) == (2, 2, 0)

    hua = cmp.change_for("UBND xã Hua Thanh")
    assert (hua.previous_score, hua.current_score, hua.change) == (59.42, 71.19, 11.77)
    assert (hua.previous.band_label, hua.current.band_label, hua.band_change) == ("Trung bình", "Khá", 1)
    assert (hua.previous.rank, hua.current.rank, hua.rank_change) == (18, 17, 1)

    # Hẹ Muông did not change (70,84) but Hua Thanh overtook it: 17th in June, 18th in July
    he = cmp.change_for("UBND xã Hẹ Muông")
    assert (he.change, he.rank_change) == (0, -1)

    assert [c.unit for c in cmp.fell_band] == ["UBND xã Mường Pồn"]
    assert [c.unit for c in cmp.rose_band] == ["UBND xã Hua Thanh"]
    assert [c.unit for c in cmp.up] == ["UBND xã Hua Thanh"]
    assert [c.unit for c in cmp.down] == ["UBND xã Mường Pồn"]
    assert len(cmp.unchanged) == 23  # 26 July units - 1 new - 2 changed
    assert [r.unit for r in cmp.new_units] == ["UBND xã Thanh Yên"]
    assert [r.unit for r in cmp.missing_units] == ["UBND xã Nà Nhạn"]
    assert cmp.to_dict()["fell_band"] == ["UBND xã Mường Pồn"]


def test_items_and_units_are_stored(db: Path) -> None:
    records = {r.unit: r for r in history.load(db, FW, "2023-07")}
    assert len(records) == 26
    hua = records["UBND xã Hua Thanh"]
    assert (hua.unit_key, hua.level, hua.status, hua.total, hua.quy_doi) == ("hua thanh", "xa", "scored", 60.51, 71.19)
    assert (hua.band_code, hua.band_rank) == ("kha", 2)
    assert hua.items["3.2"] == 0 and hua.items["4.1"] == 0 and hua.items["1.1"] is None
    assert records["Trung tâm QLĐĐ"].unit_key == "trung tâm qlđđ"


def test_previous_period_defaults_to_the_latest_earlier_one(db: Path) -> None:
    may_doc = june_doc()
    for u in may_doc["units"]:
        u["period"] = "2023-05"
    assert history.record(db, _consolidation(may_doc, "2023-05")) == 26
    assert history.periods(db, FW) == ["2023-05", "2023-06", "2023-07"]
    assert history.compare(db, FW, "2023-07").previous_period == "2023-06"  # type: ignore[union-attr]
    assert history.compare(db, FW, "2023-06").previous_period == "2023-05"  # type: ignore[union-attr]
    assert history.compare(db, FW, "2023-05") is None  # nothing earlier
    explicit = history.compare(db, FW, "2023-07", previous="2023-05")
    assert explicit is not None and explicit.previous_period == "2023-05"
    with pytest.raises(HistoryError, match="chưa có kỳ 2023-08"):
        history.compare(db, FW, "2023-08")
    with pytest.raises(HistoryError, match="chưa có kỳ 2022-12"):
        history.compare(db, FW, "2023-07", previous="2022-12")


def test_recording_a_period_again_replaces_it(db: Path) -> None:
    history.record(db, july())
    history.record(db, july())
    assert len(history.load(db, FW, "2023-07")) == 26
    fewer = load_seed("seed002_sv459")
    fewer["units"] = [u for u in fewer["units"] if u["unit"]["name"] != "UBND xã Núa Ngam"]
    history.record(db, _consolidation(fewer, "2023-07"))
    names = {r.unit for r in history.load(db, FW, "2023-07")}
    assert len(names) == 25 and "UBND xã Núa Ngam" not in names
    assert len(history.load(db, FW, "2023-06")) == 26  # other periods untouched


def test_one_transaction_nothing_written_on_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "h.sqlite"
    two = july()
    two.frameworks = [two.frameworks[0], copy.copy(two.frameworks[0])]  # second framework write will fail
    calls = {"n": 0}
    real = records_from_results

    def flaky(fw: Any, results: Any) -> list[Record]:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return real(fw, results)

    monkeypatch.setattr("xl_tthc.history.records_from_results", flaky)
    with pytest.raises(RuntimeError):
        history.record(path, two)
    monkeypatch.undo()
    assert history.periods(path, FW) == []  # the first framework's rows were rolled back too


def test_schema_is_versioned(db: Path, tmp_path: Path) -> None:
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == history.SCHEMA_VERSION == 1
        conn.execute("PRAGMA user_version = 7")
    with pytest.raises(HistoryError, match="phiên bản mới hơn"):
        history.periods(db, FW)
    other = tmp_path / "khac.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(HistoryError, match="không phải tệp lịch sử"):
        history.record(other, july())
    junk = tmp_path / "rac.sqlite"
    junk.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(HistoryError, match="không phải cơ sở dữ liệu"):
        history.periods(junk, FW)
    with pytest.raises(HistoryError, match="không tìm thấy"):
        history.periods(tmp_path / "khong_co.sqlite", FW)


def test_a_period_is_required(tmp_path: Path) -> None:
    no_period = july()
    no_period.period = None
    with pytest.raises(HistoryError, match="chưa biết kỳ"):
        history.record(tmp_path / "h.sqlite", no_period)
    with pytest.raises(HistoryError, match="không đọc được"):
        history.record(tmp_path / "h.sqlite", july(), period="tháng bảy")


# ---------------------------------------------------------------------------- pure parts (core.compare)


def test_period_order() -> None:
    periods = ["2023-07", "2021-Q2", "2023-06", "2020", "2021-Q1", "2023-10", "2023-09"]
    assert sorted(periods, key=period_key) == ["2020", "2021-Q1", "2021-Q2", "2023-06", "2023-07", "2023-09", "2023-10"]
    assert latest_before(periods, "2023-07") == "2023-06"
    assert latest_before(periods, "2021-Q2") == "2021-Q1"
    assert latest_before(["2020", "2021", "2019"], "2021") == "2020"
    assert latest_before(periods, "2020") is None


def _rec(name: str, level: str | None, score: float, band_rank: int = 0) -> Record:
    return Record(name.lower(), name, level, "scored", total=score, band_rank=band_rank, band_label=str(band_rank))


def test_units_are_matched_by_level_then_by_name_alone() -> None:
    prev = [_rec("Phòng Tư pháp", "phong", 80), _rec("Núa Ngam", None, 70), _rec("Nà Nhạn", "xa", 60)]
    cur = [_rec("Phòng Tư pháp", "phong", 82.5), _rec("Núa Ngam", "xa", 69.99, 1), _rec("Pa Thơm", "xa", 50)]
    cmp = compare_records(FW, "2023-07", cur, "2023-06", prev)
    assert [(c.unit, c.change) for c in cmp.changes] == [("Phòng Tư pháp", 2.5), ("Núa Ngam", -0.01)]
    assert cmp.changes[1].band_change == -1
    assert [r.unit for r in cmp.new_units] == ["Pa Thơm"]
    assert [r.unit for r in cmp.missing_units] == ["Nà Nhạn"]


def test_units_not_scored_have_no_change() -> None:
    prev = [Record("a", "A", "xa", "not_scored")]
    cur = [_rec("A", "xa", 70)]
    cmp = compare_records(FW, "2023-07", cur, "2023-06", prev)
    assert cmp.changes[0].change is None and cmp.up == [] and cmp.down == [] and cmp.unchanged == []
