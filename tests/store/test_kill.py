"""A real kill: a child process saves a database in a loop, SIGKILL lands at random moments, and every
reopening finds exactly the state of a complete save (the last one it reported, or the one after)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from rankql.runtime import Database

from . import kill_child
from .shapes import bm25_hits, vector_hits

CHILD = Path(kill_child.__file__)


def _run_until_killed(path: Path, rng: random.Random) -> tuple[int, float]:
    """Start the child, time one save, kill it at a random moment of a later save; (last saved step, delay)."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    saved = -1
    started = duration = 0.0
    try:
        while True:
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            word, step = line.split()
            if word == "saving":
                if duration:
                    # Somewhere inside this save (or just after it): the moment a crash hurts most.
                    delay = rng.uniform(0.0, 1.1 * duration)
                    time.sleep(delay)
                    os.kill(proc.pid, signal.SIGKILL)
                    break
                started = time.perf_counter()
            elif word == "saved":
                saved = int(step)
                if started:
                    duration = time.perf_counter() - started
        proc.wait(timeout=30)
        for line in proc.stdout.read().splitlines():
            word, step = line.split()
            if word == "saved":
                saved = int(step)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read()
    return saved, delay / duration


def _check(path: Path, reported: int) -> int:
    db = Database(path)
    c = db.collection("Item")
    steps = c.column("step")
    found = max(steps[d] for d in c.live_ids())
    # The save in flight when the kill came may have switched the pointer already: reported or one more.
    assert reported <= found <= reported + 1
    expected = kill_child.expected_state(found)
    got = {c.uuid_of(d): c.properties_of(d) for d in c.live_ids()}
    assert got == expected
    # Both indexes came back whole and agree with the objects.
    probe = kill_child.generate_uuid5(f"{found}-7")
    doc = c.doc_id_of(probe)
    assert np.array_equal(c.vector_of(doc), kill_child.vector(found, 7))
    assert vector_hits(c, kill_child.vector(found, 7), 1)[0][0] == doc
    assert len(c.vectors) == len(c) == len(c.bm25)
    hits = bm25_hits(c, f"s{found}i7", [("title", 1.0)], k=5)
    assert [d for d, _, _ in hits] == [doc]
    if found >= 2:
        updated = bm25_hits(c, f"updated at step {found}", k=1)[0][0]
        assert c.uuid_of(updated) == kill_child.generate_uuid5(f"{found - 1}-1")
    return found


def test_kill_during_saves_leaves_a_complete_state(tmp_path: Path) -> None:
    rng = random.Random(1234)
    path = tmp_path / "db"
    previous = -1
    for _ in range(5):
        reported, moment = _run_until_killed(path, rng)
        found = _check(path, reported)
        print(f"killed at {moment:.0%} of a save: reported {reported}, reopened {found}")
        assert found > previous  # every run made progress on top of the state it reopened
        previous = found
    leftovers = [p.name for p in path.iterdir() if p.name.endswith(".tmp")]
    assert len(leftovers) <= 1
