"""The CLI on a real logdir, through click's runner and once through the installed script."""

from __future__ import annotations

import csv
import io
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import deepscope
from deepscope.cli.main import cli


@pytest.fixture()
def logdir(tmp_path: Path) -> Path:
    """A logdir with two finished runs and one crashed run."""
    path = tmp_path / "logs"
    for i, lr in enumerate((0.1, 0.001)):
        with deepscope.init(project="digits", name=f"mlp-{i}", config={"lr": lr,
                            "opt": {"name": "adam" if i else "sgd"}}, tags=["base"],
                            logdir=path, exit_hooks=False) as run:
            for step in range(100):
                run.log({"train/loss": 1.0 / (step + 1 + i), "train/acc": step / 100}, step=step)
            run.log({"weird": math.nan, "big": math.inf}, step=100)
            run.log_text("note", "<b>not html</b>", step=3)
    with pytest.raises(ZeroDivisionError):
        with deepscope.init(project="other", name="broken", logdir=path, exit_hooks=False) as run:
            run.log({"train/loss": 2.0}, step=0)
            1 / 0  # noqa: B018
    return path


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.output


def test_ls_shows_runs_status_steps_metrics_and_varying_config(logdir: Path) -> None:
    code, out = invoke("ls", str(logdir))
    assert code == 0, out
    assert "3 run(s)" in out
    for text in ("mlp-0", "mlp-1", "broken", "finished", "crashed", "train/loss", "lr"):
        assert text in out
    assert "0.001" in out and "0.1" in out  # lr varies, so it is a column


def test_ls_filters_by_config_tag_status_and_project(logdir: Path) -> None:
    assert "mlp-1" in invoke("ls", str(logdir), "-f", "lr < 0.01")[1]
    assert "mlp-0" not in invoke("ls", str(logdir), "-f", "lr < 0.01")[1]
    assert "mlp-0" in invoke("ls", str(logdir), "-f", "opt.name = sgd")[1]
    out = invoke("ls", str(logdir), "--status", "crashed")[1]
    assert "broken" in out and "mlp-0" not in out
    out = invoke("ls", str(logdir), "--tag", "base", "--project", "digits")[1]
    assert "1 run(s)" not in out and "2 run(s)" in out


def test_ls_json_is_machine_readable(logdir: Path) -> None:
    code, out = invoke("ls", str(logdir), "--json")
    rows = json.loads(out)
    assert code == 0 and {r["name"] for r in rows} == {"mlp-0", "mlp-1", "broken"}
    mlp1 = next(r for r in rows if r["name"] == "mlp-1")
    assert mlp1["last"]["train/loss"] == pytest.approx(1 / 101) and mlp1["config"]["lr"] == 0.001


def test_ls_rejects_a_malformed_filter_with_a_hint(logdir: Path) -> None:
    code, out = invoke("ls", str(logdir), "-f", "lr")
    assert code == 2 and "key op value" in out


def test_ls_on_a_missing_logdir_says_so(tmp_path: Path) -> None:
    code, out = invoke("ls", str(tmp_path / "nope"))
    assert code == 1 and "No deepscope logdir" in out and "Traceback" not in out


def test_show_prints_config_system_and_series(logdir: Path) -> None:
    code, out = invoke("show", "mlp-1", "--logdir", str(logdir))
    assert code == 0, out
    for text in ("mlp-1", "opt.name", "adam", "python", "train/loss", "scalar", "text",
                 "0..99", "NaN", "inf"):
        assert text in out, text


def test_show_reports_exit_reason_of_a_crashed_run(logdir: Path) -> None:
    code, out = invoke("show", "broken", "-l", str(logdir))
    assert code == 0 and "crashed" in out and "ZeroDivisionError" in out


def test_show_unknown_run_is_one_clear_line(logdir: Path) -> None:
    code, out = invoke("show", "nope", "-l", str(logdir))
    assert code == 1 and "No run 'nope'" in out and "Traceback" not in out


def test_export_csv_round_trips_every_point(logdir: Path) -> None:
    code, out = invoke("export", "mlp-0", "-l", str(logdir))
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    loss = [r for r in rows if r["series"] == "train/loss"]
    assert [int(r["step"]) for r in loss] == list(range(100))
    assert [float(r["value"]) for r in loss] == [1.0 / (s + 1) for s in range(100)]
    weird = next(r for r in rows if r["series"] == "weird")
    assert math.isnan(float(weird["value"]))
    assert float(next(r for r in rows if r["series"] == "big")["value"]) == math.inf


def test_export_json_is_strict_json_with_nonfinite_as_strings(logdir: Path, tmp_path: Path) -> None:
    out_file = tmp_path / "run.json"
    code, _ = invoke("export", "mlp-1", "-F", "json", "-o", str(out_file), "-l", str(logdir))
    doc = json.loads(out_file.read_text(), parse_constant=lambda c: pytest.fail(f"bare {c}"))
    assert code == 0 and doc["run"]["name"] == "mlp-1"
    assert doc["scalars"]["weird"]["values"] == ["NaN"]
    assert doc["scalars"]["big"]["values"] == ["Infinity"]
    assert doc["scalars"]["train/loss"]["steps"] == list(range(100))


def test_export_parquet_round_trips(logdir: Path, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "run.parquet"
    code, out = invoke("export", "mlp-0", "-F", "parquet", "-o", str(path), "-l", str(logdir),
                       "-s", "train/loss")
    assert code == 0, out
    table = pq.read_table(path).to_pydict()
    assert set(table["series"]) == {"train/loss"}
    np.testing.assert_array_equal(table["value"], [1.0 / (s + 1) for s in range(100)])


def test_version_and_help_list_commands_with_examples() -> None:
    code, out = invoke("--version")
    assert code == 0 and deepscope.__version__ in out
    code, out = invoke("--help")
    for text in ("ls", "show", "export", "Examples:", "deepscope export"):
        assert text in out


def test_installed_console_script_runs(logdir: Path) -> None:
    script = Path(sys.executable).with_name("deepscope")
    result = subprocess.run([str(script), "ls", str(logdir)], capture_output=True, text=True,
                            env={"COLUMNS": "150", "PATH": "/usr/bin:/bin"}, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "mlp-0" in result.stdout
