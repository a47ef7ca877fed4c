"""The `rankql` command: argument parsing, help with examples, and one place that turns errors into messages."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence

from .common import UsageError, describe_exception

DESCRIPTION = """\
rankql runs Weaviate-style GraphQL Get and Aggregate queries, with reranking, on a database folder on this machine.

Start here:
  rankql demo                                  load 1,000 Jeopardy questions and run a reranked query
  rankql repl --db demo-db                     type queries, with completion (Tab) from the schema
  rankql query --db demo-db examples/queries/seed.graphql
"""
EXAMPLES = {
    "repl": """\
examples:
  rankql repl --db demo-db
  rankql repl                      (an empty in-memory database; .help lists the dot-commands)
A query runs when its braces balance; Tab completes classes, arguments, properties and enum values.
Ctrl-C cancels a running query and returns to the prompt; Ctrl-D on an empty line leaves.""",
    "query": """\
examples:
  rankql query --db demo-db examples/queries/seed.graphql
  echo '{ Get { JeopardyQuestion(limit: 3) { question } } }' | rankql query --db demo-db -
  rankql query --db demo-db --vars '{"text": "flying"}' examples/queries/variables.graphql
  rankql query --db demo-db --vars @vars.json query.graphql
Prints the GraphQL answer as JSON; exit status 0, 1 when the answer has errors, 2 on bad usage.""",
    "explain": """\
examples:
  rankql explain --db demo-db examples/queries/seed.graphql
  rankql explain --analyze --db demo-db examples/queries/seed.graphql   (runs it: rows, time, model calls)""",
    "schema": """\
examples:
  rankql schema --db demo-db
  rankql schema --db demo-db --json     (the class definitions, as create_collection takes them)""",
    "import": """\
examples:
  rankql import --db books-db --collection Book --create examples/data/books.jsonl
  rankql import --db books-db --collection Book --create --schema examples/data/book_schema.json books.csv
  rankql import --db msmarco-db --collection Passage --create msmarco-5k/corpus.jsonl
  rankql import --db shop-db --collection Product --create --id-column sku products.tsv
Reads a JSON array (.json), JSON lines (.jsonl), CSV or TSV (header row). Keys become property names
('in_stock' -> inStock; the summary lists the renames). --create makes the collection, inferring its
properties unless --schema gives them. Each object's uuid comes from its --id-column value (default: a
column called id, else BEIR's _id, either kept as the docId property), so importing again updates the
objects instead of adding them twice. An empty file, a file without objects, a failure or Ctrl-C leaves nothing
behind.""",
    "demo": """\
examples:
  rankql demo                       (builds ./demo-db the first time, reuses it afterwards)
  rankql demo --db /tmp/jeopardy --rebuild
  rankql demo --sample 100          (only the first 100 questions: a quick try)""",
    "eval": """\
examples:
  rankql eval --db msmarco-db --queries msmarco-5k/queries.jsonl \\
      --qrels msmarco-5k/qrels.tsv --template examples/eval/hybrid.graphql
  rankql eval ... --baseline examples/eval/bm25.graphql --template examples/eval/hybrid.graphql \\
      --template examples/eval/hybrid_rerank.graphql --per-query runs/eval.tsv --plot runs/eval.png
  rankql eval ... --json
