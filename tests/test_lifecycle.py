"""Run lifecycle: finish, context manager, logging after finish, resume, process exit (in
subprocesses), signals and fork safety."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import traceback
import warnings
from pathlib import Path

import numpy as np
import pytest

import deepscope
from deepscope import _api
from deepscope.query.sqlite import SqliteReader
from deepscope.store.writer import WriterSettings

SUBPROCESS_TIMEOUT_S = 60


@pytest.fixture(autouse=True)
def _no_current_run():
    token = _api._current.set(None)
    yield
    _api._current.reset(token)


def new_run(logdir: Path, **kwargs: object) -> deepscope.Run:
    kwargs.setdefault("exit_hooks", False)
    return deepscope.init(logdir=logdir, **kwargs)  # type: ignore[arg-type]


def info(logdir: Path, run_id: str) -> deepscope.RunInfo:
    with deepscope.open(logdir) as reader:
        return reader.get_run(run_id)


def steps(logdir: Path, run_id: str, name: str = "x") -> list[int]:
    with deepscope.open(logdir) as reader:
        return reader.read_scalars(run_id, name).steps.tolist()


def integrity(logdir: Path) -> str:
    conn = sqlite3.connect(logdir / "deepscope.db")
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


# -- finish and the context manager --------------------------------------------------------------

def test_finish_is_idempotent(logdir: Path) -> None:
    run = new_run(logdir)
    run.log({"x": 1.0})
    run.finish()
    first = info(logdir, run.id)
    run.finish()
    run.finish("crashed", reason="ignored")
    again = info(logdir, run.id)
    assert first.status == again.status == "finished"
    assert again.ended_at == first.ended_at and again.exit_reason is None
    assert run.state is deepscope.run.RunState.FINISHED
    assert run.flush() is True  # flushing a finished run is harmless
    assert steps(logdir, run.id) == [0]


def test_finish_with_explicit_status_and_reason(logdir: Path) -> None:
    run = new_run(logdir)
    run.finish("crashed", reason="diverged")
    got = info(logdir, run.id)
    assert (got.status, got.exit_reason) == ("crashed", "diverged")
    assert got.ended_at is not None and got.ended_at >= got.created_at


def test_context_manager_marks_finished(logdir: Path) -> None:
    with new_run(logdir) as run:
        assert isinstance(run, deepscope.Run)
        run.log({"x": 1.0})
        assert info(logdir, run.id).status == "running"
    got = info(logdir, run.id)
    assert got.status == "finished" and got.exit_reason is None
    assert steps(logdir, run.id) == [0]


def test_context_manager_marks_crashed_with_the_exception(logdir: Path) -> None:
    with pytest.raises(ValueError, match="boom"):
        with new_run(logdir) as run:
            run.log({"x": 1.0})
            raise ValueError("boom: loss is nan")
    got = info(logdir, run.id)
    assert got.status == "crashed"
    assert got.exit_reason == "ValueError: boom: loss is nan"
    assert steps(logdir, run.id) == [0]  # data logged before the crash is kept


def test_crash_reason_is_bounded(logdir: Path) -> None:
    with pytest.raises(RuntimeError):
        with new_run(logdir) as run:
            raise RuntimeError("x" * 10_000)
    reason = info(logdir, run.id).exit_reason
    assert reason is not None and reason.startswith("RuntimeError: xxx") and len(reason) <= 500


def test_context_manager_marks_killed_on_keyboard_interrupt(logdir: Path) -> None:
    with pytest.raises(KeyboardInterrupt):
        with new_run(logdir) as run:
            run.log({"x": 1.0})
            raise KeyboardInterrupt
    got = info(logdir, run.id)
    assert (got.status, got.exit_reason) == ("killed", "KeyboardInterrupt")


def test_exception_after_explicit_finish_keeps_finished(logdir: Path) -> None:
    with pytest.raises(ValueError):
        with new_run(logdir) as run:
            run.finish()
            raise ValueError("late")
    assert info(logdir, run.id).status == "finished"


# -- logging after finish ------------------------------------------------------------------------

def test_logging_after_finish_warns_once_and_stores_nothing(logdir: Path) -> None:
    run = new_run(logdir, name="done")
    run.log({"x": 1.0})
    run.finish()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run.log({"x": 2.0})
        run.log({"y": 3.0}, step=10)
        run.log_histogram("h", np.arange(3.0))
        run.log_text("t", "late")
        run.log_image("i", np.zeros((2, 2), dtype=np.uint8))
        run.log({"x": 4.0})
    runtime = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    assert len(runtime) == 1
    msg = str(runtime[0].message)
    assert "finished" in msg and run.id in msg and "resume='allow'" in msg
    assert runtime[0].filename == __file__  # points at the caller's line
    with deepscope.open(logdir) as reader:
        assert [s.name for s in reader.list_series(run.id)] == ["x"]
        assert reader.read_scalars(run.id, "x").values.tolist() == [1.0]
    assert run.step == 0


def test_module_level_log_after_finish_raises(logdir: Path) -> None:
    run = deepscope.init(logdir=logdir, exit_hooks=False)
    deepscope.log({"x": 1.0})
    deepscope.finish()
    assert run.state.value == "finished"
    with pytest.raises(deepscope.RunStateError,
                       match=r"^Call deepscope\.init\(\) before deepscope\.log\(\)\.$"):
        deepscope.log({"x": 2.0})
    assert steps(logdir, run.id) == [0]


# -- resume --------------------------------------------------------------------------------------

def test_existing_id_without_resume_is_an_error(logdir: Path) -> None:
    run = new_run(logdir, id="run-1")
    run.finish()
    with pytest.raises(deepscope.RunStateError, match="run-1.*resume='allow'"):
        new_run(logdir, id="run-1")
    assert info(logdir, "run-1").status == "finished"  # untouched


def test_resume_allow_appends_and_continues_the_step_counter(logdir: Path) -> None:
    first = new_run(logdir, id="r", project="proj", name="orig", tags=["a"], notes="n1",
                    config={"lr": 0.1, "opt": {"name": "adam"}})
    for i in range(10):
        first.log({"x": float(i)})
    first.log_text("t", "before")
    first.finish()

    run = new_run(logdir, id="r", resume="allow", config={"lr": 0.05, "epochs": 3}, tags=["b"])
    assert run.id == "r" and run.step == 9
    assert (run.name, run.project, run.notes) == ("orig", "proj", "n1")
    assert run.tags == ("a", "b")
    assert run.config == {"lr": 0.05, "opt": {"name": "adam"}, "epochs": 3}
    assert info(logdir, "r").status == "running"
    run.log({"x": 10.0})
    run.log_text("t", "after")
    run.add_tags("c")
    run.finish()

    with deepscope.open(logdir) as reader:
        assert [r.id for r in reader.list_runs()] == ["r"]
        got = reader.get_run("r")
        assert got.status == "finished" and got.exit_reason is None
        assert (got.name, got.project, got.notes) == ("orig", "proj", "n1")
        assert got.tags == ("a", "b", "c")
        assert got.config == {"lr": 0.05, "opt": {"name": "adam"}, "epochs": 3}
        assert got.last_step == 10
        x = reader.read_scalars("r", "x")
        assert x.steps.tolist() == list(range(11)) and x.values.tolist() == list(map(float,
                                                                                     range(11)))
        assert [(t.step, t.text) for t in reader.read_texts("r", "t")] == [(9, "before"),
                                                                          (10, "after")]
        assert [r.id for r in reader.list_runs(where=[("opt.name", "=", "adam"),
                                                      ("lr", "<", 0.06)])] == ["r"]
        assert [r.id for r in reader.list_runs(tags=["a", "c"])] == ["r"]


def test_resume_a_crashed_run_clears_its_exit_reason(logdir: Path) -> None:
    run = new_run(logdir, id="c")
    run.log_histogram("h", [1.0, 2.0], step=41)
    run.finish("crashed", reason="OOM")
    resumed = new_run(logdir, id="c", resume="must")
    assert resumed.step == 41  # histograms count for the step counter too
    resumed.log({"x": 1.0})
    with deepscope.open(logdir) as reader:
        got = reader.get_run("c")
        assert got.status == "running" and got.exit_reason is None and got.ended_at is None
    resumed.finish()
    assert steps(logdir, "c") == [42]
    assert info(logdir, "c").status == "finished"


def test_resume_allow_on_a_missing_id_creates_the_run(logdir: Path) -> None:
    run = new_run(logdir, id="fresh", resume="allow", name="nm")
    assert run.step == -1
    run.log({"x": 1.0})
    run.finish()
    got = info(logdir, "fresh")
    assert got.name == "nm" and got.status == "finished"
    assert steps(logdir, "fresh") == [0]


def test_resume_must_on_a_missing_id_raises_not_found(logdir: Path) -> None:
    with pytest.raises(deepscope.NotFoundError, match="nope"):
        new_run(logdir, id="nope", resume="must")
    with deepscope.open(logdir) as reader:
        assert reader.list_runs() == []
    assert deepscope.current_run() is None


# -- process exit, in subprocesses ---------------------------------------------------------------

_PRELUDE = """
import os, signal, sys, time
import numpy as np
import deepscope
from deepscope.store.writer import WriterSettings
logdir = sys.argv[1]
"""


def run_script(body: str, logdir: Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    script = _PRELUDE + textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", script, str(logdir)], capture_output=True,
                          text=True, timeout=SUBPROCESS_TIMEOUT_S, **kwargs)  # type: ignore[call-overload]


def only_run(logdir: Path) -> deepscope.RunInfo:
    with deepscope.open(logdir) as reader:
        (run,) = reader.list_runs()
        return run


def test_exit_without_finish_marks_finished_with_all_data(logdir: Path) -> None:
    out = run_script("""
        run = deepscope.init(logdir=logdir, writer_settings=WriterSettings(flush_interval=3600))
        for i in range(5000):
            run.log({"x": float(i), "y": -float(i)})
        run.log_histogram("h", np.arange(100.0))
        run.log_text("t", "bye")
        run.log_image("img", np.zeros((3, 3), dtype=np.uint8))
    """, logdir)
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    run = only_run(logdir)
    assert run.status == "finished" and run.exit_reason is None and run.ended_at is not None
    assert steps(logdir, run.id) == list(range(5000))
    with deepscope.open(logdir) as reader:
        assert reader.read_scalars(run.id, "y").values[-1] == -4999.0
        assert [p.step for p in reader.read_tensor_summaries(run.id, "h")] == [4999]
        assert [t.text for t in reader.read_texts(run.id, "t")] == ["bye"]
        assert len(reader.read_media(run.id, "img")) == 1


def test_sys_exit_zero_marks_finished(logdir: Path) -> None:
    out = run_script("""
        run = deepscope.init(logdir=logdir)
        run.log({"x": 1.0})
        sys.exit(0)
    """, logdir)
    assert out.returncode == 0, out.stderr
    assert only_run(logdir).status == "finished"


def test_uncaught_exception_marks_crashed_with_reason(logdir: Path) -> None:
    out = run_script("""
        run = deepscope.init(logdir=logdir)
        for i in range(100):
            run.log({"x": float(i)})
        raise ValueError("loss exploded")
    """, logdir)
    assert out.returncode == 1
    assert "ValueError: loss exploded" in out.stderr and "Traceback" in out.stderr
    run = only_run(logdir)
    assert run.status == "crashed"
    assert run.exit_reason == "ValueError: loss exploded"
    assert steps(logdir, run.id) == list(range(100))


def test_uncaught_exception_keeps_a_user_excepthook(logdir: Path) -> None:
    out = run_script("""
        def hook(kind, exc, tb):
            print("user hook saw", kind.__name__)
        sys.excepthook = hook
        run = deepscope.init(logdir=logdir)
        raise RuntimeError("x")
    """, logdir)
    assert out.returncode == 1
    assert "user hook saw RuntimeError" in out.stdout
    assert only_run(logdir).status == "crashed"


def test_uncaught_keyboard_interrupt_marks_killed(logdir: Path) -> None:
    out = run_script("""
        run = deepscope.init(logdir=logdir)
        run.log({"x": 1.0})
        raise KeyboardInterrupt
    """, logdir)
    assert out.returncode in (-signal.SIGINT, 128 + signal.SIGINT, 1)
    run = only_run(logdir)
    assert (run.status, run.exit_reason) == ("killed", "KeyboardInterrupt")
    assert steps(logdir, run.id) == [0]


_BUSY_LOOP = """
signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with SIGINT ignored
run = deepscope.init(logdir=logdir, writer_settings=WriterSettings(flush_interval=0.05))
print(run.id, flush=True)
i = 0
while True:
    run.log({"x": float(i)}, step=i)
    if i % 1000 == 0:
        print(i, flush=True)
    i += 1
