"""Rerank end to end through db.query: the spec's rerank test cases with Weaviate's semantics."""

from __future__ import annotations

import pytest
from rankql.runtime import Database

from .stage_support import BODY_LENGTHS, Counting, make_db

VEC = "nearVector: {vector: [1, 0]}"


def get(db: Database, args: str, selection: str, cls: str = "Article", **kw) -> list | None:
    """Run one class field and return its list (asserting there are no errors)."""
    answer = db.query(f"{{ Get {{ {cls}({args}) {{ {selection} }} }} }}", **kw)
    assert "errors" not in answer, answer.get("errors")
    return answer["data"]["Get"][cls]


def errors_of(answer: dict) -> list[str]:
    return [e["message"] for e in answer.get("errors", [])]


@pytest.fixture
def two_lengths_db() -> Database:
    """Spec cases 3 and 4: two objects with the same vector, 'second' of length 8 and 12."""
    db = Database()
    coll = db.create_collection(
        {
            "class": "Test",
            "properties": [{"name": "second", "dataType": ["text"]}],
            "moduleConfig": {"reranker-dummy": {}},
        }
    )
    coll.insert_many(
        [
            {"properties": {"second": "longlong"}, "vector": [1, 0]},
            {"properties": {"second": "longlonglong"}, "vector": [1, 0]},
        ]
    )
    return db


SECOND = '_additional { id rerank(property: "second", query: "apple") { score } }'


def test_case_3_near_vector_rerank_loads_the_unselected_property(two_lengths_db):
    rows = get(two_lengths_db, VEC, SECOND, cls="Test")
    assert [r["_additional"]["rerank"] for r in rows] == [[{"score": 12.0}], [{"score": 8.0}]]
    assert set(rows[0]) == {"_additional"}  # 'second' was read for the reranker, not returned


def test_case_4_rerank_without_search(two_lengths_db):
    rows = two_lengths_db.query(f"{{ Get {{ Test {{ {SECOND} }} }} }}")["data"]["Get"]["Test"]
    assert [r["_additional"]["rerank"][0]["score"] for r in rows] == [12.0, 8.0]


def test_case_5_order_by_dummy_score():
    db = Database()
    coll = db.create_collection(
        {
            "class": "Greeting",
            "properties": [{"name": "prop", "dataType": ["text"]}],
            "moduleConfig": {"reranker-dummy": {}},
        }
    )
    coll.insert_many(
        [{"properties": {"prop": p}, "vector": [0, 1]} for p in ["hello", "hellohellohello", "hellohello"]]
    )
    rows = get(
        db,
        "nearVector: {vector: [0, 1]}",
        'prop _additional { rerank(property: "prop") { score } }',
        "Greeting",
    )
    assert [r["prop"] for r in rows] == ["hellohellohello", "hellohello", "hello"]


def test_case_6_hybrid_rerank_scores_non_increasing_and_first_stage_kept(dummy_db):
    args = 'hybrid: {query: "fish", properties: ["words"], alpha: 0.5, vector: [1, 0]}, limit: 9'
    plain = get(dummy_db, args, "title _additional { score }")
    reranked = get(
        dummy_db, args, 'title _additional { score rerank(property: "title", query: "Python") { score } }'
    )
    scores = [r["_additional"]["rerank"][0]["score"] for r in reranked]
    assert len(scores) == 9 and scores == sorted(scores, reverse=True)
    assert {r["title"]: r["_additional"]["score"] for r in reranked} == {
        r["title"]: r["_additional"]["score"] for r in plain
    }


def test_distance_stays_with_its_object(dummy_db):
    plain = get(dummy_db, VEC + ", limit: 6", "n _additional { distance }")
    reranked = get(
        dummy_db, VEC + ", limit: 6", 'n _additional { distance rerank(property: "body") { score } }'
    )
    assert sorted(r["n"] for r in reranked) == list(range(6))
    assert [r["n"] for r in reranked] != list(range(6))
    want = {r["n"]: r["_additional"]["distance"] for r in plain}
    assert all(r["_additional"]["distance"] == want[r["n"]] for r in reranked)


