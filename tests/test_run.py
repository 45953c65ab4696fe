"""The Run object end to end: histograms, texts, images, config, tags, notes, system info, flush
and logdir errors, all through the public API against real SQLite logdirs."""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import io
import json
import math
import os
import platform
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import deepscope
from deepscope import _api
from deepscope.store.writer import WriterSettings
from deepscope.summarize.numpy import summarize_array

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _no_current_run():
    token = _api._current.set(None)
    yield
    _api._current.reset(token)


@pytest.fixture
def run(logdir: Path):
    r = deepscope.init(project="p", name="n", logdir=logdir, exit_hooks=False)
    yield r
    r.finish()


def reader_of(run: deepscope.Run) -> deepscope.Reader:
    assert run.flush(timeout=10)
    return deepscope.open(run.logdir)


def media_files(logdir: Path) -> list[Path]:
    return sorted(p for p in (logdir / "media").rglob("*") if p.is_file())


# -- histograms ----------------------------------------------------------------------------------

def test_histogram_of_numpy_array_matches_reference_summary(run: deepscope.Run) -> None:
    rng = np.random.default_rng(0)
    a = rng.normal(size=1000)
    a[:3] = [np.nan, np.inf, -np.inf]
    a[3:8] = 0.0
    run.log_histogram("weights/w", a, step=4, bins=16)
    with reader_of(run) as reader:
        (point,) = reader.read_tensor_summaries(run.id, "weights/w")
    assert point.step == 4
    s = point.summary
    assert s == summarize_array(a, bins=16)
    assert (s.count, s.nan_count, s.pos_inf_count, s.neg_inf_count) == (1000, 1, 1, 1)
    assert s.zero_count == 5 and len(s.bin_counts) == 16 and sum(s.bin_counts) == 997


def test_histogram_of_torch_tensor_with_grad(run: deepscope.Run) -> None:
    w = torch.linspace(-1, 1, 101, requires_grad=True)
    loss = (w * 2).sum()
    loss.backward()
    run.log_histogram("w", w * 3)  # a non-leaf that requires grad
    run.log_histogram("grad", w.grad)
    run.log_histogram("half", torch.ones(4, dtype=torch.float16))
    run.log_histogram("list", [1, 2, 3])
    with reader_of(run) as reader:
        s = reader.read_tensor_summaries(run.id, "w")[0].summary
        g = reader.read_tensor_summaries(run.id, "grad")[0].summary
        h = reader.read_tensor_summaries(run.id, "half")[0].summary
        lst = reader.read_tensor_summaries(run.id, "list")[0].summary
    assert s.count == 101 and math.isclose(s.min, -3.0) and math.isclose(s.max, 3.0)
    assert g.min == g.max == 2.0
    assert h.count == 4 and h.mean == 1.0
    assert lst.count == 3 and lst.mean == 2.0
    assert w.requires_grad  # the caller's tensor is untouched


def test_histogram_rejects_non_numeric(run: deepscope.Run) -> None:
    with pytest.raises(TypeError):
        run.log_histogram("h", np.array(["a", "b"]))
    with pytest.raises(TypeError, match="TensorSummary"):
        run.log_summary("h", [1, 2])  # type: ignore[arg-type]
    with reader_of(run) as reader:
        assert reader.list_series(run.id) == []


# -- texts ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["", "plain", "<b>bold</b><script>alert(1)</script>",
                                  "ünï 损失 🚀\nline2\r\n\ttab", "x" * 1_000_000, "\x00nul"])
def test_text_is_stored_verbatim(run: deepscope.Run, text: str) -> None:
    run.log_text("samples/out", text, step=2)
    with reader_of(run) as reader:
        (point,) = reader.read_texts(run.id, "samples/out")
    assert point.step == 2 and point.text == text


def test_log_text_rejects_non_str(run: deepscope.Run) -> None:
    with pytest.raises(TypeError, match="'t'.*int"):
        run.log_text("t", 5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="bytes"):
        run.log_text("t", b"x")  # type: ignore[arg-type]


