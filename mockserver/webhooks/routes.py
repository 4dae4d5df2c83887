"""The webhook routes of spec §2 (scope `webhooks:manage` on all): each translates HTTP to one
operation of the backend's `Webhooks` and back."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..accounts import ApiKey
from ..backend import Backend
from ..errors import ValidationFailed
from ..responses import json_response, read_json_body
from ..routes import api_operation
from ..routing import one_route_per_path, route
from ..schemas import first_error
from ..validation import parse_json
from .urls import check_webhook_url
from .views import delivery_json, endpoint_json, event_json, list_json

SCOPE = "webhooks:manage"
BODY_LIMIT = 100_000


async def _body(request: Request, schema: str) -> dict[str, Any]:
    body = parse_json(await read_json_body(request, BODY_LIMIT))
    problem = first_error(schema, body)
    if problem is not None:
        raise ValidationFailed(problem, rule="webhook_body")
    return body


def _url(backend: Backend, body: dict[str, Any]) -> str | None:
    url = body.get("url")
    return None if url is None else check_webhook_url(url, backend.profile.webhook_urls)


def _wake(request: Request) -> None:
    """Tell the dispatcher something may be due (it also looks on its own every few ms)."""
    dispatcher = getattr(request.app.state, "dispatcher", None)
    if dispatcher is not None:
        dispatcher.wake()


def _account(key: ApiKey | None) -> str:
    assert key is not None
    return key.account_id


@api_operation(SCOPE)
async def list_endpoints(request: Request, backend: Backend, key: ApiKey | None) -> Response:
    endpoints = backend.webhooks.list_endpoints(_account(key))
    return json_response(list_json([endpoint_json(e) for e in endpoints]))


@api_operation(SCOPE)
async def create_endpoint(request: Request, backend: Backend, key: ApiKey | None) -> Response:
    body = await _body(request, "webhook_endpoint_create.json")
    url = _url(backend, body)
    assert url is not None
    endpoint = backend.webhooks.create_endpoint(
        _account(key), body["name"], url, body["event_types"]
    )
    _wake(request)
    return json_response(endpoint_json(endpoint, with_secret=True), 201)


@api_operation(SCOPE)
async def get_endpoint(request: Request, backend: Backend, key: ApiKey | None) -> Response:
    endpoint = backend.webhooks.get_endpoint(_account(key), request.path_params["endpoint_id"])
    return json_response(endpoint_json(endpoint))


@api_operation(SCOPE)
async def update_endpoint(request: Request, backend: Backend, key: ApiKey | None) -> Response:
    body = await _body(request, "webhook_endpoint_update.json")
    endpoint = backend.webhooks.update_endpoint(
        _account(key),
        request.path_params["endpoint_id"],
        name=body.get("name"),
        url=_url(backend, body),
        event_types=body.get("event_types"),
        status=body.get("status"),
    )
    _wake(request)
    return json_response(endpoint_json(endpoint))


@api_operation(SCOPE)
async def revoke_endpoint(request: Request, backend: Backend, key: ApiKey | None) -> Response:
    endpoint = backend.webhooks.revoke_endpoint(_account(key), request.path_params["endpoint_id"])
    return json_response(endpoint_json(endpoint))


@api_operation(SCOPE)
async def rotate_secret(request: Request, backend: Backend, key: ApiKey | None) -> Response:
    endpoint = backend.webhooks.rotate_secret(_account(key), request.path_params["endpoint_id"])
    return json_response(endpoint_json(endpoint, with_secret=True))


@api_operation(SCOPE)
async def list_deliveries(request: Request, backend: Backend, key: ApiKey | None) -> Response:
    attempts = backend.webhooks.list_deliveries(_account(key), request.path_params["endpoint_id"])
    return json_response(list_json([delivery_json(d) for d in attempts]))


@api_operation(SCOPE)
async def send_test_event(request: Request, backend: Backend, key: ApiKey | None) -> Response:
    event = backend.webhooks.send_test_event(_account(key), request.path_params["endpoint_id"])
    _wake(request)
    return json_response(event_json(event), 202)


@api_operation(SCOPE)
async def list_events(request: Request, backend: Backend, key: ApiKey | None) -> Response:
    events = backend.webhooks.list_events(_account(key))
    return json_response(list_json([event_json(e) for e in events]))


def webhook_routes() -> list[Route]:
    one = "/api/v1/webhooks/{endpoint_id}"
    return one_route_per_path(
        [
            route("/api/v1/webhooks", list_endpoints, "GET"),
            route("/api/v1/webhooks", create_endpoint, "POST"),
            route(one, get_endpoint, "GET"),
            route(one, update_endpoint, "PATCH"),
            route(one, revoke_endpoint, "DELETE"),
            route(one + "/rotate-secret", rotate_secret, "POST"),
            route(one + "/deliveries", list_deliveries, "GET"),
            route(one + "/test", send_test_event, "POST"),
            route("/api/v1/webhook-events", list_events, "GET"),
        ]
    )
