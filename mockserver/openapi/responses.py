"""Which statuses each operation can answer (spec §4's order of checks), and their response objects.

Every error is the envelope (`Error`); 405 carries `Allow` and 429 `Retry-After`. Statuses set by
knobs are resolved from the profile, and two answers that share a status are merged into one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..profile import Profile
from .components import REF
from .operations import Operation

ERROR_SCHEMA = "Error"


@dataclass(frozen=True)
class Answer:
    """One kind of answer: a status, its meaning, its body's component, its required headers."""

    status: int
    description: str
    schema: str = ERROR_SCHEMA
    headers: dict[str, dict[str, Any]] = field(default_factory=dict)


_ALLOW = {
    "description": "The methods this path serves.",
    "schema": {"type": "string", "minLength": 1},
}
_RETRY_AFTER = {
    "description": "Whole seconds to wait before retrying.",
    "schema": {"type": "integer", "minimum": 1},
}
_ERRORS = {
    400: "`validation_failed`: the body, a parameter or the `Idempotency-Key` header is invalid.",
    401: "`api_key_missing`, `api_key_invalid`, `api_key_revoked` or `api_key_expired`.",
    402: "`insufficient_credits`: the balance does not cover the model's cost.",
    403: "`api_scope_denied`: the key lacks this operation's scope.",
    404: "`not_found`: no such object for this account, or a malformed id.",
    405: "`validation_failed`: this path does not serve that method (see `Allow`).",
    408: "`validation_failed`: the request body stalled.",
    409: "`idempotency_conflict`: the key was used for another request, or is still in flight.",
    413: "`validation_failed`: the body is over this route's size limit.",
    429: "`rate_limited`: too many requests; retry after `Retry-After` seconds.",
    431: "`validation_failed`: the request's header section is too large.",
    500: "`internal_error`: an unexpected failure of the server.",
    503: "`public_api_disabled`: the public API is switched off.",
}
_DEFAULTS = Profile()
_HEADERS = {405: {"Allow": _ALLOW}, 429: {"Retry-After": _RETRY_AFTER}}


def _status(value: int | str, profile: Profile) -> int:
    return value if isinstance(value, int) else int(getattr(profile, value))


def error_statuses(op: Operation, profile: Profile) -> list[tuple[int, int]]:
    """(status the server sends, documented meaning) for every standard error `op` can answer."""
    always = [405, 431, 500, 503]
    keyed = [401, 403, 429] if op.scope else []
    found = [404] if "{" in op.path else []
    body = [400, 408] if op.body else []
    too_large = [413] if op.body and op.body[0] == "application/json" else []
    idempotent = [400, 409] if op.idempotent else []
    pairs = [(s, s) for s in (*always, *keyed, *found, *body, *too_large, *idempotent)]
    # a knob-set status keeps the meaning of its default (402 for insufficient_credits_status)
    knobs = [e for e in op.extra_errors if isinstance(e, int | str)]
    return pairs + [(_status(e, profile), _status(e, _DEFAULTS)) for e in knobs]


def answers(op: Operation, profile: Profile) -> list[Answer]:
    success = Answer(_status(op.success, profile), op.summary + ".", op.schema)
    errors = [
        Answer(sent, _ERRORS[meaning], headers=_HEADERS.get(meaning, {}))
        for sent, meaning in error_statuses(op, profile)
    ]
    described = [Answer(*e) for e in op.extra_errors if isinstance(e, tuple)]
    return [success, *errors, *described]


def _content(schemas: list[str]) -> dict[str, Any]:
    unique = list(dict.fromkeys(schemas))
    refs = [{"$ref": REF + name} for name in unique]
    return {"application/json": {"schema": refs[0] if len(refs) == 1 else {"oneOf": refs}}}


def _merge(same_status: list[Answer]) -> dict[str, Any]:
    descriptions = list(dict.fromkeys(a.description for a in same_status))
    response: dict[str, Any] = {
        "description": " Or: ".join(descriptions),
        "content": _content([a.schema for a in same_status]),
    }
    names = dict.fromkeys(n for a in same_status for n in a.headers)
    headers = {}
    for name in names:
        header = next(a.headers[name] for a in same_status if name in a.headers)
        always = all(name in a.headers for a in same_status)
        headers[name] = {**header, "required": always}
    if headers:
        response["headers"] = headers
    return response


def responses_object(op: Operation, profile: Profile) -> dict[str, Any]:
    """The operation's `responses`, ordered by status."""
    by_status: dict[int, list[Answer]] = {}
    for answer in answers(op, profile):
        by_status.setdefault(answer.status, []).append(answer)
    return {str(status): _merge(by_status[status]) for status in sorted(by_status)}