The template receives each query's text as the variable $query; results map to corpus ids through the
property named by --id-property (default docId), else the object's uuid. Every --template is compared
with --baseline (else with the first --template): deltas, p-values and win/tie/loss counts per metric.
--per-query writes a TSV row per query and template and a TREC run file per template beside it.""",
}


def _formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=34)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rankql",
        description=DESCRIPTION,
        epilog="Every command takes --help; --debug shows a traceback when something fails unexpectedly.",
        formatter_class=_formatter,
    )
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks of unexpected failures")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, summary: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name, help=summary, description=summary, epilog=EXAMPLES[name], formatter_class=_formatter
        )
        sub.add_argument(
            "--debug",
            action="store_true",
            default=argparse.SUPPRESS,
            help="show Python tracebacks of unexpected failures",
        )
        return sub

    def db_option(sub: argparse.ArgumentParser, required: bool = False) -> None:
        sub.add_argument(
            "--db",
            metavar="DIR",
            required=required,
            help="database folder"
            + ("" if required else " (default: $RANKQL_DB, else ./demo-db if present)"),
        )

    def query_options(sub: argparse.ArgumentParser) -> None:
        db_option(sub)
        sub.add_argument("--vars", metavar="JSON|@FILE", help="query variables: a JSON object, or @file.json")
        sub.add_argument(
            "--header",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="a request header for API rerankers (X-Cohere-Api-Key=...); repeatable",
        )
        sub.add_argument("file", metavar="FILE|-", help="query file, or - for standard input")

    sub = command("repl", "interactive prompt: multi-line queries, completion, tables, dot-commands")
    db_option(sub)
    sub.add_argument("--format", choices=("table", "json"), default="table", help="how results show")
    sub.set_defaults(handler="repl")

    sub = command("query", "run a query file and print the GraphQL answer (JSON) to standard output")
    query_options(sub)
    sub.set_defaults(handler="query")

    sub = command("explain", "print the plan of a query; with --analyze, run it and show rows and time")
    sub.add_argument("--analyze", action="store_true", help="run the query and add per-operator figures")
    query_options(sub)
    sub.set_defaults(handler="explain")

    sub = command("schema", "list the collections of a database with their properties and modules")
    db_option(sub)
    sub.add_argument("--json", action="store_true", help="print the class definitions as JSON")
    sub.set_defaults(handler="schema")

    sub = command("import", "load objects from a JSON, JSONL, CSV or TSV file into a collection")
    db_option(sub, required=True)
    sub.add_argument("--collection", required=True, metavar="NAME", help="the collection (class) name")
    sub.add_argument("--create", action="store_true", help="create the collection if it does not exist")
    sub.add_argument("--schema", metavar="FILE", help="class definition (JSON) to create it with")
    sub.add_argument(
        "--vectorizer",
        default="text2vec-transformers",
        help="vectorizer for a created collection: text2vec-transformers (MiniLM, default) or none",
    )
    sub.add_argument(
        "--reranker", default="reranker-similarity", help="reranker module for a created collection, or none"
    )
    sub.add_argument(
        "--id-column",
        metavar="NAME",
        help="key whose value gives each object a stable uuid (default: id, else _id, if present)",
    )
    sub.add_argument("--no-progress", action="store_true", help="no progress bar")
    sub.add_argument("file", metavar="FILE", help="data file (.json, .jsonl, .csv or .tsv)")
    sub.set_defaults(handler="import")

    sub = command("demo", "build the Jeopardy demo database and run the seed query with reranking")
    sub.add_argument("--db", metavar="DIR", default="demo-db", help="database folder (default: ./demo-db)")
    sub.add_argument("--rebuild", action="store_true", help="embed again even if the folder holds the demo")
    sub.add_argument("--sample", type=int, metavar="N", help="load only the first N questions")
    sub.set_defaults(handler="demo")

    sub = command("eval", "relevance evaluation of a query template over BEIR queries and qrels")
    db_option(sub, required=True)
    sub.add_argument("--queries", required=True, metavar="FILE", help="queries.jsonl (_id, text)")
    sub.add_argument("--qrels", required=True, metavar="FILE", help="qrels.tsv (query-id, corpus-id, grade)")
    sub.add_argument(
        "--template",
        required=True,
        action="append",
        metavar="FILE",
        help="query file using $query; repeatable",
    )
    sub.add_argument("--baseline", metavar="FILE", help="the template the others are compared with")
    sub.add_argument("--id-property", default="docId", help="property holding corpus ids (default docId)")
    sub.add_argument("--k", type=int, default=100, help="depth of recall@k (default 100)")
    sub.add_argument("--json", action="store_true", help="print the figures as JSON")
    sub.add_argument("--changed", type=int, default=5, help="how many most-changed queries to list")
    sub.add_argument("--per-query", metavar="FILE.tsv", help="per-query figures (TSV) and TREC run files")
    sub.add_argument("--plot", metavar="FILE.png|.html", help="metric bars and per-query deltas")
    sub.set_defaults(handler="eval")

    from ..server import serve_cli  # argparse only: grpc and uvicorn load when the command runs

    EXAMPLES.setdefault("serve", serve_cli.EXAMPLES)
    serve_cli.add_serve_arguments(command("serve", serve_cli.SUMMARY))
    return parser


def _dispatch(args: argparse.Namespace) -> int:
    # Imported per command: `rankql --help` must not wait for torch.
    if args.handler == "repl":
        from .repl import run_repl

        return run_repl(args)
    if args.handler == "demo":
        from .demo import run_demo

        return run_demo(args)
    if args.handler == "eval":
        from .eval import run_eval

        return run_eval(args)
    if args.handler == "serve":
        from ..server.serve_cli import run_serve

        return run_serve(args)
    from . import commands

    return getattr(commands, f"cmd_{args.handler}")(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script and of `python -m rankql.runtime`."""
    argv = list(sys.argv[1:] if argv is None else argv)
    # Model loading draws its own tqdm bars ("Loading weights"); they would mix with tables and prompts.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: 0 for --help, 2 for bad usage
        return int(exc.code or 0)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return _dispatch(args)
    except UsageError as exc:
        print(f"rankql {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:
        if args.debug:
            traceback.print_exc()
        print(describe_exception(exc, debug=args.debug), file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
