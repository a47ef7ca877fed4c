"""The figures of an evaluation: per-query measures (ir-measures) and paired tests against a baseline."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PERMUTATIONS = 10_000


@dataclass
class Scores:
    """Per-query values of each measure (queries in a fixed order)."""

    names: list[str]
    query_ids: list[str]
    values: dict[str, np.ndarray]

    def mean(self, name: str) -> float:
        return float(self.values[name].mean()) if len(self.query_ids) else 0.0


@dataclass
class TemplateRun:
    """One template's answers: ranked corpus ids and the time each query took."""

    path: str
    label: str
    runs: dict[str, list[str]]
    latency_ms: dict[str, float]
    scores: Scores | None = None


def score(runs: dict[str, list[str]], qrels: dict[str, dict[str, int]], k: int) -> Scores:
    """nDCG@10, MRR@10 and recall@k per judged query (ir-measures); a query with no results scores 0."""
    import ir_measures
    from ir_measures import RR, R, nDCG

    measures = {"nDCG@10": nDCG @ 10, "MRR@10": RR @ 10, f"recall@{k}": R @ k}
    qids = sorted(q for q in qrels if q in runs)
    qrel_rows = [ir_measures.Qrel(q, d, g) for q in qids for d, g in qrels[q].items()]
    run_rows = [
        ir_measures.ScoredDoc(q, doc, float(len(runs[q]) - rank))
        for q in qids
        for rank, doc in enumerate(runs[q])
    ]
    by_measure = {m: name for name, m in measures.items()}
    values = {name: np.zeros(len(qids)) for name in measures}
    position = {q: i for i, q in enumerate(qids)}
    for metric in ir_measures.iter_calc(list(measures.values()), qrel_rows, run_rows):
        values[by_measure[metric.measure]][position[metric.query_id]] = metric.value
    return Scores(list(measures), qids, values)


def paired_tests(new: np.ndarray, old: np.ndarray, seed: int = 0) -> tuple[float, float]:
    """Two-sided p-values of the paired t-test and of a sign-flip randomization test."""
    from scipy import stats

    diff = new - old
    if len(diff) < 2 or not np.any(diff):
        return 1.0, 1.0
    # When every query moved by the same amount t is infinite (scipy only warns): p is 0.
    t_p = 0.0 if np.ptp(diff) < 1e-12 else float(stats.ttest_rel(new, old).pvalue)
    rng = np.random.default_rng(seed)
    signs = rng.choice((-1.0, 1.0), size=(PERMUTATIONS, len(diff)))
    observed = abs(diff.mean())
    flipped = np.abs((signs * diff).mean(axis=1))
    r_p = float((np.count_nonzero(flipped >= observed - 1e-12) + 1) / (PERMUTATIONS + 1))
    return t_p, r_p


def wins_ties_losses(new: np.ndarray, old: np.ndarray) -> tuple[int, int, int]:
    """Queries where the template scores above, level with (within 1e-9) and below the baseline."""
    diff = new - old
    return int(np.sum(diff > 1e-9)), int(np.sum(np.abs(diff) <= 1e-9)), int(np.sum(diff < -1e-9))
