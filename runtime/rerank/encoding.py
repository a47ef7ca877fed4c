"""Pair encoding without re-tokenizing documents: cached token ids, the pair template, longest-first cuts."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np

_PROBES = (
    ("what is the capital of france?", "Paris is the capital and largest city of France."),
    ("Who wrote Dune", "Frank Herbert's 1965 novel; it won the Hugo award. [x] 3.14 naïve café"),
)


@dataclass(slots=True)
class PairTemplate:
    """Special tokens around a (query, document) pair and the token type of each segment."""

    prefix: list[int]
    middle: list[int]
    suffix: list[int]
    first_type: int  # type of prefix, query and middle tokens
    second_type: int  # type of document and suffix tokens
    pad_id: int = 0  # filled in by the scorer from the tokenizer

    @property
    def specials(self) -> int:
        return len(self.prefix) + len(self.middle) + len(self.suffix)


def longest_first(n_query: int, n_doc: int, budget: int) -> tuple[int, int]:
    """Tokens kept of each side under the tokenizers library's 'longest_first' pair truncation.

    The shorter side stays whole when it fits; when both are too long the budget is halved and the
    odd token goes to the side that was longer. Same arithmetic as the Rust tokenizers, so the ids we
    assemble equal what the tokenizer would have produced.
    """
    if n_query + n_doc <= budget:
        return n_query, n_doc
    swap = n_query > n_doc
    n1, n2 = (n_doc, n_query) if swap else (n_query, n_doc)
    n2 = n1 if n1 > budget else max(n1, budget - n1)
    if n1 + n2 > budget:
        n1 = budget // 2
        n2 = n1 + budget % 2
    if swap:
        n1, n2 = n2, n1
    return min(n1, n_query), min(n2, n_doc)


class TextEncoder:
    """Token ids of single texts (no special tokens), from a private copy of a fast tokenizer."""

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer
        backend = (
            getattr(tokenizer, "backend_tokenizer", None) if getattr(tokenizer, "is_fast", False) else None
        )
        self._backend = None
        if backend is not None:
            from tokenizers import Tokenizer

            # A copy: transformers leaves truncation and padding switched on in the shared backend after
            # a call, which would cut or pad our single-text encodings.
            self._backend = Tokenizer.from_str(backend.to_str())
            self._backend.no_truncation()
            self._backend.no_padding()

    def encode(self, texts: list[str]) -> list[list[int]]:
        if not texts:
            return []
        if self._backend is not None:
            return [e.ids for e in self._backend.encode_batch(texts, add_special_tokens=False)]
        return [self.tokenizer.encode(t, add_special_tokens=False) for t in texts]


def detect_template(tokenizer: Any, encoder: TextEncoder) -> PairTemplate | None:
    """The pair template of `tokenizer`, or None when assembling ids would not reproduce its output."""
    template = None
    for query, doc in _PROBES:
        full = tokenizer(query, doc, add_special_tokens=True, truncation=False)
        ids = list(full["input_ids"])
        types = list(full.get("token_type_ids") or [0] * len(ids))
        q_ids, d_ids = encoder.encode([query, doc])
        start = _find(ids, q_ids, 0)
        if start < 0:
            return None
        d_start = _find(ids, d_ids, start + len(q_ids))
        if d_start < 0:
            return None
        first, second = types[start] if q_ids else 0, types[d_start] if d_ids else 0
        found = PairTemplate(
            ids[:start], ids[start + len(q_ids) : d_start], ids[d_start + len(d_ids) :], first, second
        )
        if template is not None and found != template:
            return None
        template = found
        if assemble(template, q_ids, d_ids)[0] != ids or assemble(template, q_ids, d_ids)[1] != types:
            return None
    return template


def _find(haystack: list[int], needle: list[int], start: int) -> int:
    if not needle:
        return start
    for i in range(start, len(haystack) - len(needle) + 1):
        if haystack[i : i + len(needle)] == needle:
            return i
    return -1


def assemble(template: PairTemplate, q_ids: list[int], d_ids: list[int]) -> tuple[list[int], list[int]]:
    """input_ids and token_type_ids of one pair (already truncated)."""
    first = template.prefix + q_ids + template.middle
    second = d_ids + template.suffix
    return first + second, [template.first_type] * len(first) + [template.second_type] * len(second)


class TokenCache:
    """Token ids of texts seen before (documents repeat across queries): an LRU keyed by the text.

    Ids are kept up to `keep` tokens, with the full length beside them, because longest-first
    truncation depends on the untruncated length.
    """

    def __init__(self, encoder: TextEncoder, keep: int, size: int = 100_000) -> None:
        self.encoder = encoder
        self.keep = keep
        self.size = size
        self._data: OrderedDict[str, tuple[np.ndarray, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get_many(self, texts: list[str]) -> dict[str, tuple[np.ndarray, int]]:
        """(ids, full length) for each distinct text, tokenizing only the ones not cached, in one call."""
        out: dict[str, tuple[np.ndarray, int]] = {}
        missing: list[str] = []
        with self._lock:
            for text in dict.fromkeys(texts):
                entry = self._data.get(text)
                if entry is None:
                    missing.append(text)
                else:
                    self._data.move_to_end(text)
                    out[text] = entry
        if missing:
            encoded = self.encoder.encode(missing)
            with self._lock:
                for text, ids in zip(missing, encoded, strict=True):
                    entry = (np.asarray(ids[: self.keep], dtype=np.int64), len(ids))
                    out[text] = entry
                    self._data[text] = entry
                while len(self._data) > self.size:
                    self._data.popitem(last=False)
        return out


def build_batch(template: PairTemplate, rows: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, ...]:
    """input_ids, attention_mask and token_type_ids for (query ids, document ids) rows, already cut,
    right-padded to the longest row. Built from one concatenation: no per-token Python work."""
    prefix = np.asarray(template.prefix, dtype=np.int64)
    middle = np.asarray(template.middle, dtype=np.int64)
    suffix = np.asarray(template.suffix, dtype=np.int64)
    pieces = []
    lengths = np.empty(len(rows), dtype=np.int64)
    second = np.empty(len(rows), dtype=np.int64)  # where the document segment starts
    for r, (q_ids, d_ids) in enumerate(rows):
        pieces += (prefix, q_ids, middle, d_ids, suffix)
        second[r] = len(prefix) + len(q_ids) + len(middle)
        lengths[r] = second[r] + len(d_ids) + len(suffix)
    positions = np.arange(int(lengths.max()), dtype=np.int64)
    mask = positions[None, :] < lengths[:, None]
    input_ids = np.full(mask.shape, template.pad_id, dtype=np.int64)
    input_ids[mask] = np.concatenate(pieces)  # row-major order = the order of the pieces
    types = np.where(positions[None, :] >= second[:, None], template.second_type, template.first_type)
    return input_ids, mask.astype(np.int64), (types * mask).astype(np.int64)
