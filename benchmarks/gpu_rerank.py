"""GPU speed of rankql's cross-encoder rerank: plain fp32 CrossEncoder.predict, the fp16 forward, end to end.

One script, start to finish in a few minutes, on a machine with Python, torch, transformers,
sentence-transformers, tokenizers and numpy only (no pydantic, lark or hnswlib, no network). It imports
rankql's rerank package from this checkout through a temporary `rankql` folder of symlinks, builds a
MiniLM-L6-sized cross-encoder with random weights and the MiniLM tokenizer in benchmarks/assets, and
times 100 (query, passage) pairs of about 256 tokens. Without CUDA it runs on the CPU with few iterations.

    python benchmarks/gpu_rerank.py [--runs 50]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]
TOKENIZER = REPO / "benchmarks" / "assets" / "minilm-tokenizer"
TARGET_MS = 10.0


def import_rerank():
    """rankql.runtime.rerank from this checkout, without running runtime/__init__.py (it may pull in the
    store and its dependencies): a real `rankql/runtime` package whose modules are symlinks."""
    root = Path(tempfile.mkdtemp(prefix="rankql-gpu-"))
    runtime = root / "rankql" / "runtime"
    runtime.mkdir(parents=True)
    (root / "rankql" / "__init__.py").write_text("")
    (runtime / "__init__.py").write_text("")
    for name in ("errors.py", "models.py", "rerank"):
        (runtime / name).symlink_to(REPO / "runtime" / name)
    for name in ("dsl", "grammar"):
        if (REPO / name).exists():
            (root / "rankql" / name).symlink_to(REPO / name)
    sys.path.insert(0, str(root))
    import rankql.runtime.rerank as rerank

    return rerank


def make_pairs(n: int, n_queries: int, seed: int = 0) -> tuple[list[str], list[str]]:
    """Passages of 240 whole-word tokens and queries of 12 (so a pair is 255 tokens with [CLS]/[SEP]s)."""
    words = [
        w
        for w in (TOKENIZER / "vocab.txt").read_text(encoding="utf-8").split("\n")
        if w.isalpha() and w.isascii() and len(w) >= 4
    ]
    rng = random.Random(seed)
    passages = [" ".join(rng.choices(words, k=240)) for _ in range(n)]
    queries = [" ".join(rng.choices(words, k=12)) for _ in range(n_queries)]
    return passages, queries


def predict(model, pairs, batch_size=32):
    import torch

    try:
        return model.predict(
            pairs, batch_size=batch_size, activation_fn=torch.nn.Identity(), show_progress_bar=False
        )
    except TypeError:  # sentence-transformers < 4
        return model.predict(
            pairs, batch_size=batch_size, activation_fct=torch.nn.Identity(), show_progress_bar=False
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", type=int, default=None, help="timed runs per figure (50 on a GPU, 3 on a CPU)"
    )
    parser.add_argument("--docs", type=int, default=100)
    args = parser.parse_args()

    import numpy as np
    import sentence_transformers
    import torch
    import transformers
    from sentence_transformers import CrossEncoder

    rerank = import_rerank()
    from rankql.runtime.models import load_cross_encoder

    cuda = torch.cuda.is_available()
    device = "cuda" if cuda else "cpu"
    runs = args.runs or (50 if cuda else 2)
    warmups = 3 if cuda else 1
    name = torch.cuda.get_device_name(0) if cuda else f"CPU ({torch.get_num_threads()} threads)"
    print(
        f"device: {name}; torch {torch.__version__}, transformers {transformers.__version__}, "
        f"sentence-transformers {sentence_transformers.__version__}, python {sys.version.split()[0]}"
    )

    def sync() -> None:
        if cuda:
            torch.cuda.synchronize()

    def median_ms(fn, n: int) -> float:
        times = []
        for i in range(n):
            sync()
            started = time.perf_counter()
            fn(i)
            sync()
            times.append(time.perf_counter() - started)
        return statistics.median(times) * 1000

    path = rerank.build_tiny_cross_encoder(
        Path(tempfile.mkdtemp()) / "minilm-l6-ce",
        seed=0,
        layers=6,
        hidden=384,
        heads=12,
        intermediate=1536,
        tokenizer_dir=TOKENIZER,
    )
    docs, queries = make_pairs(args.docs, 2 * runs + 4)
    pairs = [(queries[0], d) for d in docs]

    # 1. Plain fp32 CrossEncoder.predict (tokenization included), batch size 32 (its default).
    plain = CrossEncoder(path, device=device, local_files_only=True)
    lengths = [len(ids) for ids in plain.tokenizer([p[0] for p in pairs], [p[1] for p in pairs])["input_ids"]]
    print(f"{len(pairs)} pairs, {statistics.mean(lengths):.0f} tokens each on average")
    reference = np.asarray(predict(plain, pairs), dtype=np.float64)
    for _ in range(warmups - 1):  # the reference call above was the first warm-up
        predict(plain, pairs)
    t_predict = median_ms(lambda i: predict(plain, pairs), runs)

    # 2. The forward pass alone, on pre-tokenized input, in the precision rankql uses (fp16 on a GPU).
    shared = load_cross_encoder(path, device)
    dtype = next(shared.model.parameters()).dtype
    features = plain.tokenizer(
        [p[0] for p in pairs], [p[1] for p in pairs], padding=True, truncation=True, return_tensors="pt"
    ).to(device)

    def forward(_: int) -> None:
        with torch.inference_mode():
            shared.model(**features).logits.float().cpu()

    for _ in range(warmups):
        forward(0)
    t_forward = median_ms(forward, runs)

    # 3. rankql end to end: a RerankService job of 100 documents, warm token cache, a new query each run.
    service = rerank.RerankService()
    config = {"model": path, "device": device}

    def run_rankql(i: int) -> list[float]:
        results, stats = service.run(
            [rerank.RerankJob("reranker-transformers", config, queries[2 + i], docs)]
        )
        if results[0].error is not None:
            raise SystemExit(f"rankql failed: {results[0].error}")
        assert stats.cache_hits == 0 and stats.model_calls == 1
        return results[0].scores

    check = service.run([rerank.RerankJob("reranker-transformers", config, queries[0], docs)])[0][0].scores
    for i in range(warmups - 1):  # warm-up (CUDA kernels, allocator); `check` above was the first
        service.run([rerank.RerankJob("reranker-transformers", config, queries[-1 - i], docs)])
    t_rankql = median_ms(lambda i: run_rankql(i), runs)
    t_cached = median_ms(
        lambda i: service.run([rerank.RerankJob("reranker-transformers", config, queries[0], docs)]), runs
    )

    diff = float(np.max(np.abs(np.asarray(check) - reference)))
    top_ref, top_mine = set(np.argsort(-reference)[:10]), set(np.argsort(-np.asarray(check))[:10])
    precision = str(dtype).replace("torch.", "")
    print(f"plain fp32 CrossEncoder.predict, {len(pairs)} pairs:   {t_predict:9.2f} ms (median of {runs})")
    print(f"{precision} forward pass alone (pre-tokenized):     {t_forward:9.2f} ms (median of {runs})")
    print(f"rankql rerank end to end ({precision}, warm tokens): {t_rankql:9.2f} ms (median of {runs})")
    print(f"rankql rerank, repeated query (score cache):   {t_cached:9.3f} ms (median of {runs})")
    print(f"rankql vs plain predict: {t_predict / t_rankql:.2f}x faster")
    print(f"scores vs fp32 predict: max |diff| {diff:.3g}, top-10 overlap {len(top_ref & top_mine)}/10")
    verdict = "yes" if t_rankql <= TARGET_MS else "no"
    print(f"rankql <= {TARGET_MS:g} ms: {verdict}" + ("" if cuda else " (CPU run: the target is for a GPU)"))


if __name__ == "__main__":
    main()
