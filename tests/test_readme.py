"""The README's curl walk-through runs as written against a live fake and prints what it promises."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed"),
]
ROOT = Path(__file__).resolve().parent.parent


def walkthrough() -> str:
    """The README's sh blocks as one script; `rivya-mock` is this interpreter's."""
    blocks = re.findall(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert len(blocks) >= 2
    script = "set -e\n" + "\n".join(blocks)
    return script.replace("rivya-mock samples", f"{sys.executable} -m mockserver samples")


@pytest.fixture
def fake():
    # Zero queue and processing time stand in for the walk-through's `sleep 4.5`.
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mockserver",
            "--port",
            "0",
            "--set",
            "queued_seconds=0",
            "--set",
            "processing_seconds=0",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    url = process.stdout.readline().split()[-1]
    yield url
    process.terminate()
    process.wait(10)
    process.stdout.close()


def test_readme_walkthrough_works_verbatim(fake, tmp_path):
    script = walkthrough().replace("http://127.0.0.1:8000", fake).replace("sleep 4.5", "true")
    result = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count('{"current_credits":997}') == 2
    assert '"status":"succeeded"' in out
    assert "(2048, 1152)" in out
    assert "params.resolution: must be one of 1K, 2K, 4K" in out
    assert re.search(r"/cdn/files/file_[a-z2-7]{24}/sample\.png", out)
    assert out.rstrip().splitlines()[-2:] == ["queued", "validation_failed"]
