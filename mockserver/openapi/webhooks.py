"""The document's `webhooks` (OpenAPI 3.1): the requests the server sends to a webhook endpoint."""

from __future__ import annotations

from typing import Any

from .components import REF

EVENTS = {
    "generation.succeeded": "A generation task succeeded; `data` is the task as GET shows it.",
    "generation.failed": "A generation task failed; `data` is the task as GET shows it.",
    "webhook.test": "Sent by POST /api/v1/webhooks/{endpointId}/test; `data` names the endpoint.",
}
_HEADERS = {
    "webhook-id": "The event id, the same on every retry (deduplicate on it).",
    "webhook-timestamp": "Unix seconds of the attempt.",
    "webhook-signature": "`v1,<base64 HMAC-SHA256>` of `{id}.{timestamp}.{body}` (Standard "
    "Webhooks), keyed with the secret after `whsec_`; two, space-separated, for 24 h after a "
    "rotation.",
}


def _event(name: str, description: str) -> dict[str, Any]:
    return {
        "post": {
            "operationId": "on_" + name.replace(".", "_"),
            "summary": f"The `{name}` event",
            "description": description,
            "tags": ["Webhooks"],
            "security": [],
            "parameters": [
                {
                    "name": header,
                    "in": "header",
                    "required": True,
                    "description": text,
                    "schema": {"type": "string", "minLength": 1},
                }
                for header, text in _HEADERS.items()
            ],  # fmt: skip
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": REF + "WebhookEvent"}}},
            },
            "responses": {
                "200": {
                    "description": "Any 2xx within webhook_timeout_seconds acknowledges the "
                    "event; anything else is retried on webhook_retry_schedule."
                }
            },
        }
    }


def webhooks_object() -> dict[str, Any]:
    return {name: _event(name, text) for name, text in EVENTS.items()}
