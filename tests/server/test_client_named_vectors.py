"""Named vectors through the real weaviate-client v4: a collection with two named vectors (one embedded by
the shipped MiniLM, one given), batch and single inserts, near_vector / near_text / hybrid on a target,
the multi-target combinations (TargetVectors.*) and include_vector, against `serve()`."""

from __future__ import annotations

import pytest
from rankql.runtime import SchemaError
from rankql.runtime.server.fixture import weaviate_client
from weaviate.classes.config import Configure, DataType, Property
from weaviate.classes.data import DataObject
from weaviate.classes.query import MetadataQuery, TargetVectors
from weaviate.exceptions import WeaviateQueryError
from weaviate.util import generate_uuid5

from .grpc_support import gql

ITEMS = [  # name, description, image vector
    ("Chair", "a wooden seat with four legs", [1.0, 0.0]),
    ("Table", "a flat top on legs for meals", [0.8, 0.6]),
    ("Sofa", "a soft couch for the living room", [0.0, 1.0]),
    ("Lamp", "a light for reading at night", [0.6, 0.8]),
]


@pytest.fixture(scope="module")
def client():
    with weaviate_client() as client:
        yield client


@pytest.fixture(scope="module")
def products(client):
    products = client.collections.create(
        "Product",
        properties=[
            Property(name="name", data_type=DataType.TEXT),
            Property(name="description", data_type=DataType.TEXT),
        ],
        vector_config=[
            Configure.Vectors.text2vec_transformers(name="text", source_properties=["description"]),
            Configure.Vectors.self_provided(name="image"),
        ],
    )
    first, *rest = ITEMS
    products.data.insert(
        {"name": first[0], "description": first[1]}, uuid=generate_uuid5(first[0]), vector={"image": first[2]}
    )
    result = products.data.insert_many(
        [
            DataObject(properties={"name": n, "description": d}, uuid=generate_uuid5(n), vector={"image": v})
            for n, d, v in rest
        ]
    )
    assert not result.has_errors, result.errors
    return products


def _names(got) -> list[str]:
    return [o.properties["name"] for o in got.objects]


def test_the_schema_and_objects_keep_both_named_vectors(client, products) -> None:
    config = products.config.get()
    assert set(config.vector_config) == {"text", "image"}
    assert config.vector_config["text"].vectorizer.source_properties == ["description"]
    db = client.rankql_server.db
    stored = db.collection("Product").get(generate_uuid5("Chair"))
    assert stored["vectors"]["image"] == [1.0, 0.0] and len(stored["vectors"]["text"]) == 384
    collection = db.collection("Product")
    batched = collection.get(generate_uuid5("Sofa"))["vectors"]["text"]  # embedded before the writer's turn
    text = collection.object_text({"name": "Sofa", "description": ITEMS[2][1]}, "text")
    assert batched == pytest.approx(collection.named_vectorizers["text"].embed([text])[0].tolist(), abs=1e-5)


def test_near_vector_on_one_target_with_include_vector(products) -> None:
    got = products.query.near_vector(
        [1.0, 0.0],
        target_vector="image",
        limit=2,
        include_vector=True,
        return_metadata=MetadataQuery(distance=True),
    )
    assert _names(got) == ["Chair", "Table"]
    assert set(got.objects[0].vector) == {"text", "image"}
    assert got.objects[1].vector["image"] == pytest.approx([0.8, 0.6], rel=1e-6)
    only = products.query.near_vector([1.0, 0.0], target_vector="image", limit=1, include_vector=["image"])
    assert list(only.objects[0].vector) == ["image"]


def test_near_text_runs_on_the_text_vector(client, products) -> None:
    got = products.query.near_text("somewhere to sit", target_vector="text", limit=2)
    expected = gql(
        client.rankql_server.db,
        'nearText: {concepts: ["somewhere to sit"], targetVectors: ["text"]}, limit: 2',
        "name",
        cls="Product",
    )
    assert _names(got) == [o["name"] for o in expected]


def _per_target(client) -> tuple[list[float], str]:
    """A text query vector, and it with the image vector [0, 1] as GraphQL's vectorPerTarget."""
    text_query = client.rankql_server.db.collection("Product").embed_queries(["a seat"], "text")[0].tolist()
    return text_query, f"vectorPerTarget: {{text: {text_query}, image: [0.0, 1.0]}}"


