"""The whole document: info, servers, paths and components, for the profile in force.

The body is built once per set of knobs that shape it; only `servers` (the request's base URL, or
`public_base_url`) is spliced in per request.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from ..profile import Profile
from .bodies import UPLOAD_FORM, generation_request_components, upload_form_component
from .components import REF, schema_components
from .operations import OPERATIONS, TAGS, Operation
from .responses import responses_object
from .webhooks import webhooks_object

SECURITY_SCHEME = "bearerAuth"
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Replays the original response for a retry of the same request (kept 24 h).",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7E]+$"},
}
_DOCUMENT_SCHEMA = {
    "title": "OpenAPI document",
    "type": "object",
    "additionalProperties": True,
}


def _path_parameters(path: str) -> list[dict[str, Any]]:
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    return [
        {"name": n, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
        for n in names
    ]


def _operation(op: Operation, profile: Profile) -> dict[str, Any]:
    out: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "description": op.description,
        "tags": [op.tag],
    }
    parameters = _path_parameters(op.path) + ([IDEMPOTENCY_KEY] if op.idempotent else [])
    if parameters:
        out["parameters"] = parameters
    if op.body is not None:
        media_type, schema = op.body
        out["requestBody"] = {
            "required": True,
            "content": {media_type: {"schema": {"$ref": REF + schema}}},
        }
    out["responses"] = responses_object(op, profile)
    out["security"] = [{SECURITY_SCHEME: []}] if op.scope else []
    if op.scope:
        out["description"] += f" Needs the `{op.scope}` scope."
    return out


def _paths(profile: Profile) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _operation(op, profile)
    return paths


def _components(prompt_length_unit: str) -> dict[str, Any]:
    schemas = schema_components()
    schemas.update(generation_request_components(prompt_length_unit))
    schemas[UPLOAD_FORM] = upload_form_component()
    schemas["OpenApiDocument"] = _DOCUMENT_SCHEMA
    return dict(sorted(schemas.items()))


def _servers(base_url: str) -> list[dict[str, str]]:
    return [{"url": base_url or "/", "description": "This rivya-mock server."}]


def openapi_dict(profile: Profile | None = None, base_url: str = "") -> dict[str, Any]:
    """The document for `profile`, served from `base_url` (both default to the defaults)."""
    profile = profile or Profile()
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Rivya Public API v1 (rivya-mock)",
            "version": "1.0.0",
            "summary": "A faithful fake of the Rivya Public API v1.",
            "description": "Assembled from rivya-mock's JSON Schemas and model catalog; it "
            "follows the behaviour knobs of the server that serves it.",
            "license": {"name": "MIT", "identifier": "MIT"},
            "contact": {"name": "rivya-mock"},
        },
        "servers": _servers(base_url),
        "security": [{SECURITY_SCHEME: []}],
        "tags": [{"name": name, "description": text} for name, text in TAGS.items()],
        "paths": _paths(profile),
        "webhooks": webhooks_object(),
        "components": {
            "schemas": _components(profile.prompt_length_unit),
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API key: `Authorization: Bearer rvya_sk_...`.",
                }
            },
        },
    }


def _shaping_knobs(profile: Profile) -> Profile:
    """The profile reduced to the knobs the document shows, so equal documents share a cache slot."""
    return Profile(
        create_status=profile.create_status,
        file_create_status=profile.file_create_status,
        insufficient_credits_status=profile.insufficient_credits_status,
        prompt_length_unit=profile.prompt_length_unit,
    )


@functools.lru_cache(maxsize=16)
def _serialized(profile: Profile) -> tuple[bytes, bytes]:
    """The document's bytes before and after the value of `servers`."""
    document = openapi_dict(profile)
    rest = {k: v for k, v in document.items() if k not in ("openapi", "servers")}
    head = b'{"openapi":' + json.dumps(document["openapi"]).encode("utf-8") + b',"servers":'
    return head, b"," + json.dumps(rest, separators=(",", ":")).encode("utf-8")[1:]


def openapi_document(profile: Profile, base_url: str) -> bytes:
    """The served bytes: the cached body with this request's server spliced in."""
    head, tail = _serialized(_shaping_knobs(profile))
    return head + json.dumps(_servers(base_url), separators=(",", ":")).encode("utf-8") + tail
