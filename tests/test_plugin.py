"""The pytest plugin, as a fresh project sees it (pytester runs with the installed entry point)."""

from __future__ import annotations

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

# The README's example, verbatim (docs: "Testing your client against the fake").
README_EXAMPLE = '''
# test_my_client.py
import httpx


def generate(base_url, key, prompt, sleep):
    """A small client: create, poll until done, wait out 429s as Retry-After says."""
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {key}"}) as http:

        def call(method, path, **kwargs):
            while (response := http.request(method, path, **kwargs)).status_code == 429:
                sleep(int(response.headers["Retry-After"]))
            response.raise_for_status()
            return response.json()

        task = call("POST", "/api/v1/generations", json={"model": "z-image", "prompt": prompt})
        while task["status"] not in ("succeeded", "failed"):
            sleep(2)
            task = call("GET", f"/api/v1/generations/{task['id']}")
        return task


def test_client_rides_out_a_429_storm_and_reports_a_failed_task(rivya_mock):
    rivya_mock.rate_limit(count=5, retry_after=3)   # the next 5 API requests get 429
    rivya_mock.fail_next(message="content policy")  # the next task fails

    # sleep=advance: the client's waiting moves the fake's clock, not real time
    task = generate(rivya_mock.url, rivya_mock.api_key, "a lighthouse", sleep=rivya_mock.advance)

    assert task["status"] == "failed"
    assert task["error"]["message"] == "content policy"
    assert rivya_mock.credits() == 1000             # the reservation came back
    assert len(rivya_mock.requests(status=429)) == 5
'''

README_MARKER_EXAMPLE = """
import pytest

@pytest.mark.rivya_mock(credits=0)
def test_client_reports_an_empty_balance(rivya_mock):
    ...
"""


def test_readme_example_passes_in_a_fresh_project(pytester):
    pytester.makepyfile(test_my_client=README_EXAMPLE, test_marker=README_MARKER_EXAMPLE)
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
