"""Run the web UI's unit tests (Vitest, web/src/**/*.test.ts) as part of the Python suite.

`make test` installs web/node_modules (npm ci) before pytest runs; without npm this fails on
purpose: the UI's logic is part of what `make test` checks.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "web"
VITEST_TIMEOUT_S = 300


def test_vitest_suite_passes() -> None:
    npm = shutil.which("npm")
    assert npm is not None, "npm is not installed: install Node.js 20+ to run the web UI tests"
    assert (WEB / "node_modules").is_dir(), "web/node_modules is missing: run `make web`"
    env = {**os.environ, "CI": "true", "NO_COLOR": "1", "FORCE_COLOR": "0"}
    result = subprocess.run([npm, "test", "--", "--run"], cwd=WEB, env=env, capture_output=True,
                            text=True, timeout=VITEST_TIMEOUT_S)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"vitest failed:\n{output[-6000:]}"
    assert "passed" in output, output[-2000:]
