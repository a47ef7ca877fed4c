"""Retrieval quality on msmarco-5k: nDCG@10, MRR@10, recall@100 of each search, alone and reranked.

Run: .venv/bin/python benchmarks/bench_quality.py [--rebuild] [--alpha A] [--threads N] [--no-sweep]
The database is saved under ~/.cache/rankql-bench (RANKQL_BENCH_CACHE overrides), so only the first run
embeds the 5,000 passages. Beside rankql's rows it scores the raw libraries in the same run (rank-bm25,
exact numpy cosine over the stored vectors) so the figures can be told apart from engine effects.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from pathlib import Path

import ir_measures
import numpy as np
from ir_measures import RR, R, nDCG

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "msmarco-5k"
if not DATA.exists():
    DATA = Path("/work/shared/data/msmarco-5k")
CACHE = Path(os.environ.get("RANKQL_BENCH_CACHE", Path.home() / ".cache" / "rankql-bench")) / "msmarco-5k"
NAMESPACE = uuid.UUID("5b0c7c9e-5d39-4c1b-9d7e-6a0d7e1f2a11")
MEASURES = [nDCG @ 10, RR(rel=1) @ 10, R(rel=1) @ 100]
ANCHORS = {"bm25": 0.565, "nearText": 0.704, "bm25 + rerank": 0.695}
CLASS = {
    "class": "Passage",
    "vectorizer": "text2vec-transformers",
    # vectorizeClassName false: a passage embeds as its text alone, as the anchors' dense run did.
    "moduleConfig": {"text2vec-transformers": {"vectorizeClassName": False}, "reranker-similarity": {}},
    "properties": [{"name": "text", "dataType": ["text"]}],
}


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load_data() -> tuple[list[dict], dict[str, str], list[ir_measures.Qrel]]:
    corpus = read_jsonl(DATA / "corpus.jsonl")
    queries = {q["_id"]: q["text"] for q in read_jsonl(DATA / "queries.jsonl")}
    qrels = []
    with (DATA / "qrels.tsv").open(encoding="utf-8") as fh:
        for line in fh:
            qid, did, grade = line.split("\t")
            qrels.append(ir_measures.Qrel(qid, did, int(grade)))
    judged = {q.query_id for q in qrels}
    return corpus, {k: v for k, v in queries.items() if k in judged}, qrels


def open_database(corpus: list[dict], rebuild: bool):
    from rankql.runtime import Database

    if rebuild and CACHE.exists():
        import shutil

        shutil.rmtree(CACHE)
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    db = Database(str(CACHE))
    if "Passage" in db.collections() and len(db.collection("Passage")) == len(corpus):
        print(f"database: reused {CACHE}")
        return db
    if "Passage" in db.collections():
        db.delete_collection("Passage")
    started = time.perf_counter()
    passages = db.create_collection(CLASS)
    objects = [
        {"id": str(uuid.uuid5(NAMESPACE, d["_id"])), "properties": {"text": d["text"]}} for d in corpus
    ]
    result = passages.insert_many(objects)
    failed = [r for r in getattr(result, "errors", None) or []]
    if failed:
        sys.exit(f"insert failed for {len(failed)} passages: {failed[:3]}")
    db.save()
    print(
        f"database: built {CACHE} in {time.perf_counter() - started:.0f} s (embedding {len(corpus)} passages)"
    )
    return db


def search_clause(kind: str, text: str, alpha: float) -> str:
    q = json.dumps(text)  # a JSON string is a valid GraphQL string
    if kind == "bm25":
        return f"bm25: {{query: {q}}}"
    if kind == "nearText":
        return f"nearText: {{concepts: [{q}]}}"
    fusion = kind.split()[1]
    return f"hybrid: {{query: {q}, alpha: {alpha}, fusionType: {fusion}}}"


def run_rankql(db, kind: str, queries: dict[str, str], uuid_to_pid: dict, rerank: bool, alpha: float, blend):
    """One rankql row: the run as {qid: {pid: score}} (score = -rank, so ties never reorder) and seconds."""
    extra = ""
    if rerank:
        blend_arg = f", blend: {blend}" if blend is not None else ""
        extra = f' rerank(property: "text", window: 100{blend_arg}) {{ score }}'
    run: dict[str, dict[str, float]] = {}
    started = time.perf_counter()
    for qid, text in queries.items():
        gql = f"{{ Get {{ Passage({search_clause(kind, text, alpha)}, limit: 100) {{ _additional {{ id{extra} }} }} }} }}"
        answer = db.query(gql)
        if answer.get("errors"):
            sys.exit(f"{kind}: {answer['errors']}")
        rows = answer["data"]["Get"]["Passage"]
        run[qid] = {uuid_to_pid[r["_additional"]["id"]]: -float(i) for i, r in enumerate(rows)}
    return run, time.perf_counter() - started


def raw_runs(db, corpus: list[dict], queries: dict[str, str]) -> dict[str, dict]:
    """The raw libraries on the same data: rank-bm25 (the anchor's setup) and exact cosine in numpy."""
    from rank_bm25 import BM25Okapi

    coll = db.collection("Passage")
    pids = [d["_id"] for d in corpus]
    bm25 = BM25Okapi([d["text"].lower().split() for d in corpus])
    ids = [coll.doc_id_of(str(uuid.uuid5(NAMESPACE, p))) for p in pids]
    docs = np.stack([coll.vector_of(i) for i in ids]).astype(np.float32)
    docs /= np.linalg.norm(docs, axis=1, keepdims=True)
    qvecs = coll.embed_queries(list(queries.values())).astype(np.float32)
    qvecs /= np.linalg.norm(qvecs, axis=1, keepdims=True)
    out: dict[str, dict] = {"raw rank-bm25": {}, "raw exact cosine": {}, "raw rank-bm25 top100 + cosine": {}}
    for (qid, text), qv in zip(queries.items(), qvecs, strict=True):
        kw = bm25.get_scores(text.lower().split())
        top = np.argsort(-kw, kind="stable")[:100]
        cos = docs @ qv
        dense = np.argsort(-cos, kind="stable")[:100]
        out["raw rank-bm25"][qid] = {pids[i]: -float(r) for r, i in enumerate(top)}
        out["raw exact cosine"][qid] = {pids[i]: -float(r) for r, i in enumerate(dense)}
        rer = top[np.argsort(-cos[top], kind="stable")]
        out["raw rank-bm25 top100 + cosine"][qid] = {pids[i]: -float(r) for r, i in enumerate(rer)}
    return out


def scores_of(qrels, run) -> dict:
    agg = ir_measures.calc_aggregate(MEASURES, qrels, run)
    return {str(m): agg[m] for m in MEASURES}


KINDS = ("bm25", "nearText", "hybrid rankedFusion", "hybrid relativeScoreFusion")
SWEEP = (0.25, 0.5, 0.75)


def check_targets(first: dict[str, float], reranked: dict[str, float], label: str) -> bool:
    """Every reranked row >= its first stage, and hybrid + rerank >= 0.71 (nDCG@10)."""
    ok = True
    print(f"targets ({label}):")
    for kind in KINDS:
        got, base = reranked[kind], first[kind]
        passed = got >= base
        ok &= passed
        print(
            f"  {kind} + rerank >= {kind}: {got:.4f} vs {base:.4f} ({got - base:+.4f})  {'ok' if passed else 'MISSED'}"
        )
    for kind in KINDS[2:]:
        passed = reranked[kind] >= 0.71
        ok &= passed
        print(f"  {kind} + rerank >= 0.71: {reranked[kind]:.4f}  {'ok' if passed else 'MISSED'}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="embed the corpus again")
    parser.add_argument("--alpha", type=float, default=0.75, help="hybrid alpha (Weaviate's default 0.75)")
    parser.add_argument("--no-sweep", action="store_true", help="skip the rerank blend sweep")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch CPU threads (default: RANKQL_TORCH_THREADS, else chosen by the size of the work)",
    )
    args = parser.parse_args()
    from rankql.runtime.models import THREADS_ENV, configure_torch_threads

    if args.threads:
        os.environ[THREADS_ENV] = str(args.threads)
    configure_torch_threads()

    corpus, queries, qrels = load_data()
    db = open_database(corpus, args.rebuild)
    uuid_to_pid = {str(uuid.uuid5(NAMESPACE, d["_id"])): d["_id"] for d in corpus}
    print(f"msmarco-5k: {len(corpus)} passages, {len(queries)} judged queries, hybrid alpha={args.alpha}")

    rows: list[tuple[str, dict, float | None]] = []
    for name, run in raw_runs(db, corpus, queries).items():
        rows.append((name, scores_of(qrels, run), None))
    first: dict[str, float] = {}
    reranked: dict[str, float] = {}
    for kind in KINDS:
        for rerank in (False, True):
            run, secs = run_rankql(db, kind, queries, uuid_to_pid, rerank, args.alpha, None)
            name = f"{kind} + rerank" if rerank else kind
            rows.append((name, scores_of(qrels, run), secs / len(queries) * 1000))
            (reranked if rerank else first)[kind] = rows[-1][1]["nDCG@10"]

    print(f"\n{'system':36} {'nDCG@10':>8} {'MRR@10':>8} {'R@100':>8} {'anchor':>7} {'ms/query':>9}")
    for name, s, ms in rows:
        anchor = ANCHORS.get(name)
        print(
            f"{name:36} {s['nDCG@10']:8.4f} {s['RR@10']:8.4f} {s['R@100']:8.4f} "
            f"{(f'{anchor:.3f}' if anchor else ''):>7} {(f'{ms:.1f}' if ms else ''):>9}"
        )
    print(
        "(rerank = reranker-similarity, the shipped all-MiniLM-L6-v2 cosine, window 100; first 'rerank' row"
    )
    print(" of a run pays the document embeddings, later rows reuse the score cache)\n")
    ok = check_targets(first, reranked, "rerank alone")

    if not args.no_sweep:
        print(
            "\nblend sweep: nDCG@10 of each reranked row with rerank(blend: B); first stage / no blend for reference"
        )
        print(f"{'first stage':36} {'alone':>8} {'no blend':>8} " + " ".join(f"{f'B={b}':>8}" for b in SWEEP))
        by_blend: dict[float, dict[str, float]] = {b: {} for b in SWEEP}
        for kind in KINDS:
            cells = []
            for blend in SWEEP:
                run, _ = run_rankql(db, kind, queries, uuid_to_pid, True, args.alpha, blend)
                by_blend[blend][kind] = scores_of(qrels, run)["nDCG@10"]
                cells.append(by_blend[blend][kind])
            print(
                f"{kind:36} {first[kind]:8.4f} {reranked[kind]:8.4f} " + " ".join(f"{c:8.4f}" for c in cells)
            )
        best = max(SWEEP, key=lambda b: (min(by_blend[b][k] - first[k] for k in KINDS), b))
        print()
        ok_blend = check_targets(
            first, by_blend[best], f"blend {best}, the sweep value with the best worst-row margin"
        )
        print(
            f"\nrerank alone: {'all targets met' if ok else 'some targets missed'}; "
            f"with blend {best}: {'all targets met' if ok_blend else 'some targets missed'}"
        )
    else:
        print(f"\nrerank alone: {'all targets met' if ok else 'some targets missed'}")
    db.close()


if __name__ == "__main__":
    main()
