"""``deepscope.serve``: run the dashboard on a logdir, blocking or in a background thread.

The server package (Starlette, uvicorn) is imported only when a server starts, so that
``import deepscope`` stays light. :func:`plan_serve` holds the decisions (who may connect, is a
token needed) as a pure function that the CLI and tests share.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import secrets
import socket
import threading
import time
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .errors import ServeError

if TYPE_CHECKING:
    import uvicorn

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 6007
LOCAL_NAMES = ("127.0.0.1", "localhost", "::1")  # the Host headers a loopback bind accepts
WILDCARD_HOSTS = ("0.0.0.0", "::", "")  # binding these listens on every interface
START_TIMEOUT_S = 10.0  # how long a background server may take to start
STOP_GRACE_S = 1  # seconds open connections (event streams) get to finish on stop


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (``127.0.0.0/8``, ``::1``)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ServePlan:
    """What ``serve`` will do: bind where, accept which Host headers, require which token."""

    host: str
    port: int
    token: str | None
    token_generated: bool
    allowed_hosts: tuple[str, ...]
    warnings: tuple[str, ...] = ()


def plan_serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, token: str | None = None, *,
               new_token: Callable[[], str] = secrets.token_urlsafe) -> ServePlan:
    """Decide the security settings of a server bound to ``host``.

    A loopback bind accepts the local host names only and needs no token. Any other bind needs
    a token (one is generated when none is given) and gets a warning: everyone who can reach
    the port and has the token can read every run in the logdir.

    Args:
        host: The address to bind.
        port: The port (0: any free port).
        token: The token to require, or None.
        new_token: Makes a token when one is needed (injected by tests).
    """
    if not 0 <= port <= 65535:
        raise ServeError(f"--port must be from 0 to 65535, got {port}.")
    if is_loopback(host):
        return ServePlan(host, port, token, False, LOCAL_NAMES)
    generated = token is None
    if token is None:
        token = new_token()
    allowed = ("*",) if host in WILDCARD_HOSTS else (host.strip("[]").lower(), *LOCAL_NAMES)
    warning = (f"deepscope is listening on {host!r}, not just this machine: anyone who can "
               f"reach its port and has the token can read every run in the logdir. Share the "
               f"token only with people who may see them (or use an SSH tunnel instead).")
    return ServePlan(host, port, token, generated, allowed, (warning,))


def server_url(host: str, port: int, token: str | None = None) -> str:
    """The address to open in a browser (``?token=`` included when a token is required)."""
    shown = "127.0.0.1" if host in WILDCARD_HOSTS else host.strip("[]")
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


def lan_url(host: str, port: int, token: str | None = None) -> str | None:
    """For a wildcard bind, the address other machines can try (this machine's name)."""
    if host not in WILDCARD_HOSTS:
        return None
    return server_url(socket.gethostname(), port, token)


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``; ServeError with a hint when the port is taken."""
    bind_host = "127.0.0.1" if host.lower() == "localhost" else host.strip("[]")
    family = socket.AF_INET6 if ":" in bind_host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        if os.name != "nt":  # on Windows SO_REUSEADDR lets two servers share a port
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((bind_host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ServeError(f"Port {port} on {host} is already in use (another deepscope or "
                             f"TensorBoard?). Pick another one with --port, e.g. "
                             f"--port {port + 1}, or --port 0 for any free port.") from None
        raise ServeError(f"Cannot listen on {host}:{port}: {exc.strerror or exc}. Check "
                         f"--host (an address of this machine, e.g. 127.0.0.1).") from None
    sock.set_inheritable(True)
    return sock


class DashboardServer:
    """A dashboard server bound to its port; :meth:`run` blocks, :meth:`start` uses a thread.

    Create it with :func:`serve` (or :func:`prepare_server`). Use it as a context manager, or
    call :meth:`stop`, which is safe to call twice.

    Attributes:
        url: The address to open (with ``?token=`` when a token is required).
        port: The port actually bound (useful after ``port=0``).
    """

    def __init__(self, server: uvicorn.Server, sock: socket.socket, plan: ServePlan) -> None:
        """Wrap a configured uvicorn server and its bound socket."""
        self._server = server
        self._sock = sock
        self._thread: threading.Thread | None = None
        self.plan = plan
        self.port: int = sock.getsockname()[1]
        self.url = server_url(plan.host, self.port, plan.token)

    def run(self, *, open_browser: bool = False) -> None:
        """Serve until interrupted (Ctrl+C / SIGTERM); call from the main thread."""
        if open_browser:
            self._open_browser_when_up()
        try:
            self._server.run(sockets=[self._sock])
        finally:
            self._sock.close()

    def start(self, *, open_browser: bool = False) -> DashboardServer:
        """Serve from a daemon thread and return once the server accepts connections."""
        self._thread = threading.Thread(target=self.run, name="deepscope-server", daemon=True)
        self._thread.start()
        if not self.wait_started(START_TIMEOUT_S):
            self.stop()
            raise ServeError(f"The dashboard did not start within {START_TIMEOUT_S:.0f} s.")
        if open_browser:
            self._open_browser_when_up()
        return self

    def wait_started(self, timeout: float) -> bool:
        """Wait until the server accepts connections; False if it stopped or timed out."""
        deadline = time.monotonic() + timeout
        while not self._server.started and time.monotonic() < deadline:
            if self._thread is not None and not self._thread.is_alive():
                return False
            time.sleep(0.01)
        return bool(self._server.started)

    def _open_browser_when_up(self) -> None:
        def opener() -> None:
            if self.wait_started(START_TIMEOUT_S):
                webbrowser.open(self.url)
        threading.Thread(target=opener, name="deepscope-browser", daemon=True).start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving and wait for the thread (safe to call twice)."""
        self._server.should_exit = True
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        self._sock.close()

    def __enter__(self) -> DashboardServer:
        """Return the server itself."""
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        """Stop the server."""
        self.stop()

    def __repr__(self) -> str:
        """Short description with the URL (token hidden)."""
        return f"<DashboardServer {self.url.split('?')[0]}>"


def prepare_server(logdir: str | os.PathLike[str], plan: ServePlan,
                   **app_options: Any) -> DashboardServer:
    """Build the app and bind the socket, without serving yet.

    Raises:
        LogdirError: ``logdir`` is not a deepscope logdir.
        ServeError: the port is taken or the host cannot be bound.
    """
    import uvicorn  # the server stack loads only when a server starts

    from .server import create_app

    app = create_app(logdir, token=plan.token, allowed_hosts=plan.allowed_hosts, **app_options)
    try:
        sock = bind_socket(plan.host, plan.port)
    except ServeError:
        app.state.readers.close()
        raise
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on",
                            timeout_graceful_shutdown=STOP_GRACE_S)
    return DashboardServer(uvicorn.Server(config), sock, plan)


