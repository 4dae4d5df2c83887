"""The real clock reads the wall clock once per move, so advancing by zero always works (pitfall 17)."""

from __future__ import annotations

import itertools

import pytest

from mockserver import MockServer, Profile, SystemClock, create_app, in_process_client
from mockserver import clock as clock_module


@pytest.fixture
def wall_clock_running_backwards(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each reading of the wall clock is a little earlier than the last (an NTP step back)."""
    readings = itertools.count()
    monkeypatch.setattr(clock_module.time, "time", lambda: 1_778_457_600.0 - next(readings) * 1e-3)


def test_advance_by_zero_works_even_when_the_wall_clock_steps_back(
    wall_clock_running_backwards: None,
) -> None:
    clock = SystemClock()
    clock.advance(0)
    clock.advance(0.5)
    assert clock.offset == pytest.approx(0.5)


def test_set_to_now_works_even_when_the_wall_clock_steps_back(
    wall_clock_running_backwards: None,
) -> None:
    clock = SystemClock()
    clock.set(clock_module.time.time() + 10)
    assert clock.offset > 0


def test_advance_returns_the_time_it_moved_to() -> None:
    clock = SystemClock()
    moved_to = clock.advance(60)
    assert moved_to - 60 <= clock.now() - 60 <= moved_to


def test_mock_server_advances_by_zero_on_the_real_clock() -> None:
    with MockServer() as mock:
        for _ in range(200):
            mock.advance(0)


def test_control_plane_advances_by_zero_on_the_real_clock() -> None:
    app = create_app(Profile(rate_limit_per_minute=0), clock=SystemClock())
    with in_process_client(app) as client:
        for _ in range(200):
            response = client.post("/_mock/clock/advance", json={"seconds": 0})
            assert response.status_code == 200, response.text
