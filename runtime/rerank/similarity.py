"""reranker-similarity: cosine of query and document embeddings from a sentence-transformers bi-encoder."""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from .backend import Backend, config_value
from .jobs import RerankStats

_BATCH = 64


class SimilarityBackend(Backend):
    """Cosine similarity with the configured bi-encoder, by default the shipped all-MiniLM-L6-v2."""

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
            from ..models import use_torch_threads_for

            use_torch_threads_for(missing)  # one thread for a few short texts, the cores for many
            raw = self.encoder().encode(
                missing, batch_size=_BATCH, convert_to_numpy=True, show_progress_bar=False
            )
            raw = np.asarray(raw, dtype=np.float32)
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
