"""The OpenAPI 3.1 document, assembled from the JSON Schemas of `schemas/` (built once)."""

from __future__ import annotations

import copy
import functools
import json
from typing import Any
from urllib.parse import urldefrag, urljoin

from .catalog import catalog
from .schemas import BASE_URI, load_schemas

_NAMES = {
    "common.json": "Common",
    "error.json": "Error",
    "credits.json": "Credits",
    "task.json": "Task",
    "file.json": "File",
    "model.json": "Model",
    "models_list.json": "ModelsList",
    "generation_request.json": "GenerationRequest",
    "reference_media_item.json": "ReferenceMediaItem",
    "webhook_endpoint.json": "WebhookEndpoint",
    "webhook_endpoint_with_secret.json": "WebhookEndpointWithSecret",
    "webhook_endpoint_list.json": "WebhookEndpointList",
    "webhook_endpoint_create.json": "WebhookEndpointCreate",
    "webhook_endpoint_update.json": "WebhookEndpointUpdate",
    "webhook_delivery.json": "WebhookDelivery",
    "webhook_delivery_list.json": "WebhookDeliveryList",
    "webhook_event.json": "WebhookEvent",
    "webhook_test_data.json": "WebhookTestData",
    "webhook_event_list.json": "WebhookEventList",
}


def _component(file_name: str) -> str:
    if file_name.startswith("models/"):
        return "Params_" + file_name.removeprefix("models/").removesuffix(".params.json")
    return _NAMES[file_name]


def _rewrite(node: Any, base: str) -> Any:
    """Turn file-relative `$ref`s into `#/components/schemas/...` pointers."""
    if isinstance(node, list):
        return [_rewrite(item, base) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in ("$id", "$schema"):
            continue
        if key == "$ref":
            target, fragment = urldefrag(urljoin(base, value))
            value = f"#/components/schemas/{_component(target.removeprefix(BASE_URI))}{fragment}"
        out[key] = _rewrite(value, base)
    return out


def _json(ref: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
    }


_ERRORS = {
    "400": "validation_failed",
    "401": "api_key_missing, api_key_invalid, api_key_revoked, api_key_expired",
    "402": "insufficient_credits",
    "403": "api_scope_denied",
    "404": "not_found",
    "409": "idempotency_conflict",
    "400w": "validation_failed, webhook_url_rejected",
    "413": "validation_failed (body too large)",
    "429": "rate_limited",
    "503": "public_api_disabled",
}


def _operation(
    op_id: str,
    summary: str,
    ok: str,
    ok_ref: str,
    errors: list[str],
    secured: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    responses = {ok: _json(ok_ref, summary)}
    responses |= {code[:3]: _json("Error", _ERRORS[code]) for code in errors}
    op = {"operationId": op_id, "summary": summary, "responses": responses} | extra
    if not secured:
        op["security"] = []
    return op


def _paths() -> dict[str, Any]:
    key_errors = ["401", "403", "429", "503"]
    idem = {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    }

    def path_id(name: str) -> dict[str, Any]:
        return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}

    return {
        "/api/v1/models": {
            "get": _operation("list_models", "List models", "200", "ModelsList", ["503"], False)
        },
        "/api/v1/generations": {
            "post": _operation(
                "create_generation",
                "Create a generation task",
                "202",
                "Task",
                ["400", "402", "409", "413", *key_errors],
                parameters=[idem],
                requestBody={
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/GenerationRequest"}
                        }
                    },
                },
            )
        },
        "/api/v1/generations/{taskId}": {
            "get": _operation(
                "get_generation",
                "Get a generation task",
                "200",
                "Task",
                ["404", *key_errors],
                parameters=[path_id("taskId")],
            )
        },
        "/api/v1/files": {
            "post": _operation(
                "upload_file",
                "Upload a file",
                "201",
                "File",
                ["400", "409", *key_errors],
                parameters=[idem],
                requestBody={
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["file", "kind"],
                                "properties": {
                                    "file": {
                                        "type": "string",
                                        "contentMediaType": "application/octet-stream",
                                    },
                                    "kind": {"enum": ["image", "video", "audio"]},
                                    "model": {"type": "string"},
                                    "client_request_id": {"type": "string", "maxLength": 128},
                                },
                            }
                        }
                    },
                },
            )
        },
        "/api/v1/files/{fileId}": {
            "get": _operation(
                "get_file",
                "Get a file",
                "200",
                "File",
                ["404", *key_errors],
                parameters=[path_id("fileId")],
            )
        },
        "/api/v1/credits": {
            "get": _operation("get_credits", "Current credits", "200", "Credits", key_errors)
        },
        **_webhook_paths(key_errors, path_id),
    }


