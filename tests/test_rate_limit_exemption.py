"""The control plane can let one account off the rate limit (the contract kit does, for its run)."""

from __future__ import annotations

from support import auth, is_error


def test_an_exempt_account_is_never_rate_limited_and_others_still_are(make_client):
    client = make_client(rate_limit_per_minute=60, rate_limit_burst=1)
    client.get("/api/v1/credits", headers=auth("rvya_sk_other_account"))
    lifted = client.put("/_mock/accounts/rvya_sk_other_account/rate-limit", json={"enabled": False})
    assert lifted.status_code == 200 and lifted.json()["rate_limited"] is False
    assert all(
        client.get("/api/v1/credits", headers=auth("rvya_sk_other_account")).status_code == 200
        for _ in range(5)
    )
    assert client.get("/api/v1/credits", headers=auth()).status_code == 200
    assert is_error(client.get("/api/v1/credits", headers=auth()), "rate_limited", 429)


def test_the_limit_can_be_put_back(make_client):
    client = make_client(rate_limit_per_minute=60, rate_limit_burst=1)
    client.get("/api/v1/credits", headers=auth())
    client.put("/_mock/accounts/rvya_sk_test_owner_0001/rate-limit", json={"enabled": False})
    client.put("/_mock/accounts/rvya_sk_test_owner_0001/rate-limit", json={"enabled": True})
    assert is_error(client.get("/api/v1/credits", headers=auth()), "rate_limited", 429)


def test_a_bad_switch_is_validation_failed(make_client):
    client = make_client()
    client.get("/api/v1/credits", headers=auth())
    body = {"enabled": "no"}
    response = client.put("/_mock/accounts/rvya_sk_test_owner_0001/rate-limit", json=body)
    assert is_error(response, "validation_failed", 400)
    assert is_error(
        client.put("/_mock/accounts/acct_missing/rate-limit", json={"enabled": False}),
        "not_found",
        404,
    )
