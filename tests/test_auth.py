"""Authentication and scopes (spec §3)."""

import pytest
from support import KEY, auth, create, credits, is_error

from mockserver import AccountSpec

ACCOUNTS = (
    AccountSpec("rvya_sk_revoked_key_01", revoked=True),
    AccountSpec("rvya_sk_expired_key_01", expired=True),
    AccountSpec("rvya_sk_readonly_key_1", credits=5, scopes=("generations:read", "credits:read")),
)


@pytest.fixture
def accounts_client(make_client):
    return make_client(accounts=ACCOUNTS, auto_provision_keys=False)


@pytest.mark.parametrize(
    "header", [None, "", "Bearer", "Bearer   ", "Basic abc", "Token rvya_sk_abcdefgh"]
)
def test_missing_or_non_bearer_header_is_api_key_missing(client, header):
    headers = {} if header is None else {"Authorization": header}
    assert is_error(client.get("/api/v1/credits", headers=headers), "api_key_missing", 401)


@pytest.mark.parametrize(
    "token", ["nope", "rvya_sk_short", "rvya_pk_abcdefghij", "rvya_sk_bad key!"]
)
def test_malformed_key_is_api_key_invalid(client, token):
    assert is_error(client.get("/api/v1/credits", headers=auth(token)), "api_key_invalid", 401)


def test_scheme_is_case_insensitive_and_whitespace_ignored(client):
    response = client.get("/api/v1/credits", headers={"Authorization": f"  bEaReR   {KEY}  "})
    assert response.status_code == 200


def test_well_formed_key_is_auto_provisioned_with_starting_credits(make_client):
    client = make_client(starting_credits=42)
    assert credits(client, "rvya_sk_brand_new_key") == 42


def test_auto_provisioning_can_be_turned_off(accounts_client):
    response = accounts_client.get("/api/v1/credits", headers=auth("rvya_sk_brand_new_key"))
    assert is_error(response, "api_key_invalid", 401)


def test_configured_account_has_its_credits(accounts_client):
    assert credits(accounts_client, "rvya_sk_readonly_key_1") == 5


def test_revoked_key_is_api_key_revoked(accounts_client):
    response = accounts_client.get("/api/v1/credits", headers=auth("rvya_sk_revoked_key_01"))
    assert is_error(response, "api_key_revoked", 401)


def test_expired_key_is_api_key_expired(accounts_client):
    response = accounts_client.get("/api/v1/credits", headers=auth("rvya_sk_expired_key_01"))
    assert is_error(response, "api_key_expired", 401)


def test_missing_scope_is_api_scope_denied(accounts_client):
    response = create(accounts_client, key="rvya_sk_readonly_key_1")
    assert is_error(response, "api_scope_denied", 403)


@pytest.mark.parametrize("path", ["/api/v1/models", "/api/v1/openapi.json"])
def test_public_routes_ignore_the_authorization_header(client, path):
    assert client.get(path, headers={"Authorization": "Bearer garbage"}).status_code == 200
