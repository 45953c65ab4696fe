"""The background writer: back-pressure, flush timing, surviving store trouble, chunk sealing."""

from __future__ import annotations

import sqlite3
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

import deepscope
from deepscope.errors import LogdirError
from deepscope.store.chunks import CHUNK_POINTS
from deepscope.store.schema import DB_FILENAME
from deepscope.store.writer import WriterSettings


@contextmanager
def exclusive_lock(logdir: Path, seconds: float) -> Iterator[threading.Thread]:
    """Hold SQLite's write lock on the logdir from another connection for ``seconds``."""
    conn = sqlite3.connect(logdir / DB_FILENAME, isolation_level=None, check_same_thread=False)
    conn.execute("BEGIN EXCLUSIVE")

    def release() -> None:
        time.sleep(seconds)
        conn.execute("ROLLBACK")
        conn.close()

    t = threading.Thread(target=release, daemon=True)
    t.start()
    try:
        yield t
    finally:
        t.join(30)


def _values(logdir: Path, run_id: str, name: str) -> tuple[list[int], list[float]]:
    with deepscope.open(logdir) as r:
        s = r.read_scalars(run_id, name)
        return s.steps.tolist(), s.values.tolist()


def _chunk_counts(logdir: Path, run_id: str, name: str) -> list[int]:
    conn = sqlite3.connect(logdir / DB_FILENAME)
    try:
        return [c for (c,) in conn.execute(
            "SELECT c.count FROM scalar_chunks c JOIN series s ON s.id = c.series_id"
            " WHERE s.run_id = ? AND s.name = ? ORDER BY c.id", (run_id, name))]
    finally:
        conn.close()


def test_back_pressure_waits_warns_once_and_drops_nothing(logdir: Path) -> None:
    settings = WriterSettings(flush_interval=0.05, flush_points=100, max_pending_points=1000)
    run = deepscope.init(logdir=logdir, exit_hooks=False, writer_settings=settings)
    run.log({"x": -1.0}, step=0)
    assert run.flush(timeout=10)
    n = 20_000
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with exclusive_lock(logdir, 1.0):
            t0 = time.monotonic()
            for i in range(1, n + 1):
                run.log({"x": float(i)}, step=i)
            elapsed = time.monotonic() - t0
    ours = [w for w in caught if "faster than the disk" in str(w.message)]
    assert len(ours) == 1 and ours[0].category is RuntimeWarning
    assert elapsed > 0.7, "log() should have waited for the locked store"
    run.finish()
    steps, values = _values(logdir, run.id, "x")
    assert steps == list(range(n + 1))
    assert values == [-1.0] + [float(i) for i in range(1, n + 1)]


def test_small_queue_bound_is_honoured_with_default_flush_points(logdir: Path) -> None:
    # max_pending_points below flush_points must still bound the queue.
    settings = WriterSettings(flush_interval=0.05, max_pending_points=500)
    run = deepscope.init(logdir=logdir, exit_hooks=False, writer_settings=settings)
    run.log({"x": 0.0}, step=0)
    assert run.flush(timeout=10)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with exclusive_lock(logdir, 1.0):
            t0 = time.monotonic()
            for i in range(1, 5001):
                run.log({"x": float(i)}, step=i)
            elapsed = time.monotonic() - t0
    assert elapsed > 0.7, "log() queued far beyond max_pending_points instead of waiting"
    assert sum("faster than the disk" in str(w.message) for w in caught) == 1
    run.finish()
    assert _values(logdir, run.id, "x")[0] == list(range(5001))


def _visible_after(logdir: Path, run_id: str, timeout: float) -> float | None:
    t0 = time.monotonic()
    with deepscope.open(logdir) as r:
        while time.monotonic() - t0 < timeout:
            if r.list_series(run_id):
                return time.monotonic() - t0
            time.sleep(0.02)
    return None


@pytest.mark.parametrize(("interval", "limit"), [(1.0, 2.5), (0.2, 1.5)])
def test_flush_interval_makes_data_visible_without_finish(logdir: Path, interval: float,
                                                         limit: float) -> None:
    settings = None if interval == 1.0 else WriterSettings(flush_interval=interval)
    run = deepscope.init(logdir=logdir, exit_hooks=False, writer_settings=settings)
    try:
        for i in range(10):
            run.log({"loss": 1.0 / (i + 1)}, step=i)
        after = _visible_after(logdir, run.id, 5.0)
        assert after is not None and after < limit, f"visible after {after} s"
        assert _values(logdir, run.id, "loss")[0] == list(range(10))
    finally:
        run.finish()


