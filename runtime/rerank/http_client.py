"""JSON over HTTP with the standard library: one POST under a wall-clock deadline, errors as (status, message).

A socket timeout bounds each read, not the request: a server trickling one byte at a time would hold it
for ever. A timer closes the connection when the deadline passes, whatever the request is waiting for.
Error texts never repeat the request's header values (an API key), even when the server echoes them.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

REDACTED = "[redacted]"


@dataclass(slots=True)
class Response:
    """Status, raw body, the decoded JSON (None when the body is not JSON), and a Retry-After value."""

    status: int
    body: bytes
    data: Any
    retry_after: float | None = None
    secrets: tuple[str, ...] = ()  # header values of the request: never shown

    def message(self) -> str:
        """The service's own error text: a JSON 'message'/'error'/'detail' field, else the body."""
        if isinstance(self.data, dict):
            for field in ("message", "error", "detail"):
                value = self.data.get(field)
                if value:
                    return redact(value if isinstance(value, str) else json.dumps(value), self.secrets)
        text = self.body.decode("utf-8", "replace").strip()
        return redact(text[:300] or "(empty response)", self.secrets)


class TransportError(Exception):
    """The request never got an HTTP answer: refused, unreachable, or timed out."""

    def __init__(self, reason: str, timed_out: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.timed_out = timed_out


def secrets_of(headers: dict[str, str] | None) -> tuple[str, ...]:
    """What must never appear in an error: each header value, and each longer word of it (the key of
    'Bearer <key>'), longest first so that a value is replaced whole before its parts."""
    found: set[str] = set()
    for value in (headers or {}).values():
        text = str(value)
        found.add(text)
        found.update(word for word in text.split() if len(word) >= 8)
    return tuple(sorted((s for s in found if len(s) >= 4), key=len, reverse=True))


def redact(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return text


class _Deadline:
    """Closes every connection of one request when its time is up (see the module docstring)."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._finished = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def track(self, connection_class: type) -> Callable[..., http.client.HTTPConnection]:
        """A factory of `connection_class` connections whose sockets this deadline can close."""

        def make(*args: Any, **kwargs: Any) -> http.client.HTTPConnection:
            connection = connection_class(*args, **kwargs)
            connect = connection.connect

            def tracked_connect() -> None:
                connect()
                # The socket itself: urllib drops connection.sock once the headers are read.
                with self._lock:
                    self._sockets.append(connection.sock)
                    if self.expired:
                        self._shut(connection.sock)

            connection.connect = tracked_connect  # type: ignore[method-assign]
            return connection

        return make

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def finish(self) -> bool:
        """Mark the answer read in full; False when the deadline came first (the body may be cut)."""
        with self._lock:
            self._finished = True
            return not self.expired

    def _expire(self) -> None:
        with self._lock:
            if self._finished:
                return
            self.expired = True
            for sock in self._sockets:
                self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        # The plain socket's shutdown (also under TLS) wakes a read blocked in the other thread.
        with contextlib.suppress(OSError):  # already closed
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _TrackedHTTP(urllib.request.HTTPHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def do_open(self, http_class: Any, req: Any, **kwargs: Any) -> Any:
        return super().do_open(self._deadline.track(http_class), req, **kwargs)


class _TrackedHTTPS(urllib.request.HTTPSHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def do_open(self, http_class: Any, req: Any, **kwargs: Any) -> Any:
        return super().do_open(self._deadline.track(http_class), req, **kwargs)


def _check_headers(headers: dict[str, str]) -> None:
    """HTTP header values cannot hold line breaks or characters beyond Latin-1: say which header, not
    the value (http.client's own error repeats it, and it is often a key)."""
    for key, value in headers.items():
        text = str(value)
        if any(c in text for c in "\r\n\0") or any(ord(c) > 255 for c in text):
            raise TransportError(
                f"request header '{key}' holds a line break or a character HTTP headers cannot carry "
                "(check for a stray newline or a pasted non-ASCII character)"
            )


def post_json(
    url: str, payload: Any, headers: dict[str, str] | None = None, timeout: float = 30.0
) -> Response:
    """POST `payload` as JSON and return the answer whatever its status; TransportError without one.

    `timeout` is a deadline for the whole request (connect, send, headers and body), in seconds.
    """
    headers = headers or {}
    _check_headers(headers)
    secrets = secrets_of(headers)
    data = json.dumps(payload).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="POST")
    request.add_header("Content-Type", "application/json")
    request.add_header("Accept", "application/json")
    for key, value in headers.items():
        request.add_header(key, value)
    timed_out = TransportError(f"timed out after {timeout:g}s", timed_out=True)
    with _Deadline(timeout) as deadline:
        opener = urllib.request.build_opener(_TrackedHTTP(deadline), _TrackedHTTPS(deadline))
        try:
            try:
                with opener.open(request, timeout=timeout) as answer:
                    response = _response(answer.status, answer.read(), answer.headers.get("Retry-After"))
            except urllib.error.HTTPError as exc:
                body = exc.read() if exc.fp is not None else b""
                retry = exc.headers.get("Retry-After") if exc.headers else None
                response = _response(exc.code, body, retry)
        except TimeoutError as exc:
            raise timed_out from exc
        except urllib.error.URLError as exc:
            if deadline.expired or isinstance(exc.reason, (TimeoutError, socket.timeout)):
                raise timed_out from exc
            raise TransportError(redact(str(exc.reason), secrets)) from exc
        except (http.client.HTTPException, OSError) as exc:
            if deadline.expired:
                raise timed_out from exc
            raise TransportError(redact(str(exc) or type(exc).__name__, secrets)) from exc
        if not deadline.finish():  # a body cut short by the deadline may still have parsed
            raise timed_out
    response.secrets = secrets
    return response


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
