"""One rule for REST and gRPC: is an error the client's (a bad request) or the server's (a model, the disk)?"""

from __future__ import annotations

from ..errors import ObjectError, RankqlError, SchemaError, SearchError, TenantError

INTERNAL_MESSAGE = "internal server error; the server log has the details"


def is_client_error(exc: RankqlError) -> bool:
    """True when what the request asked for is wrong (REST 422, gRPC INVALID_ARGUMENT); False when the
    server cannot do it (a model that does not load, a folder that cannot be written: REST 500, gRPC
    UNAVAILABLE)."""
    return isinstance(exc, SchemaError | ObjectError | SearchError | TenantError)


def error_text(exc: RankqlError) -> str:
    """The message a client sees for a rankql error, with its hint on the same line."""
    return exc.message + (f" (hint: {exc.hint})" if exc.hint else "")