# -- images --------------------------------------------------------------------------------------

def _decode(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)))


def test_image_is_stored_as_content_addressed_png(run: deepscope.Run, logdir: Path) -> None:
    img = np.arange(4 * 5 * 3, dtype=np.uint8).reshape(4, 5, 3)
    run.log_image("samples/img", img, step=0)
    run.log_image("samples/img", img.copy(), step=1)
    run.log_image("other", img, step=1)
    with reader_of(run) as reader:
        items = reader.read_media(run.id, "samples/img")
        other = reader.read_media(run.id, "other")
        assert [i.step for i in items] == [0, 1]
        assert len({i.sha256 for i in items + other}) == 1
        item = items[0]
        assert (item.mime, item.width, item.height) == ("image/png", 5, 4)
        data = reader.read_media_bytes(item.sha256)
    assert data.startswith(PNG_SIGNATURE)
    assert hashlib.sha256(data).hexdigest() == item.sha256 and len(data) == item.size
    np.testing.assert_array_equal(_decode(data), img)
    (file,) = media_files(logdir)  # the same image three times: one file
    assert file.name == item.sha256 and file.read_bytes() == data
    assert not [p for p in (logdir / "media").rglob(".tmp-*")]


def test_image_inputs_pil_tensor_grey_float(run: deepscope.Run) -> None:
    pil = Image.new("RGB", (7, 3), color=(10, 200, 30))
    chw = torch.zeros(3, 6, 2)
    chw[0] = 1.0
    grey = np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4)
    run.log_image("pil", pil)
    run.log_image("chw", chw)
    run.log_image("grey", grey)
    run.log_image("rgba", np.full((2, 2, 4), 128, dtype=np.uint8))
    with reader_of(run) as reader:
        def first(name: str) -> tuple[deepscope.MediaItem, np.ndarray]:
            (item,) = reader.read_media(run.id, name)
            return item, _decode(reader.read_media_bytes(item.sha256))
        item, px = first("pil")
        assert (item.width, item.height) == (7, 3)
        assert px.reshape(-1, 3).tolist() == [[10, 200, 30]] * 21
        item, px = first("chw")
        assert (item.width, item.height) == (2, 6) and px.shape == (6, 2, 3)
        assert (px[..., 0] == 255).all() and (px[..., 1:] == 0).all()
        item, px = first("grey")
        assert (item.width, item.height) == (4, 3)
        assert px[0, 0] == 0 and px[-1, -1] == 255
        item, px = first("rgba")
        assert px.shape == (2, 2, 4)


@pytest.mark.parametrize("bad, error", [("x", TypeError), (None, TypeError),
                                        (np.zeros(5), ValueError),
                                        (np.zeros((2, 2, 7)), ValueError),
                                        (np.zeros((0, 3)), ValueError)])
def test_bad_images_raise_and_store_nothing(run: deepscope.Run, logdir: Path, bad: object,
                                            error: type[Exception]) -> None:
    with pytest.raises(error):
        run.log_image("img", bad)
    with reader_of(run) as reader:
        assert reader.list_series(run.id) == []
    assert media_files(logdir) == []


# -- config, tags, notes -------------------------------------------------------------------------

@dataclasses.dataclass
class OptConfig:
    name: str = "adam"
    lr: float = 1e-3
    betas: tuple[float, float] = (0.9, 0.999)


