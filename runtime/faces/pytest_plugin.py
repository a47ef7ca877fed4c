"""pytest plugin (entry point pytest11): --update-goldens, and `*.graphql` query cases collected as tests.

A project names its query folders in its pytest configuration:

    [tool.pytest.ini_options]
    rankql_query_dirs = ["tests/queries"]

Every `*.graphql` file under them is a case file (rankql.dsl.casefile); each case is one test item.

Typos fail the case instead of passing silently. A `# key: value` line is a setting when the key is
known (dataset, schema, expect-order, ...); any other key is read as a plain comment unless it is close
to a known setting (difflib similarity 0.8 or more: `# expct-order:`, `# datset:`, `# Schema:`) or starts
with `expect`; those fail with "unknown setting 'expct-order' — did you mean 'expect-order'?". So
`# note: slow on purpose` stays a comment. Metric names (`# expect-ndgc@10 >= 0.5`) and section names
(only `---- results`) are checked the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rankql.dsl.casefile import CaseFile, read_case_file

INI_DIRS = "rankql_query_dirs"
_CACHE_KEY = pytest.StashKey[dict]()
_WRITTEN_KEY = pytest.StashKey[list]()  # (file, case name, section) rewritten by --update-goldens


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rankql")
    group.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="rewrite the expected sections of golden case files with what the code now produces",
    )
    parser.addini(
        INI_DIRS,
        type="paths",
        default=[],
        help="folders whose *.graphql files are rankql query cases (relative to the configuration file)",
    )


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    """True when the run should rewrite golden sections instead of comparing them."""
    return bool(request.config.getoption("--update-goldens"))


@pytest.fixture
def rankql_weaviate() -> Iterator[Any]:
    """A `weaviate.WeaviateClient` connected to a fresh in-memory rankql server (needs `rankql[server]`);
    the server is `client.rankql_server`. Closed after the test."""
    from rankql.runtime.server.fixture import weaviate_client

    with weaviate_client() as client:
        yield client


def _query_dirs(config: pytest.Config) -> list[Path]:
    return [Path(p).resolve() for p in config.getini(INI_DIRS)]


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix != ".graphql":
        return None
    resolved = file_path.resolve()
    if any(resolved.is_relative_to(folder) for folder in _query_dirs(parent.config)):
        return QueryFile.from_parent(parent, path=file_path)
    return None


class QueryFile(pytest.File):
    """A case file: one test item per case."""

    def collect(self) -> Iterator[pytest.Item]:
        try:
            casefile = read_case_file(self.path)
        except UnicodeDecodeError as exc:
            raise self.CollectError(f"{self.path} is not UTF-8 text (byte offset {exc.start})") from None
        seen: dict[str, int] = {}
        for index, case in enumerate(casefile.cases):
            name = case.title or f"case {index + 1}"
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:
                name = f"{name} ({seen[name]})"
            yield QueryCase.from_parent(self, name=name, callobj=_runner(casefile, index))


def _runner(casefile: CaseFile, index: int) -> Any:
    """The test function of one case; it takes `request` so '# fixture:' can name any fixture."""

    def run_query_case(request: pytest.FixtureRequest) -> None:
        from . import casetests
        from .expectations import CaseFailure

        case = casefile.cases[index]
        update = bool(request.config.getoption("--update-goldens"))
        cache = request.config.stash.setdefault(_CACHE_KEY, {})
        folder = casefile.path.parent
        problems = casetests.case_problems(case)
        if problems:
            raise CaseFailure("\n".join(problems))
        db = casetests.load_database(case, folder, cache, request.getfixturevalue)
        answer = casetests.run_query(db, case)
        before = dict(case.sections)
        failures = casetests.check_case(case, answer, db, folder, casefile.path, update)
        changed = [name for name, text in case.sections.items() if before.get(name) != text]
        if update and changed:
            casefile.write()
            written = request.config.stash.setdefault(_WRITTEN_KEY, [])
            written.extend((casefile.path, case.title or f"case {index + 1}", name) for name in changed)
        if failures:
            raise CaseFailure("\n\n".join(failures))

    return run_query_case


class QueryCase(pytest.Function):
    """One case of a query file; a failure reads as the expectation and a ranking diff."""

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        from rankql.runtime.errors import RankqlError

        from .expectations import CaseFailure

        if isinstance(excinfo.value, CaseFailure | RankqlError):
            # The first line is what pytest's short summary shows after the case's id: the first failure.
            where = f"{_shown_path(self.config, self.path)}:{self._case_line()}: {self.name}"
            return f"{excinfo.value}\n\n(case at {where})"
        return super().repr_failure(excinfo)

    def _case_line(self) -> int:
        casefile = read_case_file(self.path)
        for case in casefile.cases:
            if case.title == self.name.split(" (")[0]:
                return case.line
        return 1

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, self._case_line() - 1, f"query case: {self.name}"


def _shown_path(config: pytest.Config, path: Path) -> str:
    """A path as the person typed it: relative to where pytest runs, when it is under it."""
    try:
        return str(path.relative_to(config.invocation_params.dir))
    except ValueError:
        return str(path)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """After --update-goldens: every section it rewrote, so the diff to review is known."""
    if not config.getoption("--update-goldens"):
        return
    written = config.stash.get(_WRITTEN_KEY, [])
    reporter = terminalreporter
    reporter.section("rankql --update-goldens")
    if not written:
        reporter.write_line("no golden section changed")
        return
    reporter.write_line(f"wrote {len(written)} section(s):")
    for path, case, section in written:
        reporter.write_line(f"  {_shown_path(config, path)}: '---- {section}' of '{case}'")
