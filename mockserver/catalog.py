"""The model catalog, read from the per-model params schemas in `schemas/models/`.

A model is data: its params schema carries its catalog entry under `x-rivya-model`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from .schemas import load_schemas

REFERENCE_MIME_TYPES = ("image/jpeg", "image/png", "image/webp")


@dataclass(frozen=True)
class Param:
    key: str
    default: str
    options: tuple[str, ...]


@dataclass(frozen=True)
class Model:
    id: str
    display_name: str
    base_credits: int
    max_prompt_length: int
    params: tuple[Param, ...]
    schema_name: str
    max_references: int = 0
    reference_kinds: tuple[str, ...] = ()
    reference_mime_types: tuple[str, ...] = ()
    reference_max_megabytes: int = 0

    @property
    def takes_references(self) -> bool:
        return self.max_references > 0

    def reference_max_bytes(self, megabyte: int) -> int:
        return self.reference_max_megabytes * megabyte

    def defaults(self) -> dict[str, str]:
        return {p.key: p.default for p in self.params}


def _model(name: str, schema: dict[str, Any]) -> Model:
    meta = schema["x-rivya-model"]
    props = dict(schema["properties"])
    refs = props.pop("referenceMediaItems", None)
    params = tuple(Param(key, spec["default"], tuple(spec["enum"])) for key, spec in props.items())
    extra: dict[str, Any] = {}
    if refs:
        item = refs["items"]["properties"]
        extra = {
            "max_references": refs["maxItems"],
            "reference_kinds": tuple(item["kind"]["enum"]),
            "reference_mime_types": tuple(item["mimeType"]["enum"]),
            "reference_max_megabytes": meta["reference_max_megabytes"],
        }
    model_id = name.removeprefix("models/").removesuffix(".params.json")
    return Model(
        model_id,
        meta["display_name"],
        meta["base_credits"],
        meta["max_prompt_length"],
        params,
        name,
        **extra,
    )


@functools.cache
def catalog() -> dict[str, Model]:
    """All models by id, in the catalog's documented order."""
    schemas = load_schemas()
    names = [n for n in schemas if n.startswith("models/")]
    names.sort(key=lambda n: schemas[n]["x-rivya-model"]["order"])
    return {m.id: m for m in (_model(n, schemas[n]) for n in names)}


def cheapest_cost() -> int:
    return min(m.base_credits for m in catalog().values())
