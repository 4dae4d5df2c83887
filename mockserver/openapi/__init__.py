"""The served OpenAPI 3.1 document (`GET /api/v1/openapi.json`), assembled from `schemas/`.

Modules, read top to bottom: `components` (every schema file and `$defs` entry as a top-level
component), `bodies` (the per-model create bodies and the upload form, built from the catalog),
`operations` (the routes as data), `responses` (the statuses each operation can answer) and
`document` (the whole, for the knobs in force, cached).

To add an operation (e.g. a webhook route):
1. Put the JSON Schema of its request and response bodies in `schemas/` (one file per wire object;
   `schemas/webhook_endpoint.json` becomes the component `WebhookEndpoint`, its `$defs` entries
   components beside it). Refs between files work as usual (`"$ref": "common.json#/$defs/x"`).
2. Append an `Operation` to `OPERATIONS` in `operations.py` (and its tag to `TAGS` if new):
   method, path (`{name}` for path parameters), operationId (the handler's name), summary,
   description, tag, success status (or the knob that sets it), success body component, scope,
   and optionally `body=("application/json", "WebhookEndpointCreate")`, `idempotent=True`,
   `extra_errors=(...)`. The error statuses (401/403/429 for a scope, 404 for a path parameter,
   400/408/413 for a body, 405/431/500/503 always) follow from those fields.
3. `tests/test_openapi_document.py` then checks it is listed (every `/api/v1` route must be); the
   generator, linter and Schemathesis tests check that clients, linters and fuzzers accept it.
Payloads the fake sends out (webhook deliveries) belong in OpenAPI 3.1's top-level `webhooks`,
built beside `paths` in `document.openapi_dict`; their schemas are components like any other.
"""

from __future__ import annotations

from .document import openapi_dict, openapi_document
from .operations import OPERATIONS, TAGS, Operation

__all__ = ["OPERATIONS", "TAGS", "Operation", "openapi_dict", "openapi_document"]
