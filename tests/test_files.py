"""The Files API (spec §9): uploads, limits, sniffing, names, ownership, replays and the CDN."""

import pytest
from support import FIXTURES, KEY, OTHER_KEY, auth, is_error

MEDIA = FIXTURES / "media"
PNG = (MEDIA / "sample.png").read_bytes()
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def upload(client, data=PNG, kind="image", name="ref.png", key=KEY, headers=None, **fields):
    files = {"file": (name, data, "application/octet-stream")}
    return client.post(
        "/api/v1/files",
        files=files,
        data={"kind": kind} | fields,
        headers=auth(key) | (headers or {}),
    )


def rejected(response, text=""):
    return (
        is_error(response, "validation_failed", 400) and text in response.json()["error"]["message"]
    )


@pytest.mark.parametrize(
    ("sample", "kind", "mime"),
    [
        ("sample.png", "image", "image/png"),
        ("sample.jpg", "image", "image/jpeg"),
        ("sample.webp", "image", "image/webp"),
        ("sample.mp4", "video", "video/mp4"),
        ("sample.mov", "video", "video/quicktime"),
        ("sample.webm", "video", "video/webm"),
        ("sample.mp3", "audio", "audio/mpeg"),
        ("sample.aac", "audio", "audio/aac"),
        ("sample.wav", "audio", "audio/wav"),
        ("sample.ogg", "audio", "audio/ogg"),
        ("sample.m4a", "audio", "audio/mp4"),
        ("sample.mp4", "audio", "audio/mp4"),
    ],
)
def test_every_recognised_type_is_accepted_with_its_detected_type(client, sample, kind, mime):
    response = upload(client, (MEDIA / sample).read_bytes(), kind, name=sample)
    assert response.status_code == 201, response.text
    assert response.json()["mime_type"] == mime
    assert response.json()["kind"] == kind


def test_the_declared_content_type_and_name_do_not_decide_the_type(client):
    files = {"file": ("photo.jpg", (MEDIA / "sample.webp").read_bytes(), "image/jpeg")}
    response = client.post("/api/v1/files", files=files, data={"kind": "image"}, headers=auth())
    assert response.json()["mime_type"] == "image/webp"


def test_spoofed_file_is_rejected(client):
    assert rejected(upload(client, (MEDIA / "spoofed.png").read_bytes()), "file:")


@pytest.mark.parametrize(
    ("sample", "kind"),
    [
        ("sample.png", "video"),
        ("sample.wav", "image"),
        ("sample.mp3", "video"),
        ("sample.webm", "audio"),
    ],
)
def test_type_not_allowed_for_the_kind_is_rejected(client, sample, kind):
    assert rejected(upload(client, (MEDIA / sample).read_bytes(), kind))


def test_file_object_has_the_documented_fields(client):
    body = upload(client).json()
    assert set(body) == {
        "id",
        "url",
        "kind",
        "name",
        "mime_type",
        "size_bytes",
        "duration_seconds",
        "duration_token",
        "created_at",
    }
    assert body["url"] == f"http://testserver/cdn/files/{body['id']}/ref.png"
    assert body["size_bytes"] == len(PNG)
    assert body["duration_seconds"] is None and body["duration_token"] is None


@pytest.mark.parametrize(
    ("sample", "kind", "seconds"),
    [("sample.wav", "audio", 1.0), ("sample.mp4", "video", 2.5), ("sample.mov", "video", 3.0)],
)
def test_durations_are_read_and_signed_for_video_and_audio(client, sample, kind, seconds):
    body = upload(client, (MEDIA / sample).read_bytes(), kind).json()
    assert body["duration_seconds"] == seconds
    assert isinstance(body["duration_token"], str) and body["duration_token"]


def test_audio_without_a_readable_duration_still_gets_a_token(client):
    body = upload(client, (MEDIA / "sample.mp3").read_bytes(), "audio").json()
    assert body["duration_seconds"] is None and body["duration_token"]


def padded_png(size: int) -> bytes:
    return PNG_MAGIC + b"\x00" * (size - len(PNG_MAGIC))


def test_image_of_exactly_ten_megabytes_is_accepted(client):
    assert upload(client, padded_png(10_000_000)).status_code == 201


