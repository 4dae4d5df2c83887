"""The contract kit never spends more credits than --max-credits allows."""

from __future__ import annotations

import threading

import pytest

import contract_tests
from contract_tests.budget import Budget
from contract_tests.target import MAIN_CREDITS, fake_profile
from mockserver import create_app, in_process_client


def test_budget_refuses_what_would_pass_the_limit() -> None:
    budget = Budget(7)
    assert budget.try_reserve(3) and budget.try_reserve(4)
    assert not budget.try_reserve(1)
    assert budget.spent == 7 and budget.remaining == 0


def test_released_credits_can_be_reserved_again() -> None:
    budget = Budget(5)
    assert budget.try_reserve(5)
    budget.release(5)
    assert budget.try_reserve(5)


def test_unlimited_budget_takes_everything() -> None:
    budget = Budget(None)
    assert budget.try_reserve(10**9) and budget.remaining is None


def test_concurrent_reservations_never_pass_the_limit() -> None:
    budget = Budget(100)
    granted: list[int] = []

    def take() -> None:
        granted.extend(3 for _ in range(50) if budget.try_reserve(3))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(granted) == budget.spent <= 100


def test_reserve_skips_the_check_when_the_budget_is_short() -> None:
    with pytest.raises(pytest.skip.Exception, match="budget"):
        Budget(0).reserve(1, "a create")


@pytest.mark.slow
def test_run_with_a_budget_spends_at_most_that_budget() -> None:
    apps = []

    def factory(profile, clock):
        apps.append(create_app(profile, clock=clock))
        return apps[0]

    result = contract_tests.run(
        ["--max-credits", "7", "--examples", "3", "--seed", "2"], app_factory=factory
    )
    assert result.exit_code == 0, result.failed()
    _, keys = fake_profile()
    with in_process_client(apps[0]) as client:
        response = client.get("/api/v1/credits", headers={"Authorization": f"Bearer {keys.main}"})
    spent = MAIN_CREDITS - response.json()["current_credits"]
    assert 0 < spent <= 7
    assert result.report["budget"] == {"limit": 7, "spent": result.report["budget"]["spent"]}
    assert result.report["budget"]["spent"] <= 7
    skipped = [c for c in result.report["checks"] if c["outcome"] == "skipped"]
    assert any("budget" in c["reason"] for c in skipped)
