"""hybrid's vector leg as a sub-search through the real v4 client (HybridVector.near_vector / near_text):
the same answer as GraphQL's `searches`, and Weaviate's errors when combined with a vector."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import weaviate
from rankql.runtime import serve
from weaviate.classes.query import HybridVector, MetadataQuery
from weaviate.exceptions import WeaviateQueryError

from .grpc_support import article, article_db, gql

QUERY_VECTOR = article(5)["vector"]


@pytest.fixture(scope="module")
def served() -> Iterator[tuple]:
    with serve(article_db()) as server:
        client = weaviate.connect_to_local(port=server.port, grpc_port=server.grpc_port)
        try:
            yield server.db, client.collections.use("Article")
        finally:
            client.close()


def _vector_text() -> str:
    return ", ".join(repr(float(x)) for x in QUERY_VECTOR)


@pytest.mark.parametrize("distance", [None, 1.1])
def test_near_vector_sub_search_matches_graphql(served, distance: float | None) -> None:
    db, articles = served
    got = articles.query.hybrid(
        "fish boat",
        vector=HybridVector.near_vector(QUERY_VECTOR, distance=distance),
        alpha=0.6,
        limit=6,
        return_metadata=MetadataQuery(score=True),
    )
    bound = "" if distance is None else f", distance: {distance}"
    expected = gql(
        db,
        f'hybrid: {{query: "fish boat", alpha: 0.6, searches: {{nearVector: {{vector: [{_vector_text()}]{bound}}}}}}}, '
        "limit: 6",
        "_additional { id score }",
    )
    assert [str(o.uuid) for o in got.objects] == [e["_additional"]["id"] for e in expected]
    assert [f"{o.metadata.score:.6f}" for o in got.objects] == [
        f"{float(e['_additional']['score']):.6f}" for e in expected
    ]
    if distance is not None:  # the bound cut the vector leg: fewer than the unbounded search finds
        unbounded = articles.query.hybrid(
            "fish boat", vector=HybridVector.near_vector(QUERY_VECTOR), alpha=1, limit=40
        )
        bounded = articles.query.hybrid(
            "fish boat", vector=HybridVector.near_vector(QUERY_VECTOR, distance=distance), alpha=1, limit=40
        )
        assert 0 < len(bounded.objects) < len(unbounded.objects)


def test_near_text_sub_search_needs_a_vectorizer(served) -> None:
    _, articles = served
    with pytest.raises(WeaviateQueryError, match="vectorizer"):
        articles.query.hybrid("fish", vector=HybridVector.near_text("boats at sea"))
