"""reranker-transformers in process: a CrossEncoder run on cached document token ids, batched by length."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from ..errors import RerankError
from .backend import Backend, config_value
from .encoding import (
    PairTemplate,
    TextEncoder,
    TokenCache,
    build_batch,
    detect_template,
    longest_first,
)
from .jobs import RerankStats

_scorers: dict[int, CrossEncoderScorer] = {}
_scorers_lock = threading.Lock()


def model_max_length(cross_encoder: Any) -> int:
    """The longest pair the model takes, as CrossEncoder.predict truncates to it."""
    length = getattr(cross_encoder, "max_seq_length", None) or getattr(cross_encoder, "max_length", None)
    tokenizer_max = getattr(cross_encoder.tokenizer, "model_max_length", None)
    length = length or tokenizer_max
    if not length or length > 100_000:  # transformers' "no limit" sentinel is a huge int
        length = 512
    positions = getattr(cross_encoder.model.config, "max_position_embeddings", None)
    return min(length, positions) if positions and positions > 0 else length


class CrossEncoderScorer:
    """Scores (query, document) pairs with one loaded CrossEncoder; shared by every backend using it."""

    def __init__(self, cross_encoder: Any, doc_cache_size: int = 100_000) -> None:
        import torch

        self.cross_encoder = cross_encoder
        self.model = cross_encoder.model
        self.model.eval()  # no dropout: we call the model's forward ourselves
        self.tokenizer = cross_encoder.tokenizer
        self.max_length = model_max_length(cross_encoder)
        self.encoder = TextEncoder(self.tokenizer)
        self.template: PairTemplate | None = detect_template(self.tokenizer, self.encoder)
        self.docs = TokenCache(self.encoder, self.max_length, doc_cache_size)
        self.queries = TokenCache(self.encoder, self.max_length, 1_000)
        if self.template is not None and self.tokenizer.pad_token_id is not None:
            self.template.pad_id = self.tokenizer.pad_token_id
        self.use_types = "token_type_ids" in getattr(self.tokenizer, "model_input_names", ())
        self.device = next(self.model.parameters()).device
        self._torch = torch

    @classmethod
    def of(cls, cross_encoder: Any) -> CrossEncoderScorer:
        """The scorer of a loaded model (models are loaded once per process, so are their scorers)."""
        with _scorers_lock:
            scorer = _scorers.get(id(cross_encoder))
            if scorer is None or scorer.cross_encoder is not cross_encoder:
                scorer = _scorers[id(cross_encoder)] = cls(cross_encoder)
            return scorer

    def score(
        self, pairs: list[tuple[str, str]], batch_size: int, max_length: int | None = None
    ) -> tuple[list[float], int]:
        """Raw logits (the first label) for each pair, and the number of forward batches run."""
        if not pairs:
            return [], 0
        from ..models import use_torch_threads

        use_torch_threads(sum(len(q) + len(d) for q, d in pairs))  # one thread for a few short pairs
        limit = min(max_length or self.max_length, self.max_length)
        if self.template is None:
            return self._score_with_predict(pairs, batch_size, limit)
        docs = self.docs.get_many([d for _, d in pairs])
        queries = self.queries.get_many([q for q, _ in pairs])
        budget = max(limit - self.template.specials, 0)
        rows = []
        for query, doc in pairs:
            q_ids, q_len = queries[query]
            d_ids, d_len = docs[doc]
            keep_q, keep_d = longest_first(q_len, d_len, budget)
            rows.append((q_ids[:keep_q], d_ids[:keep_d]))
        # Sorting by length before batching keeps padding small; the scores go back to input order.
        order = sorted(range(len(rows)), key=lambda i: len(rows[i][0]) + len(rows[i][1]))
        torch = self._torch
        outputs = []
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                chunk = order[start : start + batch_size]
                arrays = build_batch(self.template, [rows[i] for i in chunk])
                # One host-to-device copy for the three inputs.
                input_ids, mask, types = torch.from_numpy(np.stack(arrays)).to(self.device).unbind(0)
                features = {"input_ids": input_ids, "attention_mask": mask}
                if self.use_types:
                    features["token_type_ids"] = types
                logits = self.model(**features, return_dict=True).logits
                outputs.append(logits[:, 0].float())
            flat = torch.cat(outputs).cpu().tolist()
        scores = [0.0] * len(rows)
        for position, index in enumerate(order):
            scores[index] = flat[position]
        return scores, len(outputs)

    def _score_with_predict(
        self, pairs: list[tuple[str, str]], batch_size: int, limit: int
    ) -> tuple[list[float], int]:
        # A tokenizer whose pairs cannot be assembled from single texts: let the library tokenize pairs.
        import torch

        try:
            raw = self.cross_encoder.predict(
                pairs, batch_size=batch_size, activation_fn=torch.nn.Identity(), show_progress_bar=False
            )
        except TypeError:  # sentence-transformers < 4 names the argument activation_fct
            raw = self.cross_encoder.predict(
                pairs, batch_size=batch_size, activation_fct=torch.nn.Identity(), show_progress_bar=False
            )
        values = [float(row if getattr(row, "ndim", 0) == 0 else row[0]) for row in raw]
        return values, -(-len(pairs) // batch_size)


class CrossEncoderBackend(Backend):
    """The in-process CrossEncoder; the model loads on the first pairs it must score."""

    module = "reranker-transformers"
    pairwise = True

    def __init__(self, config: dict) -> None:
        from ..models import DEFAULT_CROSS_ENCODER

        name = config_value(config, "model", str, DEFAULT_CROSS_ENCODER, self.module)
        self.model = name
        self.cache_id = f"{self.module}:{name}"
        self.device = config_value(config, "device", str, None, self.module)
        default_batch = 128 if self._on_gpu() else 32
        self.batch_size = config_value(config, "batchSize", int, default_batch, self.module)
        self.max_length = config_value(config, "maxLength", int, None, self.module)
        if self.batch_size < 1 or (self.max_length is not None and self.max_length < 8):
            raise RerankError(
                f"{self.module}: batchSize must be >= 1 and maxLength >= 8",
                hint="fix the options in the collection's moduleConfig",
            )
        self._scorer: CrossEncoderScorer | None = None

    def _on_gpu(self) -> bool:
        from ..models import best_device

        return (self.device or best_device()).startswith("cuda")

    def scorer(self) -> CrossEncoderScorer:
        """Load (once per process) and return the scorer of the configured model, kept on the backend."""
        if self._scorer is None:
            from ..models import load_cross_encoder

            self._scorer = CrossEncoderScorer.of(load_cross_encoder(self.model, self.device))
        return self._scorer

    def score_pairs(self, pairs: list[tuple[str, str]], stats: RerankStats) -> list[float]:
        scorer = self.scorer()
        try:
            scores, batches = scorer.score(pairs, self.batch_size, self.max_length)
        except Exception as exc:
            raise RerankError(
                f"reranker-transformers model '{self.model}' failed: {type(exc).__name__}: {exc}",
                hint="check that the model is a 1-label sequence-classification cross-encoder",
            ) from exc
        stats.batches += batches
        return scores
