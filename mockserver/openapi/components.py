"""The document's schema components, taken from the files of `schemas/` (the one source of truth).

Every schema becomes a top-level component: each file is one component named after its path
(`models_list.json` → `ModelsList`, `models/z-image.params.json` → `Params_z-image`), and each entry
of a file's `$defs` is hoisted beside it (`task.json#/$defs/result` → `TaskResult`), so no `$ref`
points into another component (client generators cannot follow those). A file that holds only
`$defs` (`common.json`) leaves no component of its own.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urldefrag, urljoin

from ..schemas import BASE_URI, load_schemas

REF = "#/components/schemas/"
_OWN_KEYS_IGNORED = {"$schema", "$id", "$defs", "title", "description"}


def _pascal(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[_\-/.]", text) if part)


def file_component(file_name: str) -> str:
    """The component name of one schema file (relative to `schemas/`)."""
    stem = file_name.removesuffix(".json")
    if stem.startswith("models/") and stem.endswith(".params"):
        return "Params_" + stem.removeprefix("models/").removesuffix(".params")
    return _pascal(stem)


def _is_container(schema: dict[str, Any]) -> bool:
    """A file that only holds `$defs` for others (no shape of its own)."""
    own = [k for k in schema if k not in _OWN_KEYS_IGNORED and not k.startswith("x-")]
    return not own


def def_component(file_name: str, def_name: str) -> str:
    """The component name of one `$defs` entry, hoisted beside its file's component."""
    schema = load_schemas()[file_name]
    name = _pascal(def_name)
    if _is_container(schema):
        return name
    parent = file_component(file_name)
    return name if name.lower().startswith(parent.lower()) else parent + name


def _target(ref: str, base: str) -> str:
    target, fragment = urldefrag(urljoin(base, ref))
    file_name = target.removeprefix(BASE_URI)
    if not fragment:
        return REF + file_component(file_name)
    match = re.fullmatch(r"/\$defs/([^/]+)", fragment)
    if match is None:
        raise ValueError(f"{base}: $ref {ref!r} must name a whole file or one of its $defs")
    return REF + def_component(file_name, match.group(1))


def rewrite(node: Any, base: str) -> Any:
    """A copy of a schema node with file-relative `$ref`s turned into component pointers."""
    if isinstance(node, list):
        return [rewrite(item, base) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in ("$id", "$schema", "$defs"):
            continue
        out[key] = _target(value, base) if key == "$ref" else rewrite(value, base)
    return out


def schema_components() -> dict[str, Any]:
    """Every file and every `$defs` entry of `schemas/` as a component, refs rewritten."""
    components: dict[str, Any] = {}

    def add(name: str, schema: Any, base: str) -> None:
        if name in components:
            raise ValueError(f"two schemas would both be the component {name!r}")
        components[name] = rewrite(schema, base)

    for file_name, schema in load_schemas().items():
        base = BASE_URI + file_name
        if not _is_container(schema):
            add(file_component(file_name), schema, base)
        for def_name, definition in schema.get("$defs", {}).items():
            add(def_component(file_name, def_name), definition, base)
    return components
