"""Model loading: the hot path skips name resolution, backends keep their model, torch threads from the env."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from rankql.runtime import models
from rankql.runtime.errors import ModelLoadError
from rankql.runtime.rerank.cross_encoder import CrossEncoderBackend, CrossEncoderScorer
from rankql.runtime.rerank.similarity import SimilarityBackend


@pytest.fixture
def torch_threads():
    """Whatever a test sets, torch's thread count is restored afterwards."""
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def test_a_loaded_model_is_found_again_without_resolving_its_name(monkeypatch, minilm_path) -> None:
    first = models.load_sentence_transformer(minilm_path)

    def no_resolving(*args, **kwargs):
        raise AssertionError("resolve_local_model ran again for a model already loaded")

    monkeypatch.setattr(models, "resolve_local_model", no_resolving)
    assert models.load_sentence_transformer(minilm_path) is first


def test_different_names_of_one_folder_share_one_load(tmp_path: Path) -> None:
    calls = []

    def factory(path: str, device: str):
        calls.append((path, device))
        return object()

    folder = tmp_path / "model"
    folder.mkdir()
    a = models._load_once("test-kind", str(folder), "cpu", factory)
    b = models._load_once("test-kind", str(folder) + "/", "cpu", factory)  # another spelling, same folder
    assert a is b and calls == [(str(folder), "cpu")]
    assert models._load_once("test-kind", str(folder), "cpu", factory) is a and len(calls) == 1


def test_backends_keep_their_model(monkeypatch) -> None:
    loads = []
    monkeypatch.setattr(models, "load_sentence_transformer", lambda *a: loads.append(a) or object())
    backend = SimilarityBackend({})
    assert backend.encoder() is backend.encoder() and len(loads) == 1

    monkeypatch.setattr(models, "load_cross_encoder", lambda *a: loads.append(a) or object())
    monkeypatch.setattr(CrossEncoderScorer, "of", classmethod(lambda cls, model: ("scorer", model)))
    backend = CrossEncoderBackend({"device": "cpu"})
    assert backend.scorer() is backend.scorer() and len(loads) == 2


def test_rankql_torch_threads_is_applied_before_the_first_load(monkeypatch, tmp_path, torch_threads) -> None:
    torch.set_num_threads(2)
    monkeypatch.setenv(models.THREADS_ENV, "1")
    seen = []
    folder = tmp_path / "threads-model"
    folder.mkdir()
    models._load_once("test-threads", str(folder), "cpu", lambda p, d: seen.append(torch.get_num_threads()))
    assert seen == [1]


def test_without_the_variable_torch_keeps_its_threads(monkeypatch, torch_threads) -> None:
    torch.set_num_threads(2)
    monkeypatch.delenv(models.THREADS_ENV, raising=False)
    assert models.configure_torch_threads() is None and torch.get_num_threads() == 2


@pytest.mark.parametrize("value", ["0", "two", "-1", "1.5"])
def test_a_bad_thread_count_is_a_clear_error(monkeypatch, value) -> None:
    monkeypatch.setenv(models.THREADS_ENV, value)
    with pytest.raises(ModelLoadError, match=f"RANKQL_TORCH_THREADS must be a whole number.*got '{value}'"):
        models.configure_torch_threads()


@pytest.mark.parametrize(
    ("cores", "given", "result"), [(2, "", "1"), (1, "", "1"), (2, "4", "4"), (8, "", "")]
)
def test_one_thread_on_small_machines_unless_told_otherwise(monkeypatch, cores, given, result) -> None:
    monkeypatch.setenv(models.THREADS_ENV, given)
    monkeypatch.setattr(models.os, "cpu_count", lambda: cores)
    models.one_thread_on_small_machines()
    assert models.os.environ[models.THREADS_ENV] == result
