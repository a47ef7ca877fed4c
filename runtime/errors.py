"""Errors the engine raises: each says what went wrong and what to do, and carries a stable code."""

from __future__ import annotations


class RankqlError(Exception):
    """Base of every engine error a user may see; never shown with a traceback."""

    code = "E000"

    def __init__(self, message: str, *, hint: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\nhint: {self.hint}"


class SchemaError(RankqlError):
    """A collection definition is invalid (names, data types, modules)."""

    code = "S100"


class ObjectError(RankqlError):
    """An object does not fit its collection (types, unknown property, id, vector size)."""

    code = "O100"


class ModelLoadError(RankqlError):
    """A vectorizer or reranker model cannot be loaded."""

    code = "M100"


class StorageError(RankqlError):
    """A database folder is damaged, foreign, or cannot be written."""

    code = "D100"


class SearchError(RankqlError):
    """A search cannot run as asked (filter type mismatch, stopword-only term, ...)."""

    code = "R100"


class RerankError(RankqlError):
    """A reranker failed: a model error, an HTTP status, a timeout."""

    code = "K100"


class TenantError(RankqlError):
    """A request names no tenant of a multi-tenant class, an unknown or inactive tenant, or a tenant of a
    class without multi-tenancy (Weaviate's own messages), or a tenant change Weaviate refuses."""

    code = "T100"
