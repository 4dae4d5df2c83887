"""The API's errors: small classes carrying `code` and HTTP status, rendered in one handler.

ApiError
├── ValidationFailed          validation_failed      400 (413 too large, 405 wrong method)
├── AuthError
│   ├── ApiKeyMissing         api_key_missing        401
│   ├── ApiKeyInvalid         api_key_invalid        401
│   ├── ApiKeyRevoked         api_key_revoked        401
│   └── ApiKeyExpired         api_key_expired        401
├── ScopeDenied               api_scope_denied       403
├── NotFound                  not_found              404
├── IdempotencyConflict       idempotency_conflict   409
├── InsufficientCredits       insufficient_credits   402 (knob insufficient_credits_status)
├── RateLimited               rate_limited           429 (+ Retry-After)
├── PublicApiDisabled         public_api_disabled    503
├── WebhookUrlRejected        webhook_url_rejected   400
├── ClientDisconnected        client_disconnected    499 (never sent: the client left mid-body)
└── InternalError             internal_error         500
"""

from __future__ import annotations


class ApiError(Exception):
    code = "internal_error"
    status = 500
    default_message = "Internal server error."

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        rule: str | None = None,
    ) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)
        if status is not None:
            self.status = status
        self.headers = headers or {}
        # `rule` names which documented rule rejected the request (for the request journal).
        self.rule = rule or self.code


class ValidationFailed(ApiError):
    code = "validation_failed"
    status = 400
    default_message = "The request is invalid."


class AuthError(ApiError):
    status = 401


class ApiKeyMissing(AuthError):
    code = "api_key_missing"
    default_message = "Missing API key: send Authorization: Bearer rvya_sk_..."


class ApiKeyInvalid(AuthError):
    code = "api_key_invalid"
    default_message = "The API key is invalid."


class ApiKeyRevoked(AuthError):
    code = "api_key_revoked"
    default_message = "The API key has been revoked."


class ApiKeyExpired(AuthError):
    code = "api_key_expired"
    default_message = "The API key has expired."


class ScopeDenied(ApiError):
    code = "api_scope_denied"
    status = 403
    default_message = "The API key lacks the scope this operation needs."


class NotFound(ApiError):
    code = "not_found"
    status = 404
    default_message = "Not found."


class IdempotencyConflict(ApiError):
    code = "idempotency_conflict"
    status = 409
    default_message = "The Idempotency-Key was already used with a different request."


class InsufficientCredits(ApiError):
    code = "insufficient_credits"
    status = 402
    default_message = "Not enough credits for this generation."


class RateLimited(ApiError):
    code = "rate_limited"
    status = 429
    default_message = "Too many requests; retry after the time in Retry-After."


class PublicApiDisabled(ApiError):
    code = "public_api_disabled"
    status = 503
    default_message = "The public API is disabled."


class WebhookUrlRejected(ApiError):
    code = "webhook_url_rejected"
    status = 400
    default_message = "url: this webhook URL is not allowed."


class ClientDisconnected(ApiError):
    """The client closed the connection before its body arrived (the journal records it so).

    Not an API error code: there is nobody left to send it to. 499 is nginx's status for it.
    """

    code = "client_disconnected"
    status = 499
    default_message = "The client closed the connection before sending the whole body."

    def __init__(self) -> None:
        super().__init__(rule="client_disconnected")


class InternalError(ApiError):
    pass
