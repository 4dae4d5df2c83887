"""Over HTTP, the kit finds a rivya-mock's control plane (with its token, when it has one), makes
the accounts it was not given, lifts its accounts' rate limit for the run and puts it back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import contract_tests
from contract_tests.target import fake_profile
from mockserver import ManualClock, Profile, create_app
from mockserver.server import ServerThread

TOKEN = "kit-control-token-0001"
MAIN = "rvya_sk_contract_run_0001"


@pytest.fixture
def guarded_fake() -> Iterator[tuple[str, object]]:
    """A fake with a control token, the default rate limit and auto-provisioned keys."""
    app = create_app(Profile(), clock=ManualClock(), control_token=TOKEN)
    server = ServerThread(app).start()
    yield server.url, app
    server.stop()


def _run(url: str, *extra: str) -> contract_tests.RunResult:
    args = ["--seed", "3", "--examples", "2", "--base-url", url, "--api-key", MAIN]
    return contract_tests.run([*args, "--max-credits", "40", *extra])


def test_kit_uses_the_control_plane_with_its_token(guarded_fake: tuple[str, object]) -> None:
    url, app = guarded_fake
    result = _run(url, "--control-token", TOKEN, "-k", "test_failed_task or isolation or revoked")
    assert result.exit_code == 0, result.failed()
    outcomes = set(result.outcomes().values())
    assert outcomes == {"passed"}, result.report["checks"]
    assert "control plane found" in result.report["target"]
    limiter = app.state.backend.limiter  # type: ignore[attr-defined]
    assert not limiter.exempt, "the kit must put its accounts back under the rate limit"


def test_without_the_token_the_kit_says_why_it_cannot_use_it(
    guarded_fake: tuple[str, object],
) -> None:
    url, _ = guarded_fake
    result = _run(url, "-k", "test_failed_task")
    assert result.exit_code == 0, result.failed()
    (check,) = result.report["checks"]
    assert check["outcome"] == "skipped" and "--control-token" in check["reason"]


def test_in_process_keys_are_the_kits_own() -> None:
    _, keys = fake_profile()
    assert keys.free and keys.free not in (keys.main, keys.second, keys.empty, keys.revoked)
