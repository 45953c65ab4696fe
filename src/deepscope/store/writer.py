"""The background writer: one thread per run that batches everything logged into the store.

``log()`` only appends a row to an in-memory queue; this thread pivots rows into per-series
columns, packs them into chunks and commits them in one transaction per flush.

Flush policy: every ``flush_interval`` seconds (1 s by default), as soon as ``flush_points``
scalar points are waiting, on :meth:`Writer.flush` and on :meth:`Writer.close`.

Memory policy: the queue is bounded at ``max_pending_points`` scalar points (plus
``max_pending_bytes`` of media). When the disk is slower than the producer and the queue is
full, ``log()`` waits for the writer (back-pressure) instead of dropping data; it warns once when
that happens. If the store keeps failing (disk full, permissions changed) the data stays queued
and is retried every flush; once the queue is full ``log()`` raises the store's error instead of
waiting forever.

Each series has an *open chunk* of fewer than ``CHUNK_POINTS`` points, rewritten in place at
every flush until it fills up and is sealed, so a crash loses at most the last flush interval.
"""

from __future__ import annotations

import collections
import sys
import threading
import time
import warnings
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..errors import LogdirError
from ..records import Finding, MediaRecord, SeriesKind, SummaryRecord, TextRecord
from .chunks import CHUNK_POINTS, Float64Array, Int64Array, encode_chunk
from .sqlite import ChunkWrite, SqliteStore

FLUSH_INTERVAL_S = 1.0  # longest time a logged point waits in memory
FLUSH_POINTS = 200_000  # flush early when this many scalar points are queued
MAX_PENDING_POINTS = 2_000_000  # back-pressure bound: ~100 MB of queued scalars
MAX_PENDING_BYTES = 256 * 2**20  # back-pressure bound for queued media and text
HEARTBEAT_INTERVAL_S = 5.0  # the run's heartbeat is refreshed at least this often

OtherRecord = SummaryRecord | TextRecord | MediaRecord | Finding


_RECORD_BYTES = 1024  # what a summary or finding is counted as against max_pending_bytes


def _size(record: OtherRecord) -> int:
    if isinstance(record, MediaRecord):
        return len(record.data)
    if isinstance(record, TextRecord):
        return len(record.text)
    return _RECORD_BYTES


class _KeyBuffer:
    """Queued ``log()`` calls that logged one set of keys, as flat typed arrays.

    Arrays hold no Python objects, so the garbage collector never scans the queue (a queue of
    tuples made every full collection pause training for tens of milliseconds).
    """

    __slots__ = ("steps", "walls", "values")

    def __init__(self) -> None:
        self.steps = array("q")
        self.walls = array("d")
        self.values = array("d")  # row-major: one row of len(keys) values per call


@dataclass
class WriterSettings:
    """Tuning knobs of the writer (tests shrink them)."""

    flush_interval: float = FLUSH_INTERVAL_S
    flush_points: int = FLUSH_POINTS
    max_pending_points: int = MAX_PENDING_POINTS
    max_pending_bytes: int = MAX_PENDING_BYTES
    heartbeat_interval: float = HEARTBEAT_INTERVAL_S
    chunk_points: int = CHUNK_POINTS


@dataclass
class _OpenChunk:
    rowid: int | None = None
    steps: Int64Array = field(default_factory=lambda: np.empty(0, np.int64))
    values: Float64Array = field(default_factory=lambda: np.empty(0, np.float64))
    walls: Int64Array = field(default_factory=lambda: np.empty(0, np.int64))