def test_case_8_missing_property(dummy_db):
    answer = dummy_db.query(
        f'{{ Get {{ Article({VEC}) {{ _additional {{ rerank(query: "x") {{ score }} }} }} }} }}'
    )
    assert any("no properties provided" in m for m in errors_of(answer))


def test_case_9_client_failure_fails_only_that_field():
    db = make_db({"broken": {}, "reranker-dummy": {}}, {"broken": Counting(fail="connection refused")}, n=4)
    answer = db.query(
        "{ Get {"
        f' a: Article({VEC}) {{ n _additional {{ rerank(property: "body", module: "broken") {{ score }} }} }}'
        f' b: Article({VEC}) {{ n _additional {{ rerank(property: "body", module: "reranker-dummy") {{ score }} }} }}'
        " } }"
    )
    assert answer["data"]["Get"]["a"] is None
    assert len(answer["data"]["Get"]["b"]) == 4
    (entry,) = answer["errors"]
    assert "client rank: " in entry["message"] and "connection refused" in entry["message"]
    assert entry["path"] == ["Get", "a"]


def test_case_10_empty_page_never_calls_the_reranker(counting_db, counting):
    rows = get(
        counting_db,
        VEC + ', where: {path: ["n"], operator: GreaterThan, valueInt: 1000}',
        '_additional { rerank(property: "body", query: "q") { score } }',
    )
    assert rows == [] and counting.calls == []


def test_case_11_non_text_values_are_empty_documents(counting):
    db = Database()
    db.register_reranker("counting", counting)
    coll = db.create_collection(
        {
            "class": "Mixed",
            "properties": [{"name": "p", "dataType": ["text"]}, {"name": "q", "dataType": ["text[]"]}],
            "moduleConfig": {"counting": {}},
        }
    )
    coll.insert_many(
        [
            {"properties": {"p": "seven c", "q": ["a", "b"]}, "vector": [1, 0]},
            {"properties": {"q": ["c"]}, "vector": [0.9, 0.1]},
        ]
    )
    rows = get(db, VEC, '_additional { rerank(property: "p", query: "x") { score } }', "Mixed")
    assert [r["_additional"]["rerank"][0]["score"] for r in rows] == [7.0, 0.0]
    get(db, VEC, '_additional { rerank(property: "q", query: "y") { score } }', "Mixed")
    assert counting.calls[-1] == ("y", [""])  # text[] on both objects: one empty document, scored once


def test_case_13_omitted_query(counting):
    db = make_db({"counting": {}}, {"counting": counting}, n=5)
    sel = '_additional { rerank(property: "body") { score } }'
    get(db, 'bm25: {query: "fish"}', sel)
    get(db, 'hybrid: {query: "fish water", vector: [1, 0]}', sel)
    get(db, "limit: 3", sel)
    get(db, VEC, sel)  # objects 3 and 4 are new to the cache under query ""
    assert [q for q, _ in counting.calls] == ["fish", "fish water", "", ""]

    weaviate = Counting()
    db = make_db({"counting": {}}, {"counting": weaviate}, fallback=False, n=5)
    get(db, 'bm25: {query: "fish"}', sel)
    assert [q for q, _ in weaviate.calls] == [""]


def test_case_14_rerank_only_reranks_the_page(dummy_db):
    rows = get(
        dummy_db, VEC + ", limit: 5, offset: 5", 'n _additional { rerank(property: "body") { score } }'
    )
    assert sorted(r["n"] for r in rows) == [5, 6, 7, 8, 9]
    assert [r["n"] for r in rows] == [5, 8, 6, 9, 7]  # body lengths 12 9 7 4 2


