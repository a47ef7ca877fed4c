"""What the commands share: opening a database folder, reading query files, variables and headers."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from rankql.dsl import QueryError
from rankql.dsl.casefile import SECTION_PREFIX, parse_case_text
from rankql.dsl.diagnostics import Diagnostic, render_diagnostic
from rankql.runtime.errors import RankqlError
from rich.console import Console

DEFAULT_DEMO_DB = "demo-db"


class UsageError(Exception):
    """The command line asks for something impossible (a missing file, malformed JSON): exit status 2."""


def err_console() -> Console:
    """Messages go to standard error, so standard output carries only data."""
    return Console(stderr=True, highlight=False, soft_wrap=True)


def resolve_db_path(given: str | None) -> str | None:
    """--db, else $RANKQL_DB, else ./demo-db when it exists, else None (an in-memory database)."""
    if given:
        return given
    env = os.environ.get("RANKQL_DB")
    if env:
        return env
    return DEFAULT_DEMO_DB if Path(DEFAULT_DEMO_DB).is_dir() else None


def open_database(path: str | None, *, must_exist: bool = True) -> Any:
    """The Database stored in a folder (or a new in-memory one when path is None)."""
    from rankql.runtime import Database

    if path is None:
        if must_exist:
            raise UsageError(
                "no database given: use --db DIR (or set RANKQL_DB); "
                "`rankql demo` builds ./demo-db, `rankql import --create` builds any other"
            )
        return Database()
    folder = Path(path)
    if must_exist and not folder.is_dir():
        raise UsageError(
            f"no database at {path}: run `rankql demo --db {path}` or "
            f"`rankql import --db {path} --collection NAME --create FILE` first"
        )
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{path} is a file, not a database folder")
    return Database(str(folder))


def read_text_file(path: str | Path, encoding: str = "utf-8") -> str:
    """A text file's contents; a file that is not UTF-8 (or cannot be read) is a usage error, not a crash."""
    try:
        return Path(path).read_text(encoding=encoding)
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path} is not UTF-8 text ({_bad_byte(exc)}): save it as UTF-8") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None


def _bad_byte(exc: UnicodeDecodeError) -> str:
    return f"byte 0x{exc.object[exc.start]:02x} at offset {exc.start}"


def read_stdin() -> str:
    try:
        return sys.stdin.read()
    except UnicodeDecodeError as exc:
        raise UsageError(f"standard input is not UTF-8 text ({_bad_byte(exc)})") from None


def read_query(file: str) -> tuple[str, str, dict[str, Any] | None]:
    """(query text, display name, variables from a '# variables:' setting) of a file or '-' (stdin).

    A case file (with '### ' headers or '---- ' sections) gives its first case's query.
    """
    if file == "-":
        return read_stdin(), "<stdin>", None
    path = Path(file)
    if not path.is_file():
        raise UsageError(f"no such query file: {file}")
    text = read_text_file(path)
    lines = text.splitlines()
    if any(line.startswith("### ") or line.startswith(SECTION_PREFIX) for line in lines):
        _, cases = parse_case_text(text, name=file)
        if cases:
            case = cases[0]
            raw = case.setting("variables")
            return case.query, file, (parse_vars(raw) if raw else None)
    return text, file, None


def parse_vars(raw: str | None) -> dict[str, Any] | None:
    """--vars: a JSON object, or @file holding one."""
    if raw is None:
        return None
    text = raw
    if raw.startswith("@"):
        path = Path(raw[1:])
        if not path.is_file():
            raise UsageError(f"no such variables file: {raw[1:]}")
        text = read_text_file(path)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"variables are not valid JSON ({exc.msg} at column {exc.colno}): {text[:60]}"
        ) from exc
    if not isinstance(value, dict):
        raise UsageError(f"variables must be a JSON object, got {type(value).__name__}")
    return value


def parse_headers(pairs: list[str]) -> dict[str, str] | None:
    headers = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"a header is NAME=VALUE, got {pair!r}")
        headers[name.strip()] = value
    return headers or None


def describe_exception(exc: BaseException, *, debug: bool = False) -> str:
    """An exception as a message for people: query errors keep their carets, others their code and hint."""
    if isinstance(exc, QueryError):
        return str(exc)
    if isinstance(exc, RankqlError):  # laid out as the front end lays out a diagnostic without a place
        return render_diagnostic(Diagnostic(code=exc.code, message=exc.message, hint=exc.hint), None)
    tail = "" if debug else " (run with --debug for the traceback)"
    return f"internal error: {type(exc).__name__}: {exc}{tail}"
