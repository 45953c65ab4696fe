"""The fast subset of the bug suite (benchmarks/bugsuite): every bug is found, and the correct
programs are silent. The full suite, with its scores, is ``benchmarks/bugsuite/run.py``."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("sklearn")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from bugsuite.registry import CORRECT, Program, all_programs  # noqa: E402
from bugsuite.score import alarms  # noqa: E402
from bugsuite.suite import configure_torch, run_program  # noqa: E402

FAST = [p for p in all_programs().values() if p.fast]


@pytest.fixture(autouse=True)
def _torch_settings() -> Iterator[None]:
    threads, deterministic = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    configure_torch()
    yield
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(deterministic, warn_only=warn_only)


def test_the_fast_subset_covers_bugs_and_correct_programs() -> None:
    labels = {p.label for p in FAST}
    assert CORRECT in labels and len(labels) >= 6 and len(FAST) <= 12


@pytest.mark.parametrize("prog", FAST, ids=[p.name for p in FAST])
def test_fast_program(prog: Program, logdir: Path) -> None:
    out = run_program(prog, logdir)
    assert out.error is None, out.error
    said = alarms(out.findings)
    summary = "\n".join(f"{f.severity} {f.detector}: {f.message}" for f in out.findings)
    if prog.label == CORRECT:
        assert said == (), f"false alarm on {prog.name}:\n{summary}"
    else:
        assert prog.label in said, f"{prog.name} ({prog.label}) not found:\n{summary}"
