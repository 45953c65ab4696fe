"""The logdir's schema version, migrations, and damaged or foreign files reported clearly."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import deepscope
from deepscope.errors import CorruptLogdirError, LogdirError, SchemaVersionError
from deepscope.store.schema import DB_FILENAME, MIGRATIONS, SCHEMA_VERSION


def _pragma(path: Path, name: str) -> object:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        conn.close()


def _checkpoint(db: Path) -> None:
    """Fold the WAL into the main file and remove it, as a clean shutdown does."""
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def _make_logdir(logdir: Path, *, runs: int = 1, points: int = 10) -> None:
    for i in range(runs):
        run = deepscope.init("p", f"run-{i}", logdir=logdir, exit_hooks=False)
        for s in range(points):
            run.log({"loss": 1.0 / (s + 1)}, step=s)
        run.finish()


def test_new_logdir_has_current_schema(logdir: Path) -> None:
    _make_logdir(logdir)
    db = logdir / DB_FILENAME
    assert _pragma(db, "user_version") == SCHEMA_VERSION
    assert _pragma(db, "journal_mode") == "wal"
    conn = sqlite3.connect(db)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    conn.close()
    assert {"runs", "run_config", "run_tags", "series", "scalar_chunks", "tensor_summaries",
            "texts", "media"} <= tables
    assert max(MIGRATIONS) == SCHEMA_VERSION
    assert sorted(MIGRATIONS) == list(range(1, SCHEMA_VERSION + 1))


def test_newer_schema_is_refused_with_an_upgrade_hint(logdir: Path) -> None:
    _make_logdir(logdir)
    db = logdir / DB_FILENAME
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    _checkpoint(db)
    before = db.read_bytes()
    with pytest.raises(SchemaVersionError) as info:
        deepscope.open(logdir)
    msg = str(info.value)
    assert str(SCHEMA_VERSION + 1) in msg and "pip install -U deepscope" in msg
    assert isinstance(info.value, LogdirError)
    with pytest.raises(SchemaVersionError):
        deepscope.init(logdir=logdir, exit_hooks=False)
    assert _pragma(db, "user_version") == SCHEMA_VERSION + 1
    _checkpoint(db)
    assert db.read_bytes() == before


def test_older_schema_is_migrated_on_open(logdir: Path) -> None:
    if SCHEMA_VERSION < 2:
        pytest.skip("only one schema version so far")
    logdir.mkdir()
    db = logdir / DB_FILENAME
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("BEGIN")
    MIGRATIONS[1](conn)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO runs (id, name, project, status, created_at, heartbeat_at) VALUES"
                 " ('old00001', 'old-run', 'p', 'finished', 1.0, 2.0)")
    conn.execute("COMMIT")
    conn.close()
    with deepscope.open(logdir) as reader:
        assert [r.name for r in reader.list_runs()] == ["old-run"]
    assert _pragma(db, "user_version") == SCHEMA_VERSION
    run = deepscope.init(logdir=logdir, exit_hooks=False)  # the writer works on it too
    run.log({"x": 1.0}, step=0)
    run.finish()
    with deepscope.open(logdir) as reader:
        assert len(reader.list_runs()) == 2


@pytest.mark.parametrize("header", [b"", b"SQLite format 3\x00"])
def test_garbage_file_is_reported_and_left_untouched(logdir: Path, header: bytes) -> None:
    logdir.mkdir()
    db = logdir / DB_FILENAME
    garbage = header + np.random.default_rng(3).bytes(16384)
    db.write_bytes(garbage)
    with pytest.raises(CorruptLogdirError) as info:
        deepscope.open(logdir)
    msg = str(info.value)
    assert "integrity check" in msg and "file is not a database" in msg
    assert str(db) in msg and ".recover" in msg
    with pytest.raises(CorruptLogdirError):
        deepscope.init(logdir=logdir, exit_hooks=False)
    assert db.read_bytes() == garbage


_WRITE_MANY = textwrap.dedent("""
    import math
    import sys
    import numpy as np
    import deepscope
    rng = np.random.default_rng(0)
    for r in range(3):
        run = deepscope.init("p", f"run-{r}", logdir=sys.argv[1], exit_hooks=False)
        for s in range(6000):
            run.log({f"s{k}": float(v) for k, v in enumerate(rng.standard_normal(5))}, step=s)
            run.log({"steady": round(math.sin(s / 50 + r), 2)}, step=s)  # compresses: a zlib blob
        run.finish()
