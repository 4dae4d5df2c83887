"""Signature sniffing decides the MIME type from bytes alone (spec §9)."""

import struct
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockserver.sniffing import KIND_LIMIT_MB, KIND_TYPES, SNIFF_BYTES, sniff

MEDIA = Path(__file__).resolve().parent.parent / "fixtures" / "media"
KNOWN_TYPES = {mime for types in KIND_TYPES.values() for mime in types}

SAMPLES = [
    ("sample.png", "image/png"),
    ("sample.jpg", "image/jpeg"),
    ("sample.webp", "image/webp"),
    ("sample.wav", "audio/wav"),
    ("sample.mp3", "audio/mpeg"),
    ("sample.aac", "audio/aac"),
    ("sample.ogg", "audio/ogg"),
    ("sample.webm", "video/webm"),
    ("sample.mp4", "video/mp4"),
    ("sample.mov", "video/quicktime"),
    ("sample.m4a", "audio/mp4"),
]


def ftyp(brand: bytes) -> bytes:
    return struct.pack(">I", 20) + b"ftyp" + brand + b"\0\0\0\0" + brand


@pytest.mark.parametrize(("name", "mime"), SAMPLES)
def test_every_sample_is_recognised(name, mime):
    assert sniff((MEDIA / name).read_bytes()) == mime


@pytest.mark.parametrize(("name", "mime"), SAMPLES)
def test_the_first_bytes_are_enough(name, mime):
    assert sniff((MEDIA / name).read_bytes()[:SNIFF_BYTES]) == mime


@pytest.mark.parametrize(("name", "mime"), SAMPLES)
def test_every_sniffed_type_is_documented_for_some_kind(name, mime):
    assert mime in KNOWN_TYPES


def test_a_text_file_named_png_is_not_recognised():
    assert sniff((MEDIA / "spoofed.png").read_bytes()) is None


def test_documented_kinds_and_limits():
    assert KIND_TYPES["image"] == ("image/jpeg", "image/png", "image/webp")
    assert KIND_TYPES["video"] == ("video/mp4", "video/quicktime", "video/webm")
    assert set(KIND_TYPES["audio"]) == {
        "audio/mpeg",
        "audio/mp4",
        "audio/wav",
        "audio/x-wav",
        "audio/aac",
        "audio/ogg",
    }
    assert KIND_LIMIT_MB == {"image": 10, "video": 50, "audio": 10}


@pytest.mark.parametrize("kind", [None, "image", "video"])
def test_generic_ftyp_brand_is_video_mp4(kind):
    assert sniff(ftyp(b"isom"), kind) == "video/mp4"


def test_generic_ftyp_brand_uploaded_as_audio_is_audio_mp4():
    assert sniff(ftyp(b"mp42"), "audio") == "audio/mp4"


@pytest.mark.parametrize("brand", [b"M4A ", b"M4B ", b"M4P "])
@pytest.mark.parametrize("kind", [None, "video", "audio"])
def test_audio_ftyp_brands_are_audio_mp4_whatever_the_kind(brand, kind):
    assert sniff(ftyp(brand), kind) == "audio/mp4"


@pytest.mark.parametrize("kind", [None, "video", "audio"])
def test_quicktime_brand_is_quicktime_whatever_the_kind(kind):
    assert sniff(ftyp(b"qt  "), kind) == "video/quicktime"


def test_ftyp_must_sit_at_offset_four():
    assert sniff(b"\0\0\0\0" + ftyp(b"isom")) is None


def test_id3_tag_means_mp3():
    tag = b"ID3\x04\x00\x00\x00\x00\x00\x00"
    assert sniff(tag + (MEDIA / "sample.mp3").read_bytes()) == "audio/mpeg"


@pytest.mark.parametrize(
    "header",
    [
        b"\xff\xfb\x90\x64",  # MPEG-1 Layer III, 128 kbit/s, 44.1 kHz
        b"\xff\xf3\x48\xc4",  # MPEG-2 Layer III, 24 kHz
        b"\xff\xe3\x18\xc4",  # MPEG-2.5 Layer III, 8 kHz
        b"\xff\xfd\x90\x64",  # MPEG-1 Layer II
    ],
)
def test_mpeg_frame_sync_means_mp3(header):
    assert sniff(header + bytes(60)) == "audio/mpeg"


@pytest.mark.parametrize("second_byte", [0xF1, 0xF9])
def test_adts_sync_means_aac_not_mp3(second_byte):
    assert sniff(bytes([0xFF, second_byte, 0x6C, 0x40]) + bytes(60)) == "audio/aac"


@pytest.mark.parametrize(
    "header",
    [
        b"\xff\xfb\xf0\x64",  # bitrate index 15 is reserved
        b"\xff\xfb\x9c\x64",  # sampling-rate index 3 is reserved
        b"\xff\xeb\x90\x64",  # version 01 is reserved
        b"\xff\xf0\x90\x64",  # layer 00 outside ADTS 0xFFF1/0xFFF9
        b"\xff\xd0\x90\x64",  # only 10 sync bits
    ],
)
def test_reserved_mpeg_header_values_are_not_mp3(header):
    assert sniff(header + bytes(60)) is None


def test_riff_needs_a_known_form_type():
    assert sniff(b"RIFF\x24\x00\x00\x00AVI LIST") is None


@pytest.mark.parametrize(
    "data", [b"", b"\x89PNG", b"\xff", b"\xff\xfb", b"RIFF", b"RIFF\0\0\0\0WEB", b"\0\0\0\x14ftyp"]
)
def test_short_input_is_not_recognised(data):
    assert sniff(data) is None


@given(data=st.binary(max_size=200), kind=st.sampled_from([None, "image", "video", "audio"]))
def test_arbitrary_bytes_never_raise_and_give_a_documented_type_or_none(data, kind):
    result = sniff(data, kind)
    assert result is None or result in KNOWN_TYPES


@given(tail=st.binary(max_size=100))
def test_bytes_past_the_signature_window_do_not_matter(tail):
    data = (MEDIA / "sample.png").read_bytes()[:SNIFF_BYTES]
    assert sniff(data + tail) == "image/png"
