"""Input keys: the one helper for "a/b/c" paths into the nested ``data`` of a unit (``counts/received_total``,
``criteria/9/marks/b``, ``rows/1.3.1/self``). Every layer uses it: the engine reads with it, the recognisers and the
template builder write and read with it."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=4096)
def key_parts(key: str) -> tuple[str, ...]:
    return tuple(key.split("/"))


def get_key(data: Any, key: str | tuple[str, ...]) -> Any:
    """data["a"]["b"]["c"] for key "a/b/c" (a digit part also indexes a list); None when a part is missing."""
    node = data
    for part in key_parts(key) if isinstance(key, str) else key:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def set_key(data: dict[str, Any], key: str | tuple[str, ...], value: Any) -> None:
    """data["a"]["b"]["c"] = value for key "a/b/c" or ("a", "b", "c") (intermediate dicts created)."""
    parts = key_parts(key) if isinstance(key, str) else key
    node = data
    for p in parts[:-1]:
        nxt = node.get(p)
        if not isinstance(nxt, dict):
            nxt = {}
            node[p] = nxt
        node = nxt
    node[parts[-1]] = value


__all__ = ["get_key", "key_parts", "set_key"]
