"""The streaming multipart reader reports what arrived and refuses bad or oversize forms early."""

import asyncio
import tracemalloc
from collections.abc import AsyncIterator, Iterable

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.errors import ValidationFailed
from mockserver.multipart import UploadedForm, read_form

BOUNDARY = "test-boundary-7MA4YWxkTrZu0gW"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"
LIMIT = 1000


def encode(data=None, files=None) -> tuple[str, bytes]:
    """The Content-Type and body httpx would send for this form."""
    request = httpx.Request("POST", "http://x", data=data, files=files)
    return request.headers["content-type"], request.read()


def part(disposition: str, content: bytes = b"", *headers: str) -> bytes:
    lines = "".join(f"{h}\r\n" for h in (f"Content-Disposition: {disposition}", *headers))
    return f"--{BOUNDARY}\r\n{lines}\r\n".encode() + content + b"\r\n"


def body(*parts: bytes) -> bytes:
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def text_form(**fields: str) -> bytes:
    # httpx sends a form without files urlencoded, so text-only forms are built by hand.
    return body(
        *(part(f'form-data; name="{name}"', value.encode()) for name, value in fields.items())
    )


async def chunked(data: bytes, cuts: Iterable[int] = ()) -> AsyncIterator[bytes]:
    start = 0
    for end in [*sorted(set(cuts)), len(data)]:
        yield data[start:end]
        start = end


def read(content_type, data: bytes, cuts: Iterable[int] = (), **options) -> UploadedForm:
    options.setdefault("max_file_bytes", LIMIT)
    return asyncio.run(read_form(content_type, chunked(data, cuts), **options))


def refusal(content_type, data: bytes, **options) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as info:
        read(content_type, data, **options)
    return info.value


def test_text_fields_and_file_are_reported():
    form = read(
        *encode(
            data={"kind": "image", "model": "gpt-image-2", "client_request_id": "req-1"},
            files={"file": ("photo.png", b"\x89PNG data", "image/png")},
        )
    )
    assert (form.fields, form.filename, form.file_bytes) == (
        {"kind": "image", "model": "gpt-image-2", "client_request_id": "req-1"},
        "photo.png",
        b"\x89PNG data",
    )


def test_a_form_without_a_file_reports_none():
    form = read(CONTENT_TYPE, body(part('form-data; name="kind"', b"image")))
    assert form.file_bytes is None and form.filename is None


def test_an_empty_form_reports_nothing():
    assert read(CONTENT_TYPE, body()) == UploadedForm()


def test_parts_may_come_in_any_order():
    data = body(
        part('form-data; name="file"; filename="a.png"', b"png"),
        part('form-data; name="kind"', b"image"),
    )
    form = read(CONTENT_TYPE, data)
    assert form.fields == {"kind": "image"} and form.file_bytes == b"png"


def test_an_empty_file_is_reported_as_empty():
    form = read(*encode(files={"file": ("a.png", b"")}))
    assert form.file_bytes == b"" and form.filename == "a.png"


def test_a_file_part_without_filename_is_still_the_file():
    form = read(CONTENT_TYPE, body(part('form-data; name="file"', b"raw bytes")))
    assert form.file_bytes == b"raw bytes" and form.filename is None
    assert form.fields == {}


def test_an_empty_filename_is_kept_empty():
    form = read(CONTENT_TYPE, body(part('form-data; name="file"; filename=""', b"x")))
    assert form.filename == ""


@pytest.mark.parametrize(
    "filename", ["../secret dir/photo.png", "C:\\Users\\me\\photo.png", "фото €.png", "a;b=c.png"]
)
def test_filename_is_kept_as_sent(filename):
    form = read(*encode(files={"file": (filename, b"x")}))
    assert form.filename == filename


def test_percent_escapes_in_filename_are_not_decoded():
    # httpx, like browsers, sends a quote as %22; the server cannot tell it from a literal %22.
    form = read(*encode(files={"file": ('say "hi".png', b"x")}))
    assert form.filename == "say %22hi%22.png"


def test_extended_filename_wins_over_plain_filename():
    disposition = 'form-data; name="file"; filename="EUR.png"; filename*=UTF-8\'\'%E2%82%AC.png'
    form = read(CONTENT_TYPE, body(part(disposition, b"x")))
    assert form.filename == "€.png"


def test_unquoted_parameters_are_read():
    form = read(CONTENT_TYPE, body(part("form-data; name=kind", b"audio")))
    assert form.fields == {"kind": "audio"}


