"""Free checks: the Files API stores what it is given and refuses what the docs forbid."""

from __future__ import annotations

import pytest

from .checks import body_of, file_fields, finding, is_error, is_success
from .media import (
    OVERSIZE_AUDIO_BYTES,
    OVERSIZE_VIDEO_BYTES,
    VIDEO_OVER_THE_IMAGE_LIMIT_BYTES,
    mp3_of_size,
    mp4_of_size,
    oversize_png,
    text_posing_as_png,
    tiny_png,
)
from .target import Target


def _upload(
    target: Target,
    content: bytes,
    kind: str = "image",
    name: str = "contract-kit.png",
    declared: str = "image/png",
    key: str | None = None,
):
    return target.api.upload_file(
        key or target.keys.main, file=(name, content, declared), fields={"kind": kind}
    )


@pytest.fixture(scope="module")
def uploaded(target: Target) -> dict:
    response = _upload(target, tiny_png())
    is_success(response)
    return file_fields(body_of(response), "id")


def test_small_png_upload_is_stored_as_sniffed(target: Target, uploaded: dict) -> None:
    expected = {"kind": "image", "mime_type": "image/png", "size_bytes": len(tiny_png())}
    file_fields(uploaded, *expected)
    wrong = {k: uploaded[k] for k, v in expected.items() if uploaded[k] != v}
    assert not wrong, f"uploaded file should have {expected}, got {wrong}"


def test_owner_reads_the_file_back(target: Target, uploaded: dict) -> None:
    response = target.api.get_file(uploaded["id"], target.keys.main)
    is_success(response)
    read = body_of(response)
    # The URL may be re-signed on each read (a CDN's way); every other field stays.
    changed = {k: read.get(k) for k, v in uploaded.items() if k != "url" and read.get(k) != v}
    assert not changed, finding(f"GET /files/{{id}} differs from the upload: {changed}", response)


def test_other_account_cannot_see_the_file(target: Target, uploaded: dict, second_key: str) -> None:
    is_error(target.api.get_file(uploaded["id"], second_key), "not_found", 404)


def test_oversize_image_is_refused(target: Target) -> None:
    is_error(_upload(target, oversize_png()), "validation_failed", 400)


def test_spoofed_png_is_refused(target: Target) -> None:
    is_error(_upload(target, text_posing_as_png()), "validation_failed", 400)


def test_declared_part_type_does_not_matter(target: Target) -> None:
    # The type is decided by the file's signature bytes, never by its declared type (spec §9).
    response = _upload(target, tiny_png(), name="picture.txt", declared="text/plain")
    is_success(response)
    stored = body_of(response)
    if isinstance(stored, dict) and "mime_type" in stored:
        assert stored["mime_type"] == "image/png", finding(
            "stored as declared, not sniffed", response
        )


def test_oversize_audio_is_refused(target: Target) -> None:
    content = mp3_of_size(OVERSIZE_AUDIO_BYTES)
    response = _upload(target, content, kind="audio", name="long.mp3", declared="audio/mpeg")
    is_error(response, "validation_failed", 400)


def test_oversize_video_is_refused(target: Target) -> None:
    content = mp4_of_size(OVERSIZE_VIDEO_BYTES)
    response = _upload(target, content, kind="video", name="long.mp4", declared="video/mp4")
    is_error(response, "validation_failed", 400)


def test_video_over_the_image_limit_is_accepted(target: Target) -> None:
    # Each kind has its own limit: video's is 50 MB, not the image and audio 10 MB.
    content = mp4_of_size(VIDEO_OVER_THE_IMAGE_LIMIT_BYTES)
    response = _upload(target, content, kind="video", name="clip.mp4", declared="video/mp4")
    is_success(response)


def test_png_uploaded_as_video_is_refused(target: Target) -> None:
    is_error(
        _upload(target, tiny_png(), kind="video", name="clip.mp4", declared="video/mp4"),
        "validation_failed",
        400,
    )


def test_upload_without_kind_is_refused(target: Target) -> None:
    response = target.api.upload_file(
        target.keys.main, file=("a.png", tiny_png(), "image/png"), fields={}
    )
    is_error(response, "validation_failed", 400)


def test_upload_without_file_is_refused(target: Target) -> None:
    is_error(
        target.api.upload_file(target.keys.main, file=None, fields={"kind": "image"}),
        "validation_failed",
        400,
    )
