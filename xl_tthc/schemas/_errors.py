"""The exceptions raised by the generated validators (the same fields as fastjsonschema's own classes)."""

from __future__ import annotations

import re
from typing import Any

_SPLIT = re.compile(r"[\.\[\]]+")


class SchemaError(ValueError):
    """Base class: the data does not follow its JSON Schema."""


class SchemaValueError(SchemaError):
    """One violation: ``name`` is the path (``data.units[0]``), ``rule`` the schema keyword broken."""

    def __init__(
        self, message: str, value: Any = None, name: str | None = None, definition: Any = None, rule: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.value = value
        self.name = name
        self.definition = definition
        self.rule = rule

    @property
    def path(self) -> list[str]:
        return [item for item in _SPLIT.split(self.name or "") if item]

    @property
    def rule_definition(self) -> Any:
        if not self.rule or not isinstance(self.definition, dict):
            return None
        return self.definition.get(self.rule)


class SchemaValuesError(SchemaError):
    """Several violations (only raised by validators generated with ``fast_fail`` off)."""

    def __init__(self, errors: list[SchemaValueError]) -> None:
        self.message = "; ".join(e.message for e in errors)
        super().__init__(self.message)
        self.errors = errors
