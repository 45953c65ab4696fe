"""Change detection for live views (query/changes.py), on a real logdir."""

from __future__ import annotations

from pathlib import Path

import deepscope
from deepscope.query.changes import RunChanges
from deepscope.query.reader import STALE_AFTER_S
from deepscope.query.sqlite import SqliteReader


def test_data_version_moves_when_another_connection_commits(logdir: Path) -> None:
    deepscope.init(logdir=logdir, exit_hooks=False).finish()
    with deepscope.open(logdir) as reader:
        before = reader.data_version()
        assert reader.data_version() == before
        deepscope.init(logdir=logdir, exit_hooks=False).finish()
        assert reader.data_version() != before


def test_new_and_changed_runs_are_reported_once(logdir: Path) -> None:
    first = deepscope.init(name="a", logdir=logdir, exit_hooks=False)
    with deepscope.open(logdir) as reader:
        changes = RunChanges(reader)
        assert changes.poll() == []
        second = deepscope.init(name="b", logdir=logdir, exit_hooks=False)
        assert [r.id for r in changes.poll()] == [second.id]
        assert changes.poll() == []
        first.log({"x": 1.0}, step=7)
        first.flush()
        changed = changes.poll()
        assert [(r.id, r.last_step) for r in changed] == [(first.id, 7)]
        first.finish()
        second.finish()
        assert {r.id: r.status for r in changes.poll()} == {first.id: "finished",
                                                           second.id: "finished"}


def test_a_run_going_stale_is_noticed_without_any_write(logdir: Path) -> None:
    run = deepscope.init(logdir=logdir, exit_hooks=False)
    run.flush()  # its first heartbeat is written; the next one is seconds away
    now = [0.0]
    with SqliteReader(logdir, clock=lambda: now[0]) as reader:
        info = reader.get_run(run.id)
        now[0] = info.heartbeat_at + 1
        changes = RunChanges(reader, clock=lambda: now[0])
        assert changes.poll() == []
        now[0] = info.heartbeat_at + STALE_AFTER_S + 5  # the process died silently
        stale = changes.poll()
        assert [(r.id, r.status, r.stale) for r in stale] == [(run.id, "crashed", True)]
        assert changes.poll() == []
    run.finish()
