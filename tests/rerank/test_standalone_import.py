"""The rerank package imports without pydantic, lark or hnswlib, the way benchmarks/gpu_rerank.py loads it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

SCRIPT = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"pydantic", "lark", "hnswlib"}:
            raise ImportError(f"{name} is not on the GPU machine")
sys.meta_path.insert(0, Block())
sys.path.insert(0, "benchmarks")
import gpu_rerank
rerank = gpu_rerank.import_rerank()
results, _ = rerank.RerankService().run([rerank.RerankJob("reranker-dummy", {}, "q", ["abc"])])
print(results[0].scores, rerank.__file__)
"""


def test_rerank_imports_like_the_gpu_script_does() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=REPO, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    scores, path = done.stdout.split(maxsplit=1)[0], done.stdout.split()[-1]
    assert scores == "[3.0]"
    assert Path(path).resolve() == (REPO / "runtime" / "rerank" / "__init__.py").resolve()
