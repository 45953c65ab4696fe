"""The module-level API (``deepscope.init``, ``deepscope.log`` & co.), init's defaults and
argument checks, and what ``import deepscope`` pulls in."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import deepscope
from deepscope import _api


@pytest.fixture(autouse=True)
def _no_current_run():
    token = _api._current.set(None)
    yield
    _api._current.reset(token)


# -- the current run ---------------------------------------------------------------------------

@pytest.mark.parametrize("fn, args", [
    ("log", ({"x": 1.0},)),
    ("log_histogram", ("h", [1.0])),
    ("log_text", ("t", "x")),
    ("log_image", ("i", np.zeros((2, 2)))),
])
def test_module_level_logging_without_init_raises(fn: str, args: tuple[object, ...]) -> None:
    assert deepscope.current_run() is None
    with pytest.raises(deepscope.RunStateError) as info:
        getattr(deepscope, fn)(*args)
    assert str(info.value) == f"Call deepscope.init() before deepscope.{fn}()."
    assert isinstance(info.value, deepscope.DeepscopeError)
    assert info.value.http_code == 409


def test_finish_without_a_run_is_a_no_op() -> None:
    deepscope.finish()
    deepscope.finish()
    assert deepscope.current_run() is None


def test_module_level_functions_write_to_the_current_run(logdir: Path) -> None:
    run = deepscope.init(project="p", logdir=logdir, exit_hooks=False)
    assert deepscope.current_run() is run
    deepscope.log({"train/loss": 0.5})
    deepscope.log({"train/loss": 0.4}, step=7)
    deepscope.log_histogram("w", np.arange(4.0))
    deepscope.log_histogram("w", np.arange(4.0), step=9, bins=2)
    deepscope.log_text("t", "hello")
    deepscope.log_image("img", np.zeros((2, 2), dtype=np.uint8), step=9)
    deepscope.log({"train/loss": 0.3})
    deepscope.finish()
    assert deepscope.current_run() is None
    assert run.state.value == "finished"
    with pytest.raises(deepscope.RunStateError, match=r"deepscope\.log\(\)"):
        deepscope.log({"x": 1.0})
    deepscope.finish()  # again: harmless

    with deepscope.open(logdir) as reader:
        got = reader.get_run(run.id)
        assert got.status == "finished"
        loss = reader.read_scalars(run.id, "train/loss")
        assert loss.steps.tolist() == [0, 7, 10] and loss.values.tolist() == [0.5, 0.4, 0.3]
        hist = reader.read_tensor_summaries(run.id, "w")
        assert [p.step for p in hist] == [7, 9] and len(hist[1].summary.bin_counts) == 2
        assert [(t.step, t.text) for t in reader.read_texts(run.id, "t")] == [(9, "hello")]
        assert [m.step for m in reader.read_media(run.id, "img")] == [9]


def test_latest_init_is_the_current_run(logdir: Path) -> None:
    a = deepscope.init(logdir=logdir, exit_hooks=False)
    b = deepscope.init(logdir=logdir, exit_hooks=False)
    assert deepscope.current_run() is b
    deepscope.log({"x": 1.0})
    deepscope.finish()  # finishes b only
    assert a.state.value == "active" and b.state.value == "finished"
    assert deepscope.current_run() is None  # the current run is finished; a is not promoted
    a.finish()
    with deepscope.open(logdir) as reader:
        assert [s.name for s in reader.list_series(b.id)] == ["x"]
        assert reader.list_series(a.id) == []


def test_context_manager_run_is_current_until_exit(logdir: Path) -> None:
    with deepscope.init(logdir=logdir, exit_hooks=False) as run:
        assert deepscope.current_run() is run
        deepscope.log({"x": 2.0})
    assert deepscope.current_run() is None
    with pytest.raises(deepscope.RunStateError):
        deepscope.log({"x": 3.0})
    with deepscope.open(logdir) as reader:
        assert reader.read_scalars(run.id, "x").values.tolist() == [2.0]


def test_run_object_keeps_working_when_another_run_is_current(logdir: Path) -> None:
    a = deepscope.init(logdir=logdir, exit_hooks=False)
    b = deepscope.init(logdir=logdir, exit_hooks=False)
    a.log({"x": 1.0})
    b.log({"x": 2.0})
    a.finish()
    b.finish()
    with deepscope.open(logdir) as reader:
        assert reader.read_scalars(a.id, "x").values.tolist() == [1.0]
        assert reader.read_scalars(b.id, "x").values.tolist() == [2.0]


# -- init defaults and argument checks ---------------------------------------------------------

def test_init_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    run = deepscope.init(exit_hooks=False, environ={})
    run.finish()
    assert run.logdir == Path("deepscope-logs")
    assert (tmp_path / "deepscope-logs" / "deepscope.db").is_file()
    assert run.project == "default"
    assert re.fullmatch(r"[0-9a-f]{8}", run.id)
    assert re.fullmatch(r"[a-z]+-[a-z]+-[0-9a-f]{4}", run.name) and run.name.endswith(run.id[:4])
    assert run.config == {} and run.tags == () and run.notes == ""
    with deepscope.open(tmp_path / "deepscope-logs") as reader:
        got = reader.get_run(run.id)
        assert (got.name, got.project, got.status) == (run.name, "default", "finished")
        assert reader.get_run(run.name).id == run.id  # addressable by name
        assert reader.get_run(run.id[:6]).id == run.id  # and by id prefix


def test_init_logdir_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "from-env"
    run = deepscope.init(exit_hooks=False, environ={"DEEPSCOPE_LOGDIR": str(target)})
    run.finish()
    assert run.logdir == target and (target / "deepscope.db").is_file()
    monkeypatch.setenv("DEEPSCOPE_LOGDIR", str(tmp_path / "os-env"))
    run = deepscope.init(exit_hooks=False)
    run.finish()
    assert run.logdir == tmp_path / "os-env"
    explicit = deepscope.init(logdir=tmp_path / "explicit", exit_hooks=False)
    explicit.finish()
    assert explicit.logdir == tmp_path / "explicit"  # logdir= wins over the environment
    assert not (tmp_path / "deepscope-logs").exists()


def test_ids_are_unique(logdir: Path) -> None:
    runs = [deepscope.init(logdir=logdir, exit_hooks=False) for _ in range(10)]
    for r in runs:
        r.finish()
    assert len({r.id for r in runs}) == 10
    with deepscope.open(logdir) as reader:
        assert len(reader.list_runs()) == 10


def test_custom_id_and_name_are_verbatim(logdir: Path) -> None:
    run = deepscope.init(project="ünï/proj", name="<b>run</b> ../x", id="my/id..1", logdir=logdir,
                         exit_hooks=False)
    run.finish()
    with deepscope.open(logdir) as reader:
        got = reader.get_run("my/id..1")
        assert (got.name, got.project) == ("<b>run</b> ../x", "ünï/proj")
        assert [r.id for r in reader.list_runs(project="ünï/proj")] == ["my/id..1"]
    assert {p.name for p in logdir.iterdir()} <= {"deepscope.db", "deepscope.db-wal",
                                                    "deepscope.db-shm", "media"}


@pytest.mark.parametrize("kwargs, error, match", [
    ({"project": " "}, ValueError, "project"),
    ({"project": 3}, TypeError, "project"),
    ({"name": "  "}, ValueError, "series name|name"),
    ({"tags": ["ok", ""]}, ValueError, "tag"),
    ({"tags": [None]}, TypeError, "tag"),
    ({"id": " "}, ValueError, "run id"),
    ({"id": 5}, TypeError, "run id"),
])
def test_init_rejects_bad_arguments(logdir: Path, kwargs: dict[str, object],
                                    error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        deepscope.init(logdir=logdir, exit_hooks=False, **kwargs)  # type: ignore[arg-type]
    assert deepscope.current_run() is None
    with deepscope.open(logdir) as reader:
        assert reader.list_runs() == []


def test_init_with_unwritable_logdir_names_path_and_reason(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_bytes(b"")
    target = blocker / "sub" / "logs"
    with pytest.raises(deepscope.LogdirError) as info:
        deepscope.init(logdir=target, exit_hooks=False)
    msg = str(info.value)
    assert repr(str(target)) in msg and "Not a directory" in msg
    assert "writable" in msg  # says what to do about it
    assert deepscope.current_run() is None


# -- the public surface and import hygiene -------------------------------------------------------

def test_public_names_are_exported() -> None:
    for name in ("init", "log", "log_histogram", "log_text", "log_image", "finish", "current_run",
                 "open", "Run", "Reader", "RunInfo", "ScalarSeries", "TensorSummary",
                 "DeepscopeError", "RunStateError", "LogdirError", "NotFoundError",
                 "CorruptLogdirError", "SchemaVersionError", "__version__"):
        assert hasattr(deepscope, name), name
        assert name in deepscope.__all__, name
    assert isinstance(deepscope.__version__, str) and deepscope.__version__


HEAVY = ("torch", "keras", "tensorflow", "onnx", "pyarrow", "jax")


def _modules_after(code: str, tmp_path: Path) -> list[str]:
    script = (f"import sys, json\n{code}\n"
              f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=60, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_deepscope_does_not_import_frameworks(tmp_path: Path) -> None:
    mods = _modules_after("import deepscope", tmp_path)
    assert "deepscope" in mods
    assert [m for m in HEAVY if m in mods] == []


def test_logging_and_reading_do_not_import_frameworks(tmp_path: Path) -> None:
    mods = _modules_after("""
import deepscope
run = deepscope.init(logdir="logs")
run.log({"x": 1.0})
run.log_histogram("h", [1.0, 2.0])
run.log_text("t", "x")
run.log_image("i", [[0, 255]])
run.finish()
with deepscope.open("logs") as reader:
    reader.list_runs(); reader.read_scalars(run.id, "x")
""", tmp_path)
    assert [m for m in HEAVY if m in mods] == []
