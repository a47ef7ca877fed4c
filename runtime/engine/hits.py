"""What flows between operators: a hit on one stored object, with its scores so far."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload

import numpy as np


@dataclass(slots=True)
class RerankInfo:
    """What _additional.rerank shows for one hit."""

    score: float | None  # the reranker's raw score; None when the reranker failed (KEEP_ORDER)
    rank: int  # 0-based position before reranking
    model: str  # provider and model, e.g. "reranker-transformers:cross-encoder/ms-marco-MiniLM-L-6-v2"
    cached: bool  # the score came from the score cache
    status: str  # "ok", or "failed: <reason>" when onError KEEP_ORDER kept the first-stage order


@dataclass(slots=True)
class Hit:
    """One object in a result list. Fields a search path does not produce stay None."""

    doc_id: int
    distance: float | None = None  # vector search: the metric as Weaviate reports it
    score: float | None = None  # bm25 or fused hybrid score (float32 value)
    explain: str | None = None  # explainScore text
    secondary: float | None = None  # hybrid tie-break (Weaviate's SecondarySortValue)
    rerank: RerankInfo | None = None


class HitList(Sequence[Hit]):
    """Hits kept as columns (numpy arrays or lists); Hit objects are made only for the rows that are read.

    Retrieval and fusion produce pools of a hundred or more hits of which a page of ten is kept: making
    every Hit would cost more than the search. Indexing gives a Hit, slicing a plain list of Hits (with
    Python ints and floats, as Hit fields always hold).
    """

    __slots__ = ("ids", "distances", "scores", "explains", "secondary")

    def __init__(
        self,
        ids: Any,
        *,
        distances: Any = None,
        scores: Any = None,
        explains: list[str | None] | None = None,
        secondary: Any = None,
    ) -> None:
        self.ids = ids
        self.distances = distances
        self.scores = scores
        self.explains = explains
        self.secondary = secondary

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> Hit: ...
    @overload
    def __getitem__(self, index: slice) -> list[Hit]: ...
    def __getitem__(self, index: int | slice) -> Hit | list[Hit]:
        if isinstance(index, slice):
            return self._rows(index)
        n = len(self.ids)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("hit index out of range")
        return self._rows(slice(index, index + 1))[0]

    def _rows(self, part: slice) -> list[Hit]:
        ids = _plain(self.ids[part])
        n = len(ids)
        none = [None] * n
        columns = (self.distances, self.scores, self.explains, self.secondary)
        distances, scores, explains, secondary = (none if c is None else _plain(c[part]) for c in columns)
        return list(map(Hit, ids, distances, scores, explains, secondary))

    def __iter__(self) -> Iterator[Hit]:
        return iter(self._rows(slice(None)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, HitList | list):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # compares like a list

    def __repr__(self) -> str:
        return f"HitList({list(self)!r})"


class FusedHits(HitList):
    """A fusion's result as packed (doc, score, secondary) records: a page becomes Hits with one numpy call.

    The columns are views of the records, made only when read.
    """

    __slots__ = ("records",)

    def __init__(self, records: np.ndarray) -> None:  # the columns are properties below
        self.records = records

    ids = property(lambda self: self.records["doc"])  # type: ignore[assignment]
    scores = property(lambda self: self.records["score"])  # type: ignore[assignment]
    secondary = property(lambda self: self.records["secondary"])  # type: ignore[assignment]
    distances = property(lambda self: None)  # type: ignore[assignment]
    explains = property(lambda self: None)  # type: ignore[assignment]

    def __len__(self) -> int:
        return len(self.records)

    def _rows(self, part: slice) -> list[Hit]:
        return [Hit(d, None, s, None, x) for d, s, x in self.records[part].tolist()]


def _plain(column: Any) -> list:
    """A column part as a list of Python values (numpy scalars never reach a Hit)."""
    return column.tolist() if isinstance(column, np.ndarray) else list(column)
