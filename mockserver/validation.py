"""Strict request parsing and validation: JSON as the spec wants it, then schema and catalog rules.

Everything that is wrong with a body becomes `ValidationFailed` with a message naming the field.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import orjson

from .catalog import Model, catalog
from .errors import ValidationFailed
from .schemas import first_error

MAX_DEPTH = 64


def _reject_constant(name: str) -> Any:
    raise ValidationFailed(f"body: {name} is not valid JSON", rule="malformed_json")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):  # 1e999 parses as infinity, which JSON cannot carry
        raise ValidationFailed(f"body: the number {text[:32]} is out of range", rule="json_number")
    return value


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValidationFailed(f"body: duplicate key {key!r}", rule="duplicate_json_key")
        result[key] = value
    return result


def _check_tree(value: Any) -> None:
    """Reject nesting deeper than MAX_DEPTH and strings holding lone surrogates (iteratively)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ValidationFailed(
                f"body: nested deeper than {MAX_DEPTH} levels", rule="json_depth"
            )
        if isinstance(node, str):
            _check_string(node)
        elif isinstance(node, dict):
            for key, item in node.items():
                _check_string(key)
                stack.append((item, depth + 1))
        elif isinstance(node, list):
            stack.extend((item, depth + 1) for item in node)


def _check_string(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationFailed(
            "body: strings must not contain lone surrogate escapes", rule="lone_surrogate"
        ) from None


def parse_json(raw: bytes) -> Any:
    """Parse a request body strictly: UTF-8, no duplicate keys, no NaN/Infinity, no number out
    of range, bounded depth, no lone surrogates.

    Fast path: orjson parses, and three byte counts prove that the exact parser would agree.
    Without a backslash in the body, every `"` delimits a string, so re-serialising the value
    shows as many quotes as the body had unless a duplicate key was dropped; at most MAX_DEPTH
    brackets bound the depth; and orjson itself refuses invalid UTF-8, lone surrogates, NaN,
    Infinity and numbers beyond a double (1e999, 5,001 digits). Anything else (an escape, many
    brackets, an error) takes the exact path, which also writes every rejection's message.
    One difference is harmless: orjson reads an integer beyond 64 bits as a float, and no field
    of a valid body is an integer (a number too long for a double goes the exact way).
    """
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return parse_json_exactly(raw)
    if (
        b"\\" in raw
        or raw.count(b"{") + raw.count(b"[") > MAX_DEPTH
        or orjson.dumps(value).count(b'"') != raw.count(b'"')
    ):
        return parse_json_exactly(raw)
    return value


def parse_json_exactly(raw: bytes) -> Any:
    """The reference parser (the standard library with strict hooks): slower, exact messages."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationFailed("body: is not valid UTF-8", rule="invalid_utf8") from None
    try:
        value = json.loads(
            text,
            object_pairs_hook=_unique_object,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
        )
    except json.JSONDecodeError as exc:
        raise ValidationFailed(
            f"body: is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})",
            rule="malformed_json",
        ) from None
    except ValueError:  # an integer past Python's digit limit (4,300 digits)
        raise ValidationFailed("body: a number has too many digits", rule="json_number") from None
    except RecursionError:
        raise ValidationFailed(
            f"body: nested deeper than {MAX_DEPTH} levels", rule="json_depth"
        ) from None
    _check_tree(value)
    return value


def canonical(value: Any) -> str:
    """The canonical form used to compare idempotent requests (sorted keys, compact)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode("utf-8")
    except TypeError:  # integers beyond 64 bits, which orjson cannot write
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def prompt_length(prompt: str, unit: str) -> int:
    if unit == "utf16":
        return len(prompt.encode("utf-16-le")) // 2
    return len(prompt)


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs ~1 us a create
class GenerationRequest:
    model: Model
    prompt: str
    params: dict[str, str]
    references: tuple[dict[str, Any], ...]
    client_request_id: str | None
    fingerprint: str


# Tasks asking for the same params share one dict of them (a create then stores ~180 bytes
# less). Never mutated. Bounded by the catalog: every params schema forbids unknown keys and
# every value is one of its param's enum strings; the limit only guards against a catalog
# with too many combinations.
_RESOLVED: dict[tuple[str, tuple[tuple[str, Any], ...]], dict[str, str]] = {}
RESOLVED_LIMIT = 10_000


def resolved_params(model: Model, params: dict[str, Any]) -> dict[str, str]:
    """The validated `params` with the model's defaults filled in (reference items apart)."""
    chosen = tuple((k, v) for k, v in params.items() if k != "referenceMediaItems")
    key = (model.id, chosen)
    resolved = _RESOLVED.get(key)
    if resolved is None:
        resolved = model.defaults() | dict(chosen)
        if len(_RESOLVED) < RESOLVED_LIMIT:
            _RESOLVED[key] = resolved
    return resolved


def _fail(message: str, rule: str = "schema") -> ValidationFailed:
    return ValidationFailed(message, rule=rule)


def validate_generation(body: Any, prompt_unit: str = "codepoints") -> GenerationRequest:
    """Check a parsed create-generation body against the schemas and the catalog."""
    problem = first_error("generation_request.json", body)
    if problem:
        raise _fail(problem)
    models = catalog()
    model = models.get(body["model"])
    if model is None:
        raise _fail(f"model: must be one of {', '.join(models)}", "unknown_model")
    params = body.get("params", {})
    problem = first_error(model.schema_name, params, "params")
    if problem:
        raise _fail(problem)
    prompt = body["prompt"]
    if prompt.isspace():
        raise _fail("prompt: must not be empty or only whitespace", "prompt_blank")
    if prompt_length(prompt, prompt_unit) > model.max_prompt_length:
        unit = "UTF-16 code units" if prompt_unit == "utf16" else "characters"
        raise _fail(
            f"prompt: must be at most {model.max_prompt_length} {unit} for {model.id}",
            "prompt_too_long",
        )
    return GenerationRequest(
        model=model,
        prompt=prompt,
        params=resolved_params(model, params),
        references=tuple(params.get("referenceMediaItems", ())),
        client_request_id=body.get("client_request_id"),
        fingerprint=canonical(body),
    )
