"""Front-end speed: rankql's parse + bind + validate beside graphql-core's parse alone, same text, same run.

The measured path is uncached: every run lexes and parses the text anew (frontend.parse_syntax, not
compile_query's cache by text), binds it to the typed AST and validates it against a schema.
Run: .venv/bin/python benchmarks/bench_frontend.py [--runs N]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import random
import statistics
import string
import time

from graphql.language.parser import parse as graphql_parse
from rankql.dsl import QueryError, validate
from rankql.dsl.binder import bind
from rankql.dsl.frontend import parse_syntax
from rankql.dsl.schema import ClassSchema, PropertySchema, Schema

SEED = (
    '{ Get { JeopardyQuestion(nearText: {concepts: "flying"}, limit: 10) { answer question '
    '_additional { distance rerank(property: "answer", query: "floating") { score } } } } }'
)
# hybrid + nested where + rerank on one class field; sort beside hybrid is a conflict (as in Weaviate),
# so the sort sits on a second class field with a vector search.
LARGE = """
query Large {
  Get {
    top: JeopardyQuestion(
      hybrid: {query: "animals in movies", alpha: 0.6, properties: ["question^2", "answer"], fusionType: relativeScoreFusion}
      where: {operator: And, operands: [
        {path: ["points"], operator: GreaterThanEqual, valueInt: 200},
        {operator: Or, operands: [
          {path: ["round"], operator: Equal, valueText: "Double Jeopardy!"},
          {path: ["category"], operator: Like, valueText: "ANIMAL*"},
          {operator: Not, operands: [{path: ["hasImage"], operator: Equal, valueBoolean: true}]}
        ]},
        {path: ["airDate"], operator: GreaterThan, valueDate: "2000-01-01T00:00:00Z"}
      ]}
      limit: 10
      offset: 10
    ) {
      question
      answer
      category
      _additional {
        id
        score
        explainScore
        rerank(properties: ["question", "answer"], query: "big cats", window: 50, minScore: -5, blend: 0.7) { score rank cached }
      }
    }
    sorted: JeopardyQuestion(
      nearText: {concepts: ["animals"], distance: 0.6, moveTo: {concepts: ["wild"], force: 0.3}}
      where: {path: ["points"], operator: LessThan, valueInt: 1000}
      sort: [{path: ["points"], order: desc}, {path: ["answer"]}]
      limit: 20
    ) {
      question
      points
      _additional { distance }
    }
  }
}
"""

SCHEMA = Schema(
    classes=[
        ClassSchema(
            name="JeopardyQuestion",
            properties=[
                PropertySchema(name="question", data_type="text"),
                PropertySchema(name="answer", data_type="text"),
                PropertySchema(name="category", data_type="text", tokenization="field"),
                PropertySchema(name="round", data_type="text"),
                PropertySchema(name="points", data_type="int"),
                PropertySchema(name="airDate", data_type="date"),
                PropertySchema(name="hasImage", data_type="boolean"),
            ],
            vectorizer="text2vec-transformers",
            rerankers=["reranker-transformers"],
        )
    ]
)


def rankql_front_end(text: str):
    query, diagnostics = bind(parse_syntax(text))
    assert query is not None and not diagnostics, diagnostics
    problems = validate(query, SCHEMA)
    assert not problems, problems
    return query


def median_us(fn, text: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn(text)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def compare(name: str, text: str, runs: int) -> float:
    for _ in range(200):  # warm up both
        rankql_front_end(text)
        graphql_parse(text)
    ours, theirs = [], []
    for _ in range(5):  # interleave rounds so drift hits both alike
        ours.append(median_us(rankql_front_end, text, runs // 5))
        theirs.append(median_us(graphql_parse, text, runs // 5))
    a, b = statistics.median(ours), statistics.median(theirs)
    print(
        f"{name:<6} rankql parse+bind+validate {a:8.1f} µs   graphql-core parse {b:8.1f} µs   ratio {a / b:.2f}x"
    )
    return a / b


def stages(text: str, runs: int) -> None:
    doc = parse_syntax(text)
    query, _ = bind(doc)
    parse_us = median_us(parse_syntax, text, runs)
    bind_us = median_us(lambda _t: bind(doc), text, runs)
    validate_us = median_us(lambda _t: validate(query, SCHEMA), text, runs)
    print(f"       stages: lex+parse {parse_us:.1f} µs, bind {bind_us:.1f} µs, validate {validate_us:.1f} µs")


def random_text(runs: int) -> None:
    rng = random.Random(7)
    text = "".join(rng.choice(string.printable + "{}[]()" * 5) for _ in range(100_000))
    start = time.perf_counter()
    for _ in range(runs):
        with contextlib.suppress(QueryError):
            parse_syntax(text)
    print(
        f"100 KB of random text answered (QueryError) in {(time.perf_counter() - start) / runs * 1e6:.1f} µs"
    )
    deep = "{ Get { A(x: " + "[" * 10_000
    start = time.perf_counter()
    try:
        parse_syntax(deep)
    except QueryError as err:
        print(f"10,000 nested brackets answered ({err.code}) in {(time.perf_counter() - start) * 1e6:.1f} µs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5000)
    args = parser.parse_args()
    gc.disable()  # both sides allocate; collections would land on whichever runs at the time
    print("front end, median µs per query (uncached: every run parses the text anew)")
    seed = compare("seed", SEED, args.runs)
    stages(SEED, args.runs)
    large = compare("large", LARGE, args.runs)
    stages(LARGE, args.runs)
    gc.enable()
    random_text(20)
    target = "met" if max(seed, large) <= 1.0 else "NOT met"
    print(f"target rankql <= 1.0x graphql-core parse: {target} (seed {seed:.2f}x, large {large:.2f}x)")


if __name__ == "__main__":
    main()
