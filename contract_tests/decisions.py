"""The schemas as the kit asserts them: every part marked `x-rivya-decision` reduced to its JSON type.

The schema files are the one source of truth: the fake validates strictly with them, and each
[decision] part carries `"x-rivya-decision": "why (spec §N)"` on its subschema. Here a marked
subschema keeps only its own `type` (anything, when it names none), and no object refuses extra
fields (the docs say responses may grow), except the error envelope, documented as exactly
`{"error": {code, message, requestId}}`. What a target does at a marked place is observed.
"""

from __future__ import annotations

import functools
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry

from mockserver.schemas import load_schemas, registry_of, relaxed_schemas, tolerant_validator

MARK = "x-rivya-decision"
# What a marked subschema keeps besides its type: what names it, never what it asserts.
IDENTITY = frozenset({"$schema", "$id", "title", "description"})
# Documented as exactly these fields "and nothing else": checked as the files say.
EXACT_SCHEMAS = frozenset({"error.json"})
# Observations of the shape at [decision] places, by the schema of the response.
SHAPE_OBSERVATIONS = {
    "file.json": "file_object_shape",
    "models_list.json": "model_entry_shape",
}


def _documented(node: Any) -> Any:
    if isinstance(node, dict):
        if MARK in node:
            kept = {k: v for k, v in node.items() if k in IDENTITY or k == MARK}
            return kept | ({"type": node["type"]} if "type" in node else {})
        return {k: _documented(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_documented(v) for v in node]
    return node


def decision_points() -> list[tuple[str, str, str]]:
    """Every marked place: (schema file, JSON pointer, the reason it gives)."""
    found: list[tuple[str, str, str]] = []

    def walk(node: Any, name: str, pointer: str) -> None:
        if isinstance(node, dict):
            if MARK in node:
                found.append((name, pointer or "/", node[MARK]))
            for key, value in node.items():
                walk(value, name, f"{pointer}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, name, f"{pointer}/{index}")

    for name, schema in load_schemas().items():
        walk(schema, name, "")
    return found


@functools.cache
def _registry() -> tuple[dict[str, Any], Registry]:
    relaxed = relaxed_schemas()
    made = {
        n: s if n in EXACT_SCHEMAS else _documented(relaxed[n]) for n, s in load_schemas().items()
    }
    return made, registry_of(made)


@functools.cache
def documented_validator(name: str) -> Draft202012Validator:
    """What the docs state about a response: asserted."""
    schemas, registry = _registry()
    return Draft202012Validator(schemas[name], registry=registry)


def whole_shape_validator(name: str) -> Draft202012Validator:
    """The documented shape plus the fake's [decision]s (extra fields allowed): observed."""
    return tolerant_validator(name)
