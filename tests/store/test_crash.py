"""SIGKILL a writing process at random moments: the logdir stays intact and loses nothing flushed.

Every iteration starts a new run in the same logdir, so the database accumulates the debris of
all the previous kills.
"""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import deepscope
from deepscope.query.sqlite import SqliteReader
from deepscope.store.schema import DB_FILENAME

ITERATIONS = 15
FLUSH_EVERY = 300  # steps between run.flush() calls in the child

VALUES_SRC = textwrap.dedent("""
    import math

    def value_a(step):
        return step * 0.5

    def value_b(step):
        if step % 37 == 5:
            return math.nan
        if step % 101 == 7:
            return math.inf if step % 2 else -math.inf
        if step % 53 == 3:
            return -0.0
        return math.sin(step) * 10.0 ** (step % 7 - 3)
""")
exec(VALUES_SRC)  # defines value_a and value_b here too  # noqa: S102

CHILD = VALUES_SRC + textwrap.dedent(f"""
    import sys
    import deepscope
    from deepscope.store.writer import WriterSettings

    print("ready", flush=True)
    run = deepscope.init("crash", sys.argv[2], logdir=sys.argv[1], exit_hooks=False,
                         writer_settings=WriterSettings(flush_interval=0.05))
    print("started", run.id, flush=True)
    step = 0
    while True:
        run.log({{"a": value_a(step), "b": value_b(step)}}, step=step)
        if step % 97 == 0:
            run.log_text("t", f"text {{step}}", step=step)
        if step % {FLUSH_EVERY} == {FLUSH_EVERY} - 1:
            run.flush()
            print("flushed", step, flush=True)
        step += 1
""")


@dataclass
class Outcome:
    name: str
    run_id: str | None
    flushed: int  # last step the child reported flushed (-1: none)


def _bits(values: list[float]) -> np.ndarray:
    return np.array(values, dtype=np.float64).view(np.int64)


def _run_and_kill(logdir: Path, name: str, rng: random.Random, early: bool,
                  cwd: Path) -> Outcome:
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(logdir), name],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd)
    watchdog = threading.Timer(60, proc.kill)  # never hang the suite
    watchdog.start()
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        assert proc.stdout.readline().strip() == "ready"
        if early:  # somewhere in init(): opening, migrating, creating the run
            time.sleep(rng.uniform(0.0, 0.08))
        else:
            while True:
                line = proc.stdout.readline()
                assert line, f"child died: {proc.stderr.read() if proc.stderr else ''}"
                lines.append(line)
                if line.startswith("flushed"):
                    break
            time.sleep(rng.uniform(0.0, 0.4))
        proc.send_signal(signal.SIGKILL)
        rest, err = proc.communicate(timeout=30)
    finally:
        watchdog.cancel()
    assert proc.returncode == -signal.SIGKILL, err
    lines += rest.splitlines()
    run_id = next((ln.split()[1] for ln in lines if ln.startswith("started")), None)
    flushed = max((int(ln.split()[1]) for ln in lines if ln.startswith("flushed")), default=-1)
    return Outcome(name, run_id, flushed)


def _integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return "\n".join(r[0] for r in conn.execute("PRAGMA integrity_check"))
    finally:
        conn.close()


def _check_run(reader: SqliteReader, o: Outcome) -> int:
    """Check one killed run; return how many steps it kept."""
    if o.run_id is None:  # killed inside init(): the run may or may not have been created
        return 0
    run = reader.get_run(o.run_id)
    # Never marked finished; "crashed" once its heartbeat is older than STALE_AFTER_S.
    assert run.name == o.name and run.status in ("running", "crashed")
    names = {s.name for s in reader.list_series(o.run_id, kind="scalar")}
    if o.flushed < 0 and not names:
        return 0
    a = reader.read_scalars(o.run_id, "a")
    b = reader.read_scalars(o.run_id, "b")
    kept = len(a)
    assert kept >= o.flushed + 1, f"{o.name}: lost flushed data ({kept} <= {o.flushed})"
    # Committed data is a prefix of what was logged: no gaps, no reordering, exact values.
    assert a.steps.tolist() == list(range(kept)) and b.steps.tolist() == list(range(kept))
    assert a.values.tolist() == [value_a(s) for s in range(kept)]  # noqa: F821
    np.testing.assert_array_equal(_bits(b.values.tolist()),
                                  _bits([value_b(s) for s in range(kept)]))  # noqa: F821
    texts = [t.step for t in reader.read_texts(o.run_id, "t")] if o.flushed >= 0 else []
    want = [s for s in range(0, o.flushed + 1, 97)]
    assert texts[:len(want)] == want
    return kept


def test_sigkill_mid_run_never_loses_flushed_data(tmp_path: Path) -> None:
    logdir = tmp_path / "logs"
    cwd = tmp_path / "cwd"  # outside any git work tree: keeps init() fast
    cwd.mkdir()
    rng = random.Random(20240601)
    outcomes: list[Outcome] = []
    for i in range(ITERATIONS):
        o = _run_and_kill(logdir, f"crash-{i}", rng, early=i % 5 == 1, cwd=cwd)
        outcomes.append(o)
        db = logdir / DB_FILENAME
        if not db.exists():
            continue
        assert _integrity(db) == "ok"
        with deepscope.open(logdir) as reader:
            _check_run(reader, o)
    assert sum(o.flushed >= 0 for o in outcomes) >= ITERATIONS * 3 // 5

    # The accumulated logdir: every run intact, newest first, all reported crashed once stale.
    assert _integrity(logdir / DB_FILENAME) == "ok"
    later = SqliteReader(logdir, clock=lambda: time.time() + 3600)
    try:
        runs = later.list_runs()
        created = [o.run_id for o in outcomes if o.run_id is not None]
        assert [r.id for r in runs if r.id in created] == created[::-1]
        assert all(r.status == "crashed" and r.stale for r in runs)
    finally:
        later.close()
    with deepscope.open(logdir) as reader:
        kept = [_check_run(reader, o) for o in outcomes]
    print("steps kept per run:", kept, "last flushed:", [o.flushed for o in outcomes])
    assert sum(kept) > 0
