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


def _box(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", 8 + len(data)) + kind + data


def mp4_of_size(size: int) -> bytes:
    """A structurally valid MP4 of exactly `size` bytes: ftyp, a one-second moov/mvhd, and an
    mdat box filling the rest (no track: a server that sniffs the signature sees video/mp4)."""
    ftyp = _box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2mp41")
    matrix = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
    mvhd = _box(
        b"mvhd",
        bytes(4)  # version 0, no flags
        + struct.pack(">IIII", 0, 0, 1000, 1000)  # created, modified, timescale, duration
        + struct.pack(">IH", 0x10000, 0x100)  # rate 1.0, volume 1.0
        + bytes(10)
        + matrix
        + bytes(24)
        + struct.pack(">I", 2),  # next track id
    )
    head = ftyp + _box(b"moov", mvhd)
    return head + struct.pack(">I", size - len(head)) + b"mdat" + bytes(size - len(head) - 8)


def mp3_of_size(size: int) -> bytes:
    """An ID3v2 tag of exactly `size` bytes, all padding (the size is syncsafe, 7 bits a byte)."""
    body = size - 10
    syncsafe = bytes((body >> shift) & 0x7F for shift in (21, 14, 7, 0))
    return b"ID3\x04\x00\x00" + syncsafe + bytes(body)
