"""bm25's AndCross operator: a doc must hold every query term, each in any of the searched properties.

As Weaviate (adapters/repos/db/inverted/bm25_searcher.go sharedCrossPropQueryTerms and lsmkv
DoBlockMaxAndCrossProp): the searched properties must tokenize the query the same way, each term's
postings are merged across them, and the docs in every merged list are the candidates; scores are the
usual BM25F sum. A query without terms (all stopwords) falls back to the regular search.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import SearchError


def and_cross(index: Any, query: str, groups: dict[str, list[str]], cap: int) -> np.ndarray | None:
    """The docs holding every query term in some searched property; None when the query has no terms."""
    if len(groups) > 1:
        raise SearchError(
            "OPERATOR_AND_CROSS requires all searched properties to share the same tokenization and "
            "analyzer settings",
            hint="search properties of one tokenization, or use operator And or Or",
        )
    ((tokenization, names),) = groups.items()
    terms = index._query_terms(query, tokenization)
    if not terms:
        return None
    enough = index.alive[:cap].copy()
    for term, _ in terms:
        holds = np.zeros(cap, bool)
        for name in names:
            field = index.fields[name]
            tid = field.vocab.get(term)
            if tid is not None and field.df[tid] > 0:
                holds[field.postings(tid)[0]] = True
        enough &= holds
    return enough
