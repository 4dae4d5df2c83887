"""Request bodies built from the catalog: one create-request schema per model, and the upload form.

Both are derived from the schema files and the catalog (models are data), so a model added as a
`schemas/models/<id>.params.json` file appears here with no code change.
"""

from __future__ import annotations

import copy
from typing import Any

from ..catalog import Model, catalog
from ..schemas import load_schemas
from .components import REF, file_component

REQUEST_FILE = "generation_request.json"
UPLOAD_FORM = "FileUpload"


def variant_component(model: Model) -> str:
    return f"{file_component(REQUEST_FILE)}_{model.id}"


def _variant(model: Model, request: dict[str, Any], exact_lengths: bool) -> dict[str, Any]:
    """`generation_request.json` narrowed to one model: its id, its prompt limit, its params."""
    properties = copy.deepcopy(request["properties"])
    properties["model"] = {"type": "string", "const": model.id}
    if exact_lengths:  # JSON Schema counts code points; a UTF-16 limit cannot be said here
        properties["prompt"]["maxLength"] = model.max_prompt_length
    properties["params"] = {"$ref": REF + file_component(model.schema_name)}
    return {
        "description": f"Create a {model.display_name} generation.",
        "type": "object",
        "required": list(request["required"]),
        "additionalProperties": False,
        "properties": properties,
    }


def generation_request_components(prompt_length_unit: str) -> dict[str, Any]:
    """The create body: a `oneOf` of one variant per model, with a discriminator on `model`."""
    request = load_schemas()[REQUEST_FILE]
    models = catalog().values()
    exact = prompt_length_unit == "codepoints"
    variants = {variant_component(m): _variant(m, request, exact) for m in models}
    union = {
        "title": request.get("title", "Create generation request"),
        "description": "One request shape per catalog model, told apart by `model`.",
        "oneOf": [{"$ref": REF + name} for name in variants],
        "discriminator": {
            "propertyName": "model",
            "mapping": {m.id: REF + variant_component(m) for m in models},
        },
    }
    return {file_component(REQUEST_FILE): union, **variants}


def upload_form_component() -> dict[str, Any]:
    """The multipart form of `POST /api/v1/files`; `file` is binary so generators send a file part."""
    schemas = load_schemas()
    kinds = schemas["file.json"]["properties"]["kind"]["enum"]
    client_request_id = schemas[REQUEST_FILE]["properties"]["client_request_id"]
    takers = [m.id for m in catalog().values() if m.takes_references]
    return {
        "title": "File upload form",
        "type": "object",
        "required": ["file", "kind"],
        "additionalProperties": False,
        "properties": {
            "file": {
                "type": "string",
                "format": "binary",
                "description": "The file's bytes; its type is decided by its signature bytes.",
            },
            "kind": {"type": "string", "enum": list(kinds)},
            "model": {
                "type": "string",
                "enum": takers,
                "description": "Check the file against this model's reference rules.",
            },
            "client_request_id": dict(client_request_id),
        },
    }
