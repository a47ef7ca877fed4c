"""hybrid's vector leg as a sub-search, and bm25's AndCross, through the real v4 client (HybridVector):
the same answer as GraphQL's `searches`, and Weaviate's errors when combined with a vector."""

from __future__ import annotations

import struct
from collections.abc import Iterator

import grpc
import pytest
import weaviate
from rankql.runtime import serve
from weaviate.classes.query import HybridVector, MetadataQuery
from weaviate.exceptions import WeaviateQueryError
from weaviate.proto.v1 import base_search_pb2, search_get_pb2, weaviate_pb2_grpc

from .grpc_support import article, article_db, gql

QUERY_VECTOR = article(5)["vector"]


@pytest.fixture(scope="module")
def served() -> Iterator[tuple]:
    with serve(article_db()) as server:
        client = weaviate.connect_to_local(port=server.port, grpc_port=server.grpc_port)
        try:
            yield server.db, client.collections.use("Article"), server.grpc_port
        finally:
            client.close()


def _vector_text() -> str:
    return ", ".join(repr(float(x)) for x in QUERY_VECTOR)


@pytest.mark.parametrize("distance", [None, 1.1])
def test_near_vector_sub_search_matches_graphql(served, distance: float | None) -> None:
    db, articles, _ = served
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
    _, articles, _ = served
    with pytest.raises(WeaviateQueryError, match="vectorizer"):
        articles.query.hybrid("fish", vector=HybridVector.near_text("boats at sea"))


def test_bm25_and_cross_through_grpc(served) -> None:
    # The v4 client sends OPERATOR_AND_CROSS only to servers of 1.37.15+; rankql reports 1.35: the request
    # is sent as the client builds it, on the client's own channel.
    db, _, grpc_port = served
    props = article(3)["properties"]
    query = props["title"].split()[0] + " " + props["body"].split()[-1]
    request = search_get_pb2.SearchRequest(
        collection="Article",
        limit=10,
        bm25_search=base_search_pb2.BM25(
            query=query,
            properties=["title", "body"],
            search_operator=base_search_pb2.SearchOperatorOptions(
                operator=base_search_pb2.SearchOperatorOptions.OPERATOR_AND_CROSS
            ),
        ),
        metadata=search_get_pb2.MetadataRequest(uuid=True),
    )
    with grpc.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
        reply = weaviate_pb2_grpc.WeaviateStub(channel).Search(request, timeout=10)
    expected = gql(
        db,
        f'bm25: {{query: "{query}", properties: ["title", "body"], searchOperator: {{operator: AndCross}}}}, limit: 10',
        "_additional { id }",
    )
    assert expected and [r.metadata.id for r in reply.results] == [e["_additional"]["id"] for e in expected]


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (
            lambda v: base_search_pb2.Hybrid(
                query="fish", vector_bytes=v, near_vector=base_search_pb2.NearVector(vector_bytes=v)
            ),
            "cannot combine nearVector and vector in hybrid search",
        ),
        (
            lambda v: base_search_pb2.Hybrid(
                query="fish", vector_bytes=v, near_text=base_search_pb2.NearTextSearch(query=["boats"])
            ),
            "cannot combine nearText and query in hybrid search",
        ),
    ],
)
def test_a_sub_search_beside_a_vector_is_weaviates_grpc_error(served, build, expected: str) -> None:
    _, _, grpc_port = served
    raw = struct.pack(f"<{len(QUERY_VECTOR)}f", *QUERY_VECTOR)
    request = search_get_pb2.SearchRequest(collection="Article", limit=3, hybrid_search=build(raw))
    with grpc.insecure_channel(f"127.0.0.1:{grpc_port}") as channel, pytest.raises(grpc.RpcError) as err:
        weaviate_pb2_grpc.WeaviateStub(channel).Search(request, timeout=10)
    assert expected in err.value.details()
