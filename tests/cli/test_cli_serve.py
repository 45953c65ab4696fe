"""``deepscope serve``: the security decisions (pure) and one real start/stop of the command."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import deepscope
from deepscope._serve import is_loopback, plan_serve, server_url
from deepscope.cli.serve import plan_messages
from deepscope.errors import ServeError


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.1.2.3", "[::1]"])
def test_a_loopback_bind_needs_no_token(host: str) -> None:
    plan = plan_serve(host, 6007, None, new_token=lambda: pytest.fail("no token needed"))
    assert plan.token is None and not plan.token_generated and not plan.warnings
    assert set(plan.allowed_hosts) == {"127.0.0.1", "localhost", "::1"}
    assert is_loopback(host)


@pytest.mark.parametrize(("host", "allowed"), [
    ("0.0.0.0", ("*",)), ("::", ("*",)),
    ("192.168.1.7", ("192.168.1.7", "127.0.0.1", "localhost", "::1")),
])
def test_any_other_bind_gets_a_generated_token_and_a_warning(host: str,
                                                             allowed: tuple[str, ...]) -> None:
    plan = plan_serve(host, 6007, None, new_token=lambda: "generated-tok")
    assert plan.token == "generated-tok" and plan.token_generated
    assert plan.allowed_hosts == allowed
    assert len(plan.warnings) == 1 and "token" in plan.warnings[0]
    messages = "\n".join(plan_messages(plan))
    assert "warning" in messages and "generated-tok" in messages


def test_a_given_token_is_kept_and_not_announced() -> None:
    plan = plan_serve("0.0.0.0", 80, "mine")
    assert plan.token == "mine" and not plan.token_generated
    assert not any("mine" in line for line in plan_messages(plan))
    assert plan_serve("127.0.0.1", 6007, "local-too").token == "local-too"


def test_urls() -> None:
    assert server_url("127.0.0.1", 6007) == "http://127.0.0.1:6007/"
    assert server_url("0.0.0.0", 80, "t") == "http://127.0.0.1:80/?token=t"
    assert server_url("::1", 5) == "http://[::1]:5/"


def test_bad_port() -> None:
    with pytest.raises(ServeError, match="65535"):
        plan_serve("127.0.0.1", 70000)


def test_the_command_starts_serves_and_stops(tmp_path: Path) -> None:
    logdir = tmp_path / "logs"
    deepscope.init(name="cli-run", logdir=logdir, exit_hooks=False).finish()
    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("deepscope")), "serve", str(logdir), "--port", "0",
         "--no-browser"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "COLUMNS": "200"})
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert url, line + (proc.stderr.read() if proc.poll() is not None else "")  # type: ignore[union-attr]
        deadline = time.monotonic() + 10
        while True:
            try:
                with urllib.request.urlopen(url.group(0) + "api/v1/runs", timeout=2) as r:
                    body = json.loads(r.read())
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        assert [run["name"] for run in body["runs"]] == ["cli-run"]
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
    assert proc.returncode == 0


def test_the_command_reports_a_missing_logdir(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from deepscope.cli.main import cli

    result = CliRunner().invoke(cli, ["serve", str(tmp_path / "nope"), "--no-browser"])
    assert result.exit_code == 1 and "No deepscope logdir" in result.output
