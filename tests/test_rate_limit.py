"""Rate limits (spec §11): a per-account token bucket on real monotonic time."""

import pytest
from support import OTHER_KEY, auth, is_error

from mockserver.errors import RateLimited
from mockserver.ratelimit import RateLimiter


class FakeMonotonic:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_burst_then_429_with_whole_second_retry_after():
    time = FakeMonotonic()
    limiter = RateLimiter(per_minute=120, burst=30, monotonic=time)
    for _ in range(30):
        limiter.take("a")
    with pytest.raises(RateLimited) as caught:
        limiter.take("a")
    assert caught.value.headers["Retry-After"] == "1"


def test_retry_after_rounds_up_and_is_at_least_one():
    time = FakeMonotonic()
    limiter = RateLimiter(per_minute=7, burst=1, monotonic=time)
    limiter.take("a")
    with pytest.raises(RateLimited) as caught:
        limiter.take("a")
    assert caught.value.headers["Retry-After"] == "9"  # 60/7 = 8.57 s


def test_bucket_refills_over_time():
    time = FakeMonotonic()
    limiter = RateLimiter(per_minute=60, burst=2, monotonic=time)
    limiter.take("a")
    limiter.take("a")
    time.now += 1.0
    limiter.take("a")


def test_zero_per_minute_disables_limiting():
    limiter = RateLimiter(per_minute=0, burst=1)
    for _ in range(1000):
        limiter.take("a")


def test_default_limits_give_429_after_the_burst_over_http(make_client):
    client = make_client(rate_limit_per_minute=120)
    statuses = [client.get("/api/v1/credits", headers=auth()).status_code for _ in range(31)]
    assert statuses[:30] == [200] * 30
    response = client.get("/api/v1/credits", headers=auth())
    assert is_error(response, "rate_limited", 429)
    assert int(response.headers["retry-after"]) >= 1


def test_accounts_have_their_own_buckets(make_client):
    client = make_client(rate_limit_per_minute=60, rate_limit_burst=1)
    assert client.get("/api/v1/credits", headers=auth()).status_code == 200
    assert client.get("/api/v1/credits", headers=auth()).status_code == 429
    assert client.get("/api/v1/credits", headers=auth(OTHER_KEY)).status_code == 200


def test_rejected_auth_takes_no_token(make_client):
    client = make_client(rate_limit_per_minute=60, rate_limit_burst=1)
    for _ in range(5):
        client.get("/api/v1/credits", headers=auth("rvya_sk_x"))
    assert client.get("/api/v1/credits", headers=auth()).status_code == 200


def test_public_routes_take_no_token(make_client):
    client = make_client(rate_limit_per_minute=60, rate_limit_burst=1)
    for _ in range(5):
        client.get("/api/v1/models", headers=auth())
    assert client.get("/api/v1/credits", headers=auth()).status_code == 200


def test_a_rejected_body_still_takes_a_token(make_client):
    client = make_client(rate_limit_per_minute=60, rate_limit_burst=1)
    client.post("/api/v1/generations", json={}, headers=auth())
    assert client.get("/api/v1/credits", headers=auth()).status_code == 429
