"""The gRPC service itself: health, API keys in metadata, and the methods rankql does not have yet."""

from __future__ import annotations

import grpc
import pytest
import weaviate
from rankql.runtime import serve
from rankql.runtime.errors import ModelLoadError, SearchError, StorageError
from rankql.runtime.server import grpc_service
from weaviate.classes.init import Auth
from weaviate.proto.v1 import health_weaviate_pb2, search_get_pb2, weaviate_pb2_grpc

from .grpc_support import article_db


def _health(port: int) -> int:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        check = channel.unary_unary(
            "/grpc.health.v1.Health/Check",
            request_serializer=health_weaviate_pb2.WeaviateHealthCheckRequest.SerializeToString,
            response_deserializer=health_weaviate_pb2.WeaviateHealthCheckResponse.FromString,
        )
        return check(health_weaviate_pb2.WeaviateHealthCheckRequest(), timeout=10).status


def _search(port: int, metadata: tuple = ()) -> search_get_pb2.SearchReply:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = weaviate_pb2_grpc.WeaviateStub(channel)
        return stub.Search(
            search_get_pb2.SearchRequest(collection="Article", limit=2), metadata=metadata, timeout=10
        )


def test_health_check_answers_serving_with_weaviates_messages() -> None:
    with serve(article_db(3)) as server:
        assert _health(server.grpc_port) == health_weaviate_pb2.WeaviateHealthCheckResponse.SERVING


def test_api_keys_in_grpc_metadata() -> None:
    with serve(article_db(5), api_keys=("k1", "k2")) as server:
        # the health check stays open, as Weaviate's does: the client checks it before it authenticates
        assert _health(server.grpc_port) == health_weaviate_pb2.WeaviateHealthCheckResponse.SERVING
        for metadata in [(), (("authorization", "Bearer wrong"),), (("authorization", "k1"),)]:
            with pytest.raises(grpc.RpcError) as err:
                _search(server.grpc_port, metadata)
            assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
            assert "API key" in err.value.details()
        with grpc.insecure_channel(f"127.0.0.1:{server.grpc_port}") as channel:
            stream = weaviate_pb2_grpc.WeaviateStub(channel).BatchStream(iter(()), timeout=10)
            with pytest.raises(grpc.RpcError) as err:
                list(stream)
            assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
        reply = _search(server.grpc_port, (("authorization", "Bearer k2"),))
        assert len(reply.results) == 2
        client = weaviate.connect_to_local(
            port=server.port, grpc_port=server.grpc_port, auth_credentials=Auth.api_key("k1")
        )
        try:
            assert len(client.collections.use("Article").query.fetch_objects(limit=3).objects) == 3
        finally:
            client.close()


def test_without_keys_no_authorization_is_needed() -> None:
    with serve(article_db(4)) as server:
        assert len(_search(server.grpc_port).results) == 2


def test_aggregate_over_grpc_matches_graphql() -> None:
    from weaviate.classes.aggregate import GroupByAggregate, Metrics
    from weaviate.classes.query import Filter

    db = article_db(12)
    metrics = [
        Metrics("points").integer(count=True, sum_=True, mean=True, median=True, mode=True, maximum=True),
        Metrics("price").number(mean=True, minimum=True),
        Metrics("featured").boolean(total_true=True, percentage_true=True),
        Metrics("category").text(count=True, top_occurrences_count=True, top_occurrences_value=True, limit=2),
        Metrics("published").date_(minimum=True, median=True),
    ]
    fields = (
        "meta { count } points { count sum mean median mode maximum } price { mean minimum } "
        "featured { totalTrue percentageTrue } category { count topOccurrences(limit: 2) { value occurs } } "
        "published { minimum median }"
    )
    with serve(db) as server:
        client = weaviate.connect_to_local(port=server.port, grpc_port=server.grpc_port)
        try:
            articles = client.collections.use("Article")
            got = articles.aggregate.over_all(
                total_count=True, return_metrics=metrics, filters=Filter.by_property("points").greater_than(5)
            )
            where = '(where: {path: ["points"], operator: GreaterThan, valueInt: 5})'
            (want,) = db.query(f"{{ Aggregate {{ Article{where} {{ {fields} }} }} }}")["data"]["Aggregate"][
                "Article"
            ]
            assert got.total_count == want["meta"]["count"]
            points = got.properties["points"]
            assert (points.count, points.sum_, points.mode, points.maximum) == (
                want["points"]["count"],
                want["points"]["sum"],
                want["points"]["mode"],
                want["points"]["maximum"],
            )
            assert points.mean == pytest.approx(want["points"]["mean"])
            assert points.median == pytest.approx(want["points"]["median"])
            assert got.properties["price"].minimum == pytest.approx(want["price"]["minimum"])
            assert got.properties["featured"].total_true == want["featured"]["totalTrue"]
            tops = got.properties["category"].top_occurrences
            assert [(t.value, t.count) for t in tops] == [
                (t["value"], t["occurs"]) for t in want["category"]["topOccurrences"]
            ]
            assert got.properties["published"].minimum == want["published"]["minimum"]
            grouped = articles.aggregate.over_all(
                total_count=True, group_by=GroupByAggregate(prop="category", limit=2)
            )
            groups = db.query(
                '{ Aggregate { Article(groupBy: ["category"], limit: 2) { groupedBy { value } meta { count } } } }'
            )
            assert [(g.grouped_by.value, g.total_count) for g in grouped.groups] == [
                (g["groupedBy"]["value"], g["meta"]["count"]) for g in groups["data"]["Aggregate"]["Article"]
            ]
            near = articles.aggregate.near_vector([1.0] + [0.0] * 7, object_limit=5, total_count=True)
            assert near.total_count == 5
        finally:
            client.close()


@pytest.mark.parametrize(
    ("error", "code", "shown"),
    [
        (SearchError("the filter does not fit"), grpc.StatusCode.INVALID_ARGUMENT, "the filter does not fit"),
        (
            StorageError("the log cannot be written", hint="free some disk"),
            grpc.StatusCode.UNAVAILABLE,
            "the log cannot be written (hint: free some disk)",
        ),
        (ModelLoadError("no model"), grpc.StatusCode.UNAVAILABLE, "no model"),
        (KeyError("secret-internal-detail"), grpc.StatusCode.INTERNAL, "the server log has the details"),
    ],
)
def test_errors_map_to_statuses_by_the_rest_rule(monkeypatch, caplog, error, code, shown) -> None:
    """A bad request is INVALID_ARGUMENT; the server's failures are UNAVAILABLE (a rankql error, with its
    message as REST's 500 shows it) or INTERNAL (a bug: no exception text reaches the client)."""

    def failing(*args: object) -> None:
        raise error

    monkeypatch.setattr(grpc_service, "run_search", failing)
    with serve(article_db(2)) as server, pytest.raises(grpc.RpcError) as raised:
        _search(server.grpc_port)
    assert raised.value.code() == code
    assert shown in raised.value.details()
    assert "secret" not in raised.value.details() and "KeyError" not in raised.value.details()
    if code == grpc.StatusCode.INTERNAL:
        assert "secret-internal-detail" in caplog.text  # the traceback is in the server log
