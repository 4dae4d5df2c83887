"""The target's own catalog, read from GET /models, so new models and params are simply more data.

Only the model entry's top level is documented (spec §10). The inner shapes of `params` items and
`reference_media` are [decision]s, so what a check needs from them (a param's options, a model's
reference limit) is read where the target can be understood, and is None where it cannot: the
check that needs it then skips, saying why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Names a reference limit may go by in a `reference_media` object of unknown shape.
LIMIT_NAMES = ("max_files", "maxFiles", "max_items", "maxItems", "max_count", "maxCount")


@dataclass(frozen=True)
class References:
    max_files: int | None
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class ModelInfo:
    id: str
    cost: int
    max_prompt_length: int
    # None: the target's params items have a shape the kit cannot read (a [decision]).
    params: dict[str, tuple[str, ...]] | None
    defaults: dict[str, str]
    references: References | None

    def takes_images(self) -> bool:
        return self.references is not None and "image" in self.references.kinds


def _find(node: Any, names: tuple[str, ...]) -> Any:
    """The first value under one of `names`, searching nested objects breadth first."""
    queue = [node]
    while queue:
        current = queue.pop(0)
        if isinstance(current, dict):
            for name in names:
                if name in current:
                    return current[name]
            queue.extend(current.values())
    return None


def _references(raw: Any, file_kinds: Any) -> References | None:
    if not raw:
        return None
    limit = _find(raw, LIMIT_NAMES)
    kinds = _find(raw, ("kinds", "file_kinds", "media_kinds"))
    if not isinstance(kinds, list) and isinstance(raw, dict):
        limits = raw.get("limits")
        limits = limits if isinstance(limits, dict) else {}
        kinds = [k for k in ("image", "video", "audio") if k in raw or k in limits]
    if not kinds and isinstance(file_kinds, list):
        kinds = file_kinds
    readable = isinstance(limit, int) and not isinstance(limit, bool) and limit >= 0
    return References(limit if readable else None, tuple(str(k) for k in kinds or ()))


def _params(raw: Any) -> tuple[dict[str, tuple[str, ...]] | None, dict[str, str]]:
    """Each param's options and default, when every item reads as {key, options, default}."""
    if not isinstance(raw, list):
        return None, {}
    options: dict[str, tuple[str, ...]] = {}
    defaults: dict[str, str] = {}
    for item in raw:
        key = item.get("key") if isinstance(item, dict) else None
        values = item.get("options") if isinstance(item, dict) else None
        if not isinstance(key, str) or not isinstance(values, list) or not values:
            return None, {}
        if not all(isinstance(v, str) for v in values):
            return None, {}
        options[key] = tuple(values)
        if isinstance(item.get("default"), str):
            defaults[key] = item["default"]
    return options, defaults


def model_info(raw: dict[str, Any]) -> ModelInfo:
    params, defaults = _params(raw.get("params"))
    return ModelInfo(
        raw["id"],
        raw["base_credits"],
        raw["max_prompt_length"],
        params,
        defaults,
        _references(raw.get("reference_media"), raw.get("file_kinds")),
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
        return model.cost if model else self.dearest()

    def dearest(self) -> int:
        return max(m.cost for m in self.models.values())

    def cheapest(self) -> ModelInfo:
        return min(self.models.values(), key=lambda m: (m.cost, m.id))

    def sorted(self) -> list[ModelInfo]:
        return sorted(self.models.values(), key=lambda m: m.id)

    def with_references(self) -> list[ModelInfo]:
        return [m for m in self.models.values() if m.takes_images()]

    def with_params(self) -> list[ModelInfo]:
        return [m for m in self.sorted() if m.params]
