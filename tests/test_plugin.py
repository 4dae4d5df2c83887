"""The pytest plugin, as a fresh project sees it (pytester runs with the installed entry point)."""

from __future__ import annotations

import re
from pathlib import Path

pytest_plugins = ["pytester"]

USES_THE_FAKE = """
import httpx
import pytest

def create(mock):
    return httpx.post(f"{mock.url}/api/v1/generations",
                      json={"model": "gpt-image-2", "prompt": "a lighthouse"},
                      headers={"Authorization": f"Bearer {mock.api_key}"})

def test_first_creates_a_task(rivya_mock):
    assert create(rivya_mock).status_code == 202
    assert rivya_mock.credits() == 997

def test_second_starts_from_a_clean_fake(rivya_mock):
    assert rivya_mock.state()["tasks"] == []
    assert rivya_mock.credits() == 1000

@pytest.mark.rivya_mock(credits=0)
def test_marker_sets_the_credits(rivya_mock):
    assert create(rivya_mock).json()["error"]["code"] == "insufficient_credits"

@pytest.mark.rivya_mock(chaos=1.0, seed=3)
def test_marker_sets_chaos(rivya_mock):
    try:
        status = httpx.get(f"{rivya_mock.url}/api/v1/models").status_code
    except httpx.RemoteProtocolError:
        status = "dropped"
    assert status != 200

def test_marker_settings_do_not_leak(rivya_mock):
    assert rivya_mock.state()["chaos"] == 0.0 and rivya_mock.credits() == 1000
"""


def readme_examples() -> tuple[str, str]:
    """The two Python examples of the README's "Testing your client against the fake" section."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("## Testing your client against the fake", 1)[1].split("\n## ", 1)[0]
    client_test, marker_test = re.findall(r"```python\n(.*?)```", section, re.S)[:2]
    return client_test, marker_test


def test_readme_example_passes_in_a_fresh_project(pytester):
    client_test, marker_test = readme_examples()
    pytester.makepyfile(test_my_client=client_test, test_marker=marker_test)
    pytester.runpytest("--strict-markers").assert_outcomes(passed=2)


def test_plugin_gives_a_reset_fake_to_each_test(pytester):
    pytester.makepyfile(USES_THE_FAKE)
    result = pytester.runpytest("--strict-markers")
    result.assert_outcomes(passed=5)


def test_marker_on_a_class_applies_to_its_tests(pytester):
    pytester.makepyfile("""
        import pytest

        @pytest.mark.rivya_mock(progression="polls")
        class TestPolls:
            @pytest.mark.rivya_mock(credits=7)
            def test_closest_marker_wins_and_both_apply(self, rivya_mock):
                assert rivya_mock.state()["progression"] == "polls"
                assert rivya_mock.credits() == 7
    """)
    pytester.runpytest("--strict-markers").assert_outcomes(passed=1)


def test_project_can_override_the_profile_and_seed(pytester):
    pytester.makeconftest("""
        import pytest
        from mockserver import Profile

        @pytest.fixture(scope="session")
        def rivya_mock_profile():
            return Profile(starting_credits=40)

        @pytest.fixture(scope="session")
        def rivya_mock_seed():
            return 99
    """)
    pytester.makepyfile("""
        def test_uses_the_project_settings(rivya_mock):
            assert rivya_mock.credits() == 40
            assert rivya_mock.state()["seed"] == 99
    """)
    pytester.runpytest().assert_outcomes(passed=1)


def test_bad_marker_setting_is_reported(pytester):
    pytester.makepyfile("""
        import pytest

        @pytest.mark.rivya_mock(colour="red")
        def test_never_runs(rivya_mock):
            pass
    """)
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*unknown knob 'colour'*"])


def test_plugin_starts_nothing_for_projects_that_do_not_use_it(pytester):
    pytester.makepyfile("""
        import threading

        def test_no_fake_is_running():
            names = [t.name for t in threading.enumerate()]
            assert "rivya-mock-server" not in names
    """)
    pytester.runpytest("--strict-markers").assert_outcomes(passed=1)
