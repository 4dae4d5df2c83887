"""Defects found by black-box testing the served fake over real sockets (spec §1-§13, §15).

Each test names the rule it checks; each failed before its fix.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

from mockserver.mock import MockServer


@pytest.fixture(scope="module")
def served() -> Iterator[MockServer]:
    with MockServer(seed=7, clock="manual", rate_limit_per_minute=0) as server:
        yield server


def raw_exchange(url: str, request: bytes) -> tuple[int, bytes]:
    """Send bytes as they are (no client normalising headers); the status and the body."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            data += sock.recv(65536)
        head, _, body = data.partition(b"\r\n\r\n")
        length = next(
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        while len(body) < length:
            body += sock.recv(65536)
    return int(head.split(b" ", 2)[1]), body


@pytest.mark.parametrize("separator", [b"\t", b" \t ", b"  "])
def test_authorization_scheme_and_token_may_be_separated_by_any_whitespace(served, separator):
    # §4: "the scheme is case-insensitive and surrounding whitespace is ignored" (HTTP's
    # whitespace is SP and HTAB); a tab after `Bearer` was read as part of the scheme
    request = (
        b"GET /api/v1/credits HTTP/1.1\r\nHost: x\r\nAuthorization: bearer"
        + separator
        + served.api_key.encode()
        + b"\r\n\r\n"
    )
    status, body = raw_exchange(served.url, request)
    assert (status, body) == (200, b'{"current_credits":1000}')


@pytest.mark.parametrize("port", ["70000", "-1", "x"])
def test_a_port_out_of_range_exits_2_naming_it(port):
    # §13: a bad value exits with status 2 and a message naming it (was a traceback, status 1)
    done = subprocess.run(
        [sys.executable, "-m", "mockserver", "--port", port, "-q"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert "--port" in done.stderr
    assert "Traceback" not in done.stderr


def _uploaded_png(served: MockServer) -> dict:
    client = served.client()
    png = b"\x89PNG\r\n\x1a\n" + bytes(100)
    response = client.post("/api/v1/files", files={"file": ("a.png", png)}, data={"kind": "image"})
    assert response.status_code == 201
    return response.json()


@pytest.mark.parametrize(
    "make_url",
    [
        lambda url: url[url.index("/cdn/") :],  # relative: no scheme, no host
        lambda url: "ftp://files.example" + url[url.index("/cdn/") :],
        lambda url: "//files.example" + url[url.index("/cdn/") :],
    ],
    ids=["relative", "ftp", "scheme-relative"],
)
def test_a_reference_url_must_be_an_absolute_http_url(served, make_url):
    # §5: with reference_urls=uploaded the URL points at an uploaded file "whatever the host":
    # a URL with no host (or not http/https) is no URL the real API could fetch (§1.1)
    uploaded = _uploaded_png(served)
    body = {
        "model": "gpt-image-2",
        "prompt": "a lighthouse",
        "params": {"referenceMediaItems": [{"url": make_url(uploaded["url"]), "kind": "image"}]},
    }
    response = served.client().post("/api/v1/generations", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("params.referenceMediaItems[0].url:")


def test_a_reference_url_on_another_host_still_names_the_upload(served):
    uploaded = _uploaded_png(served)
    url = "https://elsewhere.example" + uploaded["url"][uploaded["url"].index("/cdn/") :]
    body = {
        "model": "gpt-image-2",
        "prompt": "a lighthouse",
        "params": {"referenceMediaItems": [{"url": url, "kind": "image"}]},
    }
    assert served.client().post("/api/v1/generations", json=body).status_code == 202


@pytest.mark.parametrize(
    "body",
    [b'{"model":"z-image","prompt":"\\ud800x"}', b'{"model":"z-image","prompt":"x","\\udc00":1}'],
    ids=["in-a-value", "in-a-key"],
)
def test_a_lone_surrogate_body_leaves_the_request_log_readable(body):
    # §15: malformed input leaves no lasting memory behind, and nothing answers 500: the log
    # kept the body's JSON with the lone surrogate, and every later /_mock/requests was a 500
    with MockServer(rate_limit_per_minute=0) as server:
        client = server.client()
        headers = {"Content-Type": "application/json"}
        response = client.post("/api/v1/generations", content=body, headers=headers)
        assert response.status_code == 400
        log = client.get("/_mock/requests")
        assert log.status_code == 200
        (entry,) = log.json()
        assert entry["error_code"] == "validation_failed"
        assert entry["body"]["bytes"] == len(body)


@pytest.mark.parametrize(
    "body",
    [
        b'{"outcome":"failed","prompt_contains":"\\ud800"}',
        b'{"outcome":"failed","outcome":"succeeded"}',
        b'{"outcome":"failed","processing_seconds":NaN}',
    ],
    ids=["lone-surrogate", "duplicate-key", "nan"],
)
def test_control_bodies_are_parsed_as_strictly_as_public_ones(body):
    # §15: malformed input of any kind gets a clear error and leaves nothing behind; a lone
    # surrogate in a control body was a 500 (and kept in the forced outcomes)
    with MockServer() as server:
        client = server.client()
        headers = {"Content-Type": "application/json"}
        response = client.post("/_mock/outcomes", content=body, headers=headers)
        assert response.status_code == 400
        assert set(response.json()) == {"error"}
        assert response.json()["error"]["code"] == "validation_failed"
        assert client.get("/_mock/outcomes").status_code == 200


@pytest.mark.parametrize(
    ("accounts", "named"),
    [
        ([{"key": "rvya_sk_x"}], "accounts[0].key"),
        ([{"key": "rvya_sk_has space"}], "accounts[0].key"),
        ([{"key": "rvya_sk_same_key_1"}, {"key": "rvya_sk_same_key_1"}], "accounts[1].key"),
    ],
    ids=["too-short", "not-the-key-alphabet", "duplicate"],
)
def test_a_profile_key_that_could_never_be_sent_or_is_repeated_exits_2(tmp_path, accounts, named):
    # §3/§13: a malformed key is api_key_invalid, so a profile holding one (or holding a key
    # twice, for two accounts) is a bad value: exit 2 naming it (both used to start)
    profile = tmp_path / "profile.json"
    profile.write_text(json.dumps({"accounts": accounts}))
    done = subprocess.run(
        [sys.executable, "-m", "mockserver", "--port", "0", "-q", "--profile", str(profile)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert named in done.stderr
