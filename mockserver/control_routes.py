"""The control API under `/_mock`: each handler translates HTTP to one `Control` method and back.

No API key, no rate limit, no public switch: the control plane is always reachable, behind the
control token when one is set (`control_access`). Errors use the public envelope
(validation_failed, not_found).
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route, Router

from .control import Control
from .control_access import ControlGate
from .control_input import query
from .errors import ValidationFailed
from .inspector.routes import inspector_routes
from .responses import json_response, read_json_body
from .routing import one_route_per_path, route
from .validation import parse_json

CONTROL_BODY_LIMIT = 100_000


def _control(request: Request) -> Control:
    return request.app.state.control


async def _body(request: Request, allowed: set[str]) -> dict[str, Any]:
    """The JSON object sent (empty body = {}), holding only `allowed` fields."""
    raw = await read_json_body(request, CONTROL_BODY_LIMIT, rule="control_body", check_type=False)
    # the public API's strict parser: no lone surrogates (which no JSON answer could carry
    # back), duplicate keys, NaN or unbounded nesting
    body = parse_json(raw) if raw.strip() else {}
    if not isinstance(body, dict):
        raise ValidationFailed("body: must be a JSON object", rule="control_body")
    unknown = set(body) - allowed
    if unknown:
        raise ValidationFailed(
            f"body: unknown field(s) {', '.join(sorted(unknown))}", rule="control_body"
        )
    return body


def _field(body: dict[str, Any], name: str) -> Any:
    """A field or None; the control operation checks its type and range."""
    return body.get(name)


async def reset(request: Request) -> Response:
    body = await _body(request, {"account"})
    return json_response(_control(request).reset(_field(body, "account")))


async def state(request: Request) -> Response:
    page = query(request, {"limit", "offset"}, {"limit", "offset"})
    return json_response(_control(request).state(**page))


async def create_account(request: Request) -> Response:
    body = await _body(request, {"credits", "key", "scopes"})
    return json_response(_control(request).create_account(**body), 201)


async def add_key(request: Request) -> Response:
    body = await _body(request, {"key", "scopes"})
    return json_response(_control(request).add_key(request.path_params["account"], **body), 201)


async def set_balance(request: Request) -> Response:
    body = await _body(request, {"credits"})
    account = request.path_params["account"]
    return json_response(_control(request).set_balance(account, _field(body, "credits")))


async def update_key(request: Request) -> Response:
    body = await _body(request, {"revoked", "expired", "scopes"})
    return json_response(_control(request).update_key(request.path_params["key"], **body))


async def get_clock(request: Request) -> Response:
    return json_response(_control(request).clock())


async def advance_clock(request: Request) -> Response:
    body = await _body(request, {"seconds"})
    # in a worker thread: it waits for the webhook attempts now due, which must not hold the loop
    advanced = await run_in_threadpool(_control(request).advance, _field(body, "seconds"))
    return json_response(advanced)


async def set_progression(request: Request) -> Response:
    body = await _body(request, {"mode", "polls_per_state"})
    task = request.path_params.get("task_id")
    return json_response(
        _control(request).set_progression(
            _field(body, "mode"), task=task, polls_per_state=_field(body, "polls_per_state")
        )
    )


async def get_task(request: Request) -> Response:
    return json_response(_control(request).task(request.path_params["task_id"]))


async def set_task_outcome(request: Request) -> Response:
    body = await _body(request, {"outcome", "message"})
    return json_response(
        _control(request).set_task_outcome(
            request.path_params["task_id"], _field(body, "outcome"), _field(body, "message")
        )
    )


async def complete_task(request: Request) -> Response:
    body = await _body(request, {"outcome", "message"})
    return json_response(_control(request).complete_task(request.path_params["task_id"], **body))


async def force_outcomes(request: Request) -> Response:
    body = await _body(
        request, {"outcome", "count", "message", "model", "prompt_contains", "processing_seconds"}
    )
    outcome = body.pop("outcome", None)
    return json_response(_control(request).force_outcomes(outcome, **body), 201)


async def forced_outcomes(request: Request) -> Response:
    return json_response(_control(request).forced_outcomes())


async def set_public_api(request: Request) -> Response:
    body = await _body(request, {"enabled"})
    return json_response(_control(request).set_public_api(_field(body, "enabled")))


async def list_requests(request: Request) -> Response:
    filters = query(
        request,
        {"status", "since", "limit"},
        {"method", "path", "status", "error_code", "rule", "account", "since", "limit"},
    )
    return json_response(_control(request).requests(**filters))


async def clear_requests(request: Request) -> Response:
    return json_response(_control(request).clear_requests())


async def list_faults(request: Request) -> Response:
    return json_response(_control(request).fault_rules())


async def add_fault(request: Request) -> Response:
    body = await _body(
        request, {"match", "action", "probability", "count", "skip", "retry_after", "latency_ms"}
    )
    return json_response(_control(request).add_fault(body), 201)


async def clear_faults(request: Request) -> Response:
    return json_response(_control(request).clear_faults())


async def set_chaos(request: Request) -> Response:
    body = await _body(request, {"level"})
    return json_response(_control(request).set_chaos(_field(body, "level")))


async def set_rate_limit(request: Request) -> Response:
    body = await _body(request, {"enabled"})
    account = request.path_params["account"]
    return json_response(_control(request).set_rate_limit(account, _field(body, "enabled")))


def control_routes() -> list[Route]:
    return [
        route("/reset", reset, "POST"),
        route("/state", state, "GET"),
        route("/accounts", create_account, "POST"),
        route("/accounts/{account}/keys", add_key, "POST"),
        route("/accounts/{account}/credits", set_balance, "PUT"),
        route("/accounts/{account}/rate-limit", set_rate_limit, "PUT"),
        route("/keys/{key}", update_key, "PATCH"),
        route("/clock", get_clock, "GET"),
        route("/clock/advance", advance_clock, "POST"),
        route("/progression", set_progression, "POST"),
        route("/tasks/{task_id}", get_task, "GET"),
        route("/tasks/{task_id}/progression", set_progression, "POST"),
        route("/tasks/{task_id}/outcome", set_task_outcome, "POST"),
        route("/tasks/{task_id}/complete", complete_task, "POST"),
        route("/outcomes", force_outcomes, "POST"),
        route("/outcomes", forced_outcomes, "GET"),
        route("/public-api", set_public_api, "POST"),
        route("/requests", list_requests, "GET"),
        route("/requests", clear_requests, "DELETE"),
        route("/faults", list_faults, "GET"),
        route("/faults", add_fault, "POST"),
        route("/faults", clear_faults, "DELETE"),
        route("/chaos", set_chaos, "POST"),
        *inspector_routes(),  # the page at /_mock/ui and the paged reads it polls
    ]


def control_mount() -> Mount:
    """The control API under `/_mock`, with no trailing-slash redirects."""
    from .webhooks.control_routes import webhook_control_routes  # it builds on this module

    routes = one_route_per_path(control_routes() + webhook_control_routes())
    return Mount("/_mock", app=ControlGate(Router(routes, redirect_slashes=False)))
