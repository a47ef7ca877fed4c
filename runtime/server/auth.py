"""Weaviate-style API-key checks: `Authorization: Bearer <key>` against the keys the server was given."""

from __future__ import annotations

import hmac
from collections.abc import Sequence


def bearer_token(header_value: str | None) -> str | None:
    """The key of an `Authorization: Bearer <key>` header value (scheme case-insensitive), else None."""
    if not header_value:
        return None
    scheme, _, token = header_value.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


def authorized(header_value: str | None, api_keys: Sequence[str]) -> bool:
    """True when no keys are configured, or the header carries one of them as a bearer token."""
    if not api_keys:
        return True
    token = bearer_token(header_value)
    if token is None:
        return False
    given = token.encode()
    # compare_digest against every key: the time taken does not reveal which prefix matched.
    matches = [hmac.compare_digest(given, key.encode()) for key in api_keys]
    return any(matches)
