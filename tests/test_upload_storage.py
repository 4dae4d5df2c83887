"""Spec §15: uploaded bytes live in a temporary directory of the fake, not in memory, and go
with a reset and with the fake itself."""

from __future__ import annotations

import gc
import signal
import weakref
from pathlib import Path

import httpx
import pytest
from support import FIXTURES, KEY, OTHER_KEY, auth
from wire import start_cli, stop_cli, wait_for_exit

from mockserver import MockServer, Profile, create_app, in_process_client
from mockserver import cli as cli_module

PNG = (FIXTURES / "media" / "sample.png").read_bytes()


def upload(client: httpx.Client, data: bytes = PNG, key: str = KEY) -> httpx.Response:
    return client.post(
        "/api/v1/files",
        files={"file": ("a.png", data)},
        data={"kind": "image"},
        headers=auth(key),
    )


def uploads_dir(client: httpx.Client) -> Path:
    root = client.app.state.backend.blobs.root  # type: ignore[attr-defined]
    assert root is not None
    return Path(root)


def test_an_upload_is_kept_on_disk_not_in_memory(client):
    file_id = upload(client).json()["id"]
    stored = client.app.state.backend.files[file_id]  # type: ignore[attr-defined]
    assert not any(isinstance(getattr(stored, f), bytes) for f in stored.__slots__)
    assert (uploads_dir(client) / file_id).read_bytes() == PNG


def test_a_large_file_streams_back_whole():
    data = PNG + bytes(3_000_000)
    with in_process_client(create_app(Profile(rate_limit_per_minute=0))) as client:
        url = upload(client, data).json()["url"]
        response = client.get(url)
    assert response.headers["content-length"] == str(len(data)) and response.content == data


def test_a_refused_upload_leaves_no_file_behind(client):
    upload(client)
    too_big = PNG + bytes(10_000_001)
    assert upload(client, too_big).status_code == 400
    spooled = client.post(
        "/api/v1/files",
        files={"file": ("a.txt", b"not an image at all")},
        data={"kind": "image"},
        headers=auth(),
    )
    assert spooled.status_code == 400
    assert len(list(uploads_dir(client).iterdir())) == 1


def test_a_full_reset_removes_the_uploads_directory(client):
    upload(client)
    directory = uploads_dir(client)
    client.post("/_mock/reset")
    assert not directory.exists()
    assert upload(client).status_code == 201  # and uploads go on in a new one


def test_an_account_reset_removes_only_its_files(client):
    mine, theirs = upload(client).json()["id"], upload(client, key=OTHER_KEY).json()["id"]
    client.post("/_mock/reset", json={"account": KEY})
    assert not (uploads_dir(client) / mine).exists()
    assert (uploads_dir(client) / theirs).exists()


def test_mock_server_removes_the_directory_when_it_stops():
    with MockServer() as mock:
        upload(mock.client())
        directory = mock.backend.blobs.root
        assert directory is not None and directory.exists()
    assert not directory.exists()


def test_a_full_reset_frees_the_first_backend_of_the_cli(monkeypatch):
    """The CLI used to hold the first backend in a local variable for the whole run."""
    seen: list[weakref.ref] = []

    class ResetThenReport:
        def __init__(self, app, *args, **kwargs) -> None:
            self.app = app

        def run(self, sockets) -> None:
            for sock in sockets:
                sock.close()
            seen.append(weakref.ref(self.app.state.backend))
            self.app.state.control.reset()
            gc.collect()
            seen.append(weakref.ref(self.app.state.backend))

    monkeypatch.setattr(cli_module, "uvicorn_server", ResetThenReport)
    monkeypatch.setattr(cli_module, "keep_full_collections_short", lambda: None)
    assert cli_module.main(["--port", "0"]) == 0
    first, second = seen
    assert first() is None and second() is not None


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_the_served_fake_removes_its_uploads_on_exit(tmp_path, sig):
    process, url = start_cli(env={"TMPDIR": str(tmp_path)})
    try:
        with httpx.Client(base_url=url) as client:
            assert upload(client).status_code == 201
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith("rivya-mock-")]
        process.send_signal(sig)
        assert wait_for_exit(process, 5.0) is not None
    finally:
        stop_cli(process)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("rivya-mock-")]
