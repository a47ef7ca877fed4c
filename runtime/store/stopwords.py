"""Stopword sets of a collection: Weaviate's `en` and `none` presets with additions and removals."""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import SchemaError

# Weaviate's `en` preset (adapters/repos/db/inverted/stopwords/presets.go), as the spec lists it.
EN = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "if",
        "in",
        "into",
        "is",
        "it",
        "no",
        "not",
        "of",
        "on",
        "or",
        "such",
        "that",
        "the",
        "their",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "will",
        "with",
    ]
)
PRESETS = {"en": EN, "none": frozenset()}


class Stopwords:
    """A preset plus additions minus removals; removed from BM25 queries and text filter values only."""

    def __init__(
        self,
        preset: str = "en",
        additions: Iterable[str] | None = None,
        removals: Iterable[str] | None = None,
    ) -> None:
        if preset not in PRESETS:
            raise SchemaError(
                f"invalid stopwords preset '{preset}'",
                hint=f"use one of {', '.join(repr(p) for p in PRESETS)} in invertedIndexConfig.stopwords.preset",
            )
        self.preset = preset
        self.additions = _words(additions, "additions")
        self.removals = _words(removals, "removals")
        both = sorted(set(self.additions) & set(self.removals))
        if both:
            raise SchemaError(
                f"found '{both[0]}' in both stopwords.additions and stopwords.removals",
                hint="a word can be added or removed, not both",
            )
        self._set = (PRESETS[preset] | frozenset(self.additions)) - frozenset(self.removals)

    @classmethod
    def from_config(cls, config: dict | None) -> Stopwords:
        """From invertedIndexConfig.stopwords ({preset, additions, removals}); None means the default."""
        config = config or {}
        if not isinstance(config, dict):
            raise SchemaError(
                "invertedIndexConfig.stopwords must be an object with preset, additions, removals"
            )
        return cls(config.get("preset") or "en", config.get("additions"), config.get("removals"))

    def contains(self, token: str) -> bool:
        return token in self._set

    __contains__ = contains

    def to_config(self) -> dict:
        """The config dict from_config accepts: used for persistence and the class definition."""
        return {
            "preset": self.preset,
            "additions": list(self.additions) or None,
            "removals": list(self.removals) or None,
        }

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Stopwords) and self._set == other._set

    __hash__ = None  # mutable-looking value object, compared by content

    def __repr__(self) -> str:
        return f"Stopwords(preset={self.preset!r}, additions={self.additions!r}, removals={self.removals!r})"


def _words(words: Iterable[str] | None, field: str) -> list[str]:
    if words is None:
        return []
    if isinstance(words, str) or not all(isinstance(w, str) for w in words):
        raise SchemaError(f"stopwords.{field} must be a list of strings")
    # Query tokens of word tokenization are lowercase, so a capitalised entry would never match.
    return [w.lower() for w in words]
