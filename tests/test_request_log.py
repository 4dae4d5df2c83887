"""The terminal request log: a line per public request, levels, colours only on a terminal, flags."""

from __future__ import annotations

import io
import logging
import re
import subprocess
import sys
from collections.abc import Callable, Sequence

import httpx
import pytest
from support import auth

from mockserver import ManualClock, create_app, in_process_client
from mockserver.inspector import install_request_log, request_line
from mockserver.inspector.log import LOGGER

ANSI = re.compile(r"\033\[[0-9;]*m")


@pytest.fixture
def logged():
    """A fake on a manual clock whose request log writes into a string."""
    app = create_app(seed=1, clock=ManualClock(start=1_778_457_600.0))
    stream = io.StringIO()
    handler = install_request_log(app.state.control, stream, logging.INFO, colour=False)
    with in_process_client(app) as client:
        yield client, stream
    logging.getLogger(LOGGER).removeHandler(handler)


def test_each_public_request_gets_one_line_with_time_method_path_status_and_duration(logged):
    client, stream = logged
    client.get("/api/v1/credits", headers=auth())
    [line] = stream.getvalue().splitlines()
    assert re.fullmatch(r"00:00:00\.000 GET /api/v1/credits 200 \d+\.\dms", line)


def test_a_rejection_names_its_code_rule_and_field(logged):
    client, stream = logged
    body = {"model": "gpt-image-2", "prompt": "x", "params": {"resolution": "8K"}}
    client.post("/api/v1/generations", json=body, headers=auth())
    line = stream.getvalue().splitlines()[-1]
    assert "POST /api/v1/generations 400" in line
    assert "validation_failed schema params.resolution: must be one of 1K, 2K, 4K" in line


def test_a_fault_is_marked_and_control_requests_are_not_logged(logged):
    client, stream = logged
    client.post("/_mock/faults", json={"action": "server_error", "count": 1})
    client.get("/api/v1/credits", headers=auth())
    [line] = stream.getvalue().splitlines()
    assert " 500 " in line and "internal_error fault:1" in line and "[FAULT server_error]" in line


def test_the_line_shows_the_fake_clock_after_it_moved(logged):
    client, stream = logged
    client.post("/_mock/clock/advance", json={"seconds": 3723.5})
    client.get("/api/v1/models")
    assert stream.getvalue().startswith("01:02:03.500 GET /api/v1/models 200")


def test_warning_level_keeps_only_rejections():
    app = create_app(seed=1)
    stream = io.StringIO()
    handler = install_request_log(app.state.control, stream, logging.WARNING, colour=False)
    try:
        with in_process_client(app) as client:
            client.get("/api/v1/models")
            client.get("/api/v1/credits")
    finally:
        logging.getLogger(LOGGER).removeHandler(handler)
    [line] = stream.getvalue().splitlines()
    assert "GET /api/v1/credits 401" in line and "api_key_missing" in line


def test_colours_only_when_asked_for_a_terminal():
    entry = {"method": "GET", "path": "/x", "query": "", "status": 404, "duration_ms": 1.0}
    entry |= {"error_code": "not_found", "rule": "unknown_route", "message": "No route /x."}
    coloured = request_line(entry, colour=True)
    assert "\033[33m" in coloured
    assert ANSI.sub("", coloured) == request_line(entry, colour=False)
    assert "\033" not in request_line(entry, colour=False)


def test_webhook_logger_lines_share_the_handler(logged):
    client, stream = logged
    logging.getLogger("rivya_mock.webhooks").info("delivered evt_1 to whend_1: 200")
    assert stream.getvalue() == "00:00:00.000 delivered evt_1 to whend_1: 200\n"


def served_stderr(flags: Sequence[str], talk: Callable[[str, str], object]) -> str:
    """Start `rivya-mock` with flags, let `talk(url, key)` use it, stop it; its stderr."""
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "--port", "0", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().split()[-1]
        key = process.stdout.readline().split()[2]
        talk(url, key)
    finally:
        process.terminate()
        _, err = process.communicate(timeout=10)
    return err


def serve_and_call(*flags: str) -> str:
    """Start `rivya-mock` with flags, send a good and a bad request, stop it; its stderr."""

    def talk(url: str, key: str) -> None:
        httpx.get(url + "/api/v1/models")
        httpx.get(url + "/api/v1/credits")

    return served_stderr(flags, talk)


def test_served_fake_logs_to_stderr_without_colours_when_not_a_terminal():
    err = serve_and_call()
    assert re.search(r"^\d\d:\d\d:\d\d\.\d{3} GET /api/v1/models 200 ", err, re.M)
    assert re.search(r"GET /api/v1/credits 401 \S+ api_key_missing ", err)
    assert "\033" not in err


def test_quiet_and_log_level_control_the_log():
    assert "/api/v1/" not in serve_and_call("--quiet")
    warning = serve_and_call("--log-level", "warning")
    assert "/api/v1/models" not in warning and "/api/v1/credits 401" in warning


@pytest.mark.parametrize("command", ["mockserver", "contract_tests"])
def test_version_flag_names_the_command_and_version(command):
    done = subprocess.run(
        [sys.executable, "-m", command, "--version"], capture_output=True, text=True, timeout=60
    )
    name = {"mockserver": "rivya-mock", "contract_tests": "rivya-contract"}[command]
    assert done.returncode == 0
    assert re.fullmatch(rf"{name} \d+\.\d+\.\d+\S*( .*)?\n", done.stdout)


def test_webhook_deliveries_get_a_line_in_the_served_log(tmp_path):
    """The webhook dispatcher's lines (logger rivya_mock.webhooks) reach the same stderr log."""
    import http.server
    import threading

    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    hook = f"http://127.0.0.1:{receiver.server_address[1]}/hook"

    def talk(url: str, key: str) -> None:
        with httpx.Client(base_url=url, headers=auth(key)) as http:
            endpoint = {"name": "r", "url": hook, "event_types": ["generation.succeeded"]}
            assert http.post("/api/v1/webhooks", json=endpoint).status_code == 201
            http.post("/api/v1/generations", json={"model": "z-image", "prompt": "x"})
            http.post("/_mock/clock/advance", json={"seconds": 5})

    try:
        err = served_stderr(["--clock", "manual", "--set", "webhook_urls=local"], talk)
    finally:
        receiver.shutdown()
        receiver.server_close()
    assert re.search(r"^\d\d:\d\d:\d\d\.\d{3} webhook generation\.succeeded .*204", err, re.M), err


def test_what_a_client_sends_cannot_forge_or_colour_a_line(logged):
    client, stream = logged
    forged = "/api/v1/generations/x%0d%0a00:00:00.000%20POST%20/api/v1/generations%20202%1b[31mRED"
    client.get(forged, headers=auth())
    client.get("/nope%E2%80%A8next", headers=auth())  # U+2028, a line separator
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 and "\x1b" not in stream.getvalue()
    assert "x\\r\\n00:00:00.000 POST /api/v1/generations 202\\x1b[31mRED 404" in lines[0]
    assert "/nope\\u2028next 404" in lines[1]
