"""`rankql repl`: multi-line queries that run when braces balance, completion, history, tables, dot-commands."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from .cancel import Cancelled, run_cancellable
from .common import UsageError, describe_exception, open_database, parse_vars, read_query, resolve_db_path
from .completion import DOT_COMMANDS, suggest
from .render import answer_errors_text, print_answer

HELP = """\
Type a query; it runs when its braces balance (Esc then Enter runs it anyway). Tab completes
classes, arguments, properties and enum values from the schema. Up/Down walk the history.
  .explain [analyze]   plan of the last query (analyze runs it: rows, time, model calls)
  .schema              collections, properties and modules     .collections   names and sizes
  .load FILE           run a query file                        .vars {json}   variables ($name)
  .format json|table   how results show                        .timing on|off query time
  .help                this text                               .quit          leave (or Ctrl-D)
Ctrl-C cancels a running query (or clears what you typed); Ctrl-D on an empty line leaves."""


@dataclass
class Session:
    """What the REPL remembers between inputs."""

    db: Any
    db_label: str
    console: Console
    debug: bool = False
    fmt: str = "table"
    timing: bool = True
    variables: dict[str, Any] = field(default_factory=dict)
    last_query: str | None = None
    done: bool = False


def is_complete(text: str) -> bool:
    """True when the input should run: a dot-command, an empty line, or a query whose brackets balance.

    A line that ends inside a "string" also runs: GraphQL strings end on their line (only \"\"\"block
    strings\"\"\" span lines), so waiting for more lines would only hide the front end's 'unterminated string'.
    """
    stripped = text.strip()
    if not stripped or stripped.startswith("."):
        return True
    depth, opened, index, length = 0, False, 0, len(text)
    while index < length:
        ch = text[index]
        if ch == "#":
            end = text.find("\n", index)
            index = length if end < 0 else end
        elif text.startswith('"""', index):
            end = text.find('"""', index + 3)
            if end < 0:
                return False  # a block string may go on over lines
            index = end + 3
            continue
        elif ch == '"':
            index += 1
            while index < length and text[index] not in '"\n':
                index += 2 if text[index] == "\\" else 1
            if index >= length or text[index] == "\n":
                return True  # the string is unterminated: let the front end say so
        elif ch in "{([":
            depth, opened = depth + 1, True
        elif ch in "})]":
            depth -= 1
        index += 1
    return opened and depth <= 0


def handle(session: Session, text: str) -> None:
    """Run one complete input: a dot-command or a query."""
    stripped = text.strip()
    if not stripped:
        return
    try:
        if stripped.startswith("."):
            dot_command(session, stripped)
        else:
            run_query(session, text.strip("\n"))
    except UsageError as exc:
        session.console.print(str(exc), style="yellow", markup=False, highlight=False)
    except Cancelled:
        session.console.print(
            "cancelled (a model call or reranker request under way finishes unseen in the background)",
            style="yellow",
            markup=False,
        )
    except KeyboardInterrupt:  # while printing a long answer
        session.console.print("\ninterrupted", style="yellow", markup=False)
    except Exception as exc:
        if session.debug:
            session.console.print(traceback.format_exc(), markup=False, highlight=False)
        session.console.print(describe_exception(exc, debug=session.debug), style="red", markup=False)


def run_query(session: Session, text: str, name: str = "<repl>") -> None:
    session.last_query = text
    variables = session.variables or None
    started = time.perf_counter()
    answer = run_cancellable(lambda: session.db.query(text, variables))
    elapsed = (time.perf_counter() - started) * 1000
    if answer.get("data") is not None:
        print_answer(answer, session.console, session.fmt)
    problems = answer_errors_text(answer, text, variables, session.db.schema(), name, ".vars {}")
    if problems:
        session.console.print(Text(problems, style="red"))
    if session.timing:
        session.console.print(f"({elapsed:.1f} ms)", style="dim", highlight=False)


def dot_command(session: Session, line: str) -> None:
    from .commands import schema_text

    command, _, rest = line.partition(" ")
    rest = rest.strip()
    out = session.console
    if command in (".quit", ".exit", ".q"):
        session.done = True
    elif command == ".help":
        out.print(HELP, markup=False, highlight=False)
    elif command == ".schema":
        out.print(schema_text(session.db), markup=False, highlight=False)
    elif command == ".collections":
        names = session.db.collections()
        out.print("\n".join(f"{n}  ({len(session.db.collection(n))} objects)" for n in names) or "(none)")
    elif command == ".explain":
        if session.last_query is None:
            raise UsageError("no query yet: run one, then .explain (or .explain analyze)")
        analyze = rest == "analyze"
        if rest and not analyze:
            raise UsageError(".explain takes nothing or 'analyze'")
        last, variables = session.last_query, session.variables or None
        plan = run_cancellable(lambda: session.db.explain(last, variables, analyze=analyze))
        out.print(plan.rstrip(), markup=False, highlight=False)
    elif command == ".load":
        if not rest:
            raise UsageError(".load needs a query file: .load examples/queries/seed.graphql")
        text, name, file_vars = read_query(rest)
        if file_vars:
            session.variables = file_vars
        out.print(text.strip(), markup=False, highlight=False, style="dim")
        run_query(session, text, name)
    elif command == ".vars":
        if rest:
            session.variables = parse_vars(rest) or {}
        out.print(json.dumps(session.variables), markup=False)
    elif command == ".timing":
        if rest not in ("on", "off"):
            raise UsageError(".timing on|off")
        session.timing = rest == "on"
    elif command == ".format":
        if rest not in ("json", "table"):
            raise UsageError(".format json|table")
        session.fmt = rest
    else:
        raise UsageError(f"unknown command {command}; commands: {' '.join(DOT_COMMANDS)}")


def history_path(db_path: str | None) -> Path:
    """$RANKQL_HISTORY, else ~/.rankql_history (one history across databases, like a shell's)."""
    env = os.environ.get("RANKQL_HISTORY")
    return Path(env) if env else Path.home() / ".rankql_history"


def _prompt_session(session: Session, db_path: str | None) -> Any:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.completion import Completer, Completion
    from prompt_toolkit.history import FileHistory, InMemoryHistory
    from prompt_toolkit.key_binding import KeyBindings
    from prompt_toolkit.lexers import PygmentsLexer
    from pygments.lexers.graphql import GraphQLLexer

    class SchemaCompleter(Completer):
        def get_completions(self, document: Any, complete_event: Any) -> Any:
            before = document.text_before_cursor
            if before.lstrip().startswith(".") and " " not in before.strip():
                word = before.strip()
                for command in DOT_COMMANDS:
                    if command.startswith(word):
                        yield Completion(command, start_position=-len(word))
                return
            try:
                found = suggest(before, session.db.schema())
            except Exception:  # completion must never break typing
                return
            for candidate in found.candidates:
                yield Completion(candidate, start_position=-len(found.prefix))

    bindings = KeyBindings()

    @bindings.add("enter")
    def _enter(event: Any) -> None:
        buffer = event.current_buffer
        state = buffer.complete_state
        if state is not None and state.current_completion is not None:
            buffer.apply_completion(state.current_completion)
            return
        if is_complete(buffer.text):
            buffer.validate_and_handle()
        else:
            buffer.insert_text("\n")

    try:
        path = history_path(db_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        history: Any = FileHistory(str(path))
    except OSError:
        history = InMemoryHistory()
    return PromptSession(
        message="rankql> ",
        multiline=True,
        prompt_continuation=lambda width, line, soft: "   ...> ",
        key_bindings=bindings,
        completer=SchemaCompleter(),
        lexer=PygmentsLexer(GraphQLLexer),
        history=history,
        complete_while_typing=False,
        enable_history_search=False,
    )


def run_repl(args: argparse.Namespace) -> int:
    db_path = resolve_db_path(args.db)
    db = open_database(db_path, must_exist=args.db is not None)
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    console = Console(highlight=False, soft_wrap=True)
    session = Session(db, db_path or "memory", console, debug=args.debug, fmt=args.format)
    with db:
        if interactive:
            names = ", ".join(db.collections()) or "none"
            console.print(
                f"rankql on {session.db_label} (collections: {names}). .help for commands, Tab completes."
            )
            _warm_up(db)
            prompt = _prompt_session(session, db_path)
            while not session.done:
                try:
                    text = prompt.prompt()
                except KeyboardInterrupt:
                    continue
                except EOFError:
                    break
                handle(session, text)
        else:
            _run_piped(session)
    return 0


def _warm_up(db: Any) -> None:
    """Load the vectorizer model while the person types, so the first nearText does not wait for it."""
    import threading

    def load() -> None:
        for name in db.collections():
            if db.collection(name).class_schema.has_text_vectorizer:
                # a failure here is reported by the query that needs the model
                with contextlib.suppress(Exception):
                    db.collection(name).embed_queries(["warm up"])
                return

    threading.Thread(target=load, name="rankql-warm-up", daemon=True).start()


def _run_piped(session: Session) -> None:
    """Standard input that is not a terminal: the same inputs, read line by line, no prompt."""
    pending = ""
    for line in sys.stdin:
        pending += line
        if is_complete(pending):
            handle(session, pending)
            pending = ""
            if session.done:
                return
    if pending.strip():
        handle(session, pending)
