"""The task object and its lifecycle (spec §6) on a manual clock."""

import re

import pytest
from support import KEY, OTHER_KEY, auth, conforms_to_schema, create, credits, is_error


def poll(client, task_id, key=KEY):
    return client.get(f"/api/v1/generations/{task_id}", headers=auth(key))


def test_create_returns_a_queued_task_with_every_documented_field(client):
    response = create(client)
    task = response.json()
    assert response.status_code == 202
    assert conforms_to_schema(response, "task.json")
    assert task["status"] == "queued"
    assert task["reserved_credits"] == 3 and task["final_credits"] == 0
    assert task["created_at"] == task["updated_at"]
    assert task["result"] is None and task["error"] is None


def test_task_ids_are_lowercase_base32(client):
    assert re.fullmatch(r"task_[a-z2-7]{24}", create(client).json()["id"])


def test_timestamps_use_milliseconds_and_z(client, clock):
    created_at = create(client).json()["created_at"]
    assert created_at == "2026-05-11T00:00:00.000Z"


def test_task_moves_queued_processing_succeeded_on_the_clock(client, clock):
    task_id = create(client).json()["id"]
    assert poll(client, task_id).json()["status"] == "queued"
    clock.advance(1.0)
    assert poll(client, task_id).json()["status"] == "processing"
    clock.advance(2.999)
    assert poll(client, task_id).json()["status"] == "processing"
    clock.advance(0.001)
    assert poll(client, task_id).json()["status"] == "succeeded"


def test_updated_at_is_the_time_of_the_state_change_not_of_the_poll(client, clock):
    task_id = create(client).json()["id"]
    clock.advance(2.5)
    task = poll(client, task_id).json()
    assert task["updated_at"] == "2026-05-11T00:00:01.000Z"
    clock.advance(100)
    task = poll(client, task_id).json()
    assert task["updated_at"] == "2026-05-11T00:00:04.000Z"
    assert task["created_at"] == "2026-05-11T00:00:00.000Z"


def test_succeeded_task_has_one_result_url_and_keeps_its_credits(client, clock):
    task_id = create(client).json()["id"]
    clock.advance(4)
    response = poll(client, task_id)
    task = response.json()
    assert conforms_to_schema(response, "task.json")
    assert task["final_credits"] == task["reserved_credits"] == 3
    assert task["result"]["urls"] == [task["result"]["primary_url"]]
    assert task["result"]["primary_url"] == f"http://testserver/cdn/results/{task_id}/0.png"
    assert task["error"] is None
    assert credits(client) == 997


def test_failed_task_refunds_at_the_moment_of_failure_without_a_poll(make_client, clock):
    client = make_client(failure_rate=1.0)
    task_id = create(client).json()["id"]
    assert credits(client) == 997
    clock.advance(3.999)
    assert credits(client) == 997
    clock.advance(0.001)
    assert credits(client) == 1000
    task = poll(client, task_id).json()
    assert task["status"] == "failed" and task["final_credits"] == 0
    assert task["result"] is None
    assert task["error"]["code"] == "generation_failed"


def test_queued_seconds_zero_still_answers_queued_on_create(make_client, clock):
    client = make_client(queued_seconds=0)
    task = create(client).json()
    assert task["status"] == "queued"
    processing = poll(client, task["id"]).json()
    assert processing["status"] == "processing"
    assert processing["updated_at"] == task["created_at"]


def test_polls_progression_moves_one_state_per_owner_poll(make_client, clock):
    client = make_client(progression="polls")
    task_id = create(client).json()["id"]
    assert poll(client, task_id, OTHER_KEY).status_code == 404
    assert [poll(client, task_id).json()["status"] for _ in range(4)] == [
        "processing",
        "succeeded",
        "succeeded",
        "succeeded",
    ]


def test_knobs_are_copied_into_the_task_at_creation(make_client, clock):
    client = make_client(progression="polls")
    task_id = create(client).json()["id"]
    client.app.state.backend.profile = client.app.state.backend.profile.replace(progression="time")
    assert poll(client, task_id).json()["status"] == "processing"


def test_another_account_cannot_see_the_task(client):
    task_id = create(client).json()["id"]
    assert is_error(poll(client, task_id, OTHER_KEY), "not_found", 404)


@pytest.mark.parametrize("task_id", ["task_doesnotexist", "nonsense", "task_" + "a" * 24])
def test_unknown_or_malformed_task_id_is_not_found(client, task_id):
    assert is_error(poll(client, task_id), "not_found", 404)


def test_fail_marker_in_prompt_fails_the_task(client, clock):
    task_id = create(client, {"model": "z-image", "prompt": "x [mock:fail]"}).json()["id"]
    clock.advance(4)
    assert poll(client, task_id).json()["status"] == "failed"


def test_slow_marker_makes_processing_ten_times_longer(client, clock):
    task_id = create(client, {"model": "z-image", "prompt": "x [mock:slow]"}).json()["id"]
    clock.advance(30)
    assert poll(client, task_id).json()["status"] == "processing"
    clock.advance(1)
    assert poll(client, task_id).json()["status"] == "succeeded"


def test_markers_are_ignored_when_the_knob_is_off(make_client, clock):
    client = make_client(prompt_markers=False)
    task_id = create(client, {"model": "z-image", "prompt": "x [mock:fail]"}).json()["id"]
    clock.advance(4)
    assert poll(client, task_id).json()["status"] == "succeeded"


def test_same_seed_gives_the_same_ids(make_client):
    first, second = make_client(), make_client()
    assert create(first).json()["id"] == create(second).json()["id"]


def test_failure_rate_does_not_change_ids(make_client):
    assert create(make_client()).json()["id"] == create(make_client(failure_rate=1.0)).json()["id"]


def test_public_base_url_sets_the_result_url(make_client, clock):
    client = make_client(public_base_url="https://mock.example/prefix/")
    task_id = create(client).json()["id"]
    clock.advance(4)
    url = poll(client, task_id).json()["result"]["primary_url"]
    assert url == f"https://mock.example/prefix/cdn/results/{task_id}/0.png"
