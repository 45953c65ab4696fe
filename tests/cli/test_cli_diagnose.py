"""``deepscope diagnose`` on a real logdir."""

from __future__ import annotations

import math
from pathlib import Path

from click.testing import CliRunner

import deepscope
from deepscope.cli.main import cli


def test_diagnose_prints_findings_and_can_gate_ci(logdir: Path) -> None:
    for name, bad in (("ok-run", False), ("nan-run", True)):
        with deepscope.init(name=name, logdir=logdir, exit_hooks=False,
                            live_diagnosis=None) as run:
            for s in range(100):
                run.log({"train/loss": math.nan if bad and s > 60 else 1.0 / (s + 1)}, step=s)
    runner = CliRunner()
    out = runner.invoke(cli, ["diagnose", str(logdir)], env={"COLUMNS": "160"})
    assert out.exit_code == 0, out.output
    assert "nan-run" in out.output and "nonfinite" in out.output and "fix:" in out.output
    assert "✓ ok-run" in out.output
    gate = runner.invoke(cli, ["diagnose", str(logdir), "nan-run", "--fail-on", "error"])
    assert gate.exit_code == 1
    assert runner.invoke(cli, ["diagnose", str(logdir), "ok-run", "--fail-on",
                               "warning"]).exit_code == 0
