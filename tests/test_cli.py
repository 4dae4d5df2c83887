"""The `rivya-mock` command: banner, flags, precedence and exit status 2 for bad knobs."""

import json
import shutil
import subprocess
import sys

import httpx
import pytest

from mockserver.cli import build_parser, main, resolve_profile


def start(*args: str) -> tuple[subprocess.Popen, list[str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "--port", "0", *args],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    lines = [process.stdout.readline().strip() for _ in range(3)]
    return process, lines


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(10)
    assert process.stdout is not None
    process.stdout.close()


def test_serve_prints_url_key_and_a_curl_line_that_works():
    process, lines = start("--seed", "1")
    try:
        url = lines[0].rsplit(" ", 1)[1]
        key = lines[1].split()[2]
        assert lines[0].startswith("Rivya mock listening on http://127.0.0.1:")
        assert lines[1].endswith("(1000 credits)")
        assert lines[2].startswith(f"Try: curl -s {url}/api/v1/credits")
        response = httpx.get(url + "/api/v1/credits", headers={"Authorization": f"Bearer {key}"})
        assert response.json() == {"current_credits": 1000}
    finally:
        stop(process)


def _profile_with(tmp_path, *accounts: dict) -> str:
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps({"auto_provision_keys": False, "accounts": list(accounts)}))
    return str(profile)


def _curl_answers(line: str) -> tuple[int, dict]:
    """Run the banner's curl line as printed (by the shell, with curl) and read its answer."""
    command = line.removeprefix("Try: ") + " -w '\\n%{http_code}'"
    done = subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=30)
    body, _, status = done.stdout.rpartition("\n")
    return int(status), json.loads(body)


NEEDS_CURL = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")


@NEEDS_CURL
def test_the_banner_shows_the_first_account_and_a_curl_line_that_works_for_it(tmp_path):
    """Spec §13: the first configured account's key. When it may not read credits (or is not in
    force), the curl line lists the models instead, which answers whatever the key."""
    reader = {"key": "rvya_sk_reader_0001", "credits": 7}
    for first in (
        {"key": "rvya_sk_no_credits_read", "scopes": ["generations:create"], "credits": 5},
        {"key": "rvya_sk_revoked_reader", "revoked": True, "credits": 5},
    ):
        process, lines = start("serve", "--profile", _profile_with(tmp_path, first, reader))
        try:
            assert lines[1] == f"API key: {first['key']} (5 credits)"
            assert "/api/v1/models" in lines[2]
            status, answer = _curl_answers(lines[2])
            assert status == 200 and answer["object"] == "list"
        finally:
            stop(process)
    process, lines = start("serve", "--profile", _profile_with(tmp_path, reader, first))
    try:
        assert lines[1] == "API key: rvya_sk_reader_0001 (7 credits)"
        assert _curl_answers(lines[2]) == (200, {"current_credits": 7})
    finally:
        stop(process)


@NEEDS_CURL
def test_without_a_key_that_reads_credits_the_curl_line_lists_the_models(tmp_path):
    profile = _profile_with(
        tmp_path, {"key": "rvya_sk_create_only", "scopes": ["generations:create"]}
    )
    process, lines = start("serve", "--profile", profile)
    try:
        assert lines[1].startswith("API key: rvya_sk_create_only")
        assert "/api/v1/models" in lines[2]
        status, answer = _curl_answers(lines[2])
        assert status == 200 and answer["object"] == "list"
    finally:
        stop(process)


def test_banner_shows_the_first_configured_account(tmp_path):
    profile = tmp_path / "p.json"
    profile.write_text(
        json.dumps(
            {
                "auto_provision_keys": False,
                "accounts": [{"key": "rvya_sk_configured_1", "credits": 12}],
            }
        )
    )
    process, lines = start("serve", "--profile", str(profile))
    try:
        assert lines[1] == "API key: rvya_sk_configured_1 (12 credits)"
    finally:
        stop(process)


@pytest.mark.parametrize(
    "args",
    [
        ["--set", "nope=1"],
        ["--set", "create_status=x"],
        ["--clock", "fast"],
        ["--set", "novalue"],
        ["--profile", "/missing.json"],
    ],
)
def test_bad_flags_exit_with_status_2_naming_the_problem(args, capsys):
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == 2
    assert "rivya-mock: error:" in capsys.readouterr().err


def test_set_overrides_the_profile_file(tmp_path):
    path = tmp_path / "p.json"
    path.write_text('{"create_status": 201, "queued_seconds": 5}')
    args = build_parser().parse_args(["--profile", str(path), "--set", "create_status=200"])
    profile = resolve_profile(args)
    assert (profile.create_status, profile.queued_seconds) == (200, 5.0)
