"""Fault schedules: what a drawn schedule does to the fake, and that it shrinks to the least
misbehaviour that breaks a fragile client (the example in fixtures/examples)."""

from __future__ import annotations

import importlib.util
import random
import shutil
from pathlib import Path

import httpx
import pytest
from hypothesis import find, settings

from mockserver import MockServer
from mockserver.strategies import (
    Drop,
    FaultSchedule,
    RateLimit,
    ServerError,
    TaskPlan,
    fault_schedules,
)

EXAMPLES = Path(__file__).parent.parent / "fixtures" / "examples"
pytest_plugins = ["pytester"]


def naive_client_class():
    spec = importlib.util.spec_from_file_location("naive_client", EXAMPLES / "naive_client.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.NaiveClient


@pytest.fixture(scope="module")
def mock():
    server = MockServer(seed=1, rate_limit_per_minute=0)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def http(mock):
    return mock.client(in_process=True)


def statuses(http: httpx.Client, n: int) -> list[int | str]:
    seen: list[int | str] = []
    for _ in range(n):
        try:
            seen.append(http.get("/api/v1/credits").status_code)
        except httpx.RemoteProtocolError:
            seen.append("dropped")
    return seen


def test_schedule_faults_exactly_the_requests_it_names(mock, http):
    mock.reset()
    FaultSchedule(responses={1: RateLimit(9), 2: ServerError(), 4: Drop()}).apply(mock)
    assert statuses(http, 6) == [200, 429, 500, 200, "dropped", 200]
    assert mock.requests(status=429)[0]["rule"].startswith("fault:")


def test_schedule_gives_retry_after_as_drawn(mock, http):
    mock.reset()
    FaultSchedule(responses={0: RateLimit(9)}).apply(mock)
    assert http.get("/api/v1/credits").headers["retry-after"] == "9"


def test_schedule_decides_how_tasks_end_and_how_long_they_take(mock, http):
    mock.reset(clock="manual")
    schedule = FaultSchedule(tasks=(TaskPlan(fails=True, processing_seconds=10.0), TaskPlan()))
    schedule.apply(mock)
    ids = [
        http.post("/api/v1/generations", json={"model": "z-image", "prompt": "x"}).json()["id"]
        for _ in range(2)
    ]
    mock.advance(10)
    assert [mock.task(i)["status"] for i in ids] == ["processing", "succeeded"]
    mock.advance(1)
    assert mock.task(ids[0])["status"] == "failed"
    assert [schedule.expected_status(i) for i in range(3)] == ["failed", "succeeded", "succeeded"]


def test_unknown_action_is_refused():
    with pytest.raises(ValueError):
        fault_schedules(actions=["meteor"]).example()


@pytest.mark.slow
def test_shrinks_to_the_least_misbehaviour_that_breaks_a_fragile_client(mock, http):
    client_class = naive_client_class()

    def breaks_the_client(schedule: FaultSchedule) -> bool:
        mock.reset(clock="manual")
        schedule.apply(mock)
        try:
            task = client_class(http, sleep=mock.advance).generate("a lighthouse")
        except httpx.HTTPStatusError:
            return True
        return task["status"] != schedule.expected_status(0)

    minimal = find(
        fault_schedules(actions=["rate_limited"]),
        breaks_the_client,
        settings=settings(max_examples=500, database=None),
        random=random.Random(0),
    )
    assert minimal == FaultSchedule(responses={0: RateLimit(1), 1: RateLimit(1)}, tasks=())


@pytest.mark.slow
def test_the_shipped_example_finds_the_bug_and_reports_the_minimal_schedule(pytester):
    for name in ("naive_client.py", "test_naive_client.py"):
        shutil.copy(EXAMPLES / name, pytester.path / name)
    # A fresh process without Schemathesis' plugin (our OpenAPI tests install it): once imported,
    # it changes how Hypothesis prints a failing example's arguments (they print empty).
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "no:schemathesis", "--hypothesis-seed=0"
    )
    result.assert_outcomes(failed=1)
    assert "responses=dict([(0, RateLimit(1)), (1, RateLimit(1))])," in result.stdout.str()
