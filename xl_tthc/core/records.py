"""Records: the package's data classes, made by :mod:`dataclasses` without compiling three methods per class.

For every data class, Python 3.11 writes ``__init__``, ``__repr__``, ``__eq__`` (and for a frozen one ``__hash__``,
``__setattr__``, ``__delattr__``) as source text and compiles each; with some sixty classes on the way to the first
«Tính điểm», that compiling was a fifth of what the add-in's click and ``xl-tthc fill`` add to a bare start.
:func:`record` lets :func:`dataclasses.dataclass` make the class (fields, ``__init__``, slots, frozen assignment
errors, ``__match_args__``, pickling, ``fields``/``replace``/``asdict``) and gives it ``__repr__``, ``__eq__`` and
``__hash__`` built from functions compiled once, with the behaviour dataclasses generate:

* ``__repr__``: ``Name(a=1, b='x')`` over the fields shown in repr (``...`` for a recursive reference);
* ``__eq__``: same class and equal tuples of the compared fields, else ``NotImplemented``;
* ``__hash__``: of that tuple (the fields with ``hash``, or ``compare`` when it is unset) for a frozen record; a
  mutable record is unhashable.

A method the class body defines itself is kept, as dataclasses keep it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from operator import attrgetter
from reprlib import recursive_repr
from typing import Any, TypeVar, dataclass_transform, overload

_T = TypeVar("_T")
_MISSING = object()


def _values(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The tuple of these attributes of an object (attrgetter gives a bare value for one name)."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    return lambda obj: ()


def _methods(cls: type, frozen: bool) -> None:
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    shown = tuple(f.name for f in fields if f.repr)
    compared = _values(tuple(f.name for f in fields if f.compare))
    hashed = _values(tuple(f.name for f in fields if (f.compare if f.hash is None else f.hash)))

    @recursive_repr()
    def __repr__(self: Any) -> str:
        name: str = self.__class__.__qualname__
        return name + "(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in shown) + ")"

    def __eq__(self: Any, other: object) -> Any:
        if other.__class__ is self.__class__:
            return compared(self) == compared(other)
        return NotImplemented

    def __hash__(self: Any) -> int:
        return hash(hashed(self))

    own = dict(cls.__dict__)  # what the class body defined (dataclasses added no method of these)
    class_hash = own.get("__hash__", _MISSING)
    explicit_hash = not (class_hash is _MISSING or (class_hash is None and "__eq__" in own))
    for name, fn in (("__repr__", __repr__), ("__eq__", __eq__)):
        if name not in own:
            fn.__qualname__ = f"{cls.__qualname__}.{name}"
            setattr(cls, name, fn)
    if not explicit_hash:  # as dataclasses decide for eq=True: hashed when frozen, unhashable when mutable
        if frozen:
            __hash__.__qualname__ = f"{cls.__qualname__}.__hash__"
            cls.__hash__ = __hash__  # type: ignore[method-assign,assignment]
        else:
            cls.__hash__ = None  # type: ignore[assignment]


@overload
def record(cls: type[_T], /) -> type[_T]: ...


@overload
def record(*, frozen: bool = False) -> Callable[[type[_T]], type[_T]]: ...


@dataclass_transform(field_specifiers=(dataclasses.field, dataclasses.Field))
def record(cls: type[_T] | None = None, /, *, frozen: bool = False) -> Any:
    """``@dataclass(slots=True)`` (``@record``) or ``@dataclass(frozen=True, slots=True)`` (``@record(frozen=True)``),
    with the shared ``__repr__``, ``__eq__`` and ``__hash__`` (see the module docstring)."""

    def make(c: type[_T]) -> type[_T]:
        made: type[_T] = dataclasses.dataclass(c, repr=False, eq=False, frozen=frozen, slots=True)
        _methods(made, frozen)
        return made

    return make if cls is None else make(cls)


__all__ = ["record"]
