"""Size thresholds of the search paths, each defined once: the engine's lowering and the store read them."""

from __future__ import annotations

import math

# Up to this many rows a result is handled as Python lists (a set to find ties, floats to compare):
# cheaper than the fixed cost of a few numpy calls. Past it, numpy arrays.
PAGE_ROWS = 64

# Weaviate's flatSearchCutoff default (vectorIndexConfig): a filtered vector search whose where filter
# lets at most this many objects through scans them exactly instead of walking the HNSW graph.
FLAT_SEARCH_CUTOFF = 40_000

# Capacity of the vector stores grows by this factor (not doubling): at most a quarter of the vectors held
# again as unused slack, in the exact store and in the graph.
GROWTH = 1.25

# A batch of at least this many vectors is added to the HNSW graph on every core (RANKQL_HNSW_THREADS
# overrides): smaller ones gain little from threads, and stay on one thread, giving the same graph each run.
PARALLEL_BUILD_ROWS = 1000

# After a write of at least this many objects the freed heap is handed back to the system (heap.py): the
# write's transient arrays would otherwise stay resident. Smaller writes skip the few milliseconds it takes.
TRIM_ROWS = 1000

# A filtered HNSW search whose filter lets at least this share of the vectors through searches the graph
# unfiltered for about k / share candidates and keeps the allowed ones (widening until k are found): a
# few hundred distance computations, where hnswlib's filter calls a Python function per visited node.
# Below it the filter goes to hnswlib, which walks on until it has k allowed neighbours.
POSTFILTER_MIN_SHARE = 0.05


def postfilter_wins(allowed: int, live: int) -> bool:
    """Whether a filtered graph search post-filters an unfiltered one (True) or filters in hnswlib."""
    return live > 0 and allowed >= POSTFILTER_MIN_SHARE * live


# Where filters whose allowed doc ids a collection keeps until its next write (filter_cache.py): a query
# repeating one of them (a new vector, the same filter) skips evaluating it. Each holds at most 8 bytes a
# matching object.
FILTER_CACHE_ENTRIES = 8


# A WithinGeoRange filter returns at most this many objects, the nearest: Weaviate's geo index answers
# it with one HNSW search of ef 800 (adapters/repos/db/vector/geo/geo.go DefaultHNSWEF).
GEO_RANGE_MAX_RESULTS = 800


# How sure the first post-filtered search is to hold k allowed vectors, in standard deviations (2: about
# 98% of searches need no widening, when the filter is independent of the query's neighbourhood).
POSTFILTER_SIGMAS = 2.0


def postfilter_candidates(k: int, share: float) -> int:
    """Unfiltered candidates a post-filtered search asks for, to find k allowed at this allowed share.

    The allowed among m candidates are about Binomial(m, share): the smallest m whose mean lies
    POSTFILTER_SIGMAS deviations above k (for k 10 at 10%: 181, where twice k / share asked 216).
    """
    if share >= 1.0:
        return k
    z, spread = POSTFILTER_SIGMAS, math.sqrt(share * (1.0 - share))
    root = (z * spread + math.sqrt(z * z * spread * spread + 4.0 * share * k)) / (2.0 * share)
    return max(k, math.ceil(root * root))
