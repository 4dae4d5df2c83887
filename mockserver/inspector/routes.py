"""The inspector's routes under `/_mock`: the page itself and the paged reads it polls.

The page is one HTML document with its CSS and JS inlined (each file kept apart in `static/`), so
one request — the only one that may carry the control token in its URL — brings everything.
"""

from __future__ import annotations

import functools
import secrets
from importlib.resources import files

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from ..control_access import control_authorized
from ..control_input import query
from ..errors import ApiKeyInvalid
from ..images import png, result_size
from ..responses import json_response
from ..routing import route
from .views import account_page, overview, task_page


@functools.cache
def _static(name: str) -> str:
    return files(__package__).joinpath("static", name).read_text("utf-8")


def page_html(nonce: str) -> str:
    """The page with its stylesheet and script inlined, both allowed by this response's nonce."""
    return (
        _static("index.html")
        .replace("{{style}}", _static("inspector.css"))
        .replace("{{script}}", _static("inspector.js"))
        .replace("{{nonce}}", nonce)
    )


def control_token(request: Request) -> str | None:
    """The control token in force (spec §15), if the fake was started with one."""
    return getattr(request.app.state, "control_token", None)


def _page_token_ok(request: Request, token: str) -> bool:
    """The page (only) may be opened with `?token=` as well as with the Bearer header."""
    if control_authorized(token, request.headers.get("authorization")):
        return True
    given = request.query_params.get("token", "")
    return secrets.compare_digest(given.encode(), token.encode())


async def inspector_page(request: Request) -> Response:
    token = control_token(request)
    if token is not None and not _page_token_ok(request, token):
        raise ApiKeyInvalid(
            "The inspector needs the control token: open /_mock/ui?token=<control token>.",
            rule="control_token",
        )
    nonce = secrets.token_urlsafe(16)
    policy = (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
        "img-src blob: data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    )
    headers = {
        "Content-Security-Policy": policy,
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",  # the URL may hold the token
    }
    return HTMLResponse(page_html(nonce), headers=headers)


def get_overview(request: Request) -> Response:
    query(request, set(), set())
    return json_response(overview(request.app.state.control))


def list_tasks(request: Request) -> Response:
    filters = query(request, {"offset", "limit"}, {"offset", "limit", "status", "account", "model"})
    return json_response(task_page(request.app.state.control, **filters))


def list_accounts(request: Request) -> Response:
    paging = query(request, {"offset", "limit"}, {"offset", "limit"})
    return json_response(account_page(request.app.state.control, **paging))


async def result_image(request: Request) -> Response:
    """A succeeded task's result image, as `/cdn` serves it, but through the control plane: the
    page's thumbnails then neither need the public routes nor fill the request journal."""
    task = request.app.state.backend.result_task(request.path_params["task_id"])
    return Response(png(*result_size(task.params)), media_type="image/png")


# get_overview, list_tasks and list_accounts are plain functions: Starlette runs them in its
# thread pool, so a filtered scan of many tasks never stalls the event loop that serves the API.


def inspector_routes() -> list[Route]:
    return [
        route("/ui", inspector_page, "GET"),
        route("/overview", get_overview, "GET"),
        route("/tasks", list_tasks, "GET"),
        route("/accounts", list_accounts, "GET"),
        route("/tasks/{task_id}/result.png", result_image, "GET"),
    ]
