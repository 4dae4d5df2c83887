"""Properties a response must have, named after what they assert; a failure reads as a finding."""

from __future__ import annotations

import json
from typing import Any

import httpx

from mockserver.schemas import format_path, tolerant_validator, validator

from .journal import show

# The envelope is documented as exactly {"error": {code, message, requestId}} "and nothing else";
# every other body may grow new optional fields (spec §10), so it is checked tolerantly.
STRICT_SCHEMAS = frozenset({"error.json"})


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
    """The body validates against `schemas/<schema>`; returns the parsed body."""
    body = body_of(response)
    check = validator(schema) if schema in STRICT_SCHEMAS else tolerant_validator(schema)
    problems = sorted(
        f"{format_path(e.absolute_path)}: {e.message}" for e in check.iter_errors(body)
    )
    assert not problems, finding(
        f"body does not conform to {schema}: {'; '.join(problems[:5])}", response
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
