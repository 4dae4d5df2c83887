"""Decide an upload's MIME type from its signature bytes (spec §9), never from its name or label."""

from __future__ import annotations

# The documented MIME types per reference kind, in the docs' order.
KIND_TYPES: dict[str, tuple[str, ...]] = {
    "image": ("image/jpeg", "image/png", "image/webp"),
    "video": ("video/mp4", "video/quicktime", "video/webm"),
    "audio": ("audio/mpeg", "audio/mp4", "audio/wav", "audio/x-wav", "audio/aac", "audio/ogg"),
}
KIND_LIMIT_MB: dict[str, int] = {"image": 10, "video": 50, "audio": 10}

# Every signature below lies within the first bytes; callers may pass just this much.
SNIFF_BYTES = 64

_AUDIO_MP4_BRANDS = (b"M4A ", b"M4B ", b"M4P ")


def sniff(data: bytes, kind: str | None = None) -> str | None:
    """Return the MIME type the signature bytes declare, or None when none is recognised.

    `kind` only settles the one ambiguity bytes cannot: an ISO-BMFF file with a generic brand
    is audio/mp4 when uploaded as audio, else video/mp4.
    """
    head = bytes(data[:SNIFF_BYTES])
    return (
        _sniff_image(head)
        or _sniff_riff(head)
        or _sniff_container(head, kind)
        or _sniff_mpeg_audio(head)
    )


def _sniff_image(head: bytes) -> str | None:
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return None


def _sniff_riff(head: bytes) -> str | None:
    if len(head) < 12 or not head.startswith(b"RIFF"):
        return None
    form = head[8:12]
    if form == b"WEBP":
        return "image/webp"
    if form == b"WAVE":
        return "audio/wav"
    return None


def _sniff_container(head: bytes, kind: str | None) -> str | None:
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return _iso_bmff_type(head[8:12], kind)
    return None


def _iso_bmff_type(brand: bytes, kind: str | None) -> str:
    if brand == b"qt  ":
        return "video/quicktime"
    if brand in _AUDIO_MP4_BRANDS or kind == "audio":
        return "audio/mp4"
    return "video/mp4"


def _sniff_mpeg_audio(head: bytes) -> str | None:
    if head.startswith(b"ID3"):
        return "audio/mpeg"
    if len(head) < 4 or head[0] != 0xFF:
        return None
    # ADTS shares the frame-sync bits with MPEG audio; its layer field is 00, which MP3 never uses.
    if head[1] in (0xF1, 0xF9):
        return "audio/aac"
    if _is_mpeg_audio_frame_header(head):
        return "audio/mpeg"
    return None


def _is_mpeg_audio_frame_header(head: bytes) -> bool:
    # 11 sync bits, then reject the reserved values so arbitrary 0xFFEx bytes are not "MP3".
    version = (head[1] >> 3) & 0b11
    layer = (head[1] >> 1) & 0b11
    bitrate = head[2] >> 4
    sample_rate = (head[2] >> 2) & 0b11
    return (
        head[1] & 0xE0 == 0xE0
        and version != 0b01
        and layer != 0b00
        and bitrate != 0b1111
        and sample_rate != 0b11
    )
