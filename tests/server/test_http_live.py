"""A real uvicorn server on an ephemeral port: the event stream, raw paths, start and stop."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import deepscope
from deepscope._serve import plan_serve, prepare_server
from deepscope.server.live import LiveTiming, format_event


class EventReader:
    """Reads ``event:``/``data:`` blocks from an open SSE response."""

    def __init__(self, port: int, path: str = "/api/v1/events") -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        self.conn.request("GET", path)
        self.response = self.conn.getresponse()

    def next_event(self) -> tuple[str, dict[str, object]]:
        event, data = "", ""
        while True:
            line = self.response.readline().decode()
            if not line:
                raise EOFError("stream closed")
            line = line.rstrip("\n")
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                data = line[6:]
            elif line == "" and event:
                return event, json.loads(data)

    def close(self) -> None:
        self.conn.close()


@pytest.fixture()
def logdir(tmp_path: Path) -> Path:
    path = tmp_path / "logs"
    deepscope.init(project="p", name="first", logdir=path, exit_hooks=False).finish()
    return path


@pytest.fixture()
def server(logdir: Path) -> Iterator[deepscope.DashboardServer]:
    server = deepscope.serve(logdir, port=0, block=False)
    yield server
    server.stop()


def test_serve_returns_a_running_handle(server: deepscope.DashboardServer) -> None:
    assert server.url == f"http://127.0.0.1:{server.port}/" and server.port > 0
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.request("GET", "/api/v1/runs")
    body = json.loads(conn.getresponse().read())
    assert [r["name"] for r in body["runs"]] == ["first"]
    conn.close()


def test_a_run_written_meanwhile_produces_an_update_event(
        server: deepscope.DashboardServer, logdir: Path) -> None:
    stream = EventReader(server.port)
    assert stream.response.status == 200
    assert stream.response.getheader("content-type").startswith("text/event-stream")
    assert stream.response.getheader("content-encoding") is None
    time.sleep(0.2)  # let the stream take its snapshot
    started = time.monotonic()
    run = deepscope.init(project="p", name="live", logdir=logdir, exit_hooks=False)
    try:
        run.log({"x": 1.0}, step=41)
        run.flush()
        event, data = stream.next_event()
        elapsed = time.monotonic() - started
        assert event == "update" and elapsed < 2.5
        changed = {r["id"]: r for r in data["runs"]}  # type: ignore[union-attr]
        assert changed[run.id]["status"] == "running"
        assert set(changed[run.id]) == {"id", "status", "last_step", "heartbeat_at"}
        run.finish()
        while True:  # the finish arrives in a later event
            event, data = stream.next_event()
            finished = {r["id"]: r for r in data["runs"]}  # type: ignore[union-attr]
            if finished.get(run.id, {}).get("status") == "finished":
                assert finished[run.id]["last_step"] == 41
                break
    finally:
        run.finish()
        stream.close()


def test_events_are_throttled_to_one_per_interval(logdir: Path) -> None:
    timing = LiveTiming(poll_s=0.05, min_event_s=0.5, ping_s=0.3)
    server = prepare_server(logdir, plan_serve(port=0), live_timing=timing).start()
    stream = EventReader(server.port)
    stop = threading.Event()

    def write() -> None:
        with deepscope.init(name="busy", logdir=logdir, exit_hooks=False) as run:
            step = 0
            while not stop.is_set():
                run.log({"x": float(step)}, step=step)
                run.flush()
                step += 1

    writer = threading.Thread(target=write)
    writer.start()
    updates, pings = [], 0
    try:
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            event, _ = stream.next_event()
            if event == "update":
                updates.append(time.monotonic())
            pings += event == "ping"
    finally:
        stop.set()
        writer.join()
        stream.close()
        server.stop()
    gaps = [b - a for a, b in zip(updates, updates[1:], strict=False)]
    assert len(updates) >= 2 and min(gaps) > 0.4, gaps
    assert pings >= 1


def test_the_token_guards_the_stream(logdir: Path) -> None:
    server = deepscope.serve(logdir, port=0, token="tok", block=False)
    try:
        assert server.url.endswith("/?token=tok")
        denied = EventReader(server.port)
        assert denied.response.status == 401
        denied.close()
        allowed = EventReader(server.port, "/api/v1/events?token=tok")
        assert allowed.response.status == 200
        allowed.close()
    finally:
        server.stop()


def raw_get(port: int, target: str, host: str = "127.0.0.1") -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
                     .encode())
        chunks = []
        while data := sock.recv(65536):
            chunks.append(data)
    return b"".join(chunks)


@pytest.mark.parametrize("target", [
    "/api/v1/media/../../deepscope.db", "/api/v1/media/..%2f..%2fdeepscope.db",
    "/api/v1/media/%2e%2e/%2e%2e/deepscope.db", "/assets/../../../deepscope.db",
    "/assets/..%2f..%2f..%2fdeepscope.db", "/../deepscope.db", "/..%2fdeepscope.db",
    "/assets/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/media/../deepscope.db",
])
def test_raw_traversal_paths_never_reach_files(server: deepscope.DashboardServer,
                                               target: str) -> None:
    response = raw_get(server.port, target)
    assert b"SQLite format" not in response and b"root:" not in response
    status = int(response.split(b" ", 2)[1])
    assert status in (200, 400, 404), response[:200]
    if status == 200:
        assert b"text/html" in response.split(b"\r\n\r\n")[0]  # the SPA page


def test_raw_foreign_host_is_refused(server: deepscope.DashboardServer) -> None:
    assert raw_get(server.port, "/api/v1/runs", host="evil.example").startswith(
        b"HTTP/1.1 403")


def test_format_event() -> None:
    assert format_event("update", {"runs": []}) == 'event: update\ndata: {"runs":[]}\n\n'


def test_a_taken_port_is_a_clear_error(server: deepscope.DashboardServer, logdir: Path) -> None:
    with pytest.raises(deepscope.ServeError, match="--port"):
        deepscope.serve(logdir, port=server.port, block=False)


def test_a_missing_logdir_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(deepscope.LogdirError, match="No deepscope logdir"):
        deepscope.serve(tmp_path / "nothing", port=0, block=False)
