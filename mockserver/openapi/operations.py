"""The API's operations as data: one `Operation` per route, in the order the document lists them.

Each entry says what differs between operations (path, method, scope, success body, request body);
the error statuses every operation can answer follow from it (see `responses.error_statuses`).
"""

from __future__ import annotations

from dataclasses import dataclass

from .bodies import UPLOAD_FORM


@dataclass(frozen=True)
class Operation:
    """One route of the public API as the document shows it.

    `success` is the success status, or the name of the profile knob that sets it; `schema` names
    the component of the success body. `scope` is the key scope it needs (`None`: public, no key).
    `body` is `(media type, component)` of the request body. `extra_errors` lists further error
    answers only this operation gives: a status, the knob that sets one, or `(status, meaning)`
    (e.g. `(400, "`webhook_url_rejected`: ...")`). `idempotent`: takes `Idempotency-Key`.
    """

    method: str
    path: str
    operation_id: str
    summary: str
    description: str
    tag: str
    success: int | str
    schema: str
    scope: str | None
    body: tuple[str, str] | None = None
    idempotent: bool = False
    extra_errors: tuple[int | str | tuple[int, str], ...] = ()


TAGS = {
    "Models": "The model catalog and its parameters.",
    "Generations": "Generation tasks: create one, then poll it until it is terminal.",
    "Files": "Uploaded reference media.",
    "Credits": "The account's credit balance.",
    "Webhooks": "Endpoints that receive signed events when a generation ends (Standard Webhooks).",
    "Meta": "This document.",
}

OPERATIONS: list[Operation] = [
    Operation(
        "get",
        "/api/v1/models",
        "list_models",
        "List models",
        "Every catalog model with its parameters, credits and reference rules. Needs no key.",
        "Models",
        200,
        "ModelsList",
        None,
    ),
    Operation(
        "post",
        "/api/v1/generations",
        "create_generation",
        "Create a generation task",
        "Reserves the model's credits and returns the task in `queued`.",
        "Generations",
        "create_status",
        "Task",
        "generations:create",
        body=("application/json", "GenerationRequest"),
        idempotent=True,
        extra_errors=("insufficient_credits_status",),
    ),
    Operation(
        "get",
        "/api/v1/generations/{taskId}",
        "get_generation",
        "Get a generation task",
        "The task's current state; poll until `succeeded` or `failed`.",
        "Generations",
        200,
        "Task",
        "generations:read",
    ),
    Operation(
        "post",
        "/api/v1/files",
        "upload_file",
        "Upload a file",
        "Stores a reference file; its type is sniffed from its bytes.",
        "Files",
        "file_create_status",
        "File",
        "files:create",
        body=("multipart/form-data", UPLOAD_FORM),
        idempotent=True,
    ),
    Operation(
        "get",
        "/api/v1/files/{fileId}",
        "get_file",
        "Get a file",
        "An uploaded file of this account.",
        "Files",
        200,
        "File",
        "files:read",
    ),
    Operation(
        "get",
        "/api/v1/credits",
        "get_credits",
        "Get the credit balance",
        "The account's current credits.",
        "Credits",
        200,
        "Credits",
        "credits:read",
    ),
    Operation(
        "get",
        "/api/v1/openapi.json",
        "get_openapi",
        "Get this OpenAPI document",
        "The OpenAPI 3.1 document of this server, assembled from its JSON Schemas. Needs no key.",
        "Meta",
        200,
        "OpenApiDocument",
        None,
    ),
]

URL_REJECTED = (400, "`webhook_url_rejected`: the URL breaks the webhook URL rules.")
_ENDPOINT = "/api/v1/webhooks/{endpointId}"

OPERATIONS += [
    Operation(
        "get",
        "/api/v1/webhooks",
        "list_endpoints",
        "List webhook endpoints",
        "The account's endpoints, newest first (revoked ones included). Secrets are not shown.",
        "Webhooks",
        200,
        "WebhookEndpointList",
        "webhooks:manage",
    ),
    Operation(
        "post",
        "/api/v1/webhooks",
        "create_endpoint",
        "Create a webhook endpoint",
        "The answer is the only time `signing_secret` is shown (rotate to replace a lost one).",
        "Webhooks",
        201,
        "WebhookEndpointWithSecret",
        "webhooks:manage",
        body=("application/json", "WebhookEndpointCreate"),
        extra_errors=(URL_REJECTED,),
    ),
    Operation(
        "get",
        _ENDPOINT,
        "get_endpoint",
        "Get a webhook endpoint",
        "One endpoint of this account (also when revoked).",
        "Webhooks",
        200,
        "WebhookEndpoint",
        "webhooks:manage",
    ),
    Operation(
        "patch",
        _ENDPOINT,
        "update_endpoint",
        "Change a webhook endpoint",
        "Any of name, url, event_types, status (`active` re-enables and resets failure_count).",
        "Webhooks",
        200,
        "WebhookEndpoint",
        "webhooks:manage",
        body=("application/json", "WebhookEndpointUpdate"),
        extra_errors=(URL_REJECTED,),
    ),
    Operation(
        "delete",
        _ENDPOINT,
        "revoke_endpoint",
        "Revoke a webhook endpoint",
        "The endpoint stops receiving events; it stays readable with status `revoked`.",
        "Webhooks",
        200,
        "WebhookEndpoint",
        "webhooks:manage",
    ),
    Operation(
        "post",
        _ENDPOINT + "/rotate-secret",
        "rotate_secret",
        "Rotate the signing secret",
        "A new secret, shown once; for 24 hours deliveries carry both signatures.",
        "Webhooks",
        200,
        "WebhookEndpointWithSecret",
        "webhooks:manage",
    ),
    Operation(
        "get",
        _ENDPOINT + "/deliveries",
        "list_deliveries",
        "List delivery attempts",
        "The endpoint's delivery attempts, newest first.",
        "Webhooks",
        200,
        "WebhookDeliveryList",
        "webhooks:manage",
    ),
    Operation(
        "post",
        _ENDPOINT + "/test",
        "send_test_event",
        "Send a test event",
        "A `webhook.test` event, delivered to this endpoint only, at once (even if disabled).",
        "Webhooks",
        202,
        "WebhookEvent",
        "webhooks:manage",
    ),
    Operation(
        "get",
        "/api/v1/webhook-events",
        "list_events",
        "List webhook events",
        "The account's events, newest first; `data` is the task as GET shows it.",
        "Webhooks",
        200,
        "WebhookEventList",
        "webhooks:manage",
    ),
]
