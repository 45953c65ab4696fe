"""Who may talk to the server: Host and Origin checks, the token, and security headers.

"Localhost" is not a boundary: with DNS rebinding a web page on ``evil.example`` makes the
browser send requests to 127.0.0.1 with ``Host: evil.example`` (Ollama, Ray and the MCP SDK were
all hit). So every request's Host must name the machine the way the user opened it (for a
loopback bind: ``127.0.0.1``, ``localhost`` or ``[::1]``, any port), a request that carries an
``Origin`` must be same-origin, and a non-loopback bind requires a token. Every response carries
a strict CSP without ``unsafe-inline``, ``nosniff`` and ``no-referrer`` (a URL with
``?token=`` must not leak through the Referer header).

Each check is a plain ASGI middleware (no buffering, so the event stream passes through).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Collection
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders, QueryParams
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOCAL_HOSTS: tuple[str, ...] = ("127.0.0.1", "localhost", "::1")  # loopback bind: allowed Hosts
ANY_HOST = "*"  # in allowed_hosts: accept every well-formed Host (non-loopback bind with token)
TOKEN_EXEMPT_PATHS = frozenset({"/api/v1/health"})
CSP = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("content-security-policy", CSP),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
)


def parse_host(value: str) -> str | None:
    """The host name of a ``Host`` header (``[::1]:6007`` -> ``::1``), or None if malformed."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        host, rest = (value[1:end], value[end + 1:]) if end > 0 else ("", "")
    else:
        host, colon, port = value.partition(":")
        rest = colon + port
    if rest and not (rest[0] == ":" and rest[1:].isdigit() and len(rest) <= 6):
        return None
    if not host or any(c in host for c in "/\\@ ?#"):
        return None
    return host


def host_allowed(value: str | None, allowed: Collection[str]) -> bool:
    """Whether a ``Host`` header value names an allowed host (any port)."""
    host = None if value is None else parse_host(value)
    if host is None:
        return False
    return ANY_HOST in allowed or host in {a.lower() for a in allowed}


def origin_allowed(origin: str | None, host: str | None) -> bool:
    """Whether a request's ``Origin`` (if any) is the server itself, as named by ``Host``."""
    if origin is None:
        return True
    parts = urlsplit(origin)
    return (parts.scheme in ("http", "https") and host is not None
            and parts.netloc.lower() == host.strip().lower())


def request_token(scope: Scope) -> str | None:
    """The token a request carries: ``Authorization: Bearer T`` or ``?token=T``."""
    auth = Headers(scope=scope).get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return QueryParams(scope.get("query_string", b"")).get("token") or None


def token_matches(given: str, expected: str) -> bool:
    """Constant-time comparison of two tokens."""
    return secrets.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


async def send_error(send: Send, status: int, kind: str, message: str,
                     extra_headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    """Send a complete JSON error response from a middleware."""
    body = json.dumps({"error": {"type": kind, "message": message}}).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"cache-control", b"no-store"), *extra_headers]})
    await send({"type": "http.response.body", "body": body})


class SecurityHeadersMiddleware:
    """Adds the CSP, ``nosniff``, ``no-referrer`` and ``DENY`` framing headers to responses."""

    def __init__(self, app: ASGIApp) -> None:
        """Wrap ``app``."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers as the response starts."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS:
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class HostCheckMiddleware:
    """403 for a ``Host`` outside ``allowed_hosts`` or a cross-site ``Origin`` (DNS rebinding).

    Args:
        app: The wrapped app.
        allowed_hosts: Host names (no port) accepted in the ``Host`` header; ``"*"`` for any.
    """

    def __init__(self, app: ASGIApp, *, allowed_hosts: Collection[str] = LOCAL_HOSTS) -> None:
        """Wrap ``app``."""
        self.app = app
        self.allowed_hosts = tuple(allowed_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse the request, or pass it on."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        host = headers.get("host")
        if not host_allowed(host, self.allowed_hosts):
            names = ", ".join(self.allowed_hosts)
            await send_error(send, 403, "ForbiddenHostError",
                             f"The Host header {(host or '')[:100]!r} is not one this server "
                             f"answers to ({names}). Open the dashboard at the address "
                             f"`deepscope serve` printed, or restart it with --host.")
            return
        if not origin_allowed(headers.get("origin"), host):
            await send_error(send, 403, "ForbiddenOriginError",
                             "Cross-origin requests are refused; open the dashboard from its own "
                             "address.")
            return
        await self.app(scope, receive, send)


class TokenMiddleware:
    """Requires the token on every ``/api/`` request except the health check.

    Missing token: 401; wrong token: 403. The UI reads ``?token=`` from its URL once and sends it
    as ``Authorization: Bearer``; the event stream (``EventSource`` cannot set headers) passes
    it as ``?token=``.

    Args:
        app: The wrapped app.
        token: The expected token; None disables the check.
    """

    def __init__(self, app: ASGIApp, *, token: str | None) -> None:
        """Wrap ``app``."""
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse the request, or pass it on."""
        path = scope.get("path", "")
        if (self.token is None or scope["type"] != "http" or not path.startswith("/api/")
                or path in TOKEN_EXEMPT_PATHS):
            await self.app(scope, receive, send)
            return
        given = request_token(scope)
        if given is None:
            await send_error(send, 401, "TokenRequiredError",
                             "This server needs its token: open the URL that `deepscope serve` "
                             "printed (it ends in ?token=...), or send "
                             "`Authorization: Bearer TOKEN`.",
                             ((b"www-authenticate", b'Bearer realm="deepscope"'),))
        elif not token_matches(given, self.token):
            await send_error(send, 403, "BadTokenError",
                             "The token is wrong: use the one `deepscope serve` printed.")
        else:
            await self.app(scope, receive, send)
