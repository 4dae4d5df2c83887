"""The behaviour profile: knobs, files, precedence and the errors that name a bad knob."""

import json

import pytest

from mockserver.profile import (
    Profile,
    ProfileError,
    apply_knobs,
    load_profile_file,
    parse_assignment,
    profile_to_dict,
)


def test_defaults_are_the_spec_defaults():
    profile = Profile()
    assert (
        profile.create_status,
        profile.insufficient_credits_status,
        profile.queued_seconds,
        profile.processing_seconds,
        profile.rate_limit_per_minute,
        profile.rate_limit_burst,
        profile.starting_credits,
        profile.megabyte,
    ) == (202, 402, 1.0, 3.0, 120, 30, 1000, 1_000_000)


@pytest.mark.parametrize(
    ("text", "value"), [("true", True), ("0", False), ("YES", True), ("no", False)]
)
def test_booleans_accept_the_documented_spellings(text, value):
    assert apply_knobs(Profile(), {"auto_provision_keys": text}).auto_provision_keys is value


@pytest.mark.parametrize(
    ("knob", "value"),
    [
        ("nope", "1"),
        ("create_status", "abc"),
        ("queued_seconds", "-1"),
        ("failure_rate", "2"),
        ("progression", "sometimes"),
        ("public_base_url", "ftp://x"),
        ("public_base_url", "/relative"),
        ("megabyte", "0"),
        ("auto_provision_keys", "maybe"),
        ("prompt_length_unit", "bytes"),
    ],
)
def test_bad_knob_raises_naming_it(knob, value):
    with pytest.raises(ProfileError, match=knob):
        apply_knobs(Profile(), {knob: value})


def test_profile_file_json_with_accounts(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(
        json.dumps(
            {
                "create_status": 201,
                "accounts": [
                    {"key": "rvya_sk_first_key_1", "credits": 10, "scopes": ["credits:read"]}
                ],
            }
        )
    )
    profile = load_profile_file(path)
    assert profile.create_status == 201
    assert profile.accounts[0].credits == 10 and profile.accounts[0].scopes == ("credits:read",)


def test_profile_file_toml(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text(
        'progression = "polls"\nqueued_seconds = 0.5\n[[accounts]]\nkey = "rvya_sk_toml_key_1"\n'
    )
    profile = load_profile_file(path)
    assert profile.progression == "polls" and profile.queued_seconds == 0.5


@pytest.mark.parametrize(
    "content",
    [
        "{",
        "[]",
        '{"accounts": [{"key": "bad"}]}',
        '{"accounts": [{"key": "rvya_sk_ok_key_1", "extra": 1}]}',
    ],
)
def test_bad_profile_file_raises(tmp_path, content):
    path = tmp_path / "p.json"
    path.write_text(content)
    with pytest.raises(ProfileError):
        load_profile_file(path)


def test_profile_round_trips_through_its_file_format(tmp_path):
    profile = apply_knobs(
        Profile(), {"create_status": 201, "accounts": [{"key": "rvya_sk_round_trip"}]}
    )
    path = tmp_path / "p.json"
    path.write_text(json.dumps(profile_to_dict(profile)))
    assert load_profile_file(path) == profile


def test_set_assignment_needs_an_equals_sign():
    assert parse_assignment("a=b=c") == ("a", "b=c")
    with pytest.raises(ProfileError):
        parse_assignment("novalue")