def serve(logdir: str | os.PathLike[str] = "deepscope-logs", *, host: str = DEFAULT_HOST,
          port: int = DEFAULT_PORT, token: str | None = None, open_browser: bool = False,
          block: bool = True) -> DashboardServer:
    """Serve the dashboard for ``logdir`` (the Python twin of ``deepscope serve``).

    Args:
        logdir: The logdir to show.
        host: Address to bind; anything but loopback requires a token (generated if omitted,
            readable as ``server.plan.token``).
        port: Port to bind; 0 picks a free one (see ``server.port``).
        token: Require this token on every API request.
        open_browser: Open the dashboard in the default browser once it is up.
        block: Serve until interrupted (True), or return at once with the server running in
            a background thread (False: notebooks, tests); stop it with ``server.stop()``.

    Returns:
        The server; with ``block=True``, after it has stopped.

    Raises:
        LogdirError: ``logdir`` is not a deepscope logdir.
        ServeError: the port is taken or the host cannot be bound.

    Examples:
        >>> server = deepscope.serve("deepscope-logs", port=0, block=False)
        >>> print(server.url)
        >>> server.stop()
    """
    plan = plan_serve(host, port, token)
    server = prepare_server(logdir, plan)
    if not block:
        return server.start(open_browser=open_browser)
    for warning in plan.warnings:
        print(f"warning: {warning}", flush=True)
    print(f"deepscope: serving {os.fspath(logdir)} at {server.url} (Ctrl+C to stop)", flush=True)
    server.run(open_browser=open_browser)
    return server