def test_image_one_byte_over_ten_megabytes_is_rejected_and_closes(client):
    response = upload(client, padded_png(10_000_001))
    assert rejected(response, "file: must be at most 10000000 bytes")
    assert response.headers["connection"] == "close"


def test_megabyte_knob_sets_the_unit(make_client):
    client = make_client(megabyte=1000)
    assert upload(client, padded_png(10_000)).status_code == 201
    assert rejected(upload(client, padded_png(10_001)))


def test_model_limit_applies_when_a_model_is_given(make_client):
    client = make_client(megabyte=1000)
    assert upload(client, padded_png(30_000), model="nano-banana-2").status_code == 201
    assert rejected(upload(client, padded_png(30_001), model="nano-banana-2"))
    assert rejected(upload(client, padded_png(10_001), model="gpt-image-2"))


def upload_in_order(client, *parts: tuple[str, bytes]):
    """Upload a form whose parts come in the given order (`file` is sent as a file part)."""
    body = b""
    for name, value in parts:
        filename = b'; filename="a.png"' if name == "file" else b""
        disposition = b'Content-Disposition: form-data; name="%s"%s' % (name.encode(), filename)
        body += b"--b\r\n" + disposition + b"\r\n\r\n" + value + b"\r\n"
    return client.post(
        "/api/v1/files",
        content=body + b"--b--\r\n",
        headers=auth() | {"content-type": "multipart/form-data; boundary=b"},
    )


def test_limit_is_exact_even_when_the_file_comes_before_kind(make_client):
    client = make_client(megabyte=1000)
    response = upload_in_order(client, ("file", padded_png(10_001)), ("kind", b"image"))
    assert rejected(response, "at most 10000 bytes")


def test_a_model_sent_after_the_file_sets_the_limit(client):
    parts = [("kind", b"image"), ("file", padded_png(15_000_000)), ("model", b"nano-banana-2")]
    response = upload_in_order(client, *parts)
    assert response.status_code == 201, response.text
    assert response.json()["size_bytes"] == 15_000_000


def test_a_model_sent_after_the_file_still_holds_it_to_that_models_limit(client):
    parts = [("kind", b"image"), ("file", padded_png(15_000_000)), ("model", b"gpt-image-2")]
    response = upload_in_order(client, *parts)
    assert rejected(response, "file: must be at most 10000000 bytes")
    assert response.headers["connection"] == "close"


def test_without_a_model_the_file_after_kind_is_held_to_the_kinds_limit(client):
    response = upload_in_order(client, ("kind", b"image"), ("file", padded_png(15_000_000)))
    assert rejected(response, "file: must be at most 10000000 bytes")
    assert response.headers["connection"] == "close"


@pytest.mark.parametrize(
    ("model", "text"), [("z-image", "does not take image"), ("nope", "model:")]
)
def test_a_model_that_takes_no_such_files_is_rejected(client, model, text):
    assert rejected(upload(client, model=model), text)


def test_video_limit_is_fifty_megabytes(make_client):
    client = make_client(megabyte=1000)
    mp4 = (MEDIA / "sample.mp4").read_bytes()
    assert upload(client, mp4 + b"\x00" * (50_000 - len(mp4)), "video").status_code == 201
    assert rejected(upload(client, mp4 + b"\x00" * (50_001 - len(mp4)), "video"))


def test_empty_file_is_rejected(client):
    assert rejected(upload(client, b""), "file: must not be empty")


def test_missing_file_is_rejected(client):
    body = b'--b\r\nContent-Disposition: form-data; name="kind"\r\n\r\nimage\r\n--b--\r\n'
    response = client.post(
        "/api/v1/files",
        content=body,
        headers=auth() | {"content-type": "multipart/form-data; boundary=b"},
    )
    assert rejected(response, "file: is required")


def test_missing_kind_is_rejected(client):
    files = {"file": ("a.png", PNG, "image/png")}
    assert rejected(client.post("/api/v1/files", files=files, headers=auth()), "kind: is required")


def test_unknown_kind_is_rejected(client):
    assert rejected(upload(client, kind="document"), "kind:")