class Writer:
    """Queue of logged data and the thread that drains it into a :class:`SqliteStore`."""

    def __init__(self, store: SqliteStore, run_id: str, *,
                 settings: WriterSettings | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        """Create the writer; call :meth:`start` before logging."""
        self._store = store
        self._run_id = run_id
        self._settings = settings or WriterSettings()
        self._clock = clock
        self._lock = threading.Lock()  # guards _buffers between log() and the writer's swap
        self._buffers: dict[tuple[str, ...], _KeyBuffer] = {}
        self._others: collections.deque[OtherRecord] = collections.deque()
        # Each counter is written by one thread only, so no lock is needed on the hot path.
        self._produced = 0
        self._consumed = 0
        self._uncommitted = 0  # points pivoted into open chunks by flushes that failed
        self._bytes_in = 0
        self._bytes_out = 0
        self._wake_mark = 0
        # check the queue bound at least this often, even when it is below flush_points
        self._check_every = min(self._settings.flush_points, self._settings.max_pending_points)
        self._wake = threading.Event()
        self._drained = threading.Condition()
        self._flush_requested = 0
        self._flush_done = 0
        self._stop = False
        self._open: dict[str, _OpenChunk] = {}
        self._dirty: set[str] = set()  # series whose open chunk has unwritten points
        self._series_ids: dict[tuple[str, SeriesKind], int] = {}
        self._last_heartbeat = 0.0
        self._error: BaseException | None = None
        self._warned_backpressure = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the background thread."""
        self._thread = threading.Thread(target=self._loop, name="deepscope-writer", daemon=True)
        self._thread.start()

    # -- producer side (training thread) -------------------------------------------------

    def add_row(self, step: int, wall: float, names: tuple[str, ...], values: list[float]) -> None:
        """Queue one ``log()`` call's scalars. Never touches the disk."""
        with self._lock:
            buf = self._buffers.get(names)
            if buf is None:
                buf = self._buffers[names] = _KeyBuffer()
            buf.steps.append(step)
            buf.walls.append(wall)
            buf.values.fromlist(values)
        self._produced += len(values)
        if self._produced - self._wake_mark >= self._check_every:
            self._wake_mark = self._produced
            self._wake.set()
            if self._produced - self._consumed >= self._settings.max_pending_points:
                self._wait_for_space()

    def add_other(self, record: OtherRecord) -> None:
        """Queue a tensor summary, text or media record."""
        self._others.append(record)
        self._bytes_in += _size(record)
        if self._bytes_in - self._bytes_out >= self._settings.max_pending_bytes:
            self._wake.set()
            self._wait_for_space()

    def _wait_for_space(self) -> None:
        if not self._warned_backpressure:
            self._warned_backpressure = True
            warnings.warn("deepscope: logging faster than the disk can take it; log() is waiting "
                          "for the writer (no data is dropped).", RuntimeWarning, stacklevel=4)
        with self._drained:
            while (self._produced - self._consumed >= self._settings.max_pending_points
                   or self._bytes_in - self._bytes_out >= self._settings.max_pending_bytes):
                if self._error is not None:
                    raise LogdirError(f"deepscope cannot write to its logdir and its queue is "
                                      f"full: {self._error}") from self._error
                self._wake.set()
                self._drained.wait(timeout=0.5)

    def flush(self, timeout: float | None = None) -> bool:
        """Write everything queued so far; returns False if ``timeout`` ran out first."""
        if self._thread is None or not self._thread.is_alive():
            self._flush_now()
            return True
        with self._drained:
            self._flush_requested += 1
            target = self._flush_requested
            self._wake.set()
            return self._drained.wait_for(lambda: self._flush_done >= target or self._stop,
                                          timeout=timeout)

    def close(self, timeout: float | None = None) -> None:
        """Flush, stop the thread and write anything left from the calling thread."""
        thread = self._thread
        self._stop = True
        self._wake.set()
        if thread is not None and thread.is_alive() and thread is not threading.current_thread():
            thread.join(timeout)
        self._flush_now()

    @property
    def error(self) -> BaseException | None:
        """The last error the store raised, if the latest flush failed."""
        return self._error

    # -- writer thread ---------------------------------------------------------------------

    def _loop(self) -> None:
        while not self._stop:
            self._wake.wait(self._settings.flush_interval)
            self._wake.clear()
            if self._stop:
                break
            with self._drained:
                requested = self._flush_requested
            self._flush_now()
            with self._drained:
                self._flush_done = max(self._flush_done, requested)
                self._drained.notify_all()

    def _flush_now(self) -> None:
        try:
            self._write_once()
            self._error = None
        except Exception as exc:  # keep the data queued and retry at the next flush
            if self._error is None:
                print(f"deepscope: writing to the logdir failed, will retry: {exc}",
                      file=sys.stderr)
            self._error = exc

    def _write_once(self) -> None:
        with self._lock:
            buffers, self._buffers = self._buffers, {}
        n_others = len(self._others)
        others = [self._others.popleft() for _ in range(n_others)]
        rows = self._pivot(buffers)  # in memory only; from here the open chunks hold these points
        points = self._uncommitted + sum(len(b.values) for b in buffers.values())
        self._uncommitted = points  # until the commit succeeds
        now = self._clock()
        heartbeat = None
        if now - self._last_heartbeat >= self._settings.heartbeat_interval or rows or others:
            heartbeat = now
        if not self._pending_chunks() and not others and heartbeat is None:
            return
        try:
            self._commit(others, heartbeat)
        except BaseException:
            self._others.extendleft(reversed(others))
            raise
        if heartbeat is not None:
            self._last_heartbeat = now
        self._consumed += points
        self._uncommitted = 0
        self._bytes_out += sum(_size(o) for o in others)

    def _pivot(self, buffers: dict[tuple[str, ...], _KeyBuffer]) -> int:
        """Move queued rows into the open chunks (zero-copy views of the queue's arrays);
        returns the number of rows."""
        rows = 0
        for names, buf in buffers.items():
            n = len(buf.steps)
            rows += n
            s = np.frombuffer(buf.steps, dtype=np.int64)
            w = np.rint(np.frombuffer(buf.walls, dtype=np.float64) * 1e6).astype(np.int64)
            v = np.frombuffer(buf.values, dtype=np.float64).reshape(n, len(names))
            for j, name in enumerate(names):
                oc = self._open.get(name)
                if oc is None:
                    oc = self._open[name] = _OpenChunk()
                oc.steps = np.concatenate([oc.steps, s])
                oc.values = np.concatenate([oc.values, v[:, j]])
                oc.walls = np.concatenate([oc.walls, w])
                self._dirty.add(name)
            time.sleep(0)  # let the training thread have the GIL between key sets
        return rows

    def _pending_chunks(self) -> bool:
        return bool(self._dirty)

    def _commit(self, others: list[OtherRecord], heartbeat: float | None) -> None:
        dirty = self._dirty
        writes: list[ChunkWrite] = []
        plan: list[tuple[str, int]] = []  # (series, points in the chunk) per write
        size = self._settings.chunk_points
        for name in sorted(dirty):
            time.sleep(0)  # yield the GIL between series: log() must never wait long
            oc = self._open[name]
            sid = self._series_id(name, "scalar")
            rowid, start = oc.rowid, 0
            while start < len(oc.steps):
                end = min(start + size, len(oc.steps))
                chunk = encode_chunk(oc.steps[start:end], oc.values[start:end],
                                     oc.walls[start:end])
                writes.append(ChunkWrite(sid, rowid, chunk))
                plan.append((name, end - start))
                rowid, start = None, end
        summaries = [(self._series_id(o.series, "tensor"), o) for o in others
                     if isinstance(o, SummaryRecord)]
        texts = [(self._series_id(o.series, "text"), o) for o in others
                 if isinstance(o, TextRecord)]
        media = [(self._series_id(o.series, "image"), o) for o in others
                 if isinstance(o, MediaRecord)]
        now = self._clock()
        findings = [(now, o) for o in others if isinstance(o, Finding)]
        rowids = self._store.write(self._run_id, chunks=writes, summaries=summaries,
                                   texts=texts, media=media, findings=findings,
                                   heartbeat=heartbeat)
        self._after_commit(plan, rowids)
        dirty.clear()

    def _after_commit(self, plan: list[tuple[str, int]], rowids: list[int]) -> None:
        """Drop sealed chunks from memory; remember the row of each still-open chunk."""
        size = self._settings.chunk_points
        last_of: dict[str, tuple[int, int]] = {}
        for (name, n), rowid in zip(plan, rowids, strict=True):
            last_of[name] = (n, rowid)
        for name, (n, rowid) in last_of.items():
            oc = self._open[name]
            if n == size:  # the last chunk written is full: sealed, start a fresh open chunk
                self._open[name] = _OpenChunk()
            else:
                keep = len(oc.steps) - n
                oc.steps, oc.values, oc.walls = oc.steps[keep:], oc.values[keep:], oc.walls[keep:]
                oc.rowid = rowid

    def _series_id(self, name: str, kind: SeriesKind) -> int:
        key = (name, kind)
        sid = self._series_ids.get(key)
        if sid is None:
            sid = self._series_ids[key] = self._store.series_id(self._run_id, name, kind)
        return sid
