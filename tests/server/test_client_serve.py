"""`rankql serve` as a real child process, and the `rankql_weaviate` pytest fixture."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import weaviate
from rankql.runtime import Database
from weaviate.classes.data import DataObject

from .grpc_support import ARTICLE, article, free_port

START_TIMEOUT_S = 90.0


def _start(*args: str) -> tuple[subprocess.Popen, list[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "rankql.runtime", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if line.startswith("Ctrl-C"):
            return proc, lines
    proc.kill()
    out, err = proc.communicate(timeout=10)
    pytest.fail(f"rankql serve did not start: {lines} {out} {err}")


def _stop(proc: subprocess.Popen, sig: int) -> tuple[int, str]:
    proc.send_signal(sig)
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    return proc.returncode, err


def test_serve_a_folder_then_sigterm_saves_it(tmp_path: Path) -> None:
    folder = tmp_path / "app-db"
    port, grpc_port = free_port(), free_port()
    proc, lines = _start("--db", str(folder), "--port", str(port), "--grpc-port", str(grpc_port))
    assert f"  REST  http://127.0.0.1:{port}" in lines
    assert f"  gRPC  127.0.0.1:{grpc_port}" in lines
    assert f"connect with: weaviate.connect_to_local(port={port}, grpc_port={grpc_port})" in lines
    client = weaviate.connect_to_local(port=port, grpc_port=grpc_port)
    try:
        articles = client.collections.create_from_dict(ARTICLE)
        objs = [article(i) for i in range(6)]
        result = articles.data.insert_many(
            [DataObject(properties=o["properties"], uuid=o["id"], vector=o["vector"]) for o in objs]
        )
        assert not result.has_errors
    finally:
        client.close()
    code, err = _stop(proc, signal.SIGTERM)
    assert code == 0, err
    assert "Traceback" not in err
    with Database(folder) as db:
        assert db.collection("Article").get(article(3)["id"])["properties"]["points"] == 21


def test_ctrl_c_stops_an_in_memory_server_and_a_public_host_warns() -> None:
    proc, lines = _start("--host", "0.0.0.0", "--port", str(free_port()), "--grpc-port", str(free_port()))
    assert "rankql serving an in-memory database" in lines
    code, err = _stop(proc, signal.SIGINT)
    assert code == 0, err
    assert err.count("warning: listening on 0.0.0.0 without an API key (--api-key)") == 1
    assert "Traceback" not in err


@pytest.mark.parametrize("busy_flag", ["--port", "--grpc-port"])
def test_a_port_in_use_is_a_clear_error(busy_flag: str) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        other = "--grpc-port" if busy_flag == "--port" else "--port"
        done = subprocess.run(
            [sys.executable, "-m", "rankql.runtime", "serve", busy_flag, str(port), other, str(free_port())],
            capture_output=True,
            text=True,
            timeout=90,
        )
    assert done.returncode == 1
    what = "cannot listen on" if busy_flag == "--port" else "cannot listen for gRPC on"
    assert f"{what} 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_rankql_weaviate_fixture(rankql_weaviate) -> None:
    assert rankql_weaviate.is_ready()
    notes = rankql_weaviate.collections.create_from_dict(
        {"class": "Note", "vectorizer": "none", "properties": [{"name": "text", "dataType": ["text"]}]}
    )
    notes.data.insert_many([DataObject(properties={"text": "hello"}, vector=[0.1, 0.9])])
    assert [o.properties for o in notes.query.near_vector([0.1, 0.9]).objects] == [{"text": "hello"}]
    assert rankql_weaviate.rankql_server.db.collections() == ["Note"]
