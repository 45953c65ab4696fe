"""Fixtures for capture tests: a run in a temporary logdir and a tiny model factory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import deepscope


@pytest.fixture()
def logdir(tmp_path: Path) -> Path:
    """A fresh logdir."""
    return tmp_path / "logs"


@pytest.fixture()
def run(logdir: Path) -> Iterator[deepscope.Run]:
    """A run without exit hooks, finished after the test."""
    r = deepscope.init(project="t", logdir=logdir, exit_hooks=False)
    yield r
    r.finish()



@pytest.fixture(autouse=True)
def _no_live_diagnosis(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests measure capture alone (cost, memory, stored findings)."""
    monkeypatch.setenv("DEEPSCOPE_LIVE_DIAGNOSIS", "0")
