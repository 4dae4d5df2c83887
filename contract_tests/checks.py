"""Properties a response must have, named after what they assert; a failure reads as a finding."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from mockserver.schemas import format_path

from .decisions import documented_validator, whole_shape_validator
from .journal import show


def finding(title: str, response: httpx.Response) -> str:
    return f"{title}{show(response)}"


def body_of(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise AssertionError(finding("response body is not JSON", response)) from None


def is_not_server_error(response: httpx.Response) -> None:
    assert response.status_code < 500, finding(f"server error {response.status_code}", response)


def conforms_to_schema(response: httpx.Response, schema: str) -> Any:
    """The body validates against what the docs state of `schemas/<schema>`; returns it parsed.

    Parts of the schema marked `x-rivya-decision` are only typed here (see `decisions`)."""
    body = body_of(response)
    problems = schema_problems(body, schema)
    assert not problems, finding(
        f"body does not conform to {schema}: {'; '.join(problems)}", response
    )
    return body


def schema_problems(body: Any, schema: str, *, decisions: bool = False) -> list[str]:
    """Where `body` departs from `schemas/<schema>` (extra fields allowed), at most five; with
    `decisions`, the fake's shape at [decision] places counts too (for observations)."""
    check = whole_shape_validator if decisions else documented_validator
    errors = check(schema).iter_errors(body)
    return sorted(f"{format_path(e.absolute_path)}: {e.message}" for e in errors)[:5]


def file_fields(body: Any, *names: str) -> dict[str, Any]:
    """The file object, when it has the fields a check needs; else the check is skipped."""
    missing = [n for n in names if not isinstance(body, dict) or n not in body]
    if missing:
        pytest.skip(
            f"the file object has no {', '.join(missing)} field (its shape is a [decision])"
        )
    return body


def is_success(response: httpx.Response) -> None:
    # The docs state no success status; any 2xx honours them, the exact value is observed.
    assert 200 <= response.status_code < 300, finding(
        f"expected success (2xx), got {response.status_code}", response
    )


def is_error(response: httpx.Response, code: str, status: int | None = None) -> None:
    """The response is the documented error: the envelope with `code`, and `status` when documented."""
    body = body_of(response)
    error = body.get("error") if isinstance(body, dict) else None
    got = error.get("code") if isinstance(error, dict) else None
    assert got == code, finding(
        f"expected error {code!r}, got {response.status_code} {got!r}", response
    )
    if status is not None:
        assert response.status_code == status, finding(
            f"error {code!r} must have HTTP {status}, got {response.status_code}", response
        )
