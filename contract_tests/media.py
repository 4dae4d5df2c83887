"""Small files made on the spot for the Files API checks."""

from __future__ import annotations

import struct
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Over an image's 10 MB limit whether a megabyte is 10**6 bytes or 2**20.
OVERSIZE_IMAGE_BYTES = 10 * 2**20 + 1
# Audio shares the image limit (10 MB); video has its own (50 MB). Each size is over (or, for
# the video that must be accepted, under) its limit whether a megabyte is 10**6 or 2**20 bytes.
OVERSIZE_AUDIO_BYTES = 10 * 2**20 + 1
OVERSIZE_VIDEO_BYTES = 50 * 2**20 + 1
VIDEO_OVER_THE_IMAGE_LIMIT_BYTES = 11 * 2**20
MP3_HEADER = b"ID3\x04\x00\x00\x00\x00\x00\x00"
MP4_HEADER = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def tiny_png() -> bytes:
    """A valid 1x1 grey PNG."""
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x80")
    return PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", pixels) + _chunk(b"IEND", b"")


def oversize_png() -> bytes:
    """A PNG signature followed by padding, just over every image size limit."""
    png = tiny_png()
    return png + b"\x00" * (OVERSIZE_IMAGE_BYTES - len(png))


def text_posing_as_png() -> bytes:
    return b"this is plain text, not an image, whatever its name says\n"


def padded(header: bytes, size: int) -> bytes:
    """`header` (a file signature) followed by zeros, `size` bytes in all."""
    return header + b"\x00" * (size - len(header))
