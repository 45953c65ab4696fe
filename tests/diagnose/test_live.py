"""Live diagnosis while a run is written: reported once, stored, and able to stop training."""

from __future__ import annotations

import io
import math
import time
from pathlib import Path

import pytest

import deepscope
from deepscope.diagnose.live import FindingError, LiveDiagnosis, action_for, format_line
from deepscope.records import Finding
from deepscope.store.writer import WriterSettings

FAST = WriterSettings(flush_interval=0.05)


def test_raise_stops_training_soon_after_a_nan_loss(logdir: Path) -> None:
    run = deepscope.init(logdir=logdir, exit_hooks=False, on_finding="raise",
                         live_diagnosis=0.2, writer_settings=FAST)
    with pytest.raises(FindingError, match="loss.nonfinite") as info:
        for s in range(100_000):
            run.log({"train/loss": 1.0 if s < 50 else math.nan}, step=s)
            time.sleep(0.001)
    assert info.value.finding.step_start == 50 and s < 5_000
    run.finish()
    stored = deepscope.open(logdir).list_findings(run.id)
    assert [f.detector for f in stored].count("loss.nonfinite") == 1


def test_each_finding_is_printed_once_and_stored(logdir: Path, capsys: pytest.CaptureFixture[str]
                                                 ) -> None:
    run = deepscope.init(logdir=logdir, exit_hooks=False, live_diagnosis=0.1,
                         writer_settings=FAST)
    for s in range(200):
        run.log({"train/loss": 1.0 if s < 100 else math.nan}, step=s)
    time.sleep(0.6)  # several passes
    run.finish()
    err = capsys.readouterr().err
    assert err.count("[loss.nonfinite]") == 1 and "Fix:" in err
    assert any(f.detector == "loss.nonfinite"
               for f in deepscope.open(logdir).list_findings(run.id))


def test_ignore_and_per_detector_actions() -> None:
    f = Finding("loss.plateau", "plateau", "warning", 0, 9, "m", suggestion="s")
    assert action_for(f, "raise") == "warn"  # warnings never stop training
    assert action_for(f, {"loss.plateau": "ignore"}) == "ignore"
    assert action_for(f, {"plateau": "raise"}) == "raise"
    assert "[loss.plateau]" in format_line(f) and "Fix: s" in format_line(f)


def test_off_by_argument_or_environment(logdir: Path) -> None:
    run = deepscope.init(logdir=logdir, exit_hooks=False, live_diagnosis=None)
    assert run._live is None
    run.finish()
    run = deepscope.init(logdir=logdir, exit_hooks=False,
                         environ={"DEEPSCOPE_LIVE_DIAGNOSIS": "0"})
    assert run._live is None
    run.finish()


def test_a_broken_logdir_never_breaks_training(tmp_path: Path) -> None:
    out = io.StringIO()
    live = LiveDiagnosis(tmp_path / "nowhere", "x", on_finding="warn", store=lambda f: None,
                         out=out)
    assert live.check_now() == [] and "skipped" in out.getvalue()
