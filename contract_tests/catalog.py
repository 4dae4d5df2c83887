"""The target's own catalog, read from GET /models, so new models and params are simply more data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class References:
    max_files: int
    kinds: tuple[str, ...]
    mime_types: tuple[str, ...]
    max_bytes: int


@dataclass(frozen=True)
class ModelInfo:
    id: str
    cost: int
    max_prompt_length: int
    params: dict[str, tuple[str, ...]]
    defaults: dict[str, str]
    references: References | None

    def takes_images(self) -> bool:
        return self.references is not None and "image" in self.references.kinds


def _references(raw: Any) -> References | None:
    if not raw:
        return None
    return References(
        raw["max_files"], tuple(raw["kinds"]), tuple(raw["mime_types"]), raw["max_bytes"]
    )


def model_info(raw: dict[str, Any]) -> ModelInfo:
    params = {p["key"]: tuple(p["options"]) for p in raw["params"]}
    defaults = {p["key"]: p["default"] for p in raw["params"]}
    return ModelInfo(
        raw["id"],
        raw["base_credits"],
        raw["max_prompt_length"],
        params,
        defaults,
        _references(raw["reference_media"]),
    )


class Catalog:
    """Models by id, as the target lists them."""

    def __init__(self, models: list[dict[str, Any]]) -> None:
        self.models = {m.id: m for m in (model_info(raw) for raw in models)}
        if not self.models:
            raise ValueError("the target lists no models")

    def cost(self, model_id: Any) -> int:
        """The cost of a create naming `model_id`; the dearest model when it is not a known id."""
        model = self.models.get(model_id) if isinstance(model_id, str) else None
        return model.cost if model else max(m.cost for m in self.models.values())

    def cheapest(self) -> ModelInfo:
        return min(self.models.values(), key=lambda m: (m.cost, m.id))

    def with_references(self) -> list[ModelInfo]:
        return [m for m in self.models.values() if m.takes_images()]