def test_config_is_normalized_and_flattened_for_filtering(logdir: Path) -> None:
    cfg = {
        "opt": {"lr": 0.001, "sched": {"kind": "cosine", "warmup": 10}},
        "dc": OptConfig(),
        "ns": argparse.Namespace(depth=4, act="relu"),
        "np_f": np.float32(0.5), "np_i": np.int64(3), "np_b": np.bool_(True),
        "zero_d": np.array(1.5), "path": Path("/data/x"), "none": None,
        "list": [1, np.int64(2)], "tuple": (1, "a"), "flag": False,
    }
    a = deepscope.init(project="p", name="a", config=cfg, logdir=logdir, exit_hooks=False)
    a.finish()
    b = deepscope.init(project="p", name="b", logdir=logdir, exit_hooks=False,
                       config={"opt": {"lr": 0.1, "sched": {"kind": "step"}}, "dc": {"name": "sgd"},
                               "ns": {"depth": 2}})
    b.finish()
    expected = {
        "opt": {"lr": 0.001, "sched": {"kind": "cosine", "warmup": 10}},
        "dc": {"name": "adam", "lr": 0.001, "betas": [0.9, 0.999]},
        "ns": {"depth": 4, "act": "relu"},
        "np_f": 0.5, "np_i": 3, "np_b": True, "zero_d": 1.5, "path": "/data/x", "none": None,
        "list": [1, 2], "tuple": [1, "a"], "flag": False,
    }
    assert a.config == expected
    with deepscope.open(logdir) as reader:
        info = reader.get_run(a.id)
        assert info.config == expected
        assert type(info.config["np_i"]) is int and type(info.config["np_f"]) is float

        def ids(*where: tuple[str, str, object]) -> list[str]:
            return [r.id for r in reader.list_runs(where=list(where))]  # type: ignore[arg-type]
        assert ids(("opt.lr", "<", 0.01)) == [a.id]
        assert ids(("opt.lr", ">=", 0.01)) == [b.id]
        assert ids(("opt.sched.kind", "=", "cosine")) == [a.id]
        assert ids(("opt.sched.kind", "~", "te")) == [b.id]
        assert ids(("dc.name", "=", "adam")) == [a.id]
        assert ids(("ns.depth", ">", 3)) == [a.id]
        assert ids(("np_i", "=", 3), ("np_b", "=", 1)) == [a.id]
        assert ids(("flag", "=", 0)) == [a.id]
        assert ids(("opt.lr", "<", 1)) == [b.id, a.id]  # newest first
        assert ids(("missing.key", "<", 1)) == []


def test_log_config_merges_and_updates_filters(run: deepscope.Run) -> None:
    run.log_config({"lr": 0.01, "batch": 32})
    run.log_config({"lr": 0.02, "opt": {"momentum": np.float64(0.9)}})
    expected = {"lr": 0.02, "batch": 32, "opt": {"momentum": 0.9}}
    assert run.config == expected
    with deepscope.open(run.logdir) as reader:
        assert reader.get_run(run.id).config == expected
        assert [r.id for r in reader.list_runs(where=[("lr", "=", 0.02)])] == [run.id]
        assert reader.list_runs(where=[("lr", "=", 0.01)]) == []
        assert [r.id for r in reader.list_runs(where=[("opt.momentum", ">", 0.5)])] == [run.id]


def test_tags_and_notes_are_stored_and_filterable(logdir: Path) -> None:
    run = deepscope.init(project="p", tags=["baseline", "gpu"], notes="first try",
                         logdir=logdir, exit_hooks=False)
    other = deepscope.init(project="p", tags=["gpu"], logdir=logdir, exit_hooks=False)
    run.add_tags("tuned", "gpu", "ünï")
    run.set_notes("<b>second</b> try\nwith newline")
    with pytest.raises(ValueError):
        run.add_tags(" ")
    with pytest.raises(TypeError):
        run.add_tags(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="notes"):
        run.set_notes(None)  # type: ignore[arg-type]
    assert run.tags == ("baseline", "gpu", "tuned", "ünï")
    run.finish()
    other.finish()
    with deepscope.open(logdir) as reader:
        info = reader.get_run(run.id)
        assert info.tags == ("baseline", "gpu", "tuned", "ünï")
        assert info.notes == "<b>second</b> try\nwith newline"
        assert info.project == "p"
        assert [r.id for r in reader.list_runs(tags=["gpu", "tuned"])] == [run.id]
        assert {r.id for r in reader.list_runs(tags=["gpu"])} == {run.id, other.id}
        assert [r.id for r in reader.list_runs(tags=["ünï"])] == [run.id]


