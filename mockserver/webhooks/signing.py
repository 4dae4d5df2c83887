"""Standard Webhooks signing: the `webhook-id`, `webhook-timestamp` and `webhook-signature`
headers, computed by the `standardwebhooks` library that receivers verify with."""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from standardwebhooks import Webhook


@functools.lru_cache(maxsize=1024)
def _signer(secret: str) -> Webhook:
    return Webhook(secret)


def sign(secret: str, event_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` keyed with the decoded secret."""
    when = datetime.fromtimestamp(timestamp, tz=UTC)
    return _signer(secret).sign(event_id, when, body.decode("utf-8"))


def signed_headers(
    secrets: list[str], event_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The headers of one attempt: one signature per secret in force, space-separated."""
    return {
        "content-type": "application/json",
        "webhook-id": event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(sign(s, event_id, timestamp, body) for s in secrets),
    }
