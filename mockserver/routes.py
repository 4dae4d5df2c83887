"""Route handlers: each translates HTTP to one backend operation and back, and the routing list.

Handlers share the order of checks of spec §4 through `api_operation` (steps 2-5) and
`Idempotency` (steps 6 and 8); the router does step 1.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterator
from typing import BinaryIO

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from .accounts import ApiKey
from .backend import Backend
from .blobs import Spool
from .errors import ApiError, ClientDisconnected, InternalError, NotFound
from .files import check_upload, file_too_large, largest_upload, streaming_limit
from .generations import QUEUED
from .headers import header
from .idempotency import check_key_syntax, replay_or_conflict
from .images import png, result_size
from .journal import record_of
from .multipart import read_form
from .openapi import openapi_document
from .responses import (
    JsonResponse,
    base_url,
    declared_length,
    error_response,
    json_response,
    read_json_body,
)
from .routing import route
from .serializers import credits_json, file_json, models_list_json, task_json
from .validation import parse_json, validate_generation

GENERATION_BODY_LIMIT = 1_000_000
SMALL_FILE, CHUNK = 1_000_000, 256 * 1024  # larger uploads are served from disk in chunks
FORM_OVERHEAD = 1_000_000  # room for multipart headers and the small text fields
Handler = Callable[[Request, Backend, ApiKey | None], Awaitable[Response]]


class Operation:
    """One public API operation as an ASGI app: steps (2) public switch, (3) key, (4) scope and
    (5) rate limit, then its handler. An ApiError raised anywhere inside is answered here, by
    `error_response`: the one exception path of the public API. A client gone mid-body is
    `client_disconnected` (journal only); anything else is a bug: the envelope's 500, then the
    exception goes on up so that the server logs its traceback."""

    def __init__(self, handler: Handler, key_scope: str | None) -> None:
        functools.update_wrapper(self, handler)  # the route keeps the handler's name
        self.handler = handler
        self.key_scope = key_scope  # the API key scope it needs (None: a public operation)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        backend: Backend = scope["app"].state.backend
        try:
            backend.check_public_api()
            key = None
            if self.key_scope is not None:
                key = backend.authorize(header(scope, b"authorization"), self.key_scope)
                record_of(scope).account = key.account_id
            response = await self.handler(request, backend, key)
        except ApiError as exc:
            response = error_response(request, exc)
        except ClientDisconnect:
            response = error_response(request, ClientDisconnected())
        except Exception:
            await error_response(request, InternalError())(scope, receive, send)
            raise
        await response(scope, receive, send)


def api_operation(scope: str | None) -> Callable[[Handler], Operation]:
    """Make a handler an Operation that needs the API key scope `scope` (None: public)."""

    def decorate(handler: Handler) -> Operation:
        return Operation(handler, scope)

    return decorate


class Idempotency:
    """Step (6) holds the key before the body is read; step (8) replays or conflicts.

    A context manager: a key still held when the block ends (a rejection, a bug, a client
    gone) is released, so the same key can be sent again."""

    def __init__(self, request: Request, backend: Backend, account_id: str, route: str) -> None:
        self.store = backend.idempotency
        self.key = header(request.scope, b"idempotency-key")
        if self.key is not None:
            check_key_syntax(self.key)
        self.scope = (account_id, route, self.key or "")
        self.stored = self.store.hold(self.scope) if self.key is not None else None
        self.holding = self.key is not None and self.stored is None

    def __enter__(self) -> Idempotency:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.holding:
            self.store.release(self.scope)
            self.holding = False

    def replay(self, fingerprint: str) -> Response | None:
        if self.stored is None:
            return None
        _, status, body, _ = replay_or_conflict(self.stored, fingerprint)
        return JsonResponse(body, status)

    def bind(self, fingerprint: str, response: Response) -> Response:
        if self.holding:
            # a right-sized copy: orjson's bytes keep a ~4 KB buffer, too much to store per key
            body = bytes(memoryview(response.body))
            self.store.bind(self.scope, fingerprint, response.status_code, body)
            self.holding = False
        return response


@api_operation(None)
async def list_models(request: Request, backend: Backend, key: ApiKey | None) -> Response:
    return json_response(models_list_json(backend.list_models(), backend.profile.megabyte))


@api_operation(None)
async def get_openapi(request: Request, backend: Backend, key: ApiKey | None) -> Response:
    document = openapi_document(backend.profile, base_url(request))
    return Response(document, media_type="application/json")


@api_operation("credits:read")
async def get_credits(request: Request, backend: Backend, key: ApiKey | None) -> Response:
    assert key is not None
    return json_response(credits_json(backend.get_credits(key.account_id)))


@api_operation("generations:create")
async def create_generation(request: Request, backend: Backend, key: ApiKey | None) -> Response:
    assert key is not None
    with Idempotency(request, backend, key.account_id, "generations") as idem:
        body = parse_json(await read_json_body(request, GENERATION_BODY_LIMIT))
        generation = validate_generation(body, backend.profile.prompt_length_unit)
        replayed = idem.replay(generation.fingerprint)
        if replayed is not None:
            return replayed
        task = backend.create_generation(key.account_id, generation, base_url(request))
        payload = task_json(task, QUEUED, task.created_at)
        response = json_response(payload, backend.profile.create_status)
        return idem.bind(generation.fingerprint, response)


@api_operation("generations:read")
async def get_generation(request: Request, backend: Backend, key: ApiKey | None) -> Response:
    assert key is not None
    task = backend.get_generation(key.account_id, request.path_params["task_id"])
    now = backend.clock.now()
    return json_response(task_json(task, task.status_at(now), task.updated_at(now)))


@api_operation("files:create")
async def upload_file(request: Request, backend: Backend, key: ApiKey | None) -> Response:
    assert key is not None
    held = largest_upload(backend.profile.megabyte)
    with Idempotency(request, backend, key.account_id, "files") as idem:
        length = declared_length(request)
        if length is not None and length > held + FORM_OVERHEAD:
            raise file_too_large(held)
        megabyte = backend.profile.megabyte
        spools: list[Spool] = []

        def spool() -> Spool:
            spools.append(backend.spool_upload())
            return spools[-1]

        try:
            form = await read_form(
                request.headers.get("content-type"),
                request.stream(),
                max_file_bytes=held,
                file_limit=lambda fields: streaming_limit(fields, megabyte),
                spool=spool,
            )
            upload = check_upload(form.fields, form.filename, form.file)
            replayed = idem.replay(upload.fingerprint)
            if replayed is not None:
                return replayed
            stored = backend.upload_file(key.account_id, upload, base_url(request))
        finally:
            for written in spools:
                written.discard()  # a kept upload was moved away: this removes only refusals
        response = json_response(file_json(stored), backend.profile.file_create_status)
        return idem.bind(upload.fingerprint, response)


@api_operation("files:read")
async def get_file(request: Request, backend: Backend, key: ApiKey | None) -> Response:
    assert key is not None
    return json_response(
        file_json(backend.get_file(key.account_id, request.path_params["file_id"]))
    )


async def get_result_image(request: Request) -> Response:
    backend: Backend = request.app.state.backend
    task = backend.result_task(request.path_params["task_id"])
    if request.path_params["index"] != "0":
        raise NotFound("No such result.", rule="result_not_found")
    return Response(png(*result_size(task.params)), media_type="image/png")


async def get_file_content(request: Request) -> Response:
    backend: Backend = request.app.state.backend
    stored = backend.get_file(None, request.path_params["file_id"])
    if request.path_params["name"] != stored.name:
        raise NotFound("No such file.", rule="file_not_found")
    handle = backend.open_file(stored)
    if stored.size_bytes <= SMALL_FILE:
        with handle:
            return Response(handle.read(), media_type=stored.mime_type)
    return StreamingResponse(
        _chunks(handle),
        media_type=stored.mime_type,
        headers={"Content-Length": str(stored.size_bytes)},
    )


def _chunks(handle: BinaryIO) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def public_routes() -> list[Route]:
    return [
        route("/api/v1/models", list_models, "GET"),
        route("/api/v1/generations", create_generation, "POST"),
        route("/api/v1/generations/{task_id}", get_generation, "GET"),
        route("/api/v1/files", upload_file, "POST"),
        route("/api/v1/files/{file_id}", get_file, "GET"),
        route("/api/v1/credits", get_credits, "GET"),
        route("/api/v1/openapi.json", get_openapi, "GET"),
        route("/cdn/results/{task_id}/{index}.png", get_result_image, "GET"),
        route("/cdn/files/{file_id}/{name}", get_file_content, "GET"),
    ]
