"""A huge upload over a real socket is refused early, with Connection: close, in flat memory."""

import socket
import tracemalloc

import pytest
from support import auth

from mockserver import Profile, create_app
from mockserver.server import ServerThread

pytestmark = pytest.mark.slow

MB = 1_000_000
HEAD = (
    b'--b\r\nContent-Disposition: form-data; name="kind"\r\n\r\nimage\r\n'
    b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\n\r\n'
    b"\x89PNG\r\n\x1a\n"
)


@pytest.fixture
def server():
    thread = ServerThread(create_app(Profile(rate_limit_per_minute=0))).start()
    yield thread
    thread.stop()


def request_head(server, extra: str) -> bytes:
    host = server.url.removeprefix("http://")
    lines = [
        "POST /api/v1/files HTTP/1.1",
        f"Host: {host}",
        f"Authorization: {auth()['Authorization']}",
        "Content-Type: multipart/form-data; boundary=b",
        extra,
        "",
        "",
    ]
    return "\r\n".join(lines).encode()


def read_response(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_declared_200_megabyte_upload_is_refused_before_reading(server):
    with socket.create_connection(server.socket.getsockname()[:2]) as sock:
        sock.sendall(request_head(server, f"Content-Length: {200 * MB}") + HEAD)
        response = read_response(sock)
    assert response.startswith(b"HTTP/1.1 400")
    assert b"connection: close" in response.lower()
    assert b'"validation_failed"' in response


def test_chunked_200_megabyte_upload_is_refused_in_flat_memory(server):
    tracemalloc.start()
    try:
        with socket.create_connection(server.socket.getsockname()[:2]) as sock:
            sock.sendall(request_head(server, "Transfer-Encoding: chunked"))
            sock.sendall(b"%x\r\n%s\r\n" % (len(HEAD), HEAD))
            chunk = b"\x00" * 65536
            framed = b"%x\r\n%s\r\n" % (len(chunk), chunk)
            sent = send_until_refused_framed(sock, framed, 200 * MB)
            response = read_response(sock)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.startswith(b"HTTP/1.1 400"), response[:200]
    assert b"connection: close" in response.lower()
    assert b"at most 30000000 bytes" in response  # a `model` part could still follow the file
    assert sent < 200 * MB
    assert peak < 40 * MB  # parser buffers (the bytes spool to disk), never the 200 MB


def send_until_refused_framed(sock: socket.socket, framed: bytes, total: int) -> int:
    sent = 0
    sock.settimeout(10)
    try:
        while sent < total:
            sock.sendall(framed)
            sent += len(framed)
    except (BrokenPipeError, ConnectionResetError, TimeoutError):
        pass
    return sent
