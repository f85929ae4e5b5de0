"""xl_tthc.core.memo.per_object: what a scorer or a check derives from a framework or a layout, once per object."""

from __future__ import annotations

from xl_tthc.core import memo
from xl_tthc.core.framework import default_registry


def test_worked_out_once_per_object_by_identity() -> None:
    calls: list[object] = []

    @memo.per_object
    def size(xs: list[int]) -> int:
        calls.append(xs)
        return len(xs)

    a, b = [1, 2], [1, 2]  # equal, not the same object
    assert (size(a), size(a), size(b), size(a)) == (2, 2, 2, 2)
    assert calls == [a, b] and calls[0] is a and calls[1] is b
    a.append(3)  # the value is kept per object: worked out once, not again when the object changes
    assert size(a) == 2


def test_bounded_and_worked_out_again_after_being_dropped() -> None:
    calls = 0

    @memo.per_object
    def ident(x: object) -> object:
        nonlocal calls
        calls += 1
        return x

    objs = [object() for _ in range(memo.SIZE + 1)]
    for o in objs:
        assert ident(o) is o
    assert calls == memo.SIZE + 1
    assert ident(objs[-1]) is objs[-1] and calls == memo.SIZE + 1  # the newest entry stays
    assert ident(objs[0]) is objs[0] and calls == memo.SIZE + 2  # the cache was cleared at the bound


def test_band_names_of_a_shipped_framework() -> None:
    # sv459 bands (QĐ 459/2023): Xuất sắc / Tốt / Khá / Trung bình / Yếu, found by label whatever the case and edges
    bands = default_registry().get("sv459-dienbien-2023").bands
    assert bands is not None
    found = bands.find("  trung BÌNH ")
    assert found is not None and found.label == "Trung bình"
    assert bands.find("Xuất sắc") is bands.items[0]
    assert bands.find("không có") is None
