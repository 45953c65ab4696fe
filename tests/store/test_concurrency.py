"""Several processes writing one logdir at once, while a reader reads it."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np

import deepscope
from deepscope.errors import LogdirError
from deepscope.store.schema import DB_FILENAME

WRITERS = 8
TAGS = 20
STEPS = 5000

WRITER = textwrap.dedent("""
    import os, sys, time
    import deepscope
    from deepscope.store.writer import WriterSettings

    logdir, name, index, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    tags, steps = int(sys.argv[5]), int(sys.argv[6])
    run_id = sys.argv[7] if len(sys.argv) > 7 else None
    print("ready", flush=True)
    while not os.path.exists(go):  # start together: the logdir is created concurrently
        time.sleep(0.002)
    run = deepscope.init("conc", name, logdir=logdir, exit_hooks=False, id=run_id,
                         resume="allow" if run_id else None,
                         writer_settings=WriterSettings(flush_interval=0.01,
                                                        flush_points=2000))
    for step in range(steps):
        run.log({f"{name}/tag{k:02d}": index * 1e6 + step * 20 + k for k in range(tags)},
                step=step)
        if step % 500 == 499:
            run.flush()
    run.finish()
    print("done", run.id, flush=True)
""")


def _start_writers(logdir: Path, go: Path, cwd: Path,
                   specs: list[tuple[str, int, str | None]], tags: int,
                   steps: int) -> list[subprocess.Popen[str]]:
    procs = []
    for name, index, run_id in specs:
        args = [sys.executable, "-c", WRITER, str(logdir), name, str(index), str(go), str(tags),
                str(steps)] + ([run_id] if run_id else [])
        procs.append(subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True, cwd=cwd))
    for p in procs:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    go.touch()
    return procs


def _finish(procs: list[subprocess.Popen[str]]) -> list[str]:
    ids = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert "locked" not in err and "failed" not in err, err
        ids.append(out.split()[-1])
    return ids


def _expected(index: int, k: int, steps: int) -> np.ndarray:
    return index * 1e6 + np.arange(steps) * 20.0 + k


def _integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return "\n".join(r[0] for r in conn.execute("PRAGMA integrity_check"))
    finally:
        conn.close()


class ReaderLoop(threading.Thread):
    """Read everything in a loop until stopped, checking what it sees; keep any error."""

    def __init__(self, logdir: Path) -> None:
        super().__init__(daemon=True)
        self.logdir = logdir
        self.stop = threading.Event()
        self.errors: list[BaseException] = []
        self.reads = 0

    def run(self) -> None:
        reader = None
        try:
            while not self.stop.is_set():
                if reader is None:
                    try:
                        reader = deepscope.open(self.logdir)
                    except LogdirError:  # not created yet
                        time.sleep(0.01)
                        continue
                for run in reader.list_runs():
                    for s in reader.list_series(run.id, kind="scalar"):
                        exact = reader.read_scalars(run.id, s.name)
                        # What is visible is a prefix of what was logged, values exact.
                        n = len(exact)
                        assert exact.steps.tolist() == list(range(n)), s.name
                        index, k = int(run.name.split("-")[1]), int(s.name[-2:])
                        np.testing.assert_array_equal(exact.values, _expected(index, k, n))
                        ds = reader.read_scalars(run.id, s.name, max_points=30)
                        assert len(ds) <= 30
                        self.reads += 1
                        if self.stop.is_set():
                            break
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.errors.append(exc)
        finally:
            if reader is not None:
                reader.close()


def test_eight_writers_and_a_reader(tmp_path: Path) -> None:
    logdir = tmp_path / "logs"  # not created yet: the writers race to create it
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    reader = ReaderLoop(logdir)
    reader.start()
    procs = _start_writers(logdir, tmp_path / "go", cwd,
                           [(f"w-{i}", i, None) for i in range(WRITERS)], TAGS, STEPS)
    try:
        ids = _finish(procs)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        reader.stop.set()
        reader.join(60)
    assert not reader.errors, reader.errors
    assert reader.reads > 0
    assert _integrity(logdir / DB_FILENAME) == "ok"
    with deepscope.open(logdir) as r:
        runs = {run.id: run for run in r.list_runs()}
        assert set(runs) == set(ids)
        for run_id, run in runs.items():
            assert run.status == "finished"
            index = int(run.name.split("-")[1])
            series = r.list_series(run_id)
            assert len(series) == TAGS
            for s in series:
                assert (s.count, s.first_step, s.last_step) == (STEPS, 0, STEPS - 1)
                got = r.read_scalars(run_id, s.name)
                assert got.steps.tolist() == list(range(STEPS))
                np.testing.assert_array_equal(got.values, _expected(index, int(s.name[-2:]),
                                                                    STEPS))


def test_two_processes_write_one_run(tmp_path: Path) -> None:
    logdir = tmp_path / "logs"
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    procs = _start_writers(logdir, tmp_path / "go", cwd,
                           [("p-1", 1, "shared01"), ("p-2", 2, "shared01")], 5, 3000)
    try:
        ids = _finish(procs)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert ids == ["shared01", "shared01"]
    assert _integrity(logdir / DB_FILENAME) == "ok"
    with deepscope.open(logdir) as r:
        (run,) = r.list_runs()
        assert run.id == "shared01" and run.status == "finished"
        series = r.list_series("shared01")
        assert [s.name for s in series] == [f"p-{i}/tag{k:02d}" for i in (1, 2) for k in range(5)]
        for s in series:
            got = r.read_scalars("shared01", s.name)
            assert got.steps.tolist() == list(range(3000))
            np.testing.assert_array_equal(
                got.values, _expected(int(s.name[2]), int(s.name[-2:]), 3000))
