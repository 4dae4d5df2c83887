"""The README's webhook walk-through runs as written: a served rivya-mock, the 15-line receiver,
curl — and the receiver prints both verified events. The fixture example passes in a fresh
project."""

import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
pytest_plugins = ["pytester"]


def section() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme.split("## Webhooks: receive signed events", 1)[1].split("\n## ", 1)[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def fake():
    start, walk = re.findall(r"```shell\n(.*?)```", section(), re.S)
    command = start.split()
    assert command == ["rivya-mock", "--set", "webhook_urls=local"]
    process = subprocess.Popen(
        # zero queue and processing time stand in for the walk-through's `sleep 4.5`
        [sys.executable, "-m", "mockserver", *command[1:], "--port", "0"]
        + ["--set", "queued_seconds=0", "--set", "processing_seconds=0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    url = process.stdout.readline().split()[-1]
    yield url, walk
    process.terminate()
    process.wait(10)
    process.stdout.close()


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_webhook_walkthrough_prints_both_verified_events(fake, tmp_path):
    url, walk = fake
    receiver = re.findall(r"```python\n(.*?)```", section(), re.S)[0]
    assert receiver.startswith("# receiver.py")
    assert len(receiver.strip().splitlines()) <= 17  # "a receiver in 15 lines" (+ the title)
    port = str(free_port())
    (tmp_path / "receiver.py").write_text(receiver.replace("9000", port))
    script = "set -e\n" + walk.replace("http://127.0.0.1:8000", url).replace("9000", port)
    script = script.replace("sleep 4.5", "sleep 0.5")
    result = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    lines = sorted(result.stdout.split("\n"))
    assert re.fullmatch(r"generation\.failed task_[a-z2-7]{24} failed", lines[-2]), lines
    assert re.fullmatch(r"generation\.succeeded task_[a-z2-7]{24} succeeded", lines[-1]), lines


def test_the_readme_fixture_example_passes_in_a_fresh_project(pytester):
    example = re.findall(r"```python\n(.*?)```", section(), re.S)[1]
    pytester.makepyfile(test_hooks=example)
    pytester.runpytest("--strict-markers").assert_outcomes(passed=1)
