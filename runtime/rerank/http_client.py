"""JSON over HTTP with the standard library: one POST, a timeout, and errors as (status, message)."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class Response:
    """Status, raw body, the decoded JSON (None when the body is not JSON), and a Retry-After value."""

    status: int
    body: bytes
    data: Any
    retry_after: float | None = None

    def message(self) -> str:
        """The service's own error text: a JSON 'message'/'error'/'detail' field, else the body."""
        if isinstance(self.data, dict):
            for field in ("message", "error", "detail"):
                value = self.data.get(field)
                if value:
                    return value if isinstance(value, str) else json.dumps(value)
        text = self.body.decode("utf-8", "replace").strip()
        return text[:300] or "(empty response)"


class TransportError(Exception):
    """The request never got an HTTP answer: refused, unreachable, or timed out."""

    def __init__(self, reason: str, timed_out: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.timed_out = timed_out


def post_json(
    url: str, payload: Any, headers: dict[str, str] | None = None, timeout: float = 30.0
) -> Response:
    """POST `payload` as JSON and return the answer whatever its status; TransportError without one."""
    data = json.dumps(payload).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="POST")
    request.add_header("Content-Type", "application/json")
    request.add_header("Accept", "application/json")
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return _response(answer.status, answer.read(), answer.headers.get("Retry-After"))
    except urllib.error.HTTPError as exc:
        body = exc.read() if exc.fp is not None else b""
        return _response(exc.code, body, exc.headers.get("Retry-After") if exc.headers else None)
    except TimeoutError as exc:
        raise TransportError(f"timed out after {timeout:g}s", timed_out=True) from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, (TimeoutError, socket.timeout)):
            raise TransportError(f"timed out after {timeout:g}s", timed_out=True) from exc
        raise TransportError(str(exc.reason)) from exc
    except (ConnectionError, OSError) as exc:
        raise TransportError(str(exc)) from exc


def _response(status: int, body: bytes, retry_after: str | None) -> Response:
    try:
        data = json.loads(body) if body else None
    except ValueError:
        data = None
    try:
        wait = float(retry_after) if retry_after else None
    except ValueError:
        wait = None
    return Response(status, body, data, wait)