def test_heartbeat_is_refreshed_while_idle(logdir: Path) -> None:
    settings = WriterSettings(flush_interval=0.05, heartbeat_interval=0.1)
    run = deepscope.init(logdir=logdir, exit_hooks=False, writer_settings=settings)
    try:
        with deepscope.open(logdir) as r:
            first = r.get_run(run.id).heartbeat_at
            time.sleep(0.6)
            assert r.get_run(run.id).heartbeat_at > first + 0.2
    finally:
        run.finish()


def test_writer_waits_out_a_held_lock(logdir: Path) -> None:
    settings = WriterSettings(flush_interval=0.05)
    run = deepscope.init(logdir=logdir, exit_hooks=False, writer_settings=settings)
    run.log({"x": 0.0}, step=0)
    assert run.flush(timeout=10)
    with exclusive_lock(logdir, 1.5) as releaser:
        for i in range(1, 1001):
            run.log({"x": float(i)}, step=i)
        run.log_text("t", "during the lock", step=1000)
        assert run.flush(timeout=0.3) is False  # cannot complete while the lock is held
        assert releaser.is_alive()
    assert run.flush(timeout=10) is True
    assert _values(logdir, run.id, "x")[0] == list(range(1001))
    run.finish()
    with deepscope.open(logdir) as r:
        assert [t.text for t in r.read_texts(run.id, "t")] == ["during the lock"]
        assert r.get_run(run.id).status == "finished"


def test_writer_recovers_from_a_failing_store(logdir: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    settings = WriterSettings(flush_interval=0.05, flush_points=10, max_pending_points=50)
    run = deepscope.init(logdir=logdir, exit_hooks=False, writer_settings=settings)
    blocker = logdir / "media"
    blocker.write_bytes(b"")  # a file where the media directory goes: every write now fails
    image = np.arange(12, dtype=np.uint8).reshape(3, 4)
    run.log_image("img", image, step=0)
    for i in range(40):
        run.log({"x": float(i)}, step=i)
    assert run.flush(timeout=10)
    assert "writing to the logdir failed, will retry" in capsys.readouterr().err
    with deepscope.open(logdir) as r:
        assert r.list_series(run.id) == []  # nothing written, everything kept
    # Once the queue is full, log() raises the store's error instead of waiting forever.
    raised = 0
    with pytest.warns(RuntimeWarning, match="faster than the disk"):
        for i in range(40, 80):
            try:
                run.log({"x": float(i)}, step=i)
            except LogdirError:
                raised += 1
    assert raised > 0
    time.sleep(0.3)  # several failed flushes
    blocker.unlink()  # the trouble goes away
    assert run.flush(timeout=10)

    def more() -> None:
        for i in range(80, 2000):
            run.log({"x": float(i)}, step=i)

    t = threading.Thread(target=more, daemon=True)
    t.start()
    t.join(15)
    assert not t.is_alive(), "log() hangs after the store recovered"
    run.finish()
    steps, values = _values(logdir, run.id, "x")
    assert steps == list(range(2000)) and values == [float(i) for i in range(2000)]
    with deepscope.open(logdir) as r:
        (item,) = r.read_media(run.id, "img")
        assert (item.width, item.height) == (4, 3)
        assert r.read_media_bytes(item.sha256)[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("flush_every", [None, 1000, 4096, 5000])
def test_open_chunks_are_sealed_at_chunk_points(logdir: Path, flush_every: int | None) -> None:
    run = deepscope.init(logdir=logdir, exit_hooks=False)
    n = 3 * CHUNK_POINTS + 100
    for i in range(n):
        run.log({"x": float(i), "y": -float(i)}, step=i)
        if flush_every and (i + 1) % flush_every == 0:
            assert run.flush(timeout=10)
    assert run.flush(timeout=10)
    # In memory, only the open (unsealed) chunk stays: 100 points per series.
    open_chunks = run._writer._open  # noqa: SLF001 - the memory bound is the point of the test
    assert {name: len(oc.steps) for name, oc in open_chunks.items()} == {"x": 100, "y": 100}
    run.finish()
    for name in ("x", "y"):
        assert _chunk_counts(logdir, run.id, name) == [CHUNK_POINTS] * 3 + [100]
    steps, values = _values(logdir, run.id, "y")
    assert steps == list(range(n)) and values == [-float(i) for i in range(n)]


def test_chunk_points_setting(logdir: Path) -> None:
    run = deepscope.init(logdir=logdir, exit_hooks=False,
                         writer_settings=WriterSettings(chunk_points=7, flush_interval=0.05))
    for i in range(30):
        run.log({"x": float(i)}, step=i)
        if i % 4 == 0:
            run.flush()
    run.finish()
    assert _chunk_counts(logdir, run.id, "x") == [7, 7, 7, 7, 2]
    assert _values(logdir, run.id, "x")[0] == list(range(30))
