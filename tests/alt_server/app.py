"""The alternative server's routes: each handler parses, checks, calls `State`, answers JSON."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .catalog import KIND_LIMITS, KIND_TYPES, MEGABYTE, MODELS, Model, entry
from .sniffing import sniff
from .state import ApiError, State, invalid

BODY_LIMIT = 2 * MEGABYTE
TOP_LEVEL = {"model", "prompt", "params", "client_request_id"}
ITEM_KEYS = {"url": str, "kind": str, "name": str, "mimeType": str, "durationToken": str}
FORM_FIELDS = {"file", "kind", "model", "client_request_id"}
BLOB_PATH = re.compile(r"/blobs/(upl_[0-9a-f]{32})$")


def envelope(status: int, code: str, message: str, headers: dict | None = None) -> Response:
    body = {
        "error": {"code": code, "message": message, "requestId": "req_" + uuid.uuid4().hex[:24]}
    }
    return JSONResponse(body, status, headers=headers)


def _state(request: Request) -> State:
    return request.app.state.alt


def authenticate(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "api_key_missing", "Send Authorization: Bearer <key>.")
    account = _state(request).authorize(token.strip())
    _state(request).take_token(account)
    return account


def idempotency_key(request: Request) -> str | None:
    key = request.headers.get("idempotency-key")
    if key is not None and not (1 <= len(key) <= 255 and all(0x21 <= ord(c) <= 0x7E for c in key)):
        raise invalid("Idempotency-Key: 1 to 255 visible ASCII characters")
    return key


@asynccontextmanager
async def held(request: Request, scope: tuple[str, str, str | None]) -> AsyncIterator[None]:
    """A key in use by a request in flight makes the next one wait for it (then replay)."""
    if scope[2] is None:
        yield
        return
    waiting: dict = request.app.state.in_flight
    while scope in waiting:
        await waiting[scope].wait()
    waiting[scope] = asyncio.Event()
    try:
        yield
    finally:
        waiting.pop(scope).set()


def replayed(state: State, scope: tuple[str, str, str | None], fingerprint: str) -> str | None:
    """The id a key already made for this very request; a conflict for another request."""
    if scope[2] is None or (bound := state.keys.get(scope)) is None:  # type: ignore[arg-type]
        return None
    if bound[0] != fingerprint:
        raise ApiError(409, "idempotency_conflict", "This key was used for another request.")
    return bound[1]


async def read_json(request: Request) -> Any:
    size, chunks = 0, []
    async for chunk in request.stream():
        size += len(chunk)
        if size > BODY_LIMIT:
            raise ApiError(413, "payload_too_large", "The body is over 2 MiB.")
        chunks.append(chunk)
    try:
        return json.loads(b"".join(chunks))
    except (ValueError, RecursionError):
        raise ApiError(400, "invalid_json", "The body is not JSON.") from None


def _utf16_length(text: str) -> int:
    try:
        return len(text.encode("utf-16-le")) // 2
    except UnicodeEncodeError:
        raise invalid("prompt: must not hold lone surrogates") from None


def check_generation(state: State, account: str, body: Any) -> Model:
    if not isinstance(body, dict):
        raise invalid("body: must be an object")
    extra = sorted(set(body) - TOP_LEVEL)
    if extra:
        raise invalid(f"{extra[0]}: is not allowed")
    model = MODELS.get(body.get("model")) if isinstance(body.get("model"), str) else None
    if model is None:
        raise invalid("model: must be one of " + ", ".join(MODELS))
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt:
        raise invalid("prompt: must be a non-empty string")
    if _utf16_length(prompt) > model.prompt_max:
        raise invalid(f"prompt: at most {model.prompt_max} UTF-16 code units")
    crid = body.get("client_request_id", "")
    if not isinstance(crid, str) or len(crid) > 1000 or _utf16_length(crid) < 0:
        raise invalid("client_request_id: a string of at most 1000 characters")
    params = body.get("params", {})
    if not isinstance(params, dict):
        raise invalid("params: must be an object")
    for key, value in params.items():
        options = model.options(key)
        if options is not None and value not in options:
            raise invalid(f"params.{key}: must be one of {', '.join(options)}")
        if isinstance(value, str):
            _utf16_length(value)
    if "referenceMediaItems" in params:
        check_references(state, account, model, params["referenceMediaItems"])
    return model


def check_references(state: State, account: str, model: Model, items: Any) -> None:
    if not model.takes_references:
        raise invalid(f"params.referenceMediaItems: {model.id} takes no references")
    if not isinstance(items, list) or len(items) > model.max_files:
        raise invalid(f"params.referenceMediaItems: at most {model.max_files} items")
    for index, item in enumerate(items):
        where = f"params.referenceMediaItems[{index}]"
        if not isinstance(item, dict) or not isinstance(item.get("url"), str):
            raise invalid(f"{where}.url: is required")
        if item.get("kind") != "image":
            raise invalid(f"{where}.kind: must be image")
        for key, kind in ITEM_KEYS.items():
            if key in item and not isinstance(item[key], kind):
                raise invalid(f"{where}.{key}: has the wrong type")
        if "durationSeconds" in item:
            raise invalid(f"{where}.durationSeconds: images have no duration")
        check_reference_url(state, account, model, item["url"], where)


def check_reference_url(state: State, account: str, model: Model, url: str, where: str) -> None:
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.netloc:
        return  # any https URL is fetched by the model
    match = BLOB_PATH.search(parts.path)
    stored = state.files.get(match.group(1)) if match else None
    if stored is None or stored.owner != account:
        raise invalid(f"{where}.url: must be https or a file you uploaded")
    if (
        stored.content_type not in KIND_TYPES["image"]
        or len(stored.data) > model.max_megabytes * MEGABYTE
    ):
        raise invalid(f"{where}.url: this file cannot be a reference of {model.id}")


def fingerprint(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


async def list_models(request: Request) -> Response:
    return JSONResponse({"object": "list", "data": [entry(m) for m in MODELS.values()]})


async def get_credits(request: Request) -> Response:
    account = authenticate(request)
    return JSONResponse({"current_credits": _state(request).credits(account)})


async def create_generation(request: Request) -> Response:
    account = authenticate(request)
    scope = (account, "generations", idempotency_key(request))
    state = _state(request)
    async with held(request, scope):
        body = await read_json(request)
        earlier = replayed(state, scope, fingerprint(body))
        if earlier is not None:
            return JSONResponse(state.task(account, earlier).view(time.time()), 200)
        # Credits are checked as soon as the model is known, before the rest of the body.
        named = body.get("model") if isinstance(body, dict) else None
        if isinstance(named, str) and named in MODELS:
            state.can_pay(account, MODELS[named])
        model = check_generation(state, account, body)
        task = state.create(account, model)
        if scope[2] is not None:
            state.keys[scope] = (fingerprint(body), task.id)  # type: ignore[index]
        return JSONResponse(task.view(task.created), 201)


async def get_generation(request: Request) -> Response:
    account = authenticate(request)
    task = _state(request).task(account, request.path_params["task_id"])
    return JSONResponse(task.view(time.time()))


async def upload_file(request: Request) -> Response:
    account = authenticate(request)
    scope = (account, "files", idempotency_key(request))
    state = _state(request)
    async with held(request, scope):
        try:
            form = await request.form(max_files=2, max_fields=8)
        except Exception as exc:  # the multipart parser's own errors
            raise invalid(f"body: not a readable multipart form ({exc})") from None
        try:
            fields = form.multi_items()
            names = [name for name, _ in fields]
            for name in names:
                if name not in FORM_FIELDS or names.count(name) > 1:
                    raise invalid(f"{name}: is unknown or repeated")
            values = dict(fields)
            upload = values.get("file")
            if not isinstance(upload, UploadFile):
                raise invalid("file: is required")
            data = await upload.read()
        finally:
            await form.close()
        kind, model_id = values.get("kind"), values.get("model")
        crid = values.get("client_request_id", "")
        mime, name = check_upload(data, kind, model_id, crid, upload.filename)
        made = fingerprint(
            [hashlib.sha256(data).hexdigest(), kind, model_id, crid, upload.filename]
        )
        earlier = replayed(state, scope, made)
        if earlier is not None:
            return JSONResponse(state.file(account, earlier).view(), 200)
        stored = state.store(account, str(kind), name, mime, data, str(request.base_url))
        if scope[2] is not None:
            state.keys[scope] = (made, stored.id)  # type: ignore[index]
        return JSONResponse(stored.view(), 200)


def check_upload(
    data: bytes, kind: Any, model_id: Any, crid: Any, filename: str | None
) -> tuple[str, str]:
    if kind not in KIND_TYPES:
        raise invalid("kind: must be image, video or audio")
    if not isinstance(crid, str) or len(crid) > 1000:
        raise invalid("client_request_id: at most 1000 characters")
    limit = KIND_LIMITS[kind]
    if model_id is not None:
        model = MODELS.get(model_id) if isinstance(model_id, str) else None
        if model is None or not model.takes_references or kind != "image":
            raise invalid(f"model: {model_id} takes no {kind} files")
        limit = model.max_megabytes * MEGABYTE
    if not data:
        raise invalid("file: is empty")
    if len(data) > limit:
        raise invalid(f"file: at most {limit} bytes for {kind}")
    mime = sniff(data[:64], kind)
    if mime not in KIND_TYPES[kind]:
        raise invalid(f"file: {mime or 'this type'} is not a {kind} type we take")
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1] or "upload"
    if len(name) > 255:
        raise invalid("file: a name of at most 255 characters")
    return mime, name


async def get_file(request: Request) -> Response:
    account = authenticate(request)
    return JSONResponse(_state(request).file(account, request.path_params["file_id"]).view())


async def get_blob(request: Request) -> Response:
    stored = _state(request).files.get(request.path_params["file_id"])
    if stored is None:
        return envelope(404, "not_found", "No such file.")
    return Response(stored.data, media_type=stored.content_type)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return envelope(exc.status, exc.code, exc.message, exc.headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        return envelope(405, "method_not_allowed", "Wrong method.", dict(exc.headers or {}))
    return envelope(exc.status_code, "route_not_found", "No such route.")


async def _crash(request: Request, exc: Exception) -> Response:
    return envelope(500, "internal_error", "Something broke.")


def create_app(accounts: dict[str, int], revoked: tuple[str, ...] = ()) -> Starlette:
    """An app whose accounts are `accounts` (key -> credits) plus the revoked keys."""
    routes = [
        Route("/api/v1/models", list_models, methods=["GET"]),
        Route("/api/v1/credits", get_credits, methods=["GET"]),
        Route("/api/v1/generations", create_generation, methods=["POST"]),
        Route("/api/v1/generations/{task_id}", get_generation, methods=["GET"]),
        Route("/api/v1/files", upload_file, methods=["POST"]),
        Route("/api/v1/files/{file_id}", get_file, methods=["GET"]),
        Route("/blobs/{file_id}", get_blob, methods=["GET"]),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={ApiError: _api_error, HTTPException: _http_error, Exception: _crash},
    )
    app.router.redirect_slashes = False
    app.state.alt = State(dict(accounts), set(revoked))
    app.state.in_flight = {}
    return app
