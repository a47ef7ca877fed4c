"""The REPL, driven for real: in a pseudo-terminal (prompt_toolkit) and through a pipe."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pexpect
import pytest
from rankql.runtime.faces.repl import is_complete

from .faces_support import BM25_BOOK, book_objects


@pytest.mark.parametrize(
    ("text", "complete"),
    [
        ("{ Get {", False),
        ("{ Get { Book { title } } }", True),
        ('{ Get { Book(bm25: {query: "}"}) { title } } }', True),
        ('{ Get { Book(bm25: {query: "a \\" }"}) {', False),
        ("{ Get { Book { title } } } # a } comment", True),
        ("{ Get { Book { # } } }\n", False),
        (".schema", True),
        ("", True),
        ("query Q($x: Int) {", False),
        # a line that ends inside a string runs, so the front end can say the string is unterminated
        ('{ Get { Book(bm25: {query: "fish) { title } } }', True),
        ('{ Get { Book(bm25: {query: """fish', False),
        ('{ Get { Book(bm25: {query: """fi\nsh"""}) { title } } }', True),
    ],
)
def test_input_runs_when_brackets_balance(text: str, complete: bool) -> None:
    assert is_complete(text) is complete


def _spawn(db: Path, env: dict[str, str]) -> pexpect.spawn:
    return pexpect.spawn(
        sys.executable,
        ["-m", "rankql.runtime", "repl", "--db", str(db)],
        env=env,
        encoding="utf-8",
        timeout=90,
        dimensions=(50, 160),
    )


def test_terminal_session(bm25_db_dir: Path, subprocess_env: dict[str, str], tmp_path: Path) -> None:
    child = _spawn(bm25_db_dir, subprocess_env)
    try:
        child.expect("collections: Book")
        child.expect("rankql>")
        # A query over two lines: the first Enter only adds a line, since the braces do not balance yet.
        child.send("{ Get {\r")
        child.expect(r"\.\.\.>")
        # Tab completes 'Bo' to the class name; the query only succeeds if it did.
        child.send("Bo\t")
        child.expect("ok")
        child.send('(bm25: {query: "marlin"}) { docId title } } }\r')
        child.expect(r"Book \(1\)")
        child.expect("b01")
        child.expect("The Old Man and the Sea")
        child.expect(r"\d+\.\d ms")
        child.expect("rankql>")
        child.send(".explain analyze\r")
        child.expect("(?i)bm25")
        child.expect("rows")
        child.expect("rankql>")
        child.send("{ Get { Book(limt: 2) { title } } }\r")
        child.expect(r"error\[")
        child.expect("limt")
        child.expect(r"\^")
        child.expect("rankql>")
        # Tab completes a property name inside a where path
        child.send('{ Get { Book(where: {path: ["ye\t')
        child.send('"], operator: LessThan, valueInt: 1900}) { docId } } }\r')
        child.expect(r"Book \(1\)")
        child.expect("b02")
        child.expect("rankql>")
        child.send(".nonsense\r")
        child.expect("unknown command .nonsense")
        child.send(".quit\r")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert "Traceback" not in (child.before or "")
    history = (tmp_path / "history").read_text()
    assert 'Book(bm25: {query: "marlin"})' in history and "limt" in history


def test_piped_input_runs_the_same_commands(bm25_db_dir: Path, subprocess_env: dict[str, str]) -> None:
    script = (
        ".timing off\n"
        "{ Get {\n"
        '  Book(bm25: {query: "whale"}, limit: 1) { docId }\n'
        "} }\n"
        ".format json\n"
        '.vars {"q": "hobbit"}\n'
        "query Q($q: String!) { Get { Book(bm25: {query: $q}) { docId } } }\n"
        ".collections\n"
        ".explain\n"
        ".load /no/such/file.graphql\n"
        ".quit\n"
        "{ Get { Book { never } } }\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "rankql.runtime", "repl", "--db", str(bm25_db_dir)],
        input=script,
        capture_output=True,
        text=True,
        env=subprocess_env,
        timeout=120,
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "b02" in out  # Moby-Dick, the table of the first query
    assert '"docId": "b11"' in out  # the JSON answer of the second, with its variables
    assert "Book  (12 objects)" in out
    assert "no such query file" in out
    assert "never" not in out  # nothing runs after .quit
    assert " ms)" not in out


def test_a_missing_database_folder_is_bad_usage(subprocess_env: dict[str, str], tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "rankql.runtime", "repl", "--db", str(tmp_path / "nowhere")],
        input="",
        capture_output=True,
        text=True,
        env=subprocess_env,
        timeout=60,
    )
    assert result.returncode == 2 and "no database at" in result.stderr and "Traceback" not in result.stderr


def test_keys_at_the_prompt(bm25_db_dir: Path, subprocess_env: dict[str, str]) -> None:
    child = _spawn(bm25_db_dir, subprocess_env)
    try:
        child.expect("rankql>")
        # Ctrl-C drops a half-typed query: the next input runs alone
        child.send("{ Get {\r")
        child.expect(r"\.\.\.>")
        child.sendintr()
        child.expect("rankql>")
        child.send(".collections\r")
        child.expect(r"Book  \(12 objects\)")
        child.expect("rankql>")
        # an unterminated string is reported at once instead of waiting for more lines
        child.send('{ Get { Book(bm25: {query: "fish) { title } } }\r')
        child.expect("unterminated string")
        child.expect("rankql>")
        # a missing variable says how the REPL sets one
        child.send("query Q($q: String!) { Get { Book(bm25: {query: $q}) { title } } }\r")
        child.expect(r'set it with \.vars \{"q": \.\.\.\}')
        child.expect("rankql>")
        child.sendeof()  # Ctrl-D at an empty prompt leaves
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
    assert "Traceback" not in (child.before or "")


class _SlowReranker(BaseHTTPRequestHandler):
    """A reranker-transformers container that takes a minute to answer: only Ctrl-C ends the wait."""

    protocol_version = "HTTP/1.1"
    seen = threading.Event()

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        self.seen.set()
        time.sleep(60)
        raw = json.dumps({"scores": [{"document": d, "score": 0.0} for d in body["documents"]]}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


def test_ctrl_c_cancels_a_running_query(tmp_path: Path, subprocess_env: dict[str, str]) -> None:
    from rankql.runtime import Database

    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowReranker)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    definition = {**BM25_BOOK, "moduleConfig": {"reranker-transformers": {"inferenceUrl": url}}}
    with Database(tmp_path / "db") as db:
        db.create_collection(definition).insert_many(book_objects())
    child = _spawn(tmp_path / "db", subprocess_env)
    try:
        child.expect("rankql>")
        child.send(
            '{ Get { Book(bm25: {query: "fish"}) { docId _additional { rerank(property: "title", '
            'query: "sea") { score } } } } }\r'
        )
        assert _SlowReranker.seen.wait(60), "the query never reached the reranker"
        started = time.monotonic()
        child.sendintr()
        child.expect("cancelled")
        child.expect("rankql>")
        assert time.monotonic() - started < 30  # the server answers after 60 s: the wait was cut short
        # the REPL still works, while the abandoned request waits on in the background
        child.send('{ Get { Book(bm25: {query: "marlin"}) { docId } } }\r')
        child.expect("b01")
        child.expect("rankql>")
        child.send(".quit\r")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
        server.shutdown()
        server.server_close()
    assert "Traceback" not in (child.before or "")
