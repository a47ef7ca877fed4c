"""Running one query case: its database (folder, dataset or fixture), its query, and all its expectations."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rankql.dsl.casefile import Case

from . import expectations as ex
from .render import answer_errors_text, to_json

SETTINGS = {
    "database",
    "dataset",
    "schema",
    "collection",
    "fixture",
    "variables",
    "id-property",
    "result",
    "qrels",
    "query-id",
    "expect-ids-in-top",
    "expect-order",
    "expect-error",
    "expect-count",
}


def load_database(case: Case, folder: Path, cache: dict, fixture: Callable[[str], Any]) -> Any:
    """The Database a case names: '# fixture:', '# database:' (a folder) or '# dataset:' with '# schema:'."""
    if case.setting("fixture"):
        return fixture(case.setting("fixture") or "")
    if case.setting("database"):
        path = (folder / (case.setting("database") or "")).resolve()
        if not path.is_dir():
            raise ex.CaseFailure(f"# database: {case.setting('database')}: no database folder at {path}")
        key = ("database", str(path))
        if key not in cache:
            from rankql.runtime import Database

            cache[key] = Database(str(path))
        return cache[key]
    if case.setting("dataset"):
        return _dataset_database(case, folder, cache)
    raise ex.CaseFailure(
        "the case names no data: add '# database: <folder>', '# dataset: <file>' with '# schema: <file>', "
        "or '# fixture: <name of a fixture returning a Database>'"
    )


def _dataset_database(case: Case, folder: Path, cache: dict) -> Any:
    from rankql.runtime import Database

    from .common import UsageError, read_text_file
    from .import_command import load_definition
    from .importer import ImportSummary, infer_definition, insert_objects, read_records, to_objects

    data = (folder / (case.setting("dataset") or "")).resolve()
    schema = case.setting("schema")
    schema_path = (folder / schema).resolve() if schema else None
    name = case.setting("collection")
    key = ("dataset", str(data), str(schema_path), name)
    if key in cache:
        return cache[key]
    if schema_path is not None and not schema_path.is_file():
        raise ex.CaseFailure(f"# schema: {schema}: no such file {schema_path}")
    try:
        if name is None and schema_path is not None:
            loaded = json.loads(read_text_file(schema_path))
            first = loaded[0] if isinstance(loaded, list) else loaded.get("classes", [loaded])[0]
            name = first.get("class")
        name = name or "Item"
        definition = load_definition(str(schema_path), name) if schema_path is not None else None
    except (UsageError, json.JSONDecodeError) as exc:
        raise ex.CaseFailure(f"# schema: {schema}: {exc}") from None
    summary = ImportSummary()
    objects = to_objects(read_records(data), summary)
    if definition is None:
        definition = infer_definition(name, objects, vectorizer="none", reranker="reranker-dummy")
    db = Database()
    insert_objects(db.create_collection(definition), objects, summary)
    if summary.rejected:
        raise ex.CaseFailure(f"# dataset: {case.setting('dataset')}:\n" + "\n".join(summary.lines()))
    cache[key] = db
    return db


def padded_query(case: Case) -> str:
    """The query preceded by blank lines, so error locations are lines of the case file."""
    return "\n" * (case.query_line - 1) + case.query


def run_query(db: Any, case: Case) -> dict[str, Any]:
    raw = case.setting("variables")
    try:
        variables = json.loads(raw) if raw else None
    except json.JSONDecodeError as exc:
        raise ex.CaseFailure(f"# variables: not valid JSON ({exc.msg}): {raw}") from exc
    try:
        return db.query(padded_query(case), variables)
    except Exception as exc:  # an engine error outside the answer still reads as one
        code = getattr(exc, "code", None) or type(exc).__name__
        return {"errors": [{"message": str(exc), "extensions": {"code": code}}]}


def check_case(
    case: Case, answer: dict[str, Any], db: Any, folder: Path, path: Path, update: bool
) -> list[str]:
    """Every failed expectation of the case, as readable text (empty: the case passes)."""
    failures: list[str] = []
    id_property = case.setting("id-property")
    expect_error = case.setting("expect-error")
    if expect_error:
        failures += _some(ex.check_error(expect_error, answer))
    elif answer.get("errors"):
        schema = db.schema() if hasattr(db, "schema") else None
        raw = case.setting("variables")
        text = answer_errors_text(
            answer, padded_query(case), json.loads(raw) if raw else None, schema, str(path)
        )
        failures.append("the query failed:\n" + (text or json.dumps(answer["errors"])))
        return failures
    key = case.setting("result")
    ids = ex.ranking(answer, key, id_property) if not expect_error else []
    if case.setting("expect-count"):
        wanted = int(case.setting("expect-count") or 0)
        if len(ids) != wanted:
            failures.append(
                f"expect-count: {wanted}, got {len(ids)}\n" + ex.ranking_table([], ids, "", "got")
            )
    for spec in case.settings_all("expect-ids-in-top"):
        failures += _some(ex.check_ids_in_top(spec, ids))
    for spec in case.settings_all("expect-order"):
        failures += _some(ex.check_order(spec, ids))
    for check in ex.metric_checks(case.head):
        failures += _some(_check_metric(check, case, ids, folder))
    if "results" in case.sections or (update and not _has_light_checks(case)):
        failures += _some(_check_golden(case, answer, id_property, update))
    elif not _has_light_checks(case):
        failures.append(
            "the case states no expectation: add a '---- results' section (pytest --update-goldens fills it) "
            "or an '# expect-...' line"
        )
    return failures


def _has_light_checks(case: Case) -> bool:
    keys = {k for k, _ in case.settings}
    return bool(keys & {"expect-ids-in-top", "expect-order", "expect-error", "expect-count"}) or bool(
        ex.metric_checks(case.head)
    )


def _check_golden(case: Case, answer: dict[str, Any], id_property: str | None, update: bool) -> str | None:
    text = to_json(answer)
    if update:
        case.sections["results"] = text
        return None
    if not (case.sections.get("results") or "").strip():
        return "the '---- results' section is empty: run pytest --update-goldens to fill it"
    try:
        expected = json.loads(case.sections["results"])
    except json.JSONDecodeError as exc:
        return f"---- results is not JSON ({exc.msg}); run pytest --update-goldens to rewrite it"
    diff = ex.golden_diff(expected, answer, id_property)
    if diff is None:
        return None
    return f"results differ from the golden section:\n{diff}\n(if the new answer is right: pytest --update-goldens)"


def _check_metric(check: ex.MetricCheck, case: Case, ids: list[str], folder: Path) -> str | None:
    import ir_measures

    from .eval import read_qrels

    qrels_name, query_id = case.setting("qrels"), case.setting("query-id")
    if not qrels_name or not query_id:
        return f"expect-{check.label}: needs '# qrels: <file.tsv>' and '# query-id: <id>'"
    qrels = read_qrels(str((folder / qrels_name).resolve())).get(query_id)
    if not qrels:
        return f"expect-{check.label}: {qrels_name} has no judgement for query-id {query_id}"
    measure = getattr(ir_measures, ex.METRICS[check.metric]) @ check.cutoff
    run = [ir_measures.ScoredDoc(query_id, d, float(len(ids) - i)) for i, d in enumerate(ids)]
    value = ir_measures.calc_aggregate(
        [measure], [ir_measures.Qrel(query_id, d, g) for d, g in qrels.items()], run
    )
    got = float(value.get(measure, 0.0)) if run else 0.0
    if ex._OPS[check.op](got, check.threshold):
        return None
    judged = sum(1 for d in ids[: check.cutoff] if qrels.get(d, 0) > 0)
    return (
        f"expect-{check.label}: got {got:.4f}\n"
        f"  {judged} of the {sum(1 for g in qrels.values() if g > 0)} relevant documents in the top {check.cutoff}"
        f" (grades: {qrels_name}, query-id {query_id}; - = not judged)\n"
        + ex.ranking_table([], ids[: check.cutoff], "", "got", grades=qrels)
    )


SECTIONS = ("results",)
_CLOSE = 0.8  # how alike a key must be to a known setting to count as a misspelt setting, not a comment
_METRIC_NAME = re.compile(r"^#\s*expect-([A-Za-z]+)@\d+")


def case_problems(case: Case) -> list[str]:
    """Misspelt settings, metrics and sections, which would otherwise pass silently; see the plugin docs."""
    problems = []
    for key, _ in case.settings:
        if key in SETTINGS or ex.METRIC_KEY.match(key):  # metric names are checked below, colon or not
            continue
        close = difflib.get_close_matches(key.lower(), SETTINGS, n=1, cutoff=_CLOSE)
        if close:
            problems.append(f"unknown setting '{key}' — did you mean '{close[0]}'?")
        elif key.lower().startswith("expect"):
            known = ", ".join(sorted(k for k in SETTINGS if k.startswith("expect-")))
            problems.append(f"unknown setting '{key}' (expectations: {known}, expect-<metric>@<k>)")
    for line in case.head.splitlines():
        metric = _METRIC_NAME.match(line.strip())
        if metric and metric.group(1).lower() not in ex.METRICS:
            name = metric.group(1)
            close = difflib.get_close_matches(name.lower(), ex.METRICS, n=1, cutoff=0.6)
            tail = f"did you mean '{close[0]}'?" if close else "metrics: " + ", ".join(ex.METRICS)
            problems.append(f"unknown metric '{name}' in '{line.strip()}' — {tail}")
    for name in case.sections:
        if name not in SECTIONS:
            close = difflib.get_close_matches(name, SECTIONS, n=1, cutoff=0.6)
            tail = f"did you mean '---- {close[0]}'?" if close else "sections: ---- results"
            problems.append(f"unknown section '---- {name}' — {tail}")
    return problems


def _some(message: str | None) -> list[str]:
    return [message] if message else []
