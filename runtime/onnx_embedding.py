"""Query embedding of the shipped MiniLM through ONNX Runtime: exported once into a cache, no torch at query time."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ModelLoadError

ONNX_ENV = "RANKQL_ONNX"  # "0" turns the ONNX path off: query text goes through sentence-transformers
CACHE_ENV = "RANKQL_CACHE_DIR"  # where exported models live (default ~/.cache/rankql, or $XDG_CACHE_HOME)
EXPORT_VERSION = "1"  # bump when the export changes, so that old files are not reused
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# Texts that the export checks against the torch model before the file is kept.
CHECK_TEXTS = ["sea voyage", "", "héllo wörld 日本語 🚀 naïve café", "word " * 300]
CHECK_TOLERANCE = 1e-5
BATCH = 64

_lock = threading.Lock()
# By model folder (one thread), or (folder, threads) for a session that runs on several
_encoders: dict[Any, OnnxSentenceEncoder] = {}
_failed: set[str] = set()  # folders whose export or load failed once: sentence-transformers from then on


def onnx_enabled() -> bool:
    """Whether query embedding may use ONNX Runtime: not switched off, and onnxruntime is installed."""
    if os.environ.get(ONNX_ENV, "").strip() == "0":
        return False
    if os.environ.get("RANKQL_DEVICE", "cpu").strip() not in ("", "cpu"):
        return False  # a forced device (cuda, mps, ...) keeps the torch path, as before
    if "onnxruntime" in sys.modules:
        return True
    from importlib.util import find_spec

    return find_spec("onnxruntime") is not None


def cache_root() -> Path:
    """The folder exported models are kept in."""
    given = os.environ.get(CACHE_ENV)
    if given:
        return Path(given).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rankql"


def export_key(model_path: str) -> str:
    """A short hash of the model folder's identity (path, weights size and time, config) and the export."""
    folder = Path(model_path)
    parts = [EXPORT_VERSION, str(folder.resolve())]
    for name in ("model.safetensors", "pytorch_model.bin", "config.json", "tokenizer.json"):
        file = folder / name
        if file.exists():
            stat = file.stat()
            parts.append(f"{name}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def onnx_file(model_path: str) -> Path:
    return cache_root() / "onnx" / export_key(model_path) / "model.onnx"


def mean_pool_normalize(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """sentence-transformers' Pooling (mean over real tokens) then Normalize, in float32."""
    weights = mask[..., None].astype(np.float32)
    summed = (hidden * weights).sum(axis=1)
    pooled = summed / np.clip(weights.sum(axis=1), 1e-9, None)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


def _max_seq_length(model_path: str) -> int:
    config = Path(model_path) / "sentence_bert_config.json"
    if config.exists():
        return int(json.loads(config.read_text()).get("max_seq_length") or 256)
    return 256


def load_tokenizer(model_path: str) -> Any:
    """The model's fast tokenizer (the `tokenizers` package, no transformers), truncating as the model does."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(Path(model_path) / "tokenizer.json"))
    tokenizer.enable_truncation(_max_seq_length(model_path))
    # tokenizer.json pads every text to 128; padding to the longest in the batch gives the same vectors.
    pad_id = tokenizer.token_to_id("[PAD]")
    tokenizer.enable_padding(pad_id=0 if pad_id is None else pad_id, pad_token="[PAD]")
    return tokenizer


def export_onnx(model_path: str, target: Path) -> Path:
    """Export the model's transformer to ONNX with torch, check it against torch, and keep it at target."""
    import warnings

    import onnxruntime
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(model_path, attn_implementation="eager", local_files_only=True).eval()

    class Hidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    # The reference vectors come first: after tracing, the torch module no longer computes the same.
    ids, mask, types = _encode_texts(load_tokenizer(model_path), CHECK_TEXTS)
    with torch.inference_mode():
        expected = model(
            input_ids=torch.from_numpy(ids),
            attention_mask=torch.from_numpy(mask),
            token_type_ids=torch.from_numpy(types),
        ).last_hidden_state.numpy()
    target.parent.mkdir(parents=True, exist_ok=True)
    # A file of this process's own, renamed into place: a concurrent export never leaves half a file.
    partial = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.partial")
    sample = torch.ones((2, 8), dtype=torch.long)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "last_hidden_state")}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                Hidden(),
                (sample, sample, torch.zeros_like(sample)),
                str(partial),
                dynamo=False,
                input_names=list(INPUTS),
                output_names=["last_hidden_state"],
                dynamic_axes=axes,
                opset_version=17,
            )
        session = onnxruntime.InferenceSession(str(partial), providers=["CPUExecutionProvider"])
        got = session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})[0]
        gap = float(np.abs(mean_pool_normalize(got, mask) - mean_pool_normalize(expected, mask)).max())
        if gap > CHECK_TOLERANCE:
            raise ModelLoadError(f"the ONNX export of {model_path} differs from torch by {gap:.2e}")
        with open(partial, "rb") as fh:  # on disk before the name points at it: no empty model after a crash
            os.fsync(fh.fileno())
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def _encode_texts(tokenizer: Any, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    encodings = tokenizer.encode_batch(texts)
    ids = np.array([e.ids for e in encodings], dtype=np.int64)
    mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
    types = np.array([e.type_ids for e in encodings], dtype=np.int64)
    return ids, mask, types


class OnnxSentenceEncoder:
    """Tokenizer plus ONNX Runtime session of one model folder; run() is safe from several threads."""

    def __init__(self, model_path: str, onnx_path: Path, threads: int = 1) -> None:
        import onnxruntime

        self.tokenizer = load_tokenizer(model_path)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Idle pool threads must sleep, not spin: spinning threads fight other processes for the cores.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = onnxruntime.InferenceSession(
            str(onnx_path), options, providers=["CPUExecutionProvider"]
        )

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit vectors, one row per text, as sentence-transformers' encode gives them."""
        chunks = []
        for start in range(0, len(texts), BATCH):
            ids, mask, types = _encode_texts(self.tokenizer, texts[start : start + BATCH])
            hidden = self.session.run(
                None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
            )
            chunks.append(mean_pool_normalize(hidden[0], mask))
        return np.concatenate(chunks)


def onnx_encoder(model_path: str, threads: int = 1) -> OnnxSentenceEncoder | None:
    """The ONNX encoder of a model folder running on `threads` threads, exporting the model on first use;
    None where that cannot be done."""
    key: Any = model_path if threads == 1 else (model_path, threads)
    encoder = _encoders.get(key)
    if encoder is not None or model_path in _failed:
        return encoder
    with _lock:
        encoder = _encoders.get(key)
        if encoder is not None or model_path in _failed:
            return encoder
        target = onnx_file(model_path)
        try:
            if not target.exists():
                export_onnx(model_path, target)
            encoder = _encoders[key] = OnnxSentenceEncoder(model_path, target, threads)
        except Exception as exc:  # the sentence-transformers path still works: say why once, then use it
            _failed.add(model_path)
            # A cached export that cannot be loaded (damaged): remove it, so a later process exports again.
            with contextlib.suppress(OSError):
                target.unlink(missing_ok=True)
            print(f"rankql: query embedding falls back to sentence-transformers ({exc})", file=sys.stderr)
            return None
        return encoder
