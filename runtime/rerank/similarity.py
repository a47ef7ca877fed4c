"""reranker-similarity: cosine of query and document embeddings from a bi-encoder (ONNX Runtime for the shipped MiniLM)."""

from __future__ import annotations

import os
import sys
import threading
from collections import OrderedDict
from typing import Any

import numpy as np

from .backend import Backend, config_value
from .jobs import RerankStats

_BATCH = 64


class SimilarityBackend(Backend):
    """Cosine similarity with the configured bi-encoder, by default the shipped all-MiniLM-L6-v2.

    The shipped MiniLM runs through ONNX Runtime on the CPU, as query embedding does (onnx_embedding.py:
    the same vectors to 1e-5), so that a fresh process reranks without importing torch (seconds); any
    other model, a configured device, a machine with an NVIDIA GPU, RANKQL_ONNX=0 or a device forced by
    RANKQL_DEVICE take sentence-transformers.
    """

    module = "reranker-similarity"
    pairwise = True

    def __init__(self, config: dict, embedding_cache_size: int = 50_000) -> None:
        from ..models import DEFAULT_EMBEDDING_MODEL

        self.model = config_value(config, "model", str, DEFAULT_EMBEDDING_MODEL, self.module)
        self.cache_id = f"{self.module}:{self.model}"
        self.device = config_value(config, "device", str, None, self.module)
        # Unit embeddings of texts seen before: documents repeat across queries.
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._size = embedding_cache_size
        self._lock = threading.Lock()
        self._encoder = None
        self._shipped_path: str | None = None  # the shipped MiniLM's folder when self.model names it
        self._checked = False

    def encoder(self):
        """The bi-encoder, loaded once per process and kept here, so a call costs no model lookup."""
        if self._encoder is None:
            from ..models import load_sentence_transformer

            self._encoder = load_sentence_transformer(self.model, self.device)
        return self._encoder

    def score_pairs(self, pairs: list[tuple[str, str]], stats: RerankStats) -> list[float]:
        texts = list(dict.fromkeys([q for q, _ in pairs] + [d for _, d in pairs]))
        vectors = self._embed(texts, stats)
        return [float(np.dot(vectors[q], vectors[d])) for q, d in pairs]

    def _embed(self, texts: list[str], stats: RerankStats) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        with self._lock:
            for text in texts:
                vector = self._vectors.get(text)
                if vector is not None:
                    self._vectors.move_to_end(text)
                    out[text] = vector
        missing = [t for t in texts if t not in out]
        if missing:
            raw = self._encode_missing(missing)
            norms = np.linalg.norm(raw, axis=1, keepdims=True)
            unit = raw / np.where(norms == 0, 1.0, norms)  # a zero vector scores 0, not NaN
            stats.batches += -(-len(missing) // _BATCH)
            with self._lock:
                for text, vector in zip(missing, unit, strict=True):
                    out[text] = vector
                    self._vectors[text] = vector
                while len(self._vectors) > self._size:
                    self._vectors.popitem(last=False)
        return out

    def _encode_missing(self, texts: list[str]) -> np.ndarray:
        """Embeddings of texts not seen before, one float32 row each."""
        from ..models import threads_for, use_torch_threads_for

        onnx = self._onnx(threads_for(sum(len(t) for t in texts)))
        if onnx is not None:
            return onnx.encode(texts)
        use_torch_threads_for(texts)  # one thread for a few short texts, the cores for many
        raw = self.encoder().encode(texts, batch_size=_BATCH, convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(raw, dtype=np.float32)

    def _onnx(self, threads: int) -> Any:
        """The ONNX Runtime encoder for this work (one thread, or every core for much text), or None."""
        from ..models import available_cores, explicit_threads
        from ..onnx_embedding import onnx_enabled, onnx_encoder, onnx_file

        if self.device is not None or not onnx_enabled() or nvidia_gpu_present():
            return None  # a device asked for, or a GPU for best_device() to pick: sentence-transformers
        if not self._checked:
            self._shipped_path = _shipped_folder(self.model)
            self._checked = True
        path = self._shipped_path
        if path is None:
            return None
        torch_loaded = self._encoder is not None or "sentence_transformers" in sys.modules
        if torch_loaded and not onnx_file(path).exists():
            return None  # torch is loaded here already: no export in this process (the vectorizer's rule)
        # two sessions at most (each holds the model): one thread, or RANKQL_TORCH_THREADS or every core
        return onnx_encoder(path, 1 if threads <= 1 else explicit_threads() or available_cores())


def nvidia_gpu_present() -> bool:
    """Whether the NVIDIA driver is loaded (its device files), told without importing torch."""
    return os.path.exists("/dev/nvidiactl") or os.path.exists("/proc/driver/nvidia/version")


def _shipped_folder(model: str) -> str | None:
    """The model's folder when `model` names the shipped MiniLM (by name or path), else None."""
    from ..errors import ModelLoadError
    from ..models import is_shipped_minilm, resolve_local_model

    try:
        path = resolve_local_model(model)
    except ModelLoadError:
        return None  # sentence-transformers' path says what is missing
    return path if is_shipped_minilm(path) else None
