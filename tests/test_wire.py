"""Hostile and careless clients over a real socket (spec §4, §15): stalls, disconnects, oversized
headers, early errors read late, dropped connections, and shutdown with a stalled client."""

from __future__ import annotations

import json
import logging
import signal
import socket
import struct
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from support import KEY, auth
from wire import (
    address,
    envelope_code,
    head,
    read_answer,
    read_answers,
    served,
    start_cli,
    stop_cli,
    wait_for_exit,
)

from mockserver import Profile
from mockserver.images import png

JSON = {"Content-Type": "application/json"} | auth()


@contextmanager
def uvicorn_records() -> Iterator[list[logging.LogRecord]]:
    """What uvicorn logs meanwhile (its loggers do not propagate to pytest's caplog)."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("uvicorn.error")
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


def closed_by_server(sock: socket.socket) -> bool:
    sock.settimeout(5)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


# -- oversized headers -------------------------------------------------------------------------


def test_a_header_section_over_64_kib_is_431_in_the_envelope():
    with served() as server, socket.create_connection(address(server)) as sock:
        sock.sendall(head("GET", "/api/v1/credits", auth() | {"X-Big": "a" * 70_000}))
        status, headers, body = read_answer(sock)
        assert status == 431 and headers["connection"] == "close"
        assert envelope_code(body) == "validation_failed"
        assert body.startswith(b'{"error":{"code":"validation_failed","message":')  # as compact
        assert closed_by_server(sock)


def test_a_header_line_that_never_ends_is_refused_before_it_is_all_sent():
    with served() as server, socket.create_connection(address(server)) as sock:
        sock.sendall(b"GET /api/v1/models HTTP/1.1\r\nHost: x\r\nX-Big: ")
        for _ in range(3):  # 3 MB of one header, no end in sight
            sock.sendall(b"a" * 1_000_000)
        status, _, body = read_answer(sock)
    assert status == 431 and envelope_code(body) == "validation_failed"


def test_a_header_section_just_under_64_kib_is_served():
    with served() as server, socket.create_connection(address(server)) as sock:
        request = head("GET", "/api/v1/models", {"X-Pad": ""})
        pad = 64 * 1024 - len(request)
        sock.sendall(head("GET", "/api/v1/models", {"X-Pad": "p" * pad}))
        status, _, _ = read_answer(sock)
    assert status == 200


def test_a_big_body_after_small_headers_is_not_mistaken_for_a_big_header():
    body = b'{"model":"z-image","prompt":"' + b"x" * 200_000 + b'"}'
    with served() as server, socket.create_connection(address(server)) as sock:
        sock.sendall(
            head("POST", "/api/v1/generations", JSON | {"Content-Length": str(len(body))}) + body
        )
        status, _, answer = read_answer(sock)
    assert status == 400 and b"prompt" in answer  # too long a prompt, not a 431


def test_malformed_http_is_answered_in_the_envelope_and_not_logged():
    with (
        served() as server,
        uvicorn_records() as records,
        socket.create_connection(address(server)) as sock,
    ):
        sock.sendall(b"GET /api/v1/models HTTP/1.1\r\nHost x\r\n\r\n")
        status, _, body = read_answer(sock)
    assert status == 400 and envelope_code(body) == "validation_failed"
    assert not [r for r in records if "Invalid HTTP" in r.getMessage()]


@pytest.mark.parametrize("valid", [1, 2])
def test_malformed_http_after_pipelined_requests_is_answered_after_them(valid):
    # the valid requests and the garbage arrive in one packet: each valid request gets its
    # answer, then the garbage its 400, then the server closes
    credits = head("GET", "/api/v1/credits", auth())
    with served() as server, socket.create_connection(address(server)) as sock:
        sock.sendall(credits * valid + b"GARBAGE \x00\r\n\r\n")
        answers = read_answers(sock, valid + 1)
        assert closed_by_server(sock)
    assert [status for status, _ in answers] == [200] * valid + [400]
    assert all(b"current_credits" in body for _, body in answers[:-1])
    assert envelope_code(answers[-1][1]) == "validation_failed"


CHUNKED_CREATE = head(
    "POST",
    "/api/v1/generations",
    auth() | {"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
)


@pytest.mark.parametrize(
    ("first", "then"),
    [
        (CHUNKED_CREATE + b"zz\r\n", b""),  # a chunk size that is no number, with the headers
        (CHUNKED_CREATE + b'5\r\n{"mod\r\n', b"zz\r\n"),  # later, while the body is read
    ],
)
def test_a_malformed_chunked_body_is_answered_400_in_the_envelope_and_closed(first, then):
    with served() as server, socket.create_connection(address(server)) as sock:
        sock.sendall(first)
        if then:
            time.sleep(0.2)  # the app is waiting for the rest of the body
            sock.sendall(then)
        status, headers, body = read_answer(sock)
        assert status == 400 and envelope_code(body) == "validation_failed"
        assert headers["connection"] == "close"
        assert closed_by_server(sock)


def test_a_websocket_handshake_is_an_ordinary_request_answered_in_the_envelope():
    # the fake has no WebSocket routes: uvicorn's plain-text 403/400 must not answer instead
    handshake = {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version": "13",
    }
    with served() as server, uvicorn_records() as records:
        for path, headers, status in [
            ("/api/v1/credits", auth() | handshake, 200),
            ("/nope", handshake, 404),
            ("/api/v1/credits", handshake | {"Sec-WebSocket-Version": "99"}, 401),
        ]:
            with socket.create_connection(address(server)) as sock:
                sock.sendall(head("GET", path, headers))
                got, answer_headers, body = read_answer(sock)
            assert got == status and answer_headers["content-type"] == "application/json"
            if status != 200:
                assert envelope_code(body) in ("not_found", "api_key_missing")
    assert not [r for r in records if r.levelno >= logging.WARNING]


def test_clients_leaving_during_pipelined_downloads_leave_no_traceback(tmp_path):
    content = png(8, 8) + bytes(1_000_000)  # served from memory in one write, over the hold
    with served() as server, uvicorn_records() as records:
        with httpx.Client(base_url=server.url) as client:
            made = client.post(
                "/api/v1/files",
                headers=auth(),
                data={"kind": "image"},
                files={"file": ("m.png", content, "image/png")},
            )
        path = "/" + made.json()["url"].split("/", 3)[3]
        for linger in (False, True):
            sockets = []
            for _ in range(5):
                sock = socket.create_connection(address(server))
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                sock.sendall(head("GET", path) * 20)
                sockets.append(sock)
            time.sleep(0.5)
            for sock in sockets:
                if linger:  # a reset rather than a close
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.close()
            time.sleep(0.5)
        with httpx.Client(base_url=server.url) as client:
            assert client.get("/api/v1/models").status_code == 200  # still serving
    assert not [r for r in records if r.levelno >= logging.ERROR]


def test_pipelined_requests_are_read_ahead_only_so_far_and_all_answered():
    # 3,000 requests in one go, answers not read at first: the server parses a bounded number
    # ahead (the rest waits as bytes, reading paused), then answers every one, in order
    one = head("GET", "/api/v1/models")
    count = 3_000
    with served() as server, socket.create_connection(address(server)) as sock:
        sock.sendall(one * count)
        time.sleep(0.5)
        connections = server._server.server_state.connections
        queued = max(len(connection.pipeline) for connection in connections)
        assert queued <= 200  # PIPELINE_LIMIT, plus at most one bite's worth of requests
        answers = read_answers(sock, count)
    assert [status for status, _ in answers] == [200] * count


def test_pipelined_requests_sent_before_a_half_close_are_all_answered():
    one = head("GET", "/api/v1/credits", auth())
    with served() as server, socket.create_connection(address(server)) as sock:
        sock.sendall(one * 500)
        sock.shutdown(socket.SHUT_WR)
        answers = read_answers(sock, 500)
        assert closed_by_server(sock)
    assert [status for status, _ in answers] == [200] * 500


@pytest.mark.parametrize("after_a_body", [False, True])
def test_a_header_section_over_64_kib_is_431_behind_a_pipelined_request(after_a_body):
    big = head("GET", "/api/v1/credits", auth() | {"X-Big": "a" * 130_000})
    body = b'{"model":"gpt-image-2","prompt":"x"}'
    create = head(
        "POST",
        "/api/v1/generations",
        auth() | {"Content-Type": "application/json", "Content-Length": str(len(body))},
    )
    with served() as server, socket.create_connection(address(server)) as sock:
        if after_a_body:  # the body's last byte and the big head come in one read
            sock.sendall(create + body[:-1])
            time.sleep(0.2)
            sock.sendall(body[-1:] + big)
        else:
            sock.sendall(head("GET", "/api/v1/models") + big)
        answers = read_answers(sock, 2)
    assert [status for status, _ in answers] == [202 if after_a_body else 200, 431]


UPGRADE = {"Connection": "Upgrade, HTTP2-Settings", "Upgrade": "h2c", "HTTP2-Settings": "AAMA"}


@pytest.mark.parametrize("split", [False, True])
def test_an_upgrade_request_is_an_ordinary_one_with_its_body_and_what_follows(split):
    # `curl --http2` on http:// asks to upgrade to h2c; the fake speaks HTTP/1.1 only
    body = b'{"model":"gpt-image-2","prompt":"x"}'
    create = head(
        "POST",
        "/api/v1/generations",
        auth() | UPGRADE | {"Content-Type": "application/json", "Content-Length": str(len(body))},
    )
    then = head("GET", "/api/v1/credits", auth())
    with served() as server, socket.create_connection(address(server)) as sock:
        if split:  # the body comes after the headers, in two reads
            sock.sendall(create + body[:10])
            time.sleep(0.2)
            sock.sendall(body[10:] + then)
        else:
            sock.sendall(create + body + then)
        answers = read_answers(sock, 2)
    assert [status for status, _ in answers] == [202, 200]
    assert json.loads(answers[0][1])["status"] == "queued"


def test_an_upgrade_request_with_a_chunked_body_is_400_in_the_envelope():
    headers = auth() | UPGRADE | {"Content-Type": "application/json"}
    chunked = head("POST", "/api/v1/generations", headers | {"Transfer-Encoding": "chunked"})
    with served() as server, socket.create_connection(address(server)) as sock:
        sock.sendall(chunked + b'5\r\n{"a":\r\n0\r\n\r\n')
        status, headers_got, body = read_answer(sock)
        assert status == 400 and envelope_code(body) == "validation_failed"
        assert headers_got["connection"] == "close"


# -- stalled bodies ----------------------------------------------------------------------------


def test_a_body_silent_past_the_timeout_is_408_and_closed():
    with served(body_timeout=0.3) as server, socket.create_connection(address(server)) as sock:
        sock.sendall(head("POST", "/api/v1/generations", JSON | {"Content-Length": "100"}))
        sock.sendall(b'{"model":')
        status, headers, body = read_answer(sock)
        assert status == 408 and headers["connection"] == "close"
        assert envelope_code(body) == "validation_failed"
        assert closed_by_server(sock)
        journal = server.app.state.control.requests(status=408)
    assert [entry["rule"] for entry in journal] == ["body_timeout"]


def test_headers_that_stop_arriving_are_408_and_closed():
    with served(body_timeout=0.3) as server, socket.create_connection(address(server)) as sock:
        sock.sendall(b"GET /api/v1/models HTTP/1.1\r\nHost: x\r\nX-Half: ")
        status, headers, body = read_answer(sock)
        assert status == 408 and headers["connection"] == "close"
        assert envelope_code(body) == "validation_failed"
        assert closed_by_server(sock)


def test_headers_begun_between_two_checks_are_408_when_their_own_time_is_up():
    # the connection's check runs every body_timeout from connect; a header section begun
    # 0.6 of a timeout later is due at 1.6 timeouts, not at the next regular check (2.0)
    with served(body_timeout=2.0) as server, socket.create_connection(address(server)) as sock:
        time.sleep(1.2)
        began = time.monotonic()
        sock.sendall(b"GET /api/v1/models HTTP/1.1\r\nHost: x\r\nX-Half: ")
        status, _, _ = read_answer(sock)
        took = time.monotonic() - began
    assert status == 408 and 1.9 <= took < 2.5, took


def test_a_connection_that_never_sends_a_byte_is_closed_after_the_timeout():
    with served(body_timeout=0.3) as server, socket.create_connection(address(server)) as sock:
        assert closed_by_server(sock)


def test_an_idle_keep_alive_connection_is_not_answered_408():
    with served(body_timeout=0.3) as server, socket.create_connection(address(server)) as sock:
        sock.sendall(head("GET", "/api/v1/models"))
        assert read_answer(sock)[0] == 200
        time.sleep(0.8)  # idle between requests: uvicorn's keep-alive timeout governs it
        sock.sendall(head("GET", "/api/v1/models"))
        assert read_answer(sock)[0] == 200


def test_a_slow_body_that_keeps_coming_is_not_timed_out():
    body = b'{"model":"z-image","prompt":"slow"}'
    with served(body_timeout=0.5) as server, socket.create_connection(address(server)) as sock:
        sock.sendall(head("POST", "/api/v1/generations", JSON | {"Content-Length": str(len(body))}))
        for byte in range(0, len(body), 8):
            sock.sendall(body[byte : byte + 8])
            time.sleep(0.1)
        status, _, _ = read_answer(sock)
    assert status == 202


def test_a_stalled_control_plane_body_is_408_too():
    with served(body_timeout=0.3) as server, socket.create_connection(address(server)) as sock:
        sock.sendall(head("POST", "/_mock/reset", {"Content-Length": "50"}) + b"{")
        status, _, body = read_answer(sock)
    assert status == 408 and envelope_code(body) == "validation_failed"


# -- clients that leave ------------------------------------------------------------------------


def test_a_client_leaving_mid_body_is_journaled_as_such_with_no_traceback():
    with served() as server, uvicorn_records() as records:
        with socket.create_connection(address(server)) as sock:
            sock.sendall(head("POST", "/api/v1/generations", JSON | {"Content-Length": "1000"}))
            sock.sendall(b'{"model":"z-image"')
            time.sleep(0.2)
        deadline = time.monotonic() + 5
        control = server.app.state.control
        while not control.requests() and time.monotonic() < deadline:
            time.sleep(0.02)
        (entry,) = control.requests()
    assert entry["status"] != 500 and entry["error_code"] == "client_disconnected"
    assert entry["rule"] == "client_disconnected"
    assert not [r for r in records if r.exc_info], "a traceback was logged"


def test_a_client_that_half_closes_after_its_request_still_gets_the_answer():
    with served() as server, socket.create_connection(address(server)) as sock:
        server.app.state.control.add_fault({"action": "latency", "latency_ms": 200})
        sock.sendall(head("GET", "/api/v1/models"))
        sock.shutdown(socket.SHUT_WR)
        status, headers, _ = read_answer(sock)
        assert status == 200 and headers["connection"] == "close"
        assert closed_by_server(sock)


def test_a_client_that_half_closes_at_once_gets_every_answer():
    # No fault: the answer is made before the end of input is read, and the transport closes
    # itself after that; what the connection held must go out first (twenty tries, as the
    # order of the two events within one loop pass is what is under test).
    with served() as server:
        answers = []
        for _ in range(20):
            with socket.create_connection(address(server)) as sock:
                sock.sendall(head("GET", "/api/v1/credits", auth()))
                sock.shutdown(socket.SHUT_WR)
                answers.append(read_answer(sock)[0])
    assert answers == [200] * 20


@pytest.mark.parametrize("wait", [0.0, 0.3])
def test_a_client_that_half_closes_mid_headers_gets_a_400_in_the_envelope(wait):
    with served() as server, socket.create_connection(address(server)) as sock:
        sock.sendall(b"POST /api/v1/generations HTTP/1.1\r\nHost: x\r\nContent-")
        time.sleep(wait)
        sock.shutdown(socket.SHUT_WR)
        status, headers, answer = read_answer(sock)
        assert status == 400 and envelope_code(answer) == "validation_failed"
        assert headers["connection"] == "close" and closed_by_server(sock)
    assert json.loads(answer)["error"]["message"].startswith("headers: the input ended")


# -- early errors read late --------------------------------------------------------------------


def urllib_post(url: str, size: int, headers: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(url, data=b"x" * size, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.mark.parametrize(
    ("path", "size", "headers", "status"),
    [
        ("/api/v1/files", 20_000_000, {"Content-Type": "multipart/form-data; boundary=b"}, 401),
        ("/api/v1/generations", 5_000_000, {"Content-Type": "application/json"} | auth(), 413),
        (
            "/api/v1/files",
            60_000_000,
            {"Content-Type": "multipart/form-data; boundary=b"} | auth(),
            400,
        ),
        ("/_mock/reset", 3_000_000, {"Content-Type": "application/json"}, 413),
    ],
)
def test_an_early_error_reaches_a_client_that_reads_only_after_sending(path, size, headers, status):
    with served() as server:
        got, body = urllib_post(server.url + path, size, headers)
    assert got == status and '"error"' in body


def test_a_dropped_connection_looks_the_same_to_the_client_every_time():
    body = {"model": "z-image", "prompt": "x" * 50_000}
    with served(Profile(rate_limit_per_minute=0)) as server:
        server.app.state.control.add_fault({"action": "drop_connection"})
        errors = set()
        for _ in range(20):
            with httpx.Client(base_url=server.url) as client:
                try:
                    client.post("/api/v1/generations", json=body, headers=auth())
                except httpx.HTTPError as error:
                    errors.add(type(error).__name__)
    assert errors == {"RemoteProtocolError"}


# -- shutdown ----------------------------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_the_fake_stops_within_5_seconds_of_a_signal_with_a_stalled_upload(sig):
    process, url = start_cli()
    try:
        assert httpx.get(f"{url}/api/v1/models").status_code == 200  # serving, not starting
        host, port = url.removeprefix("http://").rsplit(":", 1)
        with (
            socket.create_connection((host, int(port))) as stalled,
            socket.create_connection((host, int(port))) as idle,
        ):
            stalled.sendall(
                head(
                    "POST",
                    "/api/v1/files",
                    {"Authorization": f"Bearer {KEY}", "Content-Length": "45000000"}
                    | {"Content-Type": "multipart/form-data; boundary=b"},
                )
                + b"--b\r\n"
            )
            idle.sendall(b"GET /api/v1/mod")  # half a request line, then nothing
            time.sleep(0.3)
            # one whole round trip after it, so that even a loaded server has read the stalled
            # request's headers (a request it never read is not in flight, and is reset)
            assert httpx.get(url + "/api/v1/models").status_code == 200
            process.send_signal(sig)
            took = wait_for_exit(process, 5.0)
            assert took is not None, "still running 5 s after the signal"
            status, _, body = read_answer(stalled)  # the request in flight was answered
            assert status == 408 and envelope_code(body) == "validation_failed"
    finally:
        stop_cli(process)


def test_a_request_still_running_after_the_grace_period_is_answered_in_the_envelope():
    process, url = start_cli()
    try:
        fault = {"action": "latency", "latency_ms": 20000, "match": {"path": "/api/v1/credits"}}
        assert httpx.post(f"{url}/_mock/faults", json=fault).status_code == 201
        host, port = url.removeprefix("http://").rsplit(":", 1)
        with socket.create_connection((host, int(port))) as slow:
            slow.sendall(head("GET", "/api/v1/credits", auth()))
            time.sleep(0.3)
            assert httpx.get(url + "/api/v1/models").status_code == 200  # it has been read
            process.send_signal(signal.SIGTERM)
            took = wait_for_exit(process, 5.0)
            assert took is not None, "still running 5 s after the signal"
            status, headers, body = read_answer(slow)
        assert status == 500 and envelope_code(body) == "internal_error"
        assert headers["content-type"] == "application/json"
        _, errors = process.communicate(timeout=10)
        assert "Traceback" not in errors and "CancelledError" not in errors
    finally:
        stop_cli(process)


def test_server_thread_stop_does_not_wait_for_a_stalled_client():
    with served() as server, socket.create_connection(address(server)) as sock:
        sock.sendall(head("POST", "/api/v1/generations", JSON | {"Content-Length": "100"}))
        time.sleep(0.2)
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 5
        status, _, _ = read_answer(sock)
    assert status == 408
