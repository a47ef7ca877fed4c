"""The real weaviate-client v4 against the REST half: schema calls, single-object writes, raw GraphQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from rankql.runtime import Database
from rankql.runtime.server.rest import build_rest_app

from .rest_support import free_port, running

weaviate = pytest.importorskip("weaviate")
wvc = pytest.importorskip("weaviate.classes.config")


@pytest.fixture
def db() -> Database:
    return Database()


@pytest.fixture
def client(db: Database) -> Iterator:
    with running(build_rest_app(db)) as url:
        port = int(url.rsplit(":", 1)[1])
        # REST-only calls: skip_init_checks leaves the gRPC health check out (tests/server's gRPC suite has it).
        connection = weaviate.connect_to_local(port=port, grpc_port=free_port(), skip_init_checks=True)
        try:
            yield connection
        finally:
            connection.close()


def test_connect_meta_ready_nodes(client) -> None:
    assert client.is_ready()
    assert client.get_meta()["version"] >= "1.27.0"
    nodes = client.cluster.nodes(output="verbose")
    assert len(nodes) == 1 and nodes[0].status == "HEALTHY"


def test_create_with_configure_helpers_and_read_config_back(client, db: Database) -> None:
    articles = client.collections.create(
        "Article",
        properties=[
            wvc.Property(name="title", data_type=wvc.DataType.TEXT),
            wvc.Property(name="year", data_type=wvc.DataType.INT, skip_vectorization=True),
            wvc.Property(name="tags", data_type=wvc.DataType.TEXT_ARRAY, tokenization=wvc.Tokenization.FIELD),
        ],
        vector_config=wvc.Configure.Vectors.self_provided(
            vector_index_config=wvc.Configure.VectorIndex.hnsw(distance_metric=wvc.VectorDistances.DOT)
        ),
        inverted_index_config=wvc.Configure.inverted_index(bm25_b=0.7, bm25_k1=1.1),
        reranker_config=wvc.Configure.Reranker.transformers(),
    )
    assert client.collections.exists("Article") and not client.collections.exists("Nope")
    config = articles.config.get()
    assert config.name == "Article"
    assert [p.name for p in config.properties] == ["title", "year", "tags"]
    assert config.properties[2].tokenization == wvc.Tokenization.FIELD
    assert config.properties[1].index_searchable is False and config.properties[0].index_filterable
    assert config.inverted_index_config.bm25.b == 0.7 and config.inverted_index_config.bm25.k1 == 1.1
    assert config.vector_config["default"].vector_index_config.distance_metric == wvc.VectorDistances.DOT
    assert config.reranker_config.reranker == "reranker-transformers"
    assert db.collection("Article").distance == "dot"  # the named vector became the class vector
    assert db.collection("Article").bm25_params == {"k1": 1.1, "b": 0.7}
    assert list(client.collections.list_all(simple=True)) == ["Article"]
    full = client.collections.list_all(simple=False)["Article"]  # every class parsed field by field
    assert full.vector_config["default"].vector_index_config.ef == -1
    articles.config.update(description="news")
    assert articles.config.get().description == "news"
    articles.config.add_property(wvc.Property(name="body", data_type=wvc.DataType.TEXT))
    assert [p.name for p in articles.config.get().properties][-1] == "body"
    client.collections.delete("Article")
    assert not client.collections.exists("Article") and "Article" not in db


def test_dynamic_ef_settings_from_the_client_take_effect(client, db: Database) -> None:
    index = wvc.Configure.VectorIndex.hnsw(dynamic_ef_min=20, dynamic_ef_max=60, dynamic_ef_factor=3)
    docs = client.collections.create(
        "Doc",
        properties=[wvc.Property(name="n", data_type=wvc.DataType.INT)],
        vector_config=wvc.Configure.Vectors.self_provided(vector_index_config=index),
    )
    # batches go over gRPC, which this REST-only server does not serve: the objects go in directly
    assert (
        db.collection("Doc")
        .insert_many([{"properties": {"n": i}, "vector": [1.0, float(i)]} for i in range(30)])
        .ok
    )
    near = "{ Get { Doc(nearVector: {vector: [1, 0]}, limit: 10) { n } } }"
    assert len(db.query(near)["data"]["Get"]["Doc"]) == 10
    assert db.collection("Doc").vectors.hnsw._index.ef == 30  # limit 10 x factor 3, within 20..60
    shown = docs.config.get().vector_config["default"].vector_index_config
    assert (shown.dynamic_ef_min, shown.dynamic_ef_max, shown.dynamic_ef_factor) == (20, 60, 3)
    docs.config.update(
        vector_config=wvc.Reconfigure.Vectors.update(
            name="default", vector_index_config=wvc.Reconfigure.VectorIndex.hnsw(dynamic_ef_factor=5)
        )
    )
    assert docs.config.get().vector_config["default"].vector_index_config.dynamic_ef_factor == 5
    assert len(db.query(near)["data"]["Get"]["Doc"]) == 10
    assert db.collection("Doc").vectors.hnsw._index.ef == 50


def test_config_update_of_a_class_with_objects(client, db: Database) -> None:
    docs = client.collections.create(
        "Doc",
        properties=[wvc.Property(name="body", data_type=wvc.DataType.TEXT)],
        vector_config=wvc.Configure.Vectors.self_provided(),
    )
    docs.data.insert({"body": "a cat on a mat"}, vector=[1.0, 0.0])
    docs.config.update(
        description="notes",
        inverted_index_config=wvc.Reconfigure.inverted_index(bm25_k1=1.5, bm25_b=0.5),
        vector_config=wvc.Reconfigure.Vectors.update(
            name="default", vector_index_config=wvc.Reconfigure.VectorIndex.hnsw(ef=77)
        ),
    )
    config = docs.config.get()
    assert config.description == "notes" and config.inverted_index_config.bm25.k1 == 1.5
    assert config.vector_config["default"].vector_index_config.ef == 77
    assert (
        db.collection("Doc").bm25_params == {"k1": 1.5, "b": 0.5}
        and db.collection("Doc").vectors.hnsw.ef == 77
    )
    docs.config.add_property(wvc.Property(name="year", data_type=wvc.DataType.INT))
    docs.data.insert({"body": "a dog", "year": 2024}, vector=[0.0, 1.0])
    assert [p.name for p in docs.config.get().properties] == ["body", "year"]
    stored = db.collection("Doc")
    assert sorted(
        str(stored.get(u)["properties"].get("year")) for u in map(stored.uuid_of, stored.live_ids())
    ) == [
        "2024",
        "None",
    ]


def test_create_from_dict_with_a_foreign_vectorizer(client) -> None:
    definition = {
        "class": "Doc",
        "vectorizer": "text2vec-openai",
        "moduleConfig": {"text2vec-openai": {"model": "text-embedding-3-small"}, "generative-openai": {}},
        "properties": [{"name": "body", "dataType": ["text"]}],
    }
    docs = client.collections.create_from_dict(definition)
    config = docs.config.get()
    assert config.vectorizer == wvc.Vectorizers.TEXT2VEC_OPENAI
    assert config.vectorizer_config.model["model"] == "text-embedding-3-small"
    assert config.generative_config is not None
    assert config.properties[0].vectorizer_config.skip is False
    with pytest.raises(weaviate.exceptions.UnexpectedStatusCodeError, match="could not vectorize input"):
        docs.data.insert({"body": "no vector here"})
    with pytest.raises(weaviate.exceptions.UnexpectedStatusCodeError, match="--substitute-vectorizers"):
        docs.data.insert({"body": "no vector here"})


@pytest.mark.filterwarnings("ignore:Dep031")  # the client's notice that GraphQL retires in 2027
def test_single_object_writes_and_raw_graphql(client, db: Database) -> None:
    client.collections.create_from_dict(
        {
            "class": "Book",
            "properties": [{"name": "title", "dataType": ["text"]}, {"name": "pages", "dataType": ["int"]}],
        }
    )
    books = client.collections.get("Book")
    first = books.data.insert({"title": "a cat story", "pages": 10}, vector=[1.0, 0.0])
    second = books.data.insert({"title": "dog days", "pages": 20}, uuid=uuid.UUID(int=7), vector=[0.0, 1.0])
    assert second == uuid.UUID(int=7)
    assert books.data.exists(first) and not books.data.exists(uuid.UUID(int=8))
    books.data.update(first, properties={"pages": 11})
    books.data.replace(second, properties={"title": "dog nights"}, vector=[0.1, 0.9])
    assert db.collection("Book").get(str(first))["properties"] == {"title": "a cat story", "pages": 11}
    assert db.collection("Book").get(str(second))["properties"] == {"title": "dog nights"}
    query = "{ Get { Book(nearVector: {vector: [0, 1]}) { title pages _additional { id distance } } } }"
    raw = client.graphql_raw_query(query)
    assert raw.errors is None
    assert raw.get == db.query(query)["data"]["Get"]
    assert [b["title"] for b in raw.get["Book"]] == ["dog nights", "a cat story"]
    bad = client.graphql_raw_query("{ Get { Book { nope } } }")
    assert bad.errors and "nope" in str(bad.errors)
    assert books.data.delete_by_id(first)
    assert not books.data.delete_by_id(first)
    assert len(db.collection("Book")) == 1


def test_named_foreign_vectorizer_substituted() -> None:
    db = Database()
    with running(build_rest_app(db, substitute_vectorizers=True)) as url:
        port = int(url.rsplit(":", 1)[1])
        client = weaviate.connect_to_local(port=port, grpc_port=free_port(), skip_init_checks=True)
        try:
            notes = client.collections.create(
                "Note",
                properties=[wvc.Property(name="text", data_type=wvc.DataType.TEXT)],
                vector_config=wvc.Configure.Vectors.text2vec_openai(),
            )
            config = notes.config.get()
            assert config.vector_config["default"].vectorizer.vectorizer == wvc.Vectorizers.TEXT2VEC_OPENAI
            # As Weaviate: the per-property settings of the named vector's module, filled with defaults.
            assert config.properties[0].vectorizer_configs["text2vec-openai"].skip is False
            first = notes.data.insert({"text": "a cat on a mat"})
        finally:
            client.close()
    stored = db.collection("Note")
    assert stored.vectorizer is not None  # the shipped MiniLM stands in for text2vec-openai
    expected = stored.vectorizer.embed([stored.object_text({"text": "a cat on a mat"})])[0]
    assert stored.object_text({"text": "a cat on a mat"}) == "Note a cat on a mat"  # vectorizeClassName
    served = stored.get(str(first))["vector"]
    assert max(abs(a - b) for a, b in zip(served, expected.tolist(), strict=True)) < 1e-5


def test_config_update_changes_the_reranker_of_a_class_with_objects(client, db: Database) -> None:
    docs = client.collections.create(
        "Doc",
        properties=[wvc.Property(name="body", data_type=wvc.DataType.TEXT)],
        vector_config=wvc.Configure.Vectors.self_provided(),
        reranker_config=wvc.Configure.Reranker.transformers(),
    )
    docs.data.insert({"body": "a cat on a mat"}, vector=[1.0, 0.0])
    docs.config.update(reranker_config=wvc.Reconfigure.Reranker.cohere(model="rerank-english-v3.0"))
    shown = docs.config.get().reranker_config
    assert shown.reranker == wvc.Rerankers.COHERE and shown.model == {"model": "rerank-english-v3.0"}
    assert db.collection("Doc").definition["moduleConfig"] == {
        "reranker-cohere": {"model": "rerank-english-v3.0"}
    }