"""


def _signal_busy_child(logdir: Path, sig: int) -> tuple[subprocess.Popen[str], str, int]:
    proc = subprocess.Popen([sys.executable, "-c", _PRELUDE + _BUSY_LOOP, str(logdir)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        run_id = proc.stdout.readline().strip()
        assert run_id, proc.stderr.read() if proc.stderr else ""
        printed = []
        while len(printed) < 5:  # a few thousand steps into the loop
            line = proc.stdout.readline()
            assert line, "child stopped early"
            printed.append(int(line))
        proc.send_signal(sig)
        rest, _ = proc.communicate(timeout=SUBPROCESS_TIMEOUT_S)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    printed.extend(int(x) for x in rest.split())
    return proc, run_id, max(printed)


def test_sigterm_marks_killed_flushes_and_exits_by_sigterm(logdir: Path) -> None:
    proc, run_id, last_printed = _signal_busy_child(logdir, signal.SIGTERM)
    assert proc.returncode == -signal.SIGTERM
    run = info(logdir, run_id)
    assert (run.status, run.exit_reason) == ("killed", "SIGTERM")
    got = steps(logdir, run_id)
    assert got == list(range(len(got)))  # contiguous: nothing lost or duplicated
    assert got[-1] >= last_printed  # everything logged before the signal is on disk
    assert integrity(logdir) == "ok"


def test_sigint_marks_killed(logdir: Path) -> None:
    proc, run_id, last_printed = _signal_busy_child(logdir, signal.SIGINT)
    assert proc.returncode in (-signal.SIGINT, 128 + signal.SIGINT, 1)
    run = info(logdir, run_id)
    assert (run.status, run.exit_reason) == ("killed", "KeyboardInterrupt")
    got = steps(logdir, run_id)
    assert got == list(range(len(got))) and got[-1] >= last_printed


def test_sigkill_leaves_flushed_data_and_reads_as_crashed_once_stale(logdir: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", _PRELUDE + textwrap.dedent("""
        run = deepscope.init(logdir=logdir, writer_settings=WriterSettings(flush_interval=3600))
        for i in range(100):
            run.log({"x": float(i)})
        run.flush()
        print(run.id, flush=True)
        time.sleep(60)
    """), str(logdir)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    run_id = proc.stdout.readline().strip()
    proc.kill()
    proc.wait(timeout=SUBPROCESS_TIMEOUT_S)
    proc.stdout.close()
    assert info(logdir, run_id).status == "running"  # heartbeat still fresh
    with SqliteReader(logdir, clock=lambda: time.time() + 3600) as reader:
        run = reader.get_run(run_id)
        assert run.status == "crashed" and run.stale
    assert steps(logdir, run_id) == list(range(100))
    assert integrity(logdir) == "ok"


def test_user_sigterm_handler_is_left_alone(logdir: Path) -> None:
    out = run_script("""
        got = []
        signal.signal(signal.SIGTERM, lambda s, f: got.append(s))
        run = deepscope.init(logdir=logdir)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.05)
        run.log({"x": 1.0})
        print(got)
    """, logdir)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"[{int(signal.SIGTERM)}]"
    assert only_run(logdir).status == "finished"


def test_exit_hooks_false_leaves_the_run_running(logdir: Path) -> None:
    out = run_script("""
        run = deepscope.init(logdir=logdir, exit_hooks=False)
        run.log({"x": 1.0})
        run.flush()
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
        assert sys.excepthook is sys.__excepthook__
    """, logdir)
    assert out.returncode == 0, out.stderr
    assert only_run(logdir).status == "running"


def test_finish_removes_the_hooks(logdir: Path) -> None:
    out = run_script("""
        run = deepscope.init(logdir=logdir)
        assert signal.getsignal(signal.SIGTERM) != signal.SIG_DFL
        assert sys.excepthook is not sys.__excepthook__
        run.finish()
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
        assert sys.excepthook is sys.__excepthook__
        raise ValueError("after finish")
    """, logdir)
    assert out.returncode == 1
    assert only_run(logdir).status == "finished"


# -- fork safety ---------------------------------------------------------------------------------

def _fork(child: object) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads (3.12+)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 1
        try:
            child()  # type: ignore[operator]
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)
    return pid


def _wait(pid: int, timeout: float = SUBPROCESS_TIMEOUT_S) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    raise AssertionError(f"forked child {pid} hung")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_fork_children_read_and_write_the_logdir_safely(logdir: Path) -> None:
    parent = new_run(logdir, name="parent",
                     writer_settings=WriterSettings(flush_interval=3600))
    for i in range(500):
        parent.log({"x": float(i)})
    parent.flush()  # the writer thread is idle while we fork
    for i in range(500, 600):
        parent.log({"x": float(i)})  # queued, unflushed: a child must not write these

    def reader_child() -> None:
        with deepscope.open(logdir) as reader:
            runs = reader.list_runs()
            assert [r.id for r in runs] == [parent.id]
            got = reader.read_scalars(parent.id, "x").steps.tolist()  # the parent keeps writing
            assert len(got) >= 500 and got == list(range(len(got)))

    def writer_child() -> None:
        child = deepscope.init(logdir=logdir, name="child", exit_hooks=False)
        for i in range(200):
            child.log({"c": float(i)})
        child.log_text("t", f"from pid {os.getpid()}")
        child.finish()

    pids = [_fork(reader_child), _fork(writer_child)]
    for i in range(600, 1000):
        parent.log({"x": float(i)})
        if i % 100 == 0:
            parent.flush()
    assert [_wait(pid) for pid in pids] == [0, 0]
    assert deepscope.current_run() is parent
    for i in range(1000, 1100):
        parent.log({"x": float(i)})
    parent.finish()

    with deepscope.open(logdir) as reader:
        runs = {r.name: r for r in reader.list_runs()}
        assert set(runs) == {"parent", "child"}
        assert runs["parent"].status == "finished" and runs["child"].status == "finished"
        x = reader.read_scalars(parent.id, "x")
        assert x.steps.tolist() == list(range(1100))
        assert x.values.tolist() == list(map(float, range(1100)))
        c = reader.read_scalars(runs["child"].id, "c")
        assert c.steps.tolist() == list(range(200))
        assert [s.name for s in reader.list_series(parent.id)] == ["x"]
    assert integrity(logdir) == "ok"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_forked_children_exiting_do_not_finish_or_duplicate_the_parent_run(logdir: Path) -> None:
    # A fork()ed child inherits the parent's exit hooks (atexit, SIGTERM handler). When it
    # exits normally or is terminated (e.g. multiprocessing Pool.terminate()), the parent's run
    # must stay running and the parent's queued points must not be written by the child.
    out = run_script("""
        run = deepscope.init(logdir=logdir, writer_settings=WriterSettings(flush_interval=3600))
        for i in range(10):
            run.log({"x": float(i)})
        pid = os.fork()
        if pid == 0:
            sys.exit(0)  # runs atexit handlers in the child
        assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
        pid = os.fork()
        if pid == 0:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(10)
            os._exit(3)
        assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == -signal.SIGTERM
        with deepscope.open(logdir) as reader:
            assert reader.get_run(run.id).status == "running"
        for i in range(10, 20):
            run.log({"x": float(i)})
        print(run.id)
    """, logdir)
    assert out.returncode == 0, out.stderr
    run = only_run(logdir)
    assert run.status == "finished" and run.exit_reason is None
    assert steps(logdir, run.id) == list(range(20))
