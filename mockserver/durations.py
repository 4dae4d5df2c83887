"""Read a media file's duration from its headers (WAV, MP4/MOV) and sign it in a duration token.

A duration token is an HMAC binding a file id to the duration the fake measured, so a generation
request can prove its reference's duration came from /api/v1/files (spec §9).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import mmap
import struct
from collections.abc import Iterator

_WAV_TYPES = frozenset({"audio/wav", "audio/x-wav"})
_ISO_BMFF_TYPES = frozenset({"video/mp4", "video/quicktime", "audio/mp4"})
_TOKEN_DOMAIN = b"rivya-mock duration token v1\n"


Bytes = bytes | mmap.mmap  # an upload's bytes, in memory or mapped from its file


def duration_seconds(mime: str, data: Bytes) -> float | None:
    """Return the duration declared by the file's headers, or None if unknown or malformed."""
    try:
        if mime in _WAV_TYPES:
            return _wav_duration(data)
        if mime in _ISO_BMFF_TYPES:
            return _mvhd_duration(data)
    except (struct.error, ValueError, OverflowError):
        return None
    return None


def _wav_duration(data: Bytes) -> float | None:
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None
    byte_rate = data_size = None
    for chunk_id, start, end in _riff_chunks(data, 12):
        if chunk_id == b"fmt " and end - start >= 12:
            (byte_rate,) = struct.unpack_from("<I", data, start + 8)
        elif chunk_id == b"data":
            data_size = end - start
    if not byte_rate or data_size is None:
        return None
    return data_size / byte_rate


def _riff_chunks(data: Bytes, offset: int) -> Iterator[tuple[bytes, int, int]]:
    """Yield (id, body start, body end) per chunk; a chunk claiming more than is there is cut short."""
    while offset + 8 <= len(data):
        chunk_id = data[offset : offset + 4]
        (size,) = struct.unpack_from("<I", data, offset + 4)
        start = offset + 8
        end = min(start + size, len(data))
        yield chunk_id, start, end
        offset = start + size + (size & 1)  # chunks are padded to an even length


def _mvhd_duration(data: Bytes) -> float | None:
    moov = _find_box(data, 0, len(data), b"moov")
    if moov is None:
        return None
    mvhd = _find_box(data, *moov, b"mvhd")
    if mvhd is None:
        return None
    start, end = mvhd
    version = data[start] if start < end else None
    if version == 0 and end - start >= 20:
        timescale, duration = struct.unpack_from(">II", data, start + 12)
        unknown = 0xFFFF_FFFF
    elif version == 1 and end - start >= 32:
        timescale, duration = struct.unpack_from(">IQ", data, start + 20)
        unknown = 0xFFFF_FFFF_FFFF_FFFF
    else:
        return None
    if timescale == 0 or duration == unknown:
        return None
    return duration / timescale


def _find_box(data: Bytes, offset: int, limit: int, wanted: bytes) -> tuple[int, int] | None:
    """Return (body start, body end) of the first `wanted` box among the boxes in [offset, limit)."""
    while offset + 8 <= limit:
        size, box_type = struct.unpack_from(">I4s", data, offset)
        header = 8
        if size == 1:  # a 64-bit size follows the type
            if offset + 16 > limit:
                return None
            (size,) = struct.unpack_from(">Q", data, offset + 8)
            header = 16
        elif size == 0:  # the box runs to the end of its parent
            size = limit - offset
        if size < header:
            return None
        if box_type == wanted:
            return offset + header, min(offset + size, limit)
        offset += size
    return None


def duration_token(secret: bytes, file_id: str, seconds: float | None) -> str:
    """Sign (file id, duration in whole milliseconds or null) as an unpadded urlsafe-base64 HMAC."""
    message = _TOKEN_DOMAIN + f"{file_id}\n{_millis(seconds)}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def check_duration_token(secret: bytes, file_id: str, seconds: float | None, token: object) -> bool:
    """Whether `token` was issued for this file id and this duration (to the millisecond)."""
    if not isinstance(token, str) or not token.isascii():
        return False
    try:
        expected = duration_token(secret, file_id, seconds)
    except ValueError:  # a non-finite duration or an unencodable id was never issued a token
        return False
    return hmac.compare_digest(expected.encode("ascii"), token.encode("ascii"))


def _millis(seconds: float | None) -> str:
    if seconds is None:
        return "null"
    # bool is an int subclass, but `true` is no duration.
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise ValueError(f"duration must be a number of seconds, not {seconds!r}")
    try:
        return str(round(float(seconds) * 1000))
    except (OverflowError, ValueError) as exc:  # inf, nan, or an int too big for a float
        raise ValueError(f"duration must be a finite number of seconds, not {seconds!r}") from exc
