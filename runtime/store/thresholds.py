"""Size thresholds of the search paths, each defined once: the engine's lowering and the store read them."""

from __future__ import annotations

# Up to this many rows a result is handled as Python lists (a set to find ties, floats to compare):
# cheaper than the fixed cost of a few numpy calls. Past it, numpy arrays.
PAGE_ROWS = 64

# Weaviate's flatSearchCutoff default (vectorIndexConfig): a filtered vector search whose where filter
# lets at most this many objects through scans them exactly instead of walking the HNSW graph.
FLAT_SEARCH_CUTOFF = 40_000