@pytest.mark.parametrize(
    ("target", "graphql"),
    [
        (TargetVectors.sum(["text", "image"]), "combinationMethod: sum"),
        (TargetVectors.average(["text", "image"]), "combinationMethod: average"),
        (TargetVectors.minimum(["text", "image"]), "combinationMethod: minimum"),
        (
            TargetVectors.manual_weights({"text": 0.2, "image": 2.0}),
            "combinationMethod: manualWeights, weights: {text: 0.2, image: 2.0}",
        ),
        (
            TargetVectors.relative_score({"text": 1.0, "image": 0.5}),
            "combinationMethod: relativeScore, weights: {text: 1.0, image: 0.5}",
        ),
    ],
)
def test_multi_target_combinations_match_the_graphql_query(client, products, target, graphql) -> None:
    text_query, per_target = _per_target(client)
    got = products.query.near_vector(
        {"text": text_query, "image": [0.0, 1.0]},
        target_vector=target,
        limit=4,
        return_metadata=MetadataQuery(distance=True),
    )
    expected = gql(
        client.rankql_server.db,
        f'nearVector: {{{per_target}, targets: {{targetVectors: ["text", "image"], {graphql}}}}}, limit: 4',
        "name _additional { distance }",
        cls="Product",
    )
    assert _names(got) == [o["name"] for o in expected]
    distances = [o.metadata.distance for o in got.objects]
    assert distances == pytest.approx([o["_additional"]["distance"] for o in expected], rel=1e-5)
    assert distances == sorted(distances)


@pytest.mark.parametrize(
    ("target", "graphql"),
    [
        (["text", "image"], 'targetVectors: ["text", "image"]'),
        (
            TargetVectors.sum(["text", "image"]),
            'targets: {targetVectors: ["text", "image"], combinationMethod: sum}',
        ),
    ],
)
def test_hybrid_with_one_vector_per_target_matches_the_graphql_query(
    client, products, target, graphql
) -> None:
    text_query, per_target = _per_target(client)
    got = products.query.hybrid(
        "legs",
        vector={"text": text_query, "image": [0.0, 1.0]},
        target_vector=target,
        alpha=0.5,
        limit=4,
        return_metadata=MetadataQuery(score=True),
    )
    expected = gql(
        client.rankql_server.db,
        f'hybrid: {{query: "legs", alpha: 0.5, {graphql}, searches: {{nearVector: {{{per_target}}}}}}}, limit: 4',
        "name _additional { score }",
        cls="Product",
    )
    assert _names(got) == [o["name"] for o in expected]
    scores = [o.metadata.score for o in got.objects]
    assert scores == pytest.approx([float(o["_additional"]["score"]) for o in expected], rel=1e-5)


def test_hybrid_and_near_object_take_a_target(products) -> None:
    got = products.query.hybrid("legs", target_vector="text", alpha=0.5, limit=2)
    assert set(_names(got)) <= {"Chair", "Table"}
    near = products.query.near_object(generate_uuid5("Sofa"), target_vector="image", limit=2)
    assert _names(near) == ["Sofa", "Lamp"]


def test_a_missing_or_unknown_target_is_weaviates_error(products) -> None:
    with pytest.raises(WeaviateQueryError, match="has multiple vectors, but no target vectors were provided"):
        products.query.near_vector([1.0, 0.0])
    with pytest.raises(WeaviateQueryError, match="does not have named vector colour configured"):
        products.query.near_vector([1.0, 0.0], target_vector="colour")


def test_a_named_vector_added_to_a_collection_with_objects(client) -> None:
    gadgets = client.collections.create(
        "Gadget",
        properties=[Property(name="name", data_type=DataType.TEXT)],
        vector_config=[
            Configure.Vectors.self_provided(name="image"),
            Configure.Vectors.self_provided(name="shape"),
        ],
    )
    gadgets.data.insert({"name": "old radio"}, vector={"image": [1.0, 0.0], "shape": [1.0]})
    gadgets.config.add_vector(
        vector_config=Configure.Vectors.text2vec_transformers(name="text", source_properties=["name"])
    )
    assert set(gadgets.config.get().vector_config) == {"image", "shape", "text"}
    gadgets.data.insert(
        {"name": "new phone"}, vector={"image": [0.0, 1.0], "shape": [2.0]}
    )  # "text" embedded
    by_text = gadgets.query.near_text("telephone", target_vector="text", limit=5)
    assert _names(by_text) == ["new phone"]  # the object stored before has no "text" vector
    by_image = gadgets.query.near_vector([1.0, 0.0], target_vector="image", limit=5)
    assert _names(by_image) == ["old radio", "new phone"]
    db = client.rankql_server.db
    definition = db.collection("Gadget").definition
    fewer = {
        **definition,
        "vectorConfig": {k: v for k, v in definition["vectorConfig"].items() if k != "text"},
    }
    with pytest.raises(SchemaError, match='missing config for vector "text"'):
        db.update_collection_settings("Gadget", fewer)  # a named vector is never taken away
