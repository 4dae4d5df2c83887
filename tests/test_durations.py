"""Durations come from WAV headers and MP4/MOV mvhd; duration tokens bind file id and duration."""

import struct
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockserver.durations import check_duration_token, duration_seconds, duration_token

MEDIA = Path(__file__).resolve().parent.parent / "fixtures" / "media"
SECRET = b"test-secret"


def box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", 8 + len(body)) + kind + body


def mvhd_v0(timescale: int, duration: int) -> bytes:
    return box(b"mvhd", b"\0\0\0\0" + struct.pack(">IIII", 0, 0, timescale, duration) + bytes(80))


def movie(*boxes: bytes) -> bytes:
    return box(b"ftyp", b"isom\0\0\0\0isom") + b"".join(boxes)


def wav(*chunks: tuple[bytes, bytes]) -> bytes:
    body = b"".join(
        kind + struct.pack("<I", len(data)) + data + b"\0" * (len(data) % 2)
        for kind, data in chunks
    )
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body


FMT_8K_MONO_16 = struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16)


@pytest.mark.parametrize(
    ("name", "mime", "seconds"),
    [
        ("sample.wav", "audio/wav", 1.0),
        ("sample.wav", "audio/x-wav", 1.0),
        ("sample.mp4", "video/mp4", 2.5),
        ("sample.mov", "video/quicktime", 3.0),
        ("sample.m4a", "audio/mp4", 1.5),
    ],
)
def test_sample_durations_are_read_from_headers(name, mime, seconds):
    assert duration_seconds(mime, (MEDIA / name).read_bytes()) == seconds


@pytest.mark.parametrize(
    ("name", "mime"),
    [
        ("sample.mp3", "audio/mpeg"),
        ("sample.aac", "audio/aac"),
        ("sample.ogg", "audio/ogg"),
        ("sample.webm", "video/webm"),
        ("sample.png", "image/png"),
    ],
)
def test_other_types_have_no_duration(name, mime):
    assert duration_seconds(mime, (MEDIA / name).read_bytes()) is None


def test_wav_chunks_before_data_are_skipped_with_their_padding():
    data = wav((b"fmt ", FMT_8K_MONO_16), (b"LIST", b"odd"), (b"data", bytes(8000)))
    assert duration_seconds("audio/wav", data) == 0.5


def test_wav_without_fmt_has_no_duration():
    assert duration_seconds("audio/wav", wav((b"data", bytes(8000)))) is None


def test_wav_with_zero_byte_rate_has_no_duration():
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 0, 2, 16)
    assert duration_seconds("audio/wav", wav((b"fmt ", fmt), (b"data", bytes(100)))) is None


def test_mvhd_version_1_is_read():
    body = b"\x01\0\0\0" + struct.pack(">QQIQ", 0, 0, 90000, 450000) + bytes(80)
    assert duration_seconds("video/mp4", movie(box(b"moov", box(b"mvhd", body)))) == 5.0


def test_moov_after_mdat_is_found():
    data = movie(box(b"mdat", bytes(100)), box(b"moov", mvhd_v0(1000, 1250)))
    assert duration_seconds("video/mp4", data) == 1.25


def test_boxes_with_64_bit_sizes_are_walked():
    mdat = struct.pack(">I", 1) + b"mdat" + struct.pack(">Q", 16 + 10) + bytes(10)
    data = movie(mdat, box(b"moov", mvhd_v0(600, 300)))
    assert duration_seconds("video/quicktime", data) == 0.5


@pytest.mark.parametrize(
    "mvhd",
    [mvhd_v0(0, 1000), mvhd_v0(1000, 0xFFFF_FFFF)],
    ids=["zero-timescale", "unknown-duration"],
)
def test_unusable_mvhd_has_no_duration(mvhd):
    assert duration_seconds("video/mp4", movie(box(b"moov", mvhd))) is None


def test_a_box_smaller_than_its_header_is_malformed():
    data = movie(struct.pack(">I", 4) + b"free", box(b"moov", mvhd_v0(1000, 1000)))
    assert duration_seconds("video/mp4", data) is None


@pytest.mark.parametrize("name", ["sample.wav", "sample.mp4", "sample.mov", "sample.m4a"])
def test_every_truncation_of_a_sample_is_safe(name):
    data = (MEDIA / name).read_bytes()[:1000]
    mime = {"wav": "audio/wav", "mov": "video/quicktime"}.get(name[-3:], "video/mp4")
    for end in range(len(data)):
        result = duration_seconds(mime, data[:end])
        assert result is None or result >= 0


@given(
    mime=st.sampled_from(["audio/wav", "video/mp4", "video/quicktime", "audio/mp4", "image/png"]),
    data=st.binary(max_size=300),
)
def test_garbage_never_raises(mime, data):
    result = duration_seconds(mime, data)
    assert result is None or result >= 0


@given(
    prefix=st.sampled_from([b"RIFF\xff\xff\xff\xffWAVE", b"\0\0\0\x10ftypisom\0\0\0\0"]),
    data=st.binary(max_size=300),
)
def test_garbage_after_a_valid_signature_never_raises(prefix, data):
    for mime in ("audio/wav", "video/mp4"):
        result = duration_seconds(mime, prefix + data)
        assert result is None or result >= 0


def test_token_checks_for_the_same_file_and_duration():
    token = duration_token(SECRET, "file_abc", 2.5)
    assert check_duration_token(SECRET, "file_abc", 2.5, token)


def test_token_is_url_safe_text():
    token = duration_token(SECRET, "file_abc", 2.5)
    assert token.isascii() and not set(token) - set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    )


def test_token_does_not_check_for_another_file():
    token = duration_token(SECRET, "file_abc", 2.5)
    assert not check_duration_token(SECRET, "file_abd", 2.5, token)


def test_token_does_not_check_for_a_duration_one_millisecond_off():
    token = duration_token(SECRET, "file_abc", 2.5)
    assert not check_duration_token(SECRET, "file_abc", 2.501, token)


def test_token_binds_the_duration_rounded_to_milliseconds():
    token = duration_token(SECRET, "file_abc", 2.5)
    assert check_duration_token(SECRET, "file_abc", 2.5000004, token)


def test_token_without_a_duration_does_not_check_for_one():
    token = duration_token(SECRET, "file_abc", None)
    assert check_duration_token(SECRET, "file_abc", None, token)
    assert not check_duration_token(SECRET, "file_abc", 0.0, token)


def test_token_from_another_secret_does_not_check():
    token = duration_token(b"other-secret", "file_abc", 2.5)
    assert not check_duration_token(SECRET, "file_abc", 2.5, token)


@pytest.mark.parametrize("token", [None, 42, "", "é" * 43, "\ud800"])
def test_malformed_tokens_do_not_check(token):
    assert not check_duration_token(SECRET, "file_abc", 2.5, token)


@pytest.mark.parametrize("seconds", [float("nan"), float("inf"), 10**400, True, "2.5"])
def test_unusable_durations_do_not_check(seconds):
    token = duration_token(SECRET, "file_abc", 2.5)
    assert not check_duration_token(SECRET, "file_abc", seconds, token)


def test_issuing_a_token_for_an_infinite_duration_is_refused():
    with pytest.raises(ValueError, match="finite"):
        duration_token(SECRET, "file_abc", float("inf"))
