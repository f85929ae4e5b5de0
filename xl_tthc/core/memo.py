"""Values worked out once per object: a framework's scoring plan, a layout's formulas, a band table's names.

Every file of a folder is scored under the same few framework objects, so what a scorer or a check derives from one
is kept. The objects are records compared by value (hashing a framework hashes all its data), so the cache is keyed
by identity; it holds the object itself, so that its id is not reused by another while the entry lives, and it is
bounded (a test or a long session that builds many registries does not grow it without end).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")

SIZE = 64  # entries per function; a registry holds a handful of frameworks


def per_object(make: Callable[[K], V]) -> Callable[[K], V]:
    """``make(obj)`` computed once per object (by identity) and kept; see the module docstring."""
    cache: dict[int, tuple[K, V]] = {}

    @functools.wraps(make)
    def get(obj: K) -> V:
        hit = cache.get(id(obj))
        if hit is None or hit[0] is not obj:
            if len(cache) >= SIZE:
                cache.clear()
            hit = cache[id(obj)] = (obj, make(obj))
        return hit[1]

    return get


__all__ = ["per_object"]
