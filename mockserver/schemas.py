"""The JSON Schemas of `schemas/`, loaded once: a referencing registry, one cached validator each.

The fake validates requests with them, the OpenAPI document is assembled from them and the
contract tests validate responses with them. Error messages name the field by its path.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource

BASE_URI = "https://rivya-mock.dev/schemas/"


def schema_dir() -> Path:
    """`schemas/` beside the package in a source tree, or inside it in an installed wheel."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "schemas", here.parent / "schemas"):
        if (candidate / "task.json").is_file():
            return candidate
    raise FileNotFoundError("rivya-mock cannot find its schemas/ folder")


@functools.cache
def load_schemas() -> dict[str, dict[str, Any]]:
    """Every schema file, by its path relative to `schemas/` (e.g. `models/z-image.params.json`)."""
    root = schema_dir()
    schemas = {}
    for path in sorted(root.rglob("*.json")):
        schema = json.loads(path.read_text("utf-8"))
        Draft202012Validator.check_schema(schema)
        name = path.relative_to(root).as_posix()
        if schema.get("$id") != BASE_URI + name:
            raise ValueError(f"{name}: $id must be {BASE_URI + name}")
        schemas[name] = schema
    return schemas


def _relax(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: _relax(v)
            for k, v in node.items()
            if not (k == "additionalProperties" and v is False)
        }
    if isinstance(node, list):
        return [_relax(v) for v in node]
    return node


@functools.cache
def _schemas(tolerant: bool) -> dict[str, dict[str, Any]]:
    """The schema files, or copies that allow extra fields (the docs say responses may grow)."""
    schemas = load_schemas()
    return {n: _relax(s) for n, s in schemas.items()} if tolerant else schemas


def relaxed_schemas() -> dict[str, dict[str, Any]]:
    """Copies of the schema files that allow extra fields (no `additionalProperties: false`)."""
    return _schemas(True)


def registry_of(schemas: dict[str, dict[str, Any]]) -> Registry:
    """A referencing registry of schemas by their name relative to `schemas/`."""
    return Registry().with_resources(
        (BASE_URI + name, Resource.from_contents(schema)) for name, schema in schemas.items()
    )


@functools.cache
def _registry(tolerant: bool) -> Registry:
    return registry_of(_schemas(tolerant))


@functools.cache
def validator(name: str) -> Draft202012Validator:
    """The compiled validator of one schema file (strict: exactly the documented fields)."""
    return Draft202012Validator(_schemas(False)[name], registry=_registry(False))


@functools.cache
def tolerant_validator(name: str) -> Draft202012Validator:
    """Like `validator`, but extra response fields are allowed (the docs say they may appear)."""
    return Draft202012Validator(_schemas(True)[name], registry=_registry(True))


@functools.cache
def _fast_registry() -> Any:
    return jsonschema_rs.Registry([(BASE_URI + n, s) for n, s in load_schemas().items()])


@functools.cache
def fast_validator(name: str) -> Any:
    """jsonschema-rs's compiled validator of one schema file: a yes/no in about a microsecond."""
    return jsonschema_rs.validator_for(load_schemas()[name], registry=_fast_registry())


def is_valid(name: str, instance: Any) -> bool:
    """Whether `instance` is valid for schema `name`. Valid requests are the hot path, so the
    answer comes from jsonschema-rs; `first_error` asks jsonschema only to explain a rejection."""
    return bool(fast_validator(name).is_valid(instance))


def format_path(parts: Any, prefix: str = "") -> str:
    text = prefix
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "body"


_TYPE_WORDS = {
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "null": "null",
}


def _rule(error: ValidationError) -> tuple[list[Any], str]:
    """The path (as a list) and the human rule an error broke."""
    path, value, kind = list(error.absolute_path), error.validator_value, error.validator
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else str(value)
        return path + [missing], "is required"
    if kind == "additionalProperties":
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(k for k in error.instance if k not in allowed)
        return path + [extra[0] if extra else "?"], "is not allowed" + (
            f" (allowed: {', '.join(sorted(allowed))})" if allowed else ""
        )
    if kind == "not" and "propertyNames" in error.schema_path:
        return path + [error.instance], "is not allowed on an item of this kind"
    if kind == "type":
        kinds = value if isinstance(value, list) else [value]
        return path, "must be " + " or ".join(_TYPE_WORDS.get(k, str(k)) for k in kinds)
    if kind == "enum":
        return path, "must be one of " + ", ".join(str(v) for v in value)
    if kind == "const":
        return path, f"must be {value!r}"
    if kind == "minLength":
        return path, "must not be empty" if value == 1 else f"must be at least {value} characters"
    if kind == "maxLength":
        return path, f"must be at most {value} characters"
    if kind == "maxItems":
        return path, f"must have at most {value} items"
    if kind == "minItems":
        return path, f"must have at least {value} items"
    if kind in ("minimum", "maximum"):
        return path, f"must be {'>=' if kind == 'minimum' else '<='} {value}"
    if kind == "uniqueItems":
        return path, "must not repeat an item"
    if kind == "pattern":
        return path, f"must match {value}"
    return path, error.message


def _best(errors: Iterator[ValidationError]) -> ValidationError | None:
    # Prefer the deepest error; jsonschema's relevance picks a stable one among equals.
    from jsonschema.exceptions import best_match

    return best_match(errors)


def first_error(name: str, instance: Any, prefix: str = "") -> str | None:
    """`None` if `instance` is valid for schema `name`, else `path: rule` for one violation."""
    if is_valid(name, instance):
        return None
    error = _best(validator(name).iter_errors(instance))
    if error is None:
        return None
    path, rule = _rule(error)
    return f"{format_path(path, prefix)}: {rule}"
