"""Spec §15: the control plane is a local tool; off loopback it needs a token, and stays cheap."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import httpx
import pytest
from support import auth, is_error
from wire import address, envelope_code, head, read_answer, served, start_cli, stop_cli

from mockserver import MockServer, Profile, create_app, in_process_client
from mockserver.cli import main
from mockserver.control_access import is_loopback, refusal

TOKEN = "s3cret-control-token"
pytest_plugins = ["pytester"]


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.10", False),
        ("example.com", False),
        ("", False),
    ],
)
def test_only_loopback_hosts_count_as_local(host, loopback):
    assert is_loopback(host) is loopback


def test_a_non_loopback_host_is_refused_without_a_token_and_allowed_with_one():
    assert "--control-token" in (refusal("0.0.0.0", None) or "")
    assert refusal("0.0.0.0", TOKEN) is None and refusal("127.0.0.1", None) is None
    assert refusal("0.0.0.0", "has space") is not None


def test_cli_refuses_to_listen_on_all_interfaces_without_a_token(capsys, monkeypatch):
    monkeypatch.delenv("RIVYA_MOCK_CONTROL_TOKEN", raising=False)
    with pytest.raises(SystemExit) as exited:
        main(["--host", "0.0.0.0", "--port", "0"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "0.0.0.0" in err and "--control-token" in err and "RIVYA_MOCK_CONTROL_TOKEN" in err


def test_cli_refusal_exits_2_as_a_process():
    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "--host", "0.0.0.0", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=30,
        env={k: v for k, v in os.environ.items() if k != "RIVYA_MOCK_CONTROL_TOKEN"},
    )
    assert result.returncode == 2 and "not a loopback address" in result.stderr


def test_cli_on_all_interfaces_with_a_token_from_the_environment_guards_mock():
    process, url = start_cli("--host", "0.0.0.0", env={"RIVYA_MOCK_CONTROL_TOKEN": TOKEN})
    try:
        port = url.rsplit(":", 1)[1]
        local = f"http://127.0.0.1:{port}"
        refused = httpx.get(f"{local}/_mock/state")
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "api_key_invalid"
        allowed = httpx.get(f"{local}/_mock/state", headers={"Authorization": f"Bearer {TOKEN}"})
        assert allowed.status_code == 200
        assert httpx.get(f"{local}/api/v1/models").status_code == 200  # public routes unchanged
    finally:
        stop_cli(process)


def test_cli_banner_says_a_seed_makes_ids_predictable():
    process, _ = start_cli("--seed", "4")
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(3)]
        assert "predictable" in lines[2]
    finally:
        stop_cli(process)


@pytest.fixture
def guarded() -> httpx.Client:
    app = create_app(Profile(rate_limit_per_minute=0), control_token=TOKEN)
    with in_process_client(app) as client:
        yield client


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token", f"Basic {TOKEN}", "Bearer ", f"Bearer {TOKEN}x"],
)
def test_mock_without_the_right_token_is_401_api_key_invalid(guarded, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    for method, path in [("GET", "/_mock/state"), ("POST", "/_mock/reset"), ("GET", "/_mock/x")]:
        response = guarded.request(method, path, headers=headers)
        assert is_error(response, "api_key_invalid", 401), (method, path)


def test_mock_with_the_token_works_and_the_scheme_is_case_insensitive(guarded):
    for scheme in ("Bearer", "bearer", "BEARER"):
        response = guarded.get("/_mock/state", headers={"Authorization": f"{scheme} {TOKEN}"})
        assert response.status_code == 200


def test_public_routes_ignore_the_control_token(guarded):
    assert guarded.get("/api/v1/credits", headers=auth()).status_code == 200


def test_mock_server_passes_its_token_and_refuses_an_open_host():
    with MockServer(control_token=TOKEN) as mock:
        assert mock.client(control=True).get("/_mock/state").status_code == 200
        assert httpx.get(f"{mock.url}/_mock/state").status_code == 401
        assert mock.state()["tasks"] == []  # the Python methods need no token
    with pytest.raises(ValueError, match="loopback"):
        MockServer(host="0.0.0.0")


@pytest.mark.parametrize(
    ("headers", "allowed"),
    [
        ({}, True),
        ({"Host": "localhost:8000"}, True),
        ({"Host": "[::1]:8000"}, True),
        ({"Origin": "http://127.0.0.1:9999"}, True),
        ({"Host": "evil.example.com"}, False),  # a domain re-pointed at 127.0.0.1
        ({"Host": "evil.example.com:80"}, False),
        ({"Origin": "https://evil.example.com"}, False),  # a form posted from another site
        ({"Origin": "null"}, False),  # a sandboxed or file:// page
    ],
)
def test_served_on_loopback_without_a_token_mock_refuses_foreign_pages(headers, allowed):
    with served() as server, httpx.Client(base_url=server.url) as client:
        for method, path in [
            ("GET", "/_mock/state"),
            ("POST", "/_mock/reset"),
            ("GET", "/_mock/ui"),
        ]:
            answer = client.request(method, path, headers=headers)
            if allowed:
                assert answer.status_code == 200, (method, path, answer.text)
            else:
                assert is_error(answer, "api_key_invalid", 401), (method, path, answer.text)
        assert client.get("/api/v1/models", headers=headers).status_code == 200  # public: as is


def test_in_process_mock_and_a_token_are_not_held_to_loopback_names():
    with in_process_client(create_app()) as client:  # Host: testserver, no socket
        assert client.get("/_mock/state").status_code == 200
    with served(control_token="s3cret") as server:  # the token is what counts then
        answer = httpx.get(
            server.url + "/_mock/state",
            headers={"Host": "fake.internal", "Authorization": "Bearer s3cret"},
        )
        assert answer.status_code == 200


def test_a_control_client_of_a_fake_without_a_token_sends_no_authorization():
    with MockServer() as mock:  # served, no token
        client = mock.client(control=True)
        assert "authorization" not in client.headers
        assert client.get("/_mock/state").status_code == 200
    assert "authorization" not in MockServer().client(control=True).headers  # in process


def test_state_is_paged_with_totals(client):
    for _ in range(5):
        client.post("/api/v1/generations", json={"model": "z-image", "prompt": "x"}, headers=auth())
    first = client.get("/_mock/state", params={"limit": 2}).json()
    second = client.get("/_mock/state", params={"limit": 2, "offset": 2}).json()
    assert first["totals"]["tasks"] == 5 and len(first["tasks"]) == 2
    every = client.get("/_mock/state").json()["tasks"]
    assert [t["id"] for t in first["tasks"] + second["tasks"]] == [t["id"] for t in every[:4]]


@pytest.mark.parametrize("query", ["limit=0", "limit=x", "offset=-1", "offset=" + "9" * 40, "a=1"])
def test_bad_state_paging_is_validation_failed(client, query):
    assert is_error(client.get(f"/_mock/state?{query}"), "validation_failed", 400)


def test_state_stays_one_page_with_many_tasks(client):
    backend = client.app.state.backend  # type: ignore[attr-defined]
    task = client.post(
        "/api/v1/generations", json={"model": "z-image", "prompt": "x"}, headers=auth()
    ).json()
    original = backend.tasks[task["id"]]
    for n in range(5000):
        backend.tasks[f"task_copy{n}"] = original
    state = client.get("/_mock/state").json()
    assert state["totals"]["tasks"] == 5001 and len(state["tasks"]) == 1000


def test_control_body_is_refused_while_it_streams():
    """A 300 KB chunked body: the 413 comes before the rest is sent (it used to be read whole)."""
    with served() as server, socket.create_connection(address(server)) as sock:
        sock.sendall(
            head(
                "POST",
                "/_mock/reset",
                {"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
            )
        )
        chunk = b" " * 65536
        for _ in range(3):  # 192 KB of a body that never ends
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        status, headers, body = read_answer(sock, timeout=5)
    assert status == 413 and headers.get("connection") == "close"
    assert envelope_code(body) == "validation_failed"


def test_control_body_with_a_large_declared_length_is_refused_before_reading(client):
    response = client.post("/_mock/reset", content=b"{}", headers={"Content-Length": "300000000"})
    assert is_error(response, "validation_failed", 413)


PLUGIN_WITH_A_TOKEN = """
import httpx
import pytest

@pytest.fixture(scope="session")
def rivya_mock_control_token():
    return "plugin-token"

def test_the_fixture_guards_mock_over_http(rivya_mock):
    assert httpx.get(f"{rivya_mock.url}/_mock/state").status_code == 401
    headers = {"Authorization": "Bearer plugin-token"}
    assert httpx.get(f"{rivya_mock.url}/_mock/state", headers=headers).status_code == 200
    assert rivya_mock.client(control=True).get("/_mock/clock").status_code == 200
    assert rivya_mock.state()["tasks"] == []
"""


def test_the_plugin_passes_a_control_token_to_its_server(pytester):
    pytester.makepyfile(PLUGIN_WITH_A_TOKEN)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
