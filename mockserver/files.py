"""Uploaded files: the upload rules of the Files API and the checks on generation references.

Types come from signature bytes (sniffing), never from names or declared types.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .blobs import Spool
from .catalog import Model, catalog
from .durations import check_duration_token, duration_seconds, duration_token
from .errors import ValidationFailed
from .sniffing import KIND_LIMIT_MB, KIND_TYPES, sniff

KINDS = ("image", "video", "audio")
FILE_URL_ID = re.compile(r"/cdn/files/(file_[a-z2-7]{24})/")
MAX_NAME = 255
MAX_CLIENT_REQUEST_ID = 128


@dataclass(slots=True)
class StoredFile:
    """A kept upload's metadata; its bytes live in the backend's `BlobStore` under `id`."""

    id: str
    account_id: str
    kind: str
    name: str
    mime_type: str
    size_bytes: int
    duration_seconds: float | None
    duration_token: str | None
    created_at: float
    base_url: str
    model: str | None = None
    client_request_id: str | None = None


@dataclass(frozen=True)
class UploadRequest:
    """A checked upload: the fields are valid; the bytes (spooled) are still to be checked."""

    kind: str
    model: Model | None
    client_request_id: str | None
    raw_filename: str | None
    name: str
    body: Spool
    fingerprint: str


def largest_upload(megabyte: int) -> int:
    """While streaming, bytes are held up to the largest limit any kind or model allows."""
    model_limits = [m.reference_max_megabytes for m in catalog().values()]
    return max([*KIND_LIMIT_MB.values(), *model_limits]) * megabyte


def size_limit(kind: str, model: Model | None, megabyte: int) -> int:
    """Bytes an upload of `kind` may hold: the model's limit when one is given, else the kind's."""
    return model.reference_max_bytes(megabyte) if model else KIND_LIMIT_MB[kind] * megabyte


def largest_for_kind(kind: str, megabyte: int) -> int:
    """The most bytes an upload of `kind` may hold with any model, or with none."""
    model_limits = [
        m.reference_max_megabytes for m in catalog().values() if kind in m.reference_kinds
    ]
    return max([KIND_LIMIT_MB[kind], *model_limits]) * megabyte


def streaming_limit(fields: dict[str, str], megabyte: int) -> int:
    """The tightest limit certain from the fields sent before the file; exact ones come later."""
    kind, model = fields.get("kind"), catalog().get(fields.get("model", ""))
    invalid_model = "model" in fields and (model is None or kind not in model.reference_kinds)
    if kind not in KIND_LIMIT_MB or invalid_model:
        return largest_upload(megabyte)  # the field checks explain the problem after the form
    if model is None:  # a `model` part may still follow the file and raise the limit
        return largest_for_kind(kind, megabyte)
    return size_limit(kind, model, megabyte)


def _fail(message: str, rule: str) -> ValidationFailed:
    return ValidationFailed(message, rule=rule)


def file_too_large(limit: int, context: str = "") -> ValidationFailed:
    """Oversize uploads close the connection so that clients stop sending (spec §4, §9)."""
    return ValidationFailed(
        f"file: must be at most {limit} bytes{context}",
        headers={"Connection": "close"},
        rule="file_too_large",
    )


def _base_name(raw: str | None) -> str:
    name = re.split(r"[\\/]", raw or "")[-1]
    if name in (".", ".."):  # path segments, not names: clients resolve them away in the URL
        name = ""
    if len(name) > MAX_NAME:
        raise _fail(
            f"file: the file name must be at most {MAX_NAME} characters", "file_name_length"
        )
    return name or "upload"


def _upload_model(fields: dict[str, str], kind: str) -> Model | None:
    if "model" not in fields:
        return None
    model = catalog().get(fields["model"])
    if model is None:
        raise _fail(f"model: must be one of {', '.join(catalog())}", "unknown_model")
    if kind not in model.reference_kinds:
        takes = ", ".join(model.reference_kinds) or "no files"
        raise _fail(
            f"model: {model.id} does not take {kind} files (it takes {takes})", "model_kind"
        )
    return model


def check_upload(fields: dict[str, str], filename: str | None, body: Spool | None) -> UploadRequest:
    """Check the form fields of an upload (everything but the bytes' type and size)."""
    if body is None:
        raise _fail("file: is required", "file_missing")
    if "kind" not in fields:
        raise _fail("kind: is required", "kind_missing")
    kind = fields["kind"]
    if kind not in KINDS:
        raise _fail(f"kind: must be one of {', '.join(KINDS)}", "kind_enum")
    model = _upload_model(fields, kind)
    client_request_id = fields.get("client_request_id")
    if client_request_id is not None and len(client_request_id) > MAX_CLIENT_REQUEST_ID:
        raise _fail(
            f"client_request_id: must be at most {MAX_CLIENT_REQUEST_ID} characters",
            "client_request_id_length",
        )
    if not body.size:
        raise _fail("file: must not be empty", "file_empty")
    name = _base_name(filename)
    fingerprint = "\n".join(
        (
            body.sha256(),
            kind,
            fields.get("model", ""),
            client_request_id or "",
            filename if filename is not None else "\x00",
        )
    )
    return UploadRequest(kind, model, client_request_id, filename, name, body, fingerprint)


def upload_limits(upload: UploadRequest, megabyte: int) -> tuple[int, tuple[str, ...]]:
    """The size limit in bytes and the MIME types allowed for this upload."""
    allowed = KIND_TYPES[upload.kind]
    if upload.model is not None:
        allowed = tuple(t for t in allowed if t in upload.model.reference_mime_types)
    return size_limit(upload.kind, upload.model, megabyte), allowed


def check_content(upload: UploadRequest, megabyte: int) -> str:
    """The detected MIME type, once size and signature are within the rules."""
    limit, allowed = upload_limits(upload, megabyte)
    if upload.body.size > limit:
        raise file_too_large(
            limit, f" for {upload.kind}" + (f" with {upload.model.id}" if upload.model else "")
        )
    mime = sniff(upload.body.head, upload.kind)
    if mime not in allowed:
        found = f"detected {mime}" if mime else "an unrecognised type"
        raise _fail(
            f"file: is {found}; {upload.kind} files must be one of {', '.join(allowed)}",
            "file_type",
        )
    return mime


def file_durations(
    secret: bytes, file_id: str, kind: str, mime: str, body: Spool
) -> tuple[float | None, str | None]:
    """Duration and its token for audio and video (their bytes mapped to read them); none for
    an image, whose bytes are not opened."""
    if kind == "image":
        return None, None
    with body.mapped() as data:
        seconds = duration_seconds(mime, data)
    return seconds, duration_token(secret, file_id, seconds)


def referenced_file_id(url: str) -> str | None:
    """The file id in an absolute http(s) URL's `/cdn/files/{fileId}/…` path, whatever the host."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None  # a relative or non-web URL is nothing the real API could fetch
    match = FILE_URL_ID.search(parts.path + "/")
    return match.group(1) if match else None


def check_reference(
    item: dict[str, Any],
    where: str,
    stored: StoredFile | None,
    model: Model,
    *,
    any_https: bool,
    megabyte: int,
    secret: bytes,
) -> None:
    """One `params.referenceMediaItems[i]` against the file it names (spec §5)."""
    if stored is None:
        if any_https and urlsplit(item["url"]).scheme == "https" and urlsplit(item["url"]).netloc:
            return
        need = "an https URL or " if any_https else ""
        raise _fail(
            f"{where}.url: must be {need}the url of a file this account uploaded",
            "reference_not_uploaded",
        )
    if item["kind"] != stored.kind:
        raise _fail(
            f"{where}.kind: must be {stored.kind}, the uploaded file's kind", "reference_kind"
        )
    if (
        stored.kind not in model.reference_kinds
        or stored.mime_type not in model.reference_mime_types
    ):
        raise _fail(
            f"{where}.url: {model.id} does not take {stored.mime_type} references", "reference_type"
        )
    if stored.size_bytes > model.reference_max_bytes(megabyte):
        raise _fail(
            f"{where}.url: the file is larger than {model.reference_max_bytes(megabyte)} "
            f"bytes, the limit of {model.id}",
            "reference_size",
        )
    if "mimeType" in item and item["mimeType"] != stored.mime_type:
        raise _fail(
            f"{where}.mimeType: must be {stored.mime_type}, the uploaded file's type",
            "reference_mime",
        )
    _check_duration(item, where, stored, secret)


def _check_duration(item: dict[str, Any], where: str, stored: StoredFile, secret: bytes) -> None:
    if "durationToken" in item and not check_duration_token(
        secret, stored.id, stored.duration_seconds, item["durationToken"]
    ):
        raise _fail(
            f"{where}.durationToken: is not the token issued for this file",
            "reference_duration_token",
        )
    if "durationSeconds" in item:
        known = stored.duration_seconds
        if known is None or not math.isclose(item["durationSeconds"], known, abs_tol=0.01):
            raise _fail(
                f"{where}.durationSeconds: must equal the file's duration ({known})",
                "reference_duration",
            )
