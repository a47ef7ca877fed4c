"""Query embedding through ONNX Runtime: the export equals sentence-transformers, is kept, and needs no torch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from rankql.runtime import Database, onnx_embedding
from rankql.runtime.models import load_sentence_transformer
from rankql.runtime.store.vectorizers import TransformersVectorizer

pytest.importorskip("onnxruntime")

REPO = Path(__file__).resolve().parents[2]
TEXTS = [
    "sea voyage",
    "",
    " ",
    "?!",
    "Héllo wörld, naïve café — 日本語のテキスト 🚀🌊 مرحبا بالعالم",
    "The Quick Brown FOX jumps over the lazy dog. " * 60,  # far past the 256 tokens the model reads
    "\t\nline one\nline two\t",
    "a",
]


@pytest.fixture(scope="module")
def exported(tmp_path_factory, minilm_path: str) -> onnx_embedding.OnnxSentenceEncoder:
    """A fresh export of the shipped MiniLM into a cache folder of this test module."""
    cache = tmp_path_factory.mktemp("rankql-cache")
    saved = os.environ.get(onnx_embedding.CACHE_ENV)
    os.environ[onnx_embedding.CACHE_ENV] = str(cache)
    onnx_embedding._encoders.pop(minilm_path, None)
    try:
        encoder = onnx_embedding.onnx_encoder(minilm_path)
        assert encoder is not None
        assert onnx_embedding.onnx_file(minilm_path).is_relative_to(cache)
        yield encoder
    finally:
        onnx_embedding._encoders.pop(minilm_path, None)  # later tests use the default cache again
        if saved is None:
            os.environ.pop(onnx_embedding.CACHE_ENV, None)
        else:
            os.environ[onnx_embedding.CACHE_ENV] = saved


def test_onnx_vectors_equal_sentence_transformers(exported, minilm_path: str) -> None:
    expected = load_sentence_transformer(minilm_path, "cpu").encode(TEXTS, convert_to_numpy=True)
    together = exported.encode(TEXTS)  # one padded batch
    alone = np.stack([exported.encode([text])[0] for text in TEXTS])
    assert together.shape == (len(TEXTS), 384) and together.dtype == np.float32
    np.testing.assert_allclose(together, expected, atol=1e-5, rtol=0)
    np.testing.assert_allclose(alone, expected, atol=1e-5, rtol=0)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)


def test_truncation_is_the_models_256_tokens(exported) -> None:
    ids = exported.tokenizer.encode_batch([TEXTS[5], "short"])
    assert len(ids[0].ids) == 256 and sum(ids[1].attention_mask) == 3  # [CLS] short [SEP], padded


def test_the_export_is_kept_and_not_made_again(exported, minilm_path: str, monkeypatch) -> None:
    target = onnx_embedding.onnx_file(minilm_path)
    assert target.exists() and not list(target.parent.glob("*.partial"))

    def no_export(*args, **kwargs):
        raise AssertionError("exported again although the cache holds the model")

    monkeypatch.setattr(onnx_embedding, "export_onnx", no_export)
    monkeypatch.delitem(onnx_embedding._encoders, minilm_path)
    again = onnx_embedding.onnx_encoder(minilm_path)
    assert again is not None and again is not exported
    np.testing.assert_allclose(again.encode(["kept"]), exported.encode(["kept"]), atol=1e-7)


def test_the_vectorizer_uses_onnx_for_queries_and_rankql_onnx_0_turns_it_off(
    exported, minilm_path: str, monkeypatch
) -> None:
    monkeypatch.setitem(onnx_embedding._encoders, minilm_path, exported)
    vectorizer = TransformersVectorizer({"model": minilm_path + "/"})  # another spelling of the folder
    assert vectorizer._onnx() is exported
    monkeypatch.setenv(onnx_embedding.ONNX_ENV, "0")
    assert vectorizer._onnx() is None
    torch_vector = vectorizer.embed_queries(["kitten"])
    monkeypatch.delenv(onnx_embedding.ONNX_ENV)
    np.testing.assert_allclose(vectorizer.embed_queries(["kitten"]), torch_vector, atol=1e-5, rtol=0)


def test_another_model_keeps_sentence_transformers(tmp_path: Path, minilm_path: str) -> None:
    copy = tmp_path / "other-model"
    copy.symlink_to(minilm_path)  # resolves to the shipped folder: still the shipped MiniLM
    assert TransformersVectorizer({"model": str(copy)})._onnx() is not None
    other = tmp_path / "not-minilm"
    other.mkdir()
    assert TransformersVectorizer({"model": str(other)})._onnx() is None


def test_a_failed_export_falls_back_once_with_a_message(tmp_path, monkeypatch, capsys, minilm_path) -> None:
    monkeypatch.setenv(onnx_embedding.CACHE_ENV, str(tmp_path))
    monkeypatch.setattr(onnx_embedding, "_encoders", {})
    monkeypatch.setattr(onnx_embedding, "_failed", set())
    calls = []

    def broken(model_path, target):
        calls.append(model_path)
        raise RuntimeError("exporter missing")

    monkeypatch.setattr(onnx_embedding, "export_onnx", broken)
    vectorizer = TransformersVectorizer({"model": minilm_path})
    vectorizer.embed(["an object"])  # torch loaded by an import: no export in this process
    assert vectorizer._onnx() is None and calls == []
    vectorizer._model = vectorizer._onnx_encoder = None  # a process that only queries (a fresh vectorizer)
    first = vectorizer.embed_queries(["kitten"])
    second = vectorizer.embed_queries(["kitten"])
    assert calls == [minilm_path] and np.array_equal(first, second) and first.shape == (1, 384)
    err = capsys.readouterr().err
    assert err.count("falls back to sentence-transformers (exporter missing)") == 1
    assert not list(tmp_path.rglob("*.onnx"))


COLD = """
import json, sys
from rankql.runtime.faces.cli import main
code = main(["query", "--db", sys.argv[1], sys.argv[2]])
heavy = sorted(m for m in ("torch", "transformers", "sentence_transformers") if m in sys.modules)
print(json.dumps({"code": code, "heavy": heavy}))
"""


def test_a_fresh_near_text_query_imports_no_torch(exported, tmp_path: Path, minilm_path: str) -> None:
    db = Database(tmp_path / "db")
    books = db.create_collection(
        {
            "class": "Book",
            "vectorizer": "text2vec-transformers",
            "properties": [{"name": "title", "dataType": ["text"]}],
        }
    )
    assert books.insert_many([{"properties": {"title": t}} for t in ("Moby-Dick", "Cooking for one")]).ok
    db.close()  # the child process opens the folder: one process at a time holds it
    query = tmp_path / "q.graphql"
    query.write_text('{ Get { Book(nearText: {concepts: ["whale hunt"]}, limit: 1) { title } } }')
    assert _cold_query(tmp_path / "db", query)["data"]["Get"]["Book"] == [{"title": "Moby-Dick"}]


def _cold_query(folder: Path, query: Path) -> dict:
    """`rankql query` in a fresh process, which must import no torch; its answer."""
    done = subprocess.run(
        [sys.executable, "-c", COLD, str(folder), str(query)],
        cwd=REPO,
        env={**os.environ},  # with the fixture's cache folder, which holds the export
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answer, status = done.stdout.strip().rsplit("\n", 1)
    assert json.loads(status) == {"code": 0, "heavy": []}
    return json.loads(answer)


def test_import_rankql_runtime_does_not_import_torch() -> None:
    code = "import sys, rankql.runtime, rankql.runtime.store.vectorizers; print('torch' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "False"


def test_a_damaged_cached_export_is_removed_so_a_later_process_exports_again(
    tmp_path, monkeypatch, capsys, minilm_path
) -> None:
    monkeypatch.setenv(onnx_embedding.CACHE_ENV, str(tmp_path))
    monkeypatch.setattr(onnx_embedding, "_encoders", {})
    monkeypatch.setattr(onnx_embedding, "_failed", set())
    target = onnx_embedding.onnx_file(minilm_path)
    target.parent.mkdir(parents=True)
    target.write_bytes(b"not an onnx model")  # e.g. cut short by a crash
    assert onnx_embedding.onnx_encoder(minilm_path) is None
    assert "falls back" in capsys.readouterr().err
    assert not target.exists()


def test_with_torch_loaded_and_no_export_the_vectorizer_decides_once(
    tmp_path, monkeypatch, minilm_path
) -> None:
    from rankql.runtime.store import vectorizers

    monkeypatch.setenv(onnx_embedding.CACHE_ENV, str(tmp_path))  # no export there
    looked: list[str] = []

    def counted(model_path: str) -> Path:
        looked.append(model_path)
        return onnx_embedding.onnx_file(model_path)

    monkeypatch.setattr(vectorizers, "onnx_file", counted)
    vectorizer = TransformersVectorizer({"model": minilm_path})
    vectorizer._model = object()  # torch is loaded here already (an import ran)
    assert vectorizer._onnx() is None and vectorizer._onnx() is None and vectorizer._onnx() is None
    assert len(looked) == 1


def test_a_fresh_query_reranked_by_similarity_imports_no_torch(exported, tmp_path: Path) -> None:
    db = Database(tmp_path / "db")
    books = db.create_collection(
        {
            "class": "Book",
            "moduleConfig": {"reranker-similarity": {}},
            "properties": [{"name": "title", "dataType": ["text"]}],
        }
    )
    titles = ("The sea and the old fisherman", "Cooking for one", "Sea shanties")
    assert books.insert_many([{"properties": {"title": t}} for t in titles]).ok
    db.close()
    query = tmp_path / "q.graphql"
    query.write_text(
        '{ Get { Book(bm25: {query: "sea"}) { title '
        '_additional { rerank(property: "title", query: "a fisherman at sea") { score } } } } }'
    )
    found = _cold_query(tmp_path / "db", query)["data"]["Get"]["Book"]
    assert [b["title"] for b in found] == ["The sea and the old fisherman", "Sea shanties"]
    assert found[0]["_additional"]["rerank"][0]["score"] > found[1]["_additional"]["rerank"][0]["score"]
