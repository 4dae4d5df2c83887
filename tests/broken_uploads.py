"""Broken servers of the Files API: declared types that matter, size limits of the wrong kind."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rewriting import Json, Rewrite, json_body, wrap

from mockserver.app import create_app


def _upload_refused(when: Callable[[dict, bytes], bool]) -> Callable:
    """Uploads for which `when(scope, body)` holds are refused as invalid."""

    def factory(profile: Any, clock: Any) -> Any:
        app = create_app(profile, clock=clock)

        def on_request(scope: dict, body: bytes) -> tuple[dict, bytes]:
            if scope["path"] == "/api/v1/files" and when(scope, body):
                # Without its multipart content type, the fake refuses the body as invalid.
                kept = [(k, v) for k, v in scope["headers"] if k.lower() == b"authorization"]
                return {**scope, "headers": kept}, b""
            return scope, body

        return Rewrite(app, on_request=on_request)

    return factory


def declared_type_matters() -> Callable:
    """A file part declared text/plain is refused, whatever its bytes are."""
    return _upload_refused(lambda scope, body: b"content-type: text/plain" in body.lower())


def video_has_the_image_limit() -> Callable:
    return _upload_refused(
        lambda scope, body: b'name="kind"\r\n\r\nvideo' in body and len(body) > 10_000_000
    )


def audio_has_the_video_limit() -> Callable:
    """Oversize audio (under 50 MB) is stored as if video's limit applied to every kind."""

    def rewrite(scope: dict, status: int, body: Json) -> tuple[int, Json]:
        if scope["path"] == "/api/v1/files" and status == 400 and scope.get("audio_size"):
            return 201, _stored_file("audio", "audio/mpeg", scope["audio_size"])
        return status, body

    def on_request(scope: dict, content: bytes) -> tuple[dict, bytes]:
        is_audio = b'name="kind"\r\n\r\naudio' in content
        if scope["path"] == "/api/v1/files" and is_audio and len(content) < 50_000_000:
            scope = {**scope, "audio_size": len(content)}
        return scope, content

    return wrap(on_request=on_request, on_response=json_body(rewrite))


def _stored_file(kind: str, mime: str, size: int) -> dict:
    return {
        "id": "file_" + "a" * 24,
        "url": "http://testserver/cdn/files/file_" + "a" * 24 + "/upload",
        "kind": kind,
        "name": "upload",
        "mime_type": mime,
        "size_bytes": size,
        "duration_seconds": None,
        "duration_token": None,
        "created_at": "2026-01-01T00:00:00.000Z",
    }
