"""`rivya-contract` speaks for itself: its own --help and --version, a run header, a report whose
`reproduce` is a whole command line, and Hypothesis' files where the user says."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import contract_tests

KIT = [sys.executable, "-m", "contract_tests"]


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*KIT, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_help_is_the_kits_manual_first(tmp_path: Path) -> None:
    done = _run(["--help"], tmp_path)
    assert done.returncode == 0
    first = done.stdout.splitlines()[0]
    assert first.startswith("usage: rivya-contract")
    for flag in ("--base-url", "--api-key", "--max-credits", "--control-token", "--hypothesis-db"):
        assert flag in done.stdout
    assert "Cost:" in done.stdout and "--help-pytest" in done.stdout
    assert done.stdout.count("\n  rivya-contract") + done.stdout.count("rivya-contract --") >= 3
    assert len(done.stdout.splitlines()) < 80, "the kit's manual, not pytest's 400 lines"


def test_pytest_help_stays_reachable(tmp_path: Path) -> None:
    done = _run(["--help-pytest"], tmp_path)
    assert done.returncode == 0
    assert "junit" in done.stdout and "Rivya contract kit" in done.stdout


def test_version_names_the_kit(tmp_path: Path) -> None:
    done = _run(["--version"], tmp_path)
    assert done.returncode == 0
    assert re.match(r"rivya-contract \d+\.\d+", done.stdout)


@pytest.mark.slow
def test_header_names_target_budget_seed_and_control_plane(tmp_path: Path) -> None:
    done = _run(
        ["-k", "test_catalog", "--seed", "7", "--hypothesis-db", str(tmp_path / "db")], tmp_path
    )
    assert done.returncode == 0, done.stdout[-2000:]
    assert "target built-in fake" in done.stdout
    assert "budget unlimited" in done.stdout and "seed 7" in done.stdout
    assert "in-process: the kit owns its accounts and clock" in done.stdout
    assert not (tmp_path / ".hypothesis").exists(), "Hypothesis wrote into the current directory"
    assert (tmp_path / "db").is_dir()


def test_reproduce_is_a_whole_command_line_without_secrets() -> None:
    result = contract_tests.run(["--seed", "11", "--examples", "2", "-k", "test_catalog"])
    line = result.report["reproduce"]
    words = shlex.split(line)
    assert words[0] == "rivya-contract"
    assert words[words.index("--seed") + 1] == "11"
    assert words[words.index("-k") + 1] == "test_catalog"
    assert "--examples" in words


def test_reproduce_reads_keys_back_from_the_environment() -> None:
    from contract_tests.options import Settings
    from contract_tests.reproduce import command_line

    class Config:
        class option:
            keyword = ""
            markexpr = "not paid"

        def getoption(self, name: str, default: object = None) -> object:
            return default

    settings = Settings(base_url="https://rivya.ai", api_key="rvya_sk_secret_1234", max_credits=20)
    line = command_line(settings, 3, Config())  # type: ignore[arg-type]
    assert "rvya_sk_secret" not in line
    assert '--api-key "$RIVYA_API_KEY"' in line
    assert "--base-url https://rivya.ai --max-credits 20" in line and "-m 'not paid'" in line


def test_reproduce_keeps_the_flags_that_decide_which_examples_run() -> None:
    """The webhook receiver decides whether the delivery checks run or skip, and the Hypothesis
    database which saved examples are replayed first: a rerun without them is another run."""
    from contract_tests.options import Settings
    from contract_tests.reproduce import command_line

    class Config:
        class option:
            keyword = ""
            markexpr = ""

        def getoption(self, name: str, default: object = None) -> object:
            return default

    settings = Settings(
        base_url="https://rivya.ai",
        api_key="rvya_sk_secret_1234",
        hypothesis_db="/tmp/kit db",
        webhook_receiver_url="https://tunnel.example/hook",
        webhook_receiver_port=9999,
    )
    words = shlex.split(command_line(settings, 3, Config()))  # type: ignore[arg-type]
    assert words[words.index("--hypothesis-db") + 1] == "/tmp/kit db"
    assert words[words.index("--webhook-receiver-url") + 1] == "https://tunnel.example/hook"
    assert words[words.index("--webhook-receiver-port") + 1] == "9999"
    default = command_line(Settings(base_url="https://rivya.ai", api_key="k"), 3, Config())  # type: ignore[arg-type]
    assert "--webhook-receiver-port" not in default and "--poll-timeout" not in default


def test_observations_hold_only_named_behaviours() -> None:
    result = contract_tests.run(
        ["--seed", "2", "--examples", "2", "-k", "test_files or test_catalog"]
    )
    names = set(result.report["observations"])
    assert names and all(re.fullmatch(r"[a-z_]+", name) for name in names), names


def test_hypothesis_database_defaults_to_a_user_cache_folder(tmp_path: Path) -> None:
    import platformdirs

    from contract_tests.conftest import hypothesis_folder

    default = hypothesis_folder(None)
    assert default.is_relative_to(platformdirs.user_cache_path())
    assert default != Path.cwd() / ".hypothesis"
    assert hypothesis_folder(str(tmp_path)) == tmp_path