def test_unknown_field_is_rejected(client):
    assert rejected(upload(client, purpose="x"))


def test_repeated_field_is_rejected(client):
    files = [("file", ("a.png", PNG, "image/png"))]
    response = client.post(
        "/api/v1/files", files=files, data={"kind": ["image", "image"]}, headers=auth()
    )
    assert rejected(response, "kind")


def test_two_files_are_rejected(client):
    files = [("file", ("a.png", PNG, "image/png")), ("file", ("b.png", PNG, "image/png"))]
    response = client.post("/api/v1/files", files=files, data={"kind": "image"}, headers=auth())
    assert rejected(response, "file")


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "multipart/form-data"])
def test_non_multipart_body_is_rejected(client, content_type):
    response = client.post(
        "/api/v1/files",
        content=b'{"kind":"image"}',
        headers=auth() | {"content-type": content_type},
    )
    assert rejected(response)


def test_client_request_id_over_128_characters_is_rejected(client):
    assert rejected(upload(client, client_request_id="c" * 129), "client_request_id")
    assert upload(client, client_request_id="c" * 128).status_code == 201


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("../../etc/passwd.png", "passwd.png"),
        ("C:\\Users\\me\\photo.png", "photo.png"),
        ("", "upload"),
        ("dir/", "upload"),
        (".", "upload"),
        ("..", "upload"),
        ("a/..", "upload"),
        ("...", "..."),
    ],
)
def test_name_is_the_filename_without_any_path(client, raw, name):
    assert upload(client, name=raw).json()["name"] == name


@pytest.mark.parametrize("raw", [".", ".."])
def test_a_dot_filename_gives_a_url_that_serves_the_file(client, raw):
    response = client.get(upload(client, name=raw).json()["url"])
    assert response.status_code == 200 and response.content == PNG


def test_name_over_255_characters_is_rejected(client):
    assert rejected(upload(client, name="n" * 252 + ".png"), "file:")
    assert upload(client, name="n" * 251 + ".png").status_code == 201


def test_file_is_served_back_at_its_url_with_the_detected_type(client):
    body = upload(client, name="my photo é.png").json()
    assert body["url"].endswith("/my%20photo%20%C3%A9.png")
    response = client.get(body["url"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content == PNG


def test_another_name_under_the_same_id_is_not_found(client):
    body = upload(client).json()
    assert client.get(f"/cdn/files/{body['id']}/other.png").status_code == 404


def test_owner_can_read_the_file_object(client):
    body = upload(client).json()
    assert client.get(f"/api/v1/files/{body['id']}", headers=auth()).json() == body


def test_another_account_cannot_read_the_file(client):
    body = upload(client).json()
    assert is_error(
        client.get(f"/api/v1/files/{body['id']}", headers=auth(OTHER_KEY)), "not_found", 404
    )


def test_unknown_file_is_not_found(client):
    assert is_error(client.get("/api/v1/files/file_nope", headers=auth()), "not_found", 404)


def test_same_upload_with_the_same_key_is_replayed(client):
    first = upload(client, headers={"Idempotency-Key": "u1"})
    second = upload(client, headers={"Idempotency-Key": "u1"})
    assert second.status_code == 201 and second.content == first.content
    assert len(client.app.state.backend.files) == 1


def test_different_bytes_with_the_same_key_conflict(client):
    upload(client, headers={"Idempotency-Key": "u1"})
    response = upload(
        client, (MEDIA / "sample.jpg").read_bytes(), headers={"Idempotency-Key": "u1"}
    )
    assert is_error(response, "idempotency_conflict", 409)


def test_a_different_filename_with_the_same_key_conflicts(client):
    upload(client, headers={"Idempotency-Key": "u1"})
    assert upload(client, name="b.png", headers={"Idempotency-Key": "u1"}).status_code == 409


def test_upload_needs_files_create_scope(make_client):
    from mockserver import AccountSpec

    client = make_client(accounts=(AccountSpec("rvya_sk_reader_only", scopes=("files:read",)),))
    assert is_error(upload(client, key="rvya_sk_reader_only"), "api_scope_denied", 403)


def test_file_create_status_is_a_knob(make_client):
    assert upload(make_client(file_create_status=200)).status_code == 200
