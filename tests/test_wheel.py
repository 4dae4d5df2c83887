"""The built wheel, installed on its own (not the source tree), ships its schemas, starts and answers."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from test_readme import walkthrough

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            str(ROOT),
        ],
        check=True,
    )
    wheel = next(dist.glob("rivya_mock-*.whl"))
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
    )
    return target


def run_env(target: Path) -> dict[str, str]:
    return os.environ | {"PYTHONPATH": str(target)}


def test_wheel_contains_the_schemas_and_both_packages(installed):
    assert (installed / "mockserver" / "schemas" / "task.json").is_file()
    assert (installed / "mockserver" / "schemas" / "models" / "gpt-image-2.params.json").is_file()
    assert (installed / "contract_tests" / "__init__.py").is_file()


def test_wheel_ships_the_inspector_page_and_the_sample_media(installed):
    static = installed / "mockserver" / "inspector" / "static"
    assert {p.name for p in static.iterdir()} >= {"index.html", "inspector.css", "inspector.js"}
    samples = installed / "mockserver" / "samples"
    for source in (ROOT / "fixtures" / "media").iterdir():
        assert (samples / source.name).read_bytes() == source.read_bytes()


def test_installed_wheel_starts_and_answers(installed, tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "--port", "0"],
        cwd=tmp_path,
        env=run_env(installed),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().split()[-1]
        key = process.stdout.readline().split()[2]
        assert httpx.get(url + "/api/v1/models").json()["data"][0]["id"] == "gpt-image-2"
        assert httpx.get(url + "/api/v1/openapi.json").status_code == 200
        created = httpx.post(
            url + "/api/v1/generations",
            json={"model": "z-image", "prompt": "x"},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert created.status_code == 202
    finally:
        process.terminate()
        process.wait(10)
        if process.stdout is not None:
            process.stdout.close()


def test_installed_wheel_imports_from_the_install_not_the_source(installed, tmp_path):
    out = subprocess.run(
        [sys.executable, "-c", "import mockserver.schemas as s; print(s.schema_dir())"],
        cwd=tmp_path,
        env=run_env(installed),
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == str(installed / "mockserver" / "schemas")


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_readme_walkthrough_works_with_only_the_wheel(installed, tmp_path):
    """A pip user has no fixtures/ folder: the README's upload example takes the shipped samples."""
    env = run_env(installed)
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "--port", "0", "--quiet"]
        + ["--set", "queued_seconds=0", "--set", "processing_seconds=0"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().split()[-1]
        script = walkthrough().replace("http://127.0.0.1:8000", url).replace("sleep 4.5", "true")
        done = subprocess.run(
            ["bash", "-c", script],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        process.terminate()
        process.wait(10)
        if process.stdout is not None:
            process.stdout.close()
    assert done.returncode == 0, done.stderr
    assert re.search(r"/cdn/files/file_[a-z2-7]{24}/sample\.png", done.stdout)
    assert done.stdout.rstrip().splitlines()[-2:] == ["queued", "validation_failed"]
    assert (tmp_path / "samples" / "sample.png").is_file()
