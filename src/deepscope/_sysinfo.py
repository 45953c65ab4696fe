"""What is recorded about the machine and the code when a run starts."""

from __future__ import annotations

import os
import platform
import socket
import subprocess
import sys
from importlib import metadata
from pathlib import Path

_PACKAGES = ("deepscope", "numpy", "torch", "keras", "tensorflow", "jax", "lightning",
             "transformers")  # versions recorded when installed
_GIT_TIMEOUT_S = 2.0


def collect_system_info(cwd: Path | None = None) -> dict[str, object]:
    """Host, OS, Python, installed framework versions, argv and git state of ``cwd``."""
    cwd = cwd or Path.cwd()
    return {
        "host": socket.gethostname(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "executable": sys.executable,
        "argv": list(sys.argv),
        "cwd": str(cwd),
        "pid": os.getpid(),
        "cpu_count": os.cpu_count(),
        "packages": _package_versions(),
        "git": git_state(cwd),
    }


def _package_versions() -> dict[str, str]:
    versions = {}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def git_state(cwd: Path) -> dict[str, object] | None:
    """The commit, branch and dirty flag of the git work tree holding ``cwd``, or None."""
    commit = _git(cwd, "rev-parse", "HEAD")
    if commit is None:
        return None
    status = _git(cwd, "status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "branch": _git(cwd, "rev-parse", "--abbrev-ref", "HEAD"),
            "dirty": bool(status)}


def _git(cwd: Path, *args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                             timeout=_GIT_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None
