"""Checks of the control plane's arguments: each returns the value, or raises `validation_failed`
(rule `control_input`) naming the argument."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

from starlette.requests import Request

from .errors import ValidationFailed
from .profile import ALL_SCOPES


def invalid(message: str) -> ValidationFailed:
    return ValidationFailed(message, rule="control_input")


def whole(value: Any, name: str, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise invalid(f"{name}: must be an integer >= {low}")
    return value


def duration(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1e9:
        raise invalid(f"{name}: must be a number of seconds, at least 0 and under 1e9")
    return float(value)


def text(value: Any, name: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise invalid(f"{name}: must be a string")
    return value


def choice(value: Any, name: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise invalid(f"{name}: must be one of {', '.join(choices)}")
    return value


def scope_list(value: Any) -> tuple[str, ...]:
    if value is None:
        return ALL_SCOPES
    if not isinstance(value, (list, tuple)) or any(s not in ALL_SCOPES for s in value):
        raise invalid(f"scopes: must be a list of known scopes ({', '.join(ALL_SCOPES)})")
    return tuple(value)


def page(items: Iterable[Any], offset: int, limit: int) -> list[Any]:
    return list(itertools.islice(items, offset, offset + limit))


def query(request: Request, ints: set[str], allowed: set[str]) -> dict[str, Any]:
    """The request's query parameters: only `allowed` ones, those in `ints` whole numbers."""
    values: dict[str, Any] = {}
    for name, value in request.query_params.items():
        if name not in allowed:
            raise ValidationFailed(f"query: unknown parameter {name!r}", rule="control_query")
        if name in ints and not (value.isascii() and value.isdigit() and len(value) <= 18):
            raise ValidationFailed(f"{name}: must be a whole number", rule="control_query")
        values[name] = int(value) if name in ints else value
    return values
