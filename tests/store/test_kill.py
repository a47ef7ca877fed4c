"""A real kill: a child process writes and checkpoints in a loop, SIGKILL lands at random moments (inside
a checkpoint, or right after an acknowledged write), and every reopening finds every acknowledged write,
nothing half-done: exactly the state after the last acknowledged operation (or the one in flight)."""

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


def _run_until_killed(path: Path, done: int, rng: random.Random, during_save: bool) -> int:
    """Start the child at operation `done`, kill it; the number of operations it acknowledged in all."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), str(path), str(done)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    acked = done
    writes_seen = 0
    started = duration = 0.0
    try:
        while True:
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            word, _, number = line.partition(" ")
            if word == "ack":
                acked = int(number) + 1
                if started and not duration:
                    duration = time.perf_counter() - started
                writes_seen += 1
                if not during_save and writes_seen >= rng.randint(2, 40):
                    os.kill(proc.pid, signal.SIGKILL)  # right after an acknowledged write
                    break
            elif word == "saving":
                if duration:
                    # Somewhere inside this checkpoint (or just after it): the moment a crash hurts most.
                    time.sleep(rng.uniform(0.0, 1.1 * duration))
                    os.kill(proc.pid, signal.SIGKILL)
                    break
                started = time.perf_counter()
        proc.wait(timeout=30)
        for line in proc.stdout.read().splitlines():  # acknowledged before the kill landed
            word, _, number = line.partition(" ")
            if word == "ack":
                acked = int(number) + 1
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read()
    return acked


def _check(path: Path, acked: int) -> int:
    """Reopen; the state is the one after `acked` operations, or after the one in flight. Returns which."""
    with Database(path) as db:
        c = db.collection("Item")
        got = {c.uuid_of(d): c.properties_of(d) for d in c.live_ids()}
        found = acked if got == kill_child.expected_state(acked) else acked + 1
        assert got == kill_child.expected_state(found), f"acknowledged {acked} operations, state differs"
        # Every index came back whole and agrees with the objects.
        assert len(c.vectors) == len(c) == len(c.bm25)
        step = max(c.column("step")[d] for d in c.live_ids())
        probe = next(
            d for d in c.live_ids() if c.properties_of(d)["step"] == step and c.properties_of(d)["i"] % 5
        )
        props = c.properties_of(probe)
        vector = kill_child.vector(step, props["i"])
        assert np.array_equal(c.vector_of(probe), vector)
        assert vector_hits(c, vector, 1)[0][0] == probe
        if step:
            hits = bm25_hits(c, f"s{step}i{props['i']}", [("title", 1.0)], k=5)
            assert [d for d, _, _ in hits] == [probe]
    return found


def test_kill_during_writes_and_checkpoints_loses_no_acknowledged_write(tmp_path: Path) -> None:
    rng = random.Random(1234)
    path = tmp_path / "db"
    done = 0
    for run in range(4):
        acked = _run_until_killed(path, done, rng, during_save=run % 2 == 0)
        found = _check(path, acked)
        print(f"run {run}: acknowledged {acked} operations, reopened after {found}")
        assert found >= acked > done or run == 0
        done = found
    leftovers = [p.name for p in path.iterdir() if p.name.endswith(".tmp")]
    assert len(leftovers) <= 1