def test_case_36_group_leaders_reranked_and_groups_reordered(dummy_db):
    args = VEC + ', limit: 20, groupBy: {path: ["category"], groups: 2, objectsPerGroup: 3}'
    sel = '_additional { group { groupedBy { value } count hits { n } } rerank(property: "body") { score } }'
    rows = get(dummy_db, args, sel)
    # first stage: red (leader n=0, body 3) then green (leader n=1, body 9); rerank puts green first
    assert [r["_additional"]["group"]["groupedBy"]["value"] for r in rows] == ["green", "red"]
    assert [r["_additional"]["rerank"][0]["score"] for r in rows] == [9.0, 3.0]
    assert [h["n"] for h in rows[0]["_additional"]["group"]["hits"]] == [1, 4, 7]


def test_aliases_and_classes_share_one_model_call(counting):
    db = make_db({"counting": {}}, {"counting": counting}, n=10)
    other = db.create_collection(
        {
            "class": "Note",
            "properties": [{"name": "body", "dataType": ["text"]}],
            "moduleConfig": {"counting": {}},
        }
    )
    other.insert_many([{"properties": {"body": "note body"}, "vector": [1, 0]}])
    sel = '_additional { rerank(property: "body", query: "q") { score } }'
    text = (
        f'{{ Get {{ a: Article({VEC}, limit: 4) {{ {sel} }} b: Article(bm25: {{query: "fish"}}, limit: 4) {{ {sel} }}'
        f" Note({VEC}) {{ {sel} }} }} }}"
    )
    answer = db.query(text)
    assert "errors" not in answer
    assert [len(answer["data"]["Get"][k]) for k in ("a", "b", "Note")] == [4, 4, 1]
    assert len(counting.calls) == 1  # one provider call for the whole Get (same model, same query)
    counting.calls.clear()
    plan = db.explain(text.replace('"q"', '"q2"'), analyze=True)
    assert len(counting.calls) == 1
    rerank_lines = [line for line in plan.splitlines() if line.strip().startswith("RerankBatch:")]
    assert len(rerank_lines) == 3
    assert all("model calls 1, batches 1, documents 9" in line for line in rerank_lines), plan


def test_rerank_output_fields_and_cache(counting_db, counting):
    sel = 'n _additional { rerank(property: "body", query: "q") { score rank model cached status } }'
    first = get(counting_db, VEC + ", limit: 4", sel)
    again = get(counting_db, VEC + ", limit: 4", sel)
    infos = [r["_additional"]["rerank"][0] for r in first]
    assert [i["rank"] for i in infos] == [1, 3, 2, 0]  # bodies 3 9 5 9 -> 9 9 5 3
    assert {i["model"] for i in infos} == {"counting"}
    assert {i["status"] for i in infos} == {"ok"}
    assert [i["cached"] for i in infos] == [False] * 4
    assert [r["_additional"]["rerank"][0]["cached"] for r in again] == [True] * 4
    assert [r["n"] for r in again] == [r["n"] for r in first]
    assert len(counting.calls) == 1


def test_on_error_keep_order_gives_a_warning_entry():
    db = make_db({"broken": {}}, {"broken": Counting(fail="timed out")}, n=5)
    answer = db.query(
        f'{{ Get {{ Article({VEC}, limit: 3) {{ n _additional {{ rerank(property: "body", onError: KEEP_ORDER)'
        " { score status } } } } }"
    )
    rows = answer["data"]["Get"]["Article"]
    assert [r["n"] for r in rows] == [0, 1, 2]
    assert all(r["_additional"]["rerank"][0]["score"] is None for r in rows)
    assert all("timed out" in r["_additional"]["rerank"][0]["status"] for r in rows)
    (entry,) = answer["errors"]
    assert "KEEP_ORDER" in entry["message"] and "timed out" in entry["message"]
    assert entry["path"] == ["Get", "Article"] and entry["extensions"].get("level") == "warning"


