"""Fixtures shared by the whole test suite (keep them generic)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def logdir(tmp_path: Path) -> Path:
    """A logdir path that does not exist yet (deepscope creates it)."""
    return tmp_path / "logs"
