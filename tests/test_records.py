"""Records (xl_tthc.core.records) behave as the data classes dataclasses would generate: repr, equality, hash,
frozen assignment, pickling, replace; every record of the package has the methods dataclasses would give it."""

from __future__ import annotations

import dataclasses
import importlib
import pickle
import pkgutil
from dataclasses import field
from typing import Any

import pytest

import xl_tthc
from xl_tthc.core.records import record


@record(frozen=True)
class Point:
    x: int
    y: float = 0.0
    tags: tuple[str, ...] = ()
    note: str = field(default="", repr=False, compare=False)


@dataclasses.dataclass(frozen=True, slots=True)
class StockPoint:
    x: int
    y: float = 0.0
    tags: tuple[str, ...] = ()
    note: str = field(default="", repr=False, compare=False)


@record
class Box:
    items: list[Any] = field(default_factory=list)
    label: str | None = None


@dataclasses.dataclass(slots=True)
class StockBox:
    items: list[Any] = field(default_factory=list)
    label: str | None = None


@record(frozen=True)
class One:
    v: float


def test_frozen_record_is_its_dataclass() -> None:
    p, s = Point(1, 2.5, ("a",), note="x"), StockPoint(1, 2.5, ("a",), note="x")
    assert repr(p) == repr(s).replace("StockPoint", "Point") == "Point(x=1, y=2.5, tags=('a',))"
    assert p == Point(1, 2.5, ("a",), note="other") and p != Point(2, 2.5, ("a",))
    assert hash(p) == hash(s) == hash((1, 2.5, ("a",)))
    assert p.__eq__(s) is NotImplemented and p != s
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.x = 3  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del p.x  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(p)) == p
    assert dataclasses.replace(p, x=5) == Point(5, 2.5, ("a",))
    assert dataclasses.asdict(p) == dataclasses.asdict(s)
    assert Point.__match_args__ == StockPoint.__match_args__ and Point.__slots__ == StockPoint.__slots__
    assert Point.__repr__.__qualname__ == "Point.__repr__"
    nan = float("nan")
    one = One(nan)
    assert one == one and hash(one) == hash((nan,))  # the tuple comparison of the field values, as generated


def test_mutable_record_is_its_dataclass() -> None:
    b, s = Box([1], "k"), StockBox([1], "k")
    assert repr(b) == "Box(items=[1], label='k')" == repr(s).replace("StockBox", "Box")
    assert b == Box([1], "k") and b != Box([2], "k")
    assert Box.__hash__ is None and StockBox.__hash__ is None
    with pytest.raises(TypeError):
        hash(b)
    b.items.append(b)  # a recursive reference shows as "...", as the generated repr shows it
    s.items.append(s)
    assert repr(b) == "Box(items=[1, ...], label='k')" == repr(s).replace("StockBox", "Box")
    assert Box().items is not Box().items
    with pytest.raises(AttributeError):
        b.other = 1  # type: ignore[attr-defined]


def _records() -> list[type]:
    found = []
    for info in pkgutil.walk_packages(xl_tthc.__path__, "xl_tthc."):
        if info.name.startswith(("xl_tthc.schemas._", "xl_tthc.__main__")):
            continue
        module = importlib.import_module(info.name)
        for obj in vars(module).values():
            if isinstance(obj, type) and obj.__module__ == info.name and dataclasses.is_dataclass(obj):
                found.append(obj)
    return found


def test_every_data_class_of_the_package_is_a_record() -> None:
    classes = _records()
    assert len(classes) > 60
    for cls in classes:
        params = cls.__dataclass_params__  # type: ignore[attr-defined]
        assert "__slots__" in vars(cls), cls
        assert cls.__repr__.__qualname__ == f"{cls.__qualname__}.__repr__", cls
        assert cls.__eq__.__qualname__ == f"{cls.__qualname__}.__eq__", cls
        if params.frozen:
            assert cls.__hash__.__qualname__ == f"{cls.__qualname__}.__hash__", cls
        else:
            assert cls.__hash__ is None, cls