def test_config_keys_that_look_like_paths_are_data(logdir: Path) -> None:
    cfg = {"../../etc": 1, "a'b": "x'; DROP TABLE runs; --"}
    run = deepscope.init(config=cfg, logdir=logdir, exit_hooks=False)
    run.finish()
    with deepscope.open(logdir) as reader:
        assert reader.get_run(run.id).config == cfg
        assert [r.id for r in reader.list_runs(where=[("../../etc", "=", 1)])] == [run.id]
        assert [r.id for r in reader.list_runs(where=[("a'b", "~", "DROP")])] == [run.id]
    assert {p.name for p in logdir.iterdir()} <= {"deepscope.db", "deepscope.db-wal",
                                                    "deepscope.db-shm", "media"}


# -- system info ---------------------------------------------------------------------------------

def test_system_info_is_recorded(run: deepscope.Run) -> None:
    with deepscope.open(run.logdir) as reader:
        system = reader.get_run(run.id).system
    assert system["host"] == socket.gethostname()
    assert system["python"] == platform.python_version()
    assert system["argv"] == sys.argv
    assert system["executable"] == sys.executable
    assert system["pid"] == os.getpid()
    assert system["cwd"] == os.getcwd()
    packages = system["packages"]
    assert isinstance(packages, dict)
    assert packages["numpy"] == np.__version__
    assert packages["deepscope"] == deepscope.__version__
    assert "torch" in packages


_INIT_SCRIPT = """
import sys, deepscope
run = deepscope.init(logdir=sys.argv[1])
run.log({"x": 1.0})
run.finish()
print(run.id)
"""


def _git(repo: Path, *args: str) -> str:
    out = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com",
                          "-c", "commit.gpgsign=false", *args], cwd=repo, check=True,
                         capture_output=True, text=True, env=_git_env(repo.parent))
    return out.stdout.strip()


def _git_env(ceiling: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["GIT_CEILING_DIRECTORIES"] = str(ceiling)
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    return env


def _system_of_subprocess_run(cwd: Path, logdir: Path, ceiling: Path) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-c", _INIT_SCRIPT, str(logdir)], cwd=cwd,
                         capture_output=True, text=True, timeout=60, env=_git_env(ceiling))
    assert out.returncode == 0, out.stderr
    with deepscope.open(logdir) as reader:
        info = reader.get_run(out.stdout.strip())
    assert info.status == "finished"
    return info.system


@pytest.mark.skipif(subprocess.run(["git", "--version"], capture_output=True).returncode != 0,
                    reason="git is not installed")
def test_git_state_recorded_inside_a_repo_and_none_outside(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "train.py").write_text("print('hi')\n")
    _git(repo, "add", "train.py")
    _git(repo, "commit", "-q", "-m", "init")
    head = _git(repo, "rev-parse", "HEAD")
    branch = _git(repo, "rev-parse", "--abbrev-ref", "HEAD")
    logdir = tmp_path / "logs"

    system = _system_of_subprocess_run(repo, logdir, tmp_path)
    assert system["git"] == {"commit": head, "branch": branch, "dirty": False}
    assert system["argv"] == ["-c", str(logdir)]
    assert system["cwd"] == str(repo)

    (repo / "untracked.txt").write_text("not part of the dirty flag")
    assert _system_of_subprocess_run(repo, logdir, tmp_path)["git"]["dirty"] is False  # type: ignore[index]
    (repo / "train.py").write_text("print('changed')\n")
    git = _system_of_subprocess_run(repo, logdir, tmp_path)["git"]
    assert git == {"commit": head, "branch": branch, "dirty": True}

    outside = tmp_path / "plain"
    outside.mkdir()
    assert _system_of_subprocess_run(outside, logdir, tmp_path)["git"] is None


# -- flush and visibility ------------------------------------------------------------------------