def test_window_pages_come_from_one_reranked_window(dummy_db):
    sel = 'n _additional { rerank(property: "body", window: 20) { score rank } }'
    pages = [get(dummy_db, VEC + f", limit: 5, offset: {o}", sel) for o in (0, 5, 10, 15)]
    whole = [r["n"] for page in pages for r in page]
    by_length = sorted(range(20), key=lambda n: -BODY_LENGTHS[n])  # stable: ties keep retrieval order
    assert whole == by_length
    assert [r["_additional"]["rerank"][0]["rank"] for r in pages[1]] == by_length[5:10]


@pytest.mark.parametrize("search", [VEC, "nearVector: {vector: [1, 0], distance: 1.5}", ""])
def test_window_without_a_limit_reranks_the_window_and_returns_it(dummy_db, search):
    args = f"({search})" if search else ""
    answer = dummy_db.query(
        f'{{ Get {{ Article{args} {{ n _additional {{ rerank(property: "body", window: 8) {{ rank }} }} }} }} }}'
    )
    assert "errors" not in answer, answer["errors"]
    rows = answer["data"]["Get"]["Article"]
    assert [r["n"] for r in rows] == sorted(range(8), key=lambda n: -BODY_LENGTHS[n])


def test_window_smaller_than_the_page_is_an_error(dummy_db):
    answer = dummy_db.query(
        f'{{ Get {{ Article({VEC}, limit: 5, offset: 5) {{ n _additional {{ rerank(property: "body", window: 8)'
        " { score } } } } }"
    )
    (entry,) = answer["errors"]
    assert "window 8" in entry["message"] and "10" in entry["message"]
    assert "at least 10" in entry["extensions"]["hint"]
    assert "data" not in answer or answer["data"]["Get"]["Article"] is None


def test_min_score_autocut_properties_and_blend_end_to_end(dummy_db):
    base = VEC + ", limit: 10"
    rows = get(dummy_db, base, 'n _additional { rerank(property: "body", minScore: 7) { score } }')
    assert [r["n"] for r in rows] == [5, 1, 3, 8, 6]
    # Reranked scores of the top 10: 12 9 9 9 7 5 4 3 2 1. Autocut's curve (12 - s) / 11 - i / 9 is
    # 0, .162, .051, -.061, .010, .081, .061, .040, .020, 0: peaks at 1 and 5, so autocut 1 keeps 1, 2 keeps 5.
    rows = get(dummy_db, base, 'n _additional { rerank(property: "body", autocut: 1) { score } }')
    assert [r["n"] for r in rows] == [5]
    rows = get(dummy_db, base, 'n _additional { rerank(property: "body", autocut: 2) { score } }')
    assert [r["n"] for r in rows] == [5, 1, 3, 8, 6]
    rows = get(dummy_db, base, 'n _additional { rerank(properties: ["title", "body"]) { score } }')
    # 'title n' + newline + body: the length of the title adds 8 (one digit) or 9 (two digits)
    assert rows[0]["_additional"]["rerank"][0]["score"] == 8 + 12.0
    rows = get(dummy_db, base, 'n _additional { rerank(property: "body", blend: 0) { score } }')
    assert [r["n"] for r in rows] == list(range(10))  # blend 0: first-stage order, raw scores still shown
    assert rows[0]["_additional"]["rerank"][0]["score"] == 3.0


def test_rerank_without_property_is_refused_even_when_nothing_matches(dummy_db):
    # stricter than Weaviate (an empty page comes back untouched there): a validation error, no data
    answer = dummy_db.query(
        '{ Get { Article(where: {path: ["n"], operator: GreaterThan, valueInt: 100}) {'
        ' n _additional { rerank(query: "x") { score } } } } }'
    )
    assert "data" not in answer
    (entry,) = answer["errors"]
    assert entry["extensions"]["code"] == "Q311" and "no properties provided" in entry["message"]
    assert entry["path"] is None
