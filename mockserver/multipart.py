"""Read a multipart/form-data upload as it streams, refusing an oversize file before it is all sent.

Decisions (spec §9): a part named `file` is the upload whether or not it carries a filename
(`filename` is then None); any other part that carries a filename is refused as a file sent in a
text field. The filename is kept as sent: only quoted-string escapes (\\\\ and \\") are undone, no
path is stripped and nothing is percent-decoded, except that a valid RFC 5987 `filename*` wins
over `filename`. Bytes after the closing boundary are not read.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import unquote

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from mockserver.blobs import Spool, memory_spool
from mockserver.errors import ValidationFailed

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

# python-multipart logs each malformed body it meets; the client gets the reason in the envelope
logging.getLogger("python_multipart.multipart").setLevel(logging.ERROR)

FILE_FIELD = "file"
DEFAULT_FIELDS = frozenset({FILE_FIELD, "kind", "model", "client_request_id"})

# One `; name=value` parameter of Content-Disposition, the value a token or a quoted-string.
_PARAM = re.compile(r'\s*;\s*([^\s=;"]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;"]*))\s*')
_QUOTED_ESCAPE = re.compile(r'\\([\\"])')
_EXTENDED_VALUE = re.compile(r"(?i)(utf-8|iso-8859-1)'[^']*'(.*)")


@dataclass
class UploadedForm:
    """What arrived: text fields, and the `file` part's raw filename and spooled bytes."""

    fields: dict[str, str] = field(default_factory=dict)
    filename: str | None = None
    file: Spool | None = None

    @property
    def file_bytes(self) -> bytes | None:
        """The file's bytes (None if there was no `file` part), read back from its spool."""
        return None if self.file is None else self.file.read()


async def read_form(
    content_type: str | None,
    chunks: AsyncIterator[bytes],
    *,
    max_file_bytes: int,
    allowed_fields: frozenset[str] = DEFAULT_FIELDS,
    max_field_bytes: int = 64_000,
    file_limit: Callable[[dict[str, str]], int] | None = None,
    spool: Callable[[], Spool] = memory_spool,
) -> UploadedForm:
    """Parse the body as it streams; raise ValidationFailed on anything but a well-formed form.

    The file's bytes go to a `spool()` as they arrive (in memory by default; the fake spools to
    disk, and discards the spool of a refused upload). An oversize file is refused (400,
    `Connection: close`) as soon as its bytes pass `max_file_bytes`, so at most that much
    (plus one chunk) is ever written. Required fields are the caller's to check.
    """
    reader = _FormReader(max_file_bytes, allowed_fields, max_field_bytes, file_limit, spool)
    parser = _make_parser(content_type, reader)
    async for chunk in chunks:
        _feed(parser, chunk)
        if reader.ended:
            break
    return reader.result()


def _make_parser(content_type: str | None, reader: _FormReader) -> MultipartParser:
    media_type, params = parse_options_header(content_type)
    if media_type != b"multipart/form-data":
        raise ValidationFailed("Content-Type: must be multipart/form-data")
    boundary = params.get(b"boundary")
    if not boundary:
        raise ValidationFailed("Content-Type: multipart/form-data needs a boundary parameter")
    try:
        return MultipartParser(boundary, reader.callbacks())
    except FormParserError as exc:
        raise ValidationFailed(f"Content-Type: invalid boundary ({exc})") from exc


def _feed(parser: MultipartParser, chunk: bytes) -> None:
    try:
        parser.write(chunk)
    except FormParserError as exc:
        raise ValidationFailed(f"The multipart body is malformed: {exc}") from exc