@given(
    content=st.binary(max_size=1500),
    kind=st.text(max_size=50),
    cuts=st.lists(st.integers(min_value=0, max_value=2500), max_size=30),
)
@settings(deadline=None, max_examples=60)
def test_chunk_boundaries_do_not_change_the_form(content, kind, cuts):
    # The boundary text inside the content must be kept as data, wherever the chunks split it.
    content = content + f"\r\n--{BOUNDARY}".encode()[: len(content) % 30]
    content_type, data = encode(data={"kind": kind}, files={"file": ("f.bin", content)})
    form = read(content_type, data, [c for c in cuts if c < len(data)], max_file_bytes=10_000)
    assert form.fields == {"kind": kind}
    assert form.file_bytes == content


@pytest.mark.parametrize("chunk", [1, 7, 4096])
def test_a_file_of_exactly_the_limit_is_accepted(chunk):
    content_type, data = encode(data={"kind": "image"}, files={"file": ("a.bin", b"x" * LIMIT)})
    form = read(content_type, data, range(chunk, len(data), chunk))
    assert len(form.file_bytes) == LIMIT


@pytest.mark.parametrize("chunk", [1, 7, 4096])
def test_a_file_one_byte_over_the_limit_is_refused(chunk):
    content_type, data = encode(files={"file": ("a.bin", b"x" * (LIMIT + 1))})
    with pytest.raises(ValidationFailed) as info:
        read(content_type, data, range(chunk, len(data), chunk))
    assert info.value.message == f"file: must be at most {LIMIT} bytes"
    assert info.value.status == 400
    assert info.value.headers == {"Connection": "close"}


def test_text_fields_do_not_count_against_the_file_limit():
    content_type, data = encode(data={"model": "m" * 900}, files={"file": ("a.bin", b"x" * LIMIT)})
    assert len(read(content_type, data).file_bytes) == LIMIT


def test_a_huge_streamed_upload_is_refused_early_in_little_memory():
    limit = 5_000_000
    chunk = bytes(64 * 1024)
    head = part('form-data; name="file"; filename="big.bin"')[:-2]  # the content follows
    sent = 0

    async def upload() -> AsyncIterator[bytes]:
        nonlocal sent
        yield head
        for _ in range(200_000_000 // len(chunk)):  # 200 MB, produced lazily
            sent += len(chunk)
            yield chunk
        yield f"\r\n--{BOUNDARY}--\r\n".encode()

    tracemalloc.start()
    try:
        with pytest.raises(ValidationFailed) as info:
            asyncio.run(read_form(CONTENT_TYPE, upload(), max_file_bytes=limit))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.headers == {"Connection": "close"}
    assert sent <= limit + len(chunk)
    assert peak < limit * 1.25 + 1_000_000


def test_an_accepted_file_is_held_only_once():
    size, chunk = 5_000_000, bytes(50_000)

    async def upload() -> AsyncIterator[bytes]:
        yield part('form-data; name="file"; filename="big.bin"')[:-2]
        for _ in range(size // len(chunk)):
            yield chunk
        yield f"\r\n--{BOUNDARY}--\r\n".encode()

    async def measure() -> tuple[int, int]:
        # Measured inside the loop: asyncio.run would repr a large bytes result (Python 3.11).
        tracemalloc.start()
        try:
            form = await read_form(CONTENT_TYPE, upload(), max_file_bytes=size)
            return len(form.file_bytes), tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    received, peak = asyncio.run(measure())
    assert received == size
    assert peak < size * 1.25 + 1_000_000


def test_reading_stops_at_the_closing_boundary():
    async def stream() -> AsyncIterator[bytes]:
        yield body(part('form-data; name="kind"', b"image"))
        raise AssertionError("the epilogue was read")

    form = asyncio.run(read_form(CONTENT_TYPE, stream(), max_file_bytes=LIMIT))
    assert form.fields == {"kind": "image"}


@pytest.mark.parametrize(
    "content_type",
    [None, "", "application/json", "text/plain; boundary=x", "multipart/mixed; boundary=x"],
)
def test_a_non_multipart_content_type_is_refused(content_type):
    assert refusal(content_type, body()).message == "Content-Type: must be multipart/form-data"


@pytest.mark.parametrize(
    "content_type",
    ["multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; charset=utf-8"],
)
def test_a_missing_boundary_is_refused(content_type):
    assert "boundary" in refusal(content_type, body()).message


def test_an_overlong_boundary_is_refused():
    assert "boundary" in refusal("multipart/form-data; boundary=" + "b" * 300, body()).message


def test_the_content_type_is_case_insensitive():
    form = read(
        f"Multipart/Form-Data; boundary={BOUNDARY}", body(part('form-data; name="kind"', b"video"))
    )
    assert form.fields == {"kind": "video"}


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not multipart at all",
        b"--wrong-boundary\r\n\r\n",
        part('form-data; name="kind"', b"image"),  # no closing boundary
        body(part('form-data; name="file"; filename="a"', b"x"))[:-20],  # cut mid-stream
        f"--{BOUNDARY}\r\nBad Header Name: x\r\n\r\nx\r\n--{BOUNDARY}--\r\n".encode(),
    ],
    ids=["empty", "garbage", "wrong-boundary", "unterminated", "truncated", "bad-header"],
)
def test_a_malformed_body_is_refused(data):
    assert refusal(CONTENT_TYPE, data).message.startswith("The multipart body is malformed")