""")


def _read_everything(logdir: Path) -> list[BaseException]:
    """Call every read method; return what they raised."""
    errors: list[BaseException] = []

    def attempt(fn):  # type: ignore[no-untyped-def]
        try:
            return fn()
        except Exception as exc:  # noqa: BLE001 - we sort them below
            errors.append(exc)
            return None

    reader = attempt(lambda: deepscope.open(logdir))
    if reader is None:
        return errors
    runs = attempt(reader.list_runs) or []
    attempt(lambda: reader.read_last_scalars([r.id for r in runs]))
    for run in runs:
        for series in attempt(lambda: reader.list_series(run.id)) or []:  # noqa: B023
            attempt(lambda: reader.read_scalars(run.id, series.name))  # noqa: B023
            attempt(lambda: reader.read_scalars(run.id, series.name,  # noqa: B023
                                                max_points=30))
    reader.close()
    return errors


def test_corrupted_pages_are_reported_as_corrupt_logdir(logdir: Path) -> None:
    subprocess.run([sys.executable, "-c", _WRITE_MANY, str(logdir)], check=True, timeout=120)
    db = logdir / DB_FILENAME
    _checkpoint(db)
    assert not (logdir / (DB_FILENAME + "-wal")).exists()
    assert _read_everything(logdir) == []  # healthy before the damage
    size = db.stat().st_size
    page = _pragma(db, "page_size")
    assert isinstance(page, int) and size > 50 * page
    first, last = (size // page) * 2 // 5, (size // page) * 3 // 5
    with open(db, "r+b") as fh:
        fh.seek(first * page)
        fh.write(b"\xde\xad\xbe\xef" * ((last - first) * page // 4))
    errors = _read_everything(logdir)
    assert errors, "reading a damaged database raised nothing"
    for exc in errors:
        assert isinstance(exc, CorruptLogdirError), f"raw error escaped: {exc!r}"
    msg = str(errors[0])
    assert "integrity check" in msg and "malformed" in msg
    report = msg.split("says:\n", 1)[1]
    assert report.strip() and "ok" != report.strip()


def _blob_segment(db: Path, codec: bytes, min_len: int, *, column: str = "vals",
                  start: bool = False) -> tuple[int, bytes]:
    """File offset and content of 200 bytes of a chunk's blob written with ``codec``.

    With ``start``, the blob's first bytes (its codec tag), located by the tail of the
    column stored just before it, since equal blobs (e.g. wall times) repeat across series.
    """
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(f"SELECT vals, {column} FROM scalar_chunks").fetchall()
    finally:
        conn.close()
    data = db.read_bytes()
    for before, blob in rows:
        if blob[:1] != codec or len(blob) < min_len:
            continue
        if start:
            lead, segment = before[-40:], blob[:200]
        else:
            lead, segment = b"", blob[len(blob) // 2:len(blob) // 2 + 200]
        found = data.find(lead + segment)
        if found >= 0 and data.find(lead + segment, found + 1) < 0:
            return found + len(lead), segment
    raise AssertionError(f"no {column} blob with codec {codec!r} found on disk")


def test_corrupted_overflow_page_is_reported_with_the_integrity_report(logdir: Path) -> None:
    subprocess.run([sys.executable, "-c", _WRITE_MANY, str(logdir)], check=True, timeout=120)
    db = logdir / DB_FILENAME
    _checkpoint(db)
    page = _pragma(db, "page_size")
    at, _ = _blob_segment(db, b"R", 4 * page)  # raw values: spans several overflow pages
    with open(db, "r+b") as fh:
        fh.seek(at // page * page)  # the whole overflow page, its next-page pointer included
        fh.write(b"\xde\xad\xbe\xef" * (page // 4))
    errors = _read_everything(logdir)
    assert errors and all(isinstance(e, CorruptLogdirError) for e in errors), errors
    with deepscope.open(logdir) as reader:  # the rest of the logdir stays readable
        assert len(reader.list_runs()) == 3
    msg = str(errors[0])
    assert "integrity check" in msg and "*** in database main ***" in msg


@pytest.mark.parametrize(("column", "codec", "start"), [
    ("vals", b"S", False),  # inside a zlib stream
    ("walls", b"W", True),  # the codec tag itself (raw int32 deltas)
])
def test_damaged_chunk_content_is_reported_as_corrupt(logdir: Path, column: str, codec: bytes,
                                                      start: bool) -> None:
    # Damage SQLite cannot see (inside a blob's bytes) must not escape as a zlib traceback.
    subprocess.run([sys.executable, "-c", _WRITE_MANY, str(logdir)], check=True, timeout=120)
    db = logdir / DB_FILENAME
    _checkpoint(db)
    at, segment = _blob_segment(db, codec, 1000, column=column, start=start)
    with open(db, "r+b") as fh:
        fh.seek(at)
        fh.write(bytes(b ^ 0x5A for b in segment))
    errors = _read_everything(logdir)
    assert errors and all(isinstance(e, CorruptLogdirError) for e in errors), errors
    assert "decode" in str(errors[0])


def test_corrupted_schema_page_fails_at_open(logdir: Path) -> None:
    _make_logdir(logdir)
    db = logdir / DB_FILENAME
    _checkpoint(db)
    with open(db, "r+b") as fh:
        fh.seek(100)  # page 1 after the file header: the schema table's b-tree
        fh.write(b"\xde\xad\xbe\xef" * 200)
    errors = _read_everything(logdir)
    assert len(errors) == 1 and isinstance(errors[0], CorruptLogdirError)


def test_missing_logdir_is_not_created_by_reading(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(LogdirError) as info:
        deepscope.open(missing)
    assert str(missing) in str(info.value) and "deepscope.init" in str(info.value)
    assert not missing.exists()


def test_empty_dir_is_not_a_logdir(tmp_path: Path) -> None:
    with pytest.raises(LogdirError):
        deepscope.open(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_regular_file_is_not_a_logdir(tmp_path: Path) -> None:
    f = tmp_path / "file.txt"
    f.write_text("hello")
    with pytest.raises(LogdirError):
        deepscope.open(f)
    with pytest.raises(LogdirError) as info:
        deepscope.init(logdir=f, exit_hooks=False)
    assert str(f) in str(info.value)
    assert f.read_text() == "hello"
