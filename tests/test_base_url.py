"""Result and file URLs use the request's scheme and host, exactly as Starlette computes them."""

import pytest
from starlette.requests import Request

from mockserver import create_app
from mockserver.responses import base_url


@pytest.mark.parametrize(
    ("scheme", "headers", "server", "root_path"),
    [
        ("http", [(b"host", b"127.0.0.1:8000")], ("127.0.0.1", 8000), ""),
        ("https", [(b"host", b"mock.example")], ("10.0.0.1", 443), ""),
        ("http", [], ("127.0.0.1", 8000), ""),
        ("http", [], ["localhost", 80], ""),
        ("https", [], ("localhost", 443), "/prefix"),
        ("http", [(b"host", b"[::1]:9000")], ("::1", 9000), "/a/b/"),
    ],
)
def test_base_url_is_starlettes_base_url_without_the_slash(scheme, headers, server, root_path):
    app = create_app()
    scope = {
        "type": "http",
        "scheme": scheme,
        "headers": headers,
        "server": server,
        "root_path": root_path,
        "path": root_path + "/x",
        "query_string": b"",
        "app": app,
    }
    expected = str(Request(scope).base_url).rstrip("/")
    assert base_url(Request(scope)) == expected
