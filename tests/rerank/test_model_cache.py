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
    ("cores", "chars", "given", "threads"),
    [
        (2, 10, "", 1),  # one short query
        (8, 3_999, "", 1),  # a handful of texts: one thread, whatever the machine
        (8, 8_000, "", 2),
        (2, 200_000, "", 2),  # bulk work: the cores there are, no more
        (16, 200_000, "", 16),
        (16, 10, "3", 3),  # RANKQL_TORCH_THREADS wins both ways
        (2, 200_000, "1", 1),
    ],
)
def test_threads_follow_the_size_of_the_work(monkeypatch, cores, chars, given, threads) -> None:
    monkeypatch.setenv(models.THREADS_ENV, given)
    monkeypatch.setattr(models, "available_cores", lambda: cores)
    assert models.threads_for(chars) == threads


def test_torch_gets_the_chosen_count(monkeypatch, torch_threads) -> None:
    monkeypatch.delenv(models.THREADS_ENV, raising=False)
    monkeypatch.setattr(models, "available_cores", lambda: 2)
    assert models.use_torch_threads_for(["kitten"]) == 1 and torch.get_num_threads() == 1
    assert models.use_torch_threads_for(["x" * 100] * 500) == 2 and torch.get_num_threads() == 2
    monkeypatch.setenv(models.THREADS_ENV, "two")
    with pytest.raises(ModelLoadError, match="RANKQL_TORCH_THREADS must be a whole number"):
        models.use_torch_threads_for(["kitten"])


def test_embedding_and_reranking_set_threads_by_their_work(monkeypatch, minilm_path, torch_threads) -> None:
    from rankql.runtime.rerank.jobs import RerankStats
    from rankql.runtime.store.vectorizers import TransformersVectorizer

    monkeypatch.delenv(models.THREADS_ENV, raising=False)
    monkeypatch.setattr(models, "available_cores", lambda: 2)
    vectorizer = TransformersVectorizer({"model": minilm_path})
    torch.set_num_threads(2)
    vectorizer._encode(["one short query"])
    assert torch.get_num_threads() == 1
    vectorizer.embed([f"object number {i} with a sentence of text about it" for i in range(200)])
    assert torch.get_num_threads() == 2  # bulk embedding at import uses the cores
    monkeypatch.setenv("RANKQL_ONNX", "0")  # the shipped MiniLM through sentence-transformers, as others go
    backend = SimilarityBackend({"model": minilm_path})
    backend.score_pairs([("q", "a short document")], RerankStats())
    assert torch.get_num_threads() == 1
