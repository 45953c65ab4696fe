"""The server stack loads only when a server starts."""

from __future__ import annotations

import subprocess
import sys


def test_import_deepscope_does_not_load_the_server() -> None:
    code = ("import sys, deepscope; deepscope.serve; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('starlette', 'uvicorn', 'anyio') or m.startswith('deepscope.server')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
