"""Browser tests: Debian's Chromium (through Playwright) against a real server on a real logdir.

The logdir is written through the public API (``deepscope.init`` / ``run.log`` / ``run.watch``)
and served with ``deepscope.serve(..., block=False)``. A missing browser or UI build fails the
suite: these tests are how we know the dashboard works. On failure, a screenshot of the page is
saved to tests/browser/artifacts/.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, Page, sync_playwright

import deepscope
from deepscope.records import Finding

CHROMIUM = os.environ.get("DEEPSCOPE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
STATIC_INDEX = (Path(__file__).resolve().parents[2] / "src" / "deepscope" / "server" / "static"
                / "index.html")
HOSTILE_NAME = "<img src=x onerror=alert(1)>"
SPIKE_STEP = 123_457  # the one step of the 200k-point series that is far off the rest
SPIKE_VALUE = 50.0
SPIKY_POINTS = 200_000
NAN_STEP = 40  # a NaN planted in alpha's train/loss
FINDING_DETECTOR = "browser.plateau"  # a finding logged on beta, with scalar evidence
FINDING_STEPS = (120, 160)


@dataclass(frozen=True)
class Fixture:
    """What the logdir holds: run ids by role."""

    logdir: Path
    alpha: str
    beta: str
    spiky: str
    hostile: str


def _log_pair(logdir: Path, name: str, lr: float, *, watch: bool) -> str:
    config = {"lr": lr, "optimizer": {"name": "adam"}, "batch": 32}
    with deepscope.init(project="browser", name=name, config=config, logdir=logdir,
                        tags=["browser-test"], exit_hooks=False) as run:
        for step in range(300):
            loss = 2.0 * math.exp(-step * lr * 10) + 0.05 * math.sin(step)
            value = float("nan") if (watch and step == NAN_STEP) else loss
            run.log({"train/loss": value, "train/acc": 1 - loss / 3}, step=step)
            if step % 50 == 49:
                run.log({"val/loss": loss * 1.1}, step=step)
        if watch:
            _watch_small_model(run)
        run.log_text("notes/epoch", "epoch 1: <b>fine</b>", step=299)
        if not watch:
            run.log_finding(Finding(FINDING_DETECTOR, "plateau", "warning", *FINDING_STEPS,
                                    "val/loss stopped improving", evidence={
                                        "series": ["val/loss", "train/loss"]},
                                    suggestion="Lower the learning rate."))
        return run.id


def _watch_small_model(run: deepscope.Run) -> None:
    import torch  # installed by `make test` (TORCH_PIN); only this fixture needs it

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    handle = run.watch(model, optimizer=opt, every=5)
    x, y = torch.randn(64, 8), torch.randint(0, 2, (64,))
    for step in range(300, 330):
        loss = torch.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        run.log({"train/watched_loss": loss}, step=step)
    handle.remove()


def _log_spiky(logdir: Path) -> str:
    with deepscope.init(project="browser", name="spiky-200k", config={"lr": 0.1}, logdir=logdir,
                        exit_hooks=False) as run:
        for step in range(SPIKY_POINTS):
            value = SPIKE_VALUE if step == SPIKE_STEP else 1.0 + (step % 97) / 1000
            run.log({"spiky/loss": value}, step=step)
        return run.id


def _log_hostile(logdir: Path) -> str:
    with deepscope.init(project="browser", name=HOSTILE_NAME, config={"<b>key</b>": "<i>v</i>"},
                        logdir=logdir, tags=["<script>alert(2)</script>"],
                        exit_hooks=False) as run:
        run.log({"train/loss": 1.0}, step=0)
        run.log_text("notes/html", "<img src=x onerror=alert(3)>", step=0)
        return run.id


@pytest.fixture(scope="session")
def logdir_fixture(tmp_path_factory: pytest.TempPathFactory) -> Fixture:
    logdir = tmp_path_factory.mktemp("browser") / "logs"
    alpha = _log_pair(logdir, "alpha", 0.01, watch=True)
    beta = _log_pair(logdir, "beta", 0.003, watch=False)
    spiky = _log_spiky(logdir)
    hostile = _log_hostile(logdir)
    return Fixture(logdir, alpha, beta, spiky, hostile)


@pytest.fixture(scope="session")
def server(logdir_fixture: Fixture) -> Iterator[deepscope.DashboardServer]:
    assert STATIC_INDEX.is_file(), f"the web UI is not built ({STATIC_INDEX}): run `make web`"
    srv = deepscope.serve(logdir_fixture.logdir, port=0, block=False)
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).is_file(), (
        f"no Chromium at {CHROMIUM}: `apt-get install chromium` (.ci/run does this in CI)")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.stash[_FAILED] = report.failed


_FAILED = pytest.StashKey[bool]()


@dataclass
class PageWatch:
    """A page plus what it said: dialogs (must stay empty), console errors, CSP violations."""

    page: Page
    dialogs: list[str]
    errors: list[str]

    def csp_violations(self) -> list[str]:
        return list(self.page.evaluate("window.__cspViolations || []"))


CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));
"""


@pytest.fixture()
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[PageWatch]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    dialogs: list[str] = []
    errors: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    pg.on("dialog", on_dialog)
    pg.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    pg.on("console",
          lambda msg: errors.append(f"console: {msg.text}") if msg.type == "error" else None)
    pg.add_init_script(CSP_LISTENER)
    yield PageWatch(pg, dialogs, errors)
    if request.node.stash.get(_FAILED, False):
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    context.close()