def test_flush_makes_data_visible_to_another_reader_without_finish(logdir: Path) -> None:
    run = deepscope.init(logdir=logdir, exit_hooks=False,
                         writer_settings=WriterSettings(flush_interval=3600))
    try:
        for i in range(1000):
            run.log({"loss": 1.0 / (i + 1), "acc": i / 1000})
        run.log_histogram("h", np.arange(10.0))
        run.log_text("t", "hello")
        run.log_image("img", np.zeros((2, 2), dtype=np.uint8))
        with deepscope.open(logdir) as reader:  # nothing flushed yet: only the run row
            assert reader.get_run(run.id).status == "running"
            assert reader.list_series(run.id) == []
        assert run.flush(timeout=10) is True
        with deepscope.open(logdir) as reader:
            info = reader.get_run(run.id)
            assert info.status == "running" and info.ended_at is None
            assert info.last_step == 999
            loss = reader.read_scalars(run.id, "loss")
            assert loss.steps.tolist() == list(range(1000))
            assert loss.values.tolist() == [1.0 / (i + 1) for i in range(1000)]
            assert {(s.name, s.kind) for s in reader.list_series(run.id)} == {
                ("loss", "scalar"), ("acc", "scalar"), ("h", "tensor"), ("t", "text"),
                ("img", "image")}
        run.log({"loss": 0.0})
        run.flush()
        with deepscope.open(logdir) as reader:
            assert len(reader.read_scalars(run.id, "loss")) == 1001
    finally:
        run.finish()
    with deepscope.open(logdir) as reader:
        info = reader.get_run(run.id)
        assert info.status == "finished" and info.ended_at is not None
        assert len(reader.read_scalars(run.id, "loss")) == 1001


def test_a_reader_opened_before_logging_sees_new_data(logdir: Path) -> None:
    run = deepscope.init(logdir=logdir, exit_hooks=False)
    with deepscope.open(logdir) as reader:
        assert reader.list_series(run.id) == []
        run.log({"x": 1.0})
        run.flush()
        assert reader.read_scalars(run.id, "x").values.tolist() == [1.0]
        run.finish()
        assert reader.get_run(run.id).status == "finished"


def test_many_series_and_chunks_round_trip(logdir: Path) -> None:
    run = deepscope.init(logdir=logdir, exit_hooks=False,
                         writer_settings=WriterSettings(flush_interval=0.01, chunk_points=64))
    n = 3000
    for i in range(n):
        run.log({f"s{i % 7}": float(i), "all": float(i)}, step=i)
        if i % 500 == 0:
            run.flush()
    run.finish()
    with deepscope.open(logdir) as reader:
        got = reader.read_scalars(run.id, "all")
        assert got.steps.tolist() == list(range(n)) and got.values.tolist() == list(map(float,
                                                                                       range(n)))
        for k in range(7):
            s = reader.read_scalars(run.id, f"s{k}")
            assert s.steps.tolist() == list(range(k, n, 7))


# -- logdir errors -------------------------------------------------------------------------------

def test_logdir_whose_parent_is_a_file_raises_logdir_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    target = blocker / "logs"
    with pytest.raises(deepscope.LogdirError) as info:
        deepscope.init(logdir=target, exit_hooks=False)
    msg = str(info.value)
    assert str(target) in msg
    assert "Not a directory" in msg or "not a directory" in msg.lower()
    assert deepscope.current_run() is None
    assert blocker.read_text() == "x"


def test_logdir_that_is_a_file_raises_logdir_error(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(deepscope.LogdirError, match=str(target)):
        deepscope.init(logdir=target, exit_hooks=False)
    assert issubclass(deepscope.LogdirError, deepscope.DeepscopeError)


def test_open_of_a_missing_logdir_raises_logdir_error(tmp_path: Path) -> None:
    with pytest.raises(deepscope.LogdirError, match="No deepscope logdir"):
        deepscope.open(tmp_path / "nothing-here")
    assert not (tmp_path / "nothing-here").exists()


def test_run_repr_and_properties(run: deepscope.Run, logdir: Path) -> None:
    assert run.id in repr(run) and "'n'" in repr(run) and "active" in repr(run)
    assert run.logdir == logdir and run.project == "p" and run.name == "n"
    assert run.state.value == "active" and run.step == -1
    json.dumps({"id": run.id})  # ids are plain strings