@pytest.mark.parametrize(
    "disposition",
    [
        "",
        'attachment; name="kind"',
        "form-data",
        'form-data; filename="a.png"',
        'form-data; name="kind',
        "form-data; name",
    ],
    ids=["empty", "not-form-data", "no-name", "filename-only", "unclosed-quote", "no-value"],
)
def test_a_bad_content_disposition_is_refused(disposition):
    assert refusal(CONTENT_TYPE, body(part(disposition, b"x"))).message.startswith(
        "The multipart body is malformed"
    )


def test_a_part_without_content_disposition_is_refused():
    data = f"--{BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nx\r\n--{BOUNDARY}--\r\n".encode()
    assert "Content-Disposition" in refusal(CONTENT_TYPE, data).message


def test_an_unknown_field_is_refused_by_name():
    message = refusal(CONTENT_TYPE, text_form(kind="image", colour="red")).message
    assert message.startswith("colour: unknown field")


def test_a_long_unknown_field_name_is_shortened_in_the_message():
    message = refusal(CONTENT_TYPE, text_form(**{"x" * 1000: "1"})).message
    assert len(message) < 200


@pytest.mark.parametrize("field", ["kind", "model", "client_request_id"])
def test_a_repeated_text_field_is_refused(field):
    data = body(part(f'form-data; name="{field}"', b"a"), part(f'form-data; name="{field}"', b"b"))
    assert refusal(CONTENT_TYPE, data).message == f"{field}: must be sent only once"


def test_two_file_parts_are_refused():
    content_type, data = encode(files=[("file", ("a.png", b"a")), ("file", ("b.png", b"b"))])
    assert refusal(content_type, data).message == "file: must be sent only once"


def test_a_text_field_sent_as_a_file_is_refused():
    content_type, data = encode(files={"kind": ("kind.txt", b"image"), "file": ("a.png", b"x")})
    assert refusal(content_type, data).message == "kind: must be a text field, not a file"


def test_an_overlong_text_field_is_refused():
    data = text_form(model="m" * 101)
    assert (
        refusal(CONTENT_TYPE, data, max_field_bytes=100).message
        == "model: must be at most 100 bytes"
    )


def test_a_text_field_of_exactly_the_limit_is_accepted():
    data = text_form(model="m" * 100)
    assert read(CONTENT_TYPE, data, max_field_bytes=100).fields == {"model": "m" * 100}


def test_a_text_field_that_is_not_utf8_is_refused():
    data = body(part('form-data; name="kind"', b"\xff\xfeimage"))
    assert refusal(CONTENT_TYPE, data).message == "kind: must be valid UTF-8"


def test_a_repeated_part_header_is_refused():
    data = body(
        part('form-data; name="kind"', b"image", 'Content-Disposition: form-data; name="model"')
    )
    assert refusal(CONTENT_TYPE, data).message.startswith("The multipart body is malformed")


def test_a_bad_extended_filename_is_refused():
    data = body(part("form-data; name=\"file\"; filename*=UTF-8''%FF.png", b"x"))
    assert refusal(CONTENT_TYPE, data).message.startswith("file: filename*")


def test_only_the_allowed_fields_are_accepted():
    form = read(CONTENT_TYPE, text_form(prompt="hi"), allowed_fields=frozenset({"prompt"}))
    assert form.fields == {"prompt": "hi"}
