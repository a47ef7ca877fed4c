"""text2vec-transformers in the process: object text composed as Weaviate composes it, batch encoding."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import ModelLoadError
from ..models import is_shipped_minilm, load_sentence_transformer, resolve_local_model, use_torch_threads_for
from ..onnx_embedding import onnx_enabled, onnx_encoder, onnx_file
from .values import format_date

BATCH_SIZE = 64


def _kind(ch: str) -> int:
    if ch.islower():
        return 0
    if ch.isupper():
        return 1
    if ch.isdigit():
        return 2
    return 3


def split_camel_case(name: str) -> list[str]:
    """Split as Weaviate's camelcase helper: 'JeopardyQuestion' -> ['Jeopardy', 'Question'], 'HTTPServer'
    -> ['HTTP', 'Server'], 'wordCount2' -> ['word', 'Count', '2']."""
    runs: list[list[str]] = []
    last = -1
    for ch in name:
        kind = _kind(ch)
        if runs and kind == last:
            runs[-1].append(ch)
        else:
            runs.append([ch])
        last = kind
    # An upper-case run followed by lower case gives its last letter to the next word (HTTPServer).
    for i in range(len(runs) - 1):
        if _kind(runs[i][0]) == 1 and _kind(runs[i + 1][0]) == 0:
            runs[i + 1].insert(0, runs[i].pop())
    return ["".join(run) for run in runs if run and "".join(run).strip()]


def _text_values(value: Any, data_type: str, source_properties: bool) -> list[str]:
    values = value if isinstance(value, list) else [value]
    if data_type.startswith("text") or data_type == "blob":  # a blob is a string to Weaviate's vectorizer
        return [v for v in values if isinstance(v, str)]
    if not source_properties or data_type in ("geoCoordinates", "phoneNumber"):
        return []  # by default only text, text[] and blob feed the vector; geo and phone never do
    if data_type in ("object", "object[]"):  # object_texts.go marshals nested values to JSON
        return [json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)]
    out = []
    for v in values:
        if isinstance(v, bool):
            out.append("true" if v else "false")
        elif hasattr(v, "tzinfo"):
            out.append(format_date(v))
        else:
            out.append(str(v))
    return out


def object_text(definition: dict, properties: dict) -> str:
    """The text Weaviate's text2vec modules embed for an object (v1.27+: case kept), as
    usecases/modulecomponents/vectorizer/object_texts.go composes it."""
    config = definition.get("moduleConfig", {}).get("text2vec-transformers", {})
    class_name = " ".join(split_camel_case(definition["class"]))
    parts: list[str] = []
    if config.get("vectorizeClassName", True):
        parts.append(class_name)
    sources = config.get("properties")
    types = {p["name"]: p for p in definition["properties"]}
    for name in sorted(properties):
        prop = types.get(name)
        value = properties[name]
        if prop is None or value is None:
            continue
        settings = prop.get("moduleConfig", {}).get("text2vec-transformers", {})
        if settings.get("skip", False) or (sources is not None and name not in sources):
            continue
        prefix = ""
        if settings.get("vectorizePropertyName", False):
            prefix = " ".join(w.lower() for w in split_camel_case(name)) + " "
        for text in _text_values(value, prop["dataType"][0], sources is not None):
            parts.append(prefix + text)
    if not parts:
        parts.append(class_name)  # an object without text is embedded as its class name
    return " ".join(parts)


class TransformersVectorizer:
    """The class's text2vec-transformers model, loaded on first use and shared across the process."""

    def __init__(self, config: dict) -> None:
        self.model_name = config.get("model")
        # Fail at creation, not at the first insert: resolving a name needs no model load.
        self.model_path = resolve_local_model(self.model_name)
        self._model: Any = None
        self._shipped: bool | None = None  # whether model_path is the shipped MiniLM (ONNX for queries)
        self._onnx_encoder: Any = None

    @property
    def model(self) -> Any:
        if self._model is None:
            self._model = load_sentence_transformer(self.model_path)
        return self._model

    @property
    def dim(self) -> int:
        dim = self.model.get_sentence_embedding_dimension()
        if not dim:
            raise ModelLoadError(f"model '{self.model_name or self.model_path}' does not say its vector size")
        return int(dim)

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        model = self.model
        use_torch_threads_for(texts)
        vectors = model.encode(
            list(texts), batch_size=BATCH_SIZE, convert_to_numpy=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)

    def _onnx(self) -> Any:
        """The ONNX Runtime encoder for query text: the shipped MiniLM, where onnxruntime is installed
        and RANKQL_ONNX is not 0; None sends query text through sentence-transformers."""
        if self._shipped is None:
            self._shipped = is_shipped_minilm(self.model_path)
        if not self._shipped or not onnx_enabled():
            return None
        if self._onnx_encoder is None:
            if self._model is not None and not onnx_file(self.model_path).exists():
                self._onnx_encoder = False  # remembered: onnx_file() resolves and hashes the model folder
                return None  # torch is loaded here already (an import): export in a later, fresh process
            self._onnx_encoder = onnx_encoder(self.model_path)
        return self._onnx_encoder or None

    def embed(self, texts: Sequence[str], on_batch: Callable[[int], None] | None = None) -> np.ndarray:
        """Object vectors, encoded in batches; on_batch(n) reports progress."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        chunks = []
        step = BATCH_SIZE * 4
        for start in range(0, len(texts), step):
            chunk = texts[start : start + step]
            chunks.append(self._encode(chunk))
            if on_batch is not None:
                on_batch(len(chunk))
        return np.concatenate(chunks)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Query vectors: the query text goes through unchanged, as in Weaviate's text2vec modules; ONNX
        Runtime where it can, so that a fresh process answers without importing torch."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        onnx = self._onnx()
        if onnx is not None:
            return onnx.encode(list(texts))
        return self._encode(texts)


def make_vectorizer(definition: dict) -> TransformersVectorizer | None:
    if definition["vectorizer"] == "text2vec-transformers":
        return TransformersVectorizer(definition["moduleConfig"].get("text2vec-transformers", {}))
    return None