def _webhook_paths(key_errors: list[str], path_id: Any) -> dict[str, Any]:
    """The webhook operations of spec §2 and §14 (scope webhooks:manage)."""

    def body(ref: str) -> dict[str, Any]:
        schema = {"$ref": f"#/components/schemas/{ref}"}
        return {"required": True, "content": {"application/json": {"schema": schema}}}

    one = [path_id("endpointId")]
    by_id = ["404", *key_errors]
    return {
        "/api/v1/webhooks": {
            "get": _operation(
                "list_endpoints",
                "List webhook endpoints",
                "200",
                "WebhookEndpointList",
                key_errors,
            ),
            "post": _operation(
                "create_endpoint",
                "Create a webhook endpoint (the secret is shown once)",
                "201",
                "WebhookEndpointWithSecret",
                ["400w", "413", *key_errors],
                requestBody=body("WebhookEndpointCreate"),
            ),
        },
        "/api/v1/webhooks/{endpointId}": {
            "get": _operation(
                "get_endpoint",
                "Get a webhook endpoint",
                "200",
                "WebhookEndpoint",
                by_id,
                parameters=one,
            ),
            "patch": _operation(
                "update_endpoint",
                "Change a webhook endpoint",
                "200",
                "WebhookEndpoint",
                ["400w", "413", *by_id],
                parameters=one,
                requestBody=body("WebhookEndpointUpdate"),
            ),
            "delete": _operation(
                "revoke_endpoint",
                "Revoke a webhook endpoint",
                "200",
                "WebhookEndpoint",
                by_id,
                parameters=one,
            ),
        },
        "/api/v1/webhooks/{endpointId}/rotate-secret": {
            "post": _operation(
                "rotate_secret",
                "Rotate the signing secret (the new one is shown once)",
                "200",
                "WebhookEndpointWithSecret",
                by_id,
                parameters=one,
            )
        },
        "/api/v1/webhooks/{endpointId}/deliveries": {
            "get": _operation(
                "list_deliveries",
                "Delivery attempts of an endpoint, newest first",
                "200",
                "WebhookDeliveryList",
                by_id,
                parameters=one,
            )
        },
        "/api/v1/webhooks/{endpointId}/test": {
            "post": _operation(
                "send_test_event",
                "Send a webhook.test event to this endpoint now",
                "202",
                "WebhookEvent",
                by_id,
                parameters=one,
            )
        },
        "/api/v1/webhook-events": {
            "get": _operation(
                "list_events",
                "The account's webhook events, newest first",
                "200",
                "WebhookEventList",
                key_errors,
            )
        },
    }


@functools.cache
def openapi_dict() -> dict[str, Any]:
    schemas = load_schemas()
    components = {
        _component(name): _rewrite(copy.deepcopy(schema), BASE_URI + name)
        for name, schema in schemas.items()
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Rivya Public API v1 (rivya-mock)",
            "version": "1.0.0",
            "description": "Assembled from rivya-mock's JSON Schemas. Models: "
            + ", ".join(catalog()),
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "paths": _paths(),
        "components": {
            "schemas": components,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
    }


@functools.cache
def openapi_document() -> bytes:
    return json.dumps(openapi_dict(), separators=(",", ":")).encode("utf-8")
