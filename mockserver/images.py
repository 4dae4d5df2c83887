"""Result images: real, cheap PNGs (1-bit palette, one shared row), cached by size."""

from __future__ import annotations

import functools
import struct
import zlib
from decimal import ROUND_HALF_UP, Decimal

LONG_SIDE = {"1K": 1024, "2K": 2048, "4K": 4096}
ASPECT_KEYS = ("aspect_ratio", "size", "imageSize")


def result_size(params: dict[str, str]) -> tuple[int, int]:
    """Width and height of a result: long side from `resolution`, aspect from the aspect param."""
    long_side = LONG_SIDE[params.get("resolution", "1K")]
    ratio = next((params[k] for k in ASPECT_KEYS if k in params), "1:1")
    if ratio == "auto":
        ratio = "1:1"
    a, b = (int(x) for x in ratio.split(":"))
    short = int((Decimal(long_side) * min(a, b) / max(a, b)).quantize(Decimal(1), ROUND_HALF_UP))
    return (long_side, short) if a >= b else (short, long_side)


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


@functools.lru_cache(maxsize=64)
def png(width: int, height: int) -> bytes:
    """A valid PNG of the given size: a two-colour stripe pattern in a 1-bit palette."""
    row_bytes = (width + 7) // 8
    row = b"\x00" + bytes([0b11110000]) * row_bytes
    raw = row * height
    header = struct.pack(">IIBBBBB", width, height, 1, 3, 0, 0, 0)
    palette = bytes([0x2B, 0x3A, 0x67, 0xF4, 0xA2, 0x61])
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", header),
            _chunk(b"PLTE", palette),
            _chunk(b"IDAT", zlib.compress(raw, 9)),
            _chunk(b"IEND", b""),
        )
    )
