"""Errors of the gRPC half: each becomes a gRPC status with a message the v4 client shows as it is."""

from __future__ import annotations

import grpc


class GrpcFailure(Exception):
    """A request the server answers with a non-OK status."""

    code = grpc.StatusCode.UNKNOWN

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidRequest(GrpcFailure):
    """The request cannot be bound to a query (unsupported option, bad value)."""

    code = grpc.StatusCode.INVALID_ARGUMENT


class NotSupported(GrpcFailure):
    """A Weaviate capability rankql does not have yet."""

    code = grpc.StatusCode.UNIMPLEMENTED
