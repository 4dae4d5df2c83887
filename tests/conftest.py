"""Shared fixtures: a fake on a manual clock, reached in-process with no socket."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, settings

from mockserver import ManualClock, Profile, create_app, in_process_client

settings.register_profile(
    "ci", max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("thorough", max_examples=500, deadline=None)
settings.register_profile("dev", max_examples=15, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session", autouse=True)
def _contract_kit_examples_stay_in_the_session(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[None]:
    """Runs of the contract kit keep their Hypothesis examples in a temporary folder, not in the
    user's cache (RIVYA_HYPOTHESIS_DB is read by the kit at each run, subprocesses included)."""
    saved = os.environ.get("RIVYA_HYPOTHESIS_DB")
    os.environ["RIVYA_HYPOTHESIS_DB"] = str(tmp_path_factory.mktemp("kit-hypothesis"))
    yield
    if saved is None:
        os.environ.pop("RIVYA_HYPOTHESIS_DB", None)
    else:
        os.environ["RIVYA_HYPOTHESIS_DB"] = saved


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=1_778_457_600.0)  # 2026-05-11T00:00:00Z


@pytest.fixture
def make_client(clock: ManualClock) -> Iterator[Callable[..., httpx.Client]]:
    """Build a client for a fresh fake with the given knobs (rate limiting off unless set)."""
    clients: list[httpx.Client] = []

    def make(**knobs: object) -> httpx.Client:
        knobs.setdefault("rate_limit_per_minute", 0)
        app = create_app(Profile().replace(**knobs), seed=7, clock=clock)
        client = in_process_client(app)
        client.app = app  # type: ignore[attr-defined]
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., httpx.Client]) -> httpx.Client:
    return make_client()


@pytest.fixture(scope="session")
def node_tools(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pinned npm tools of tests/node, installed once per session into a temp folder."""
    from openapi_tools import install_node_tools

    return install_node_tools(tmp_path_factory.mktemp("node-tools"))