class _FormReader:
    """The parser's callbacks: gathers each part's headers, then routes its bytes to a sink."""

    def __init__(
        self,
        max_file_bytes: int,
        allowed: frozenset[str],
        max_field_bytes: int,
        file_limit: Callable[[dict[str, str]], int] | None = None,
        spool: Callable[[], Spool] = memory_spool,
    ):
        self.max_file_bytes = max_file_bytes
        self.spool = spool
        self.file_limit = file_limit
        self.allowed = allowed
        self.max_field_bytes = max_field_bytes
        self.form = UploadedForm()
        self.ended = False
        self._seen: set[str] = set()
        self._part: _FilePart | _TextPart | None = None
        self._headers: dict[bytes, bytes] = {}
        self._header_name = bytearray()
        self._header_value = bytearray()

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self._on_part_begin,
            "on_header_field": lambda data, start, end: self._header_name.extend(data[start:end]),
            "on_header_value": lambda data, start, end: self._header_value.extend(data[start:end]),
            "on_header_end": self._on_header_end,
            "on_headers_finished": self._on_headers_finished,
            "on_part_data": self._on_part_data,
            "on_part_end": self._on_part_end,
            "on_end": self._on_end,
        }

    def _on_part_begin(self) -> None:
        self._part = None
        self._headers = {}

    def _on_header_end(self) -> None:
        name = bytes(self._header_name).strip().lower()
        if name in self._headers:
            raise ValidationFailed(
                f"The multipart body is malformed: repeated {name.decode()} header"
            )
        self._headers[name] = bytes(self._header_value)
        self._header_name.clear()
        self._header_value.clear()

    def _on_headers_finished(self) -> None:
        name, filename, has_filename = _content_disposition(
            self._headers.get(b"content-disposition")
        )
        self._check_new_field(name)
        if name == FILE_FIELD:
            self.form.filename = filename
            limit = self.max_file_bytes
            if self.file_limit is not None:  # fields sent before the file tighten the limit
                limit = min(limit, self.file_limit(self.form.fields))
            self._part = _FilePart(limit, self.spool())
            self.form.file = self._part.spool
        elif has_filename:
            raise ValidationFailed(f"{_shown(name)}: must be a text field, not a file")
        else:
            self._part = _TextPart(name, self.max_field_bytes)

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._part is not None:  # always set: the parser finishes headers before any data
            self._part.write(data, start, end)

    def _check_new_field(self, name: str) -> None:
        if name not in self.allowed:
            expected = ", ".join(sorted(self.allowed))
            raise ValidationFailed(f"{_shown(name)}: unknown field (expected {expected})")
        if name in self._seen:
            raise ValidationFailed(f"{name}: must be sent only once")
        self._seen.add(name)

    def _on_part_end(self) -> None:
        part, self._part = self._part, None
        if isinstance(part, _FilePart):
            part.spool.finish()
        elif part is not None:
            self.form.fields[part.name] = part.value()

    def _on_end(self) -> None:
        self.ended = True

    def result(self) -> UploadedForm:
        if not self.ended:
            raise ValidationFailed(
                "The multipart body is malformed: it ends before the closing boundary"
            )
        return self.form


class _FilePart:
    """The upload's bytes, refused the moment they pass the limit."""

    def __init__(self, limit: int, spool: Spool):
        self.limit = limit
        self.spool = spool

    def write(self, data: bytes, start: int, end: int) -> None:
        if self.spool.size + end - start > self.limit:
            raise ValidationFailed(
                f"{FILE_FIELD}: must be at most {self.limit} bytes",
                status=400,
                headers={"Connection": "close"},
            )
        self.spool.write(memoryview(data)[start:end])


class _TextPart:
    """A short text field, which must be UTF-8."""

    def __init__(self, name: str, limit: int):
        self.name = name
        self.limit = limit
        self.buffer = bytearray()

    def write(self, data: bytes, start: int, end: int) -> None:
        self.buffer.extend(data[start:end])
        if len(self.buffer) > self.limit:
            raise ValidationFailed(f"{self.name}: must be at most {self.limit} bytes")

    def value(self) -> str:
        try:
            return self.buffer.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValidationFailed(f"{self.name}: must be valid UTF-8") from exc


def _content_disposition(raw: bytes | None) -> tuple[str, str | None, bool]:
    """Return (field name, filename or None, whether a filename parameter was sent)."""
    if raw is None:
        raise ValidationFailed("The multipart body is malformed: a part has no Content-Disposition")
    text = _decode_header(raw)
    disposition, _, rest = text.partition(";")
    params = _parameters(";" + rest if rest else "")
    if disposition.strip().lower() != "form-data" or "name" not in params:
        raise ValidationFailed(
            "The multipart body is malformed: Content-Disposition must be form-data with a name"
        )
    name, filename = params["name"], params.get("filename")
    if "filename*" in params:
        filename = _extended_value(name, params["filename*"])
    return name, filename, filename is not None


def _parameters(text: str) -> dict[str, str]:
    params: dict[str, str] = {}
    position = 0
    while text[position:].strip() not in ("", ";"):  # tolerate one trailing semicolon
        match = _PARAM.match(text, position)
        if match is None or match.group(1).lower() in params:
            raise ValidationFailed(
                "The multipart body is malformed: bad Content-Disposition parameters"
            )
        quoted, token = match.group(2), match.group(3)
        value = _QUOTED_ESCAPE.sub(r"\1", quoted) if quoted is not None else token
        params[match.group(1).lower()] = value
        position = match.end()
    return params


def _extended_value(name: str, value: str) -> str:
    """Decode an RFC 5987 value such as UTF-8''%E2%82%AC.png."""
    match = _EXTENDED_VALUE.fullmatch(value)
    if match is None:
        raise ValidationFailed(f"{_shown(name)}: filename* must be UTF-8''<percent-encoded name>")
    try:
        return unquote(match.group(2), encoding=match.group(1), errors="strict")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(f"{_shown(name)}: filename* is not valid {match.group(1)}") from exc


def _decode_header(raw: bytes) -> str:
    # Browsers send UTF-8 filenames as raw bytes; anything else is read as Latin-1, byte for byte.
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _shown(name: str) -> str:
    """A client-chosen field name, cut short enough to quote in a message."""
    return name if len(name) <= 64 else name[:61] + "..."
