"""The control API for webhook receivers under `/_mock/webhooks`: each handler calls one
`WebhookControl` method."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..control_input import query
from ..control_routes import _body
from ..responses import json_response
from ..routing import route
from .control import WebhookControl
from .faults import FIELDS


def _control(request: Request) -> WebhookControl:
    return request.app.state.control.webhooks


async def list_deliveries(request: Request) -> Response:
    filters = query(request, {"limit"}, {"endpoint", "event", "delivery", "limit"})
    return json_response(_control(request).deliveries(**filters))


async def redeliver(request: Request) -> Response:
    delivery_id = request.path_params["delivery_id"]
    # in a worker thread: it waits for the attempt, which must not hold the loop
    return json_response(await run_in_threadpool(_control(request).redeliver, delivery_id), 201)


async def list_endpoints(request: Request) -> Response:
    return json_response(_control(request).endpoints())


async def state(request: Request) -> Response:
    return json_response(_control(request).state())


async def pause(request: Request) -> Response:
    await _body(request, set())
    return json_response(_control(request).pause())


async def resume(request: Request) -> Response:
    await _body(request, set())
    return json_response(_control(request).resume())


async def release(request: Request) -> Response:
    await _body(request, set())
    return json_response(_control(request).release())


async def list_aliases(request: Request) -> Response:
    return json_response(_control(request).aliases())


async def add_alias(request: Request) -> Response:
    body = await _body(request, {"host", "to"})
    return json_response(_control(request).add_alias(body.get("host"), body.get("to")), 201)


async def clear_aliases(request: Request) -> Response:
    return json_response(_control(request).clear_aliases())


async def list_faults(request: Request) -> Response:
    return json_response(_control(request).faults())


async def add_fault(request: Request) -> Response:
    body = await _body(request, FIELDS)
    return json_response(_control(request).add_fault(body), 201)


async def clear_faults(request: Request) -> Response:
    return json_response(_control(request).clear_faults())


def webhook_control_routes() -> list[Route]:
    """Mounted at `/_mock/webhooks`."""
    return [
        route("/webhooks", state, "GET"),
        route("/webhooks/deliveries", list_deliveries, "GET"),
        route("/webhooks/deliveries/{delivery_id}/redeliver", redeliver, "POST"),
        route("/webhooks/endpoints", list_endpoints, "GET"),
        route("/webhooks/pause", pause, "POST"),
        route("/webhooks/resume", resume, "POST"),
        route("/webhooks/release", release, "POST"),
        route("/webhooks/aliases", list_aliases, "GET"),
        route("/webhooks/aliases", add_alias, "POST"),
        route("/webhooks/aliases", clear_aliases, "DELETE"),
        route("/webhooks/faults", list_faults, "GET"),
        route("/webhooks/faults", add_fault, "POST"),
        route("/webhooks/faults", clear_faults, "DELETE"),
    ]
