"""What a file is, from its first bytes (spec §9), never from its name or declared type."""

from __future__ import annotations


def sniff(head: bytes, kind: str) -> str | None:
    """The MIME type of a file starting with `head`, or None when it is none we know."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    if head.startswith(b"ID3"):
        return "audio/mpeg"
    if head[4:8] == b"ftyp":
        return _iso_media(head[8:12], kind)
    if len(head) > 1 and head[0] == 0xFF:
        if head[1] in (0xF1, 0xF9):
            return "audio/aac"
        if head[1] & 0xE0 == 0xE0:
            return "audio/mpeg"
    return None


def _iso_media(brand: bytes, kind: str) -> str:
    if brand == b"qt  ":
        return "video/quicktime"
    if brand in (b"M4A ", b"M4B ", b"M4P ") or kind == "audio":
        return "audio/mp4"
    return "video/mp4"
