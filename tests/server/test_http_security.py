"""Who may talk to the server: Host/Origin checks, the token, headers, ids instead of paths."""

from __future__ import annotations

import pytest
from server_data import Logdir
from starlette.routing import Route
from starlette.testclient import TestClient

from deepscope.server import create_app
from deepscope.server.security import CSP, host_allowed, parse_host

TOKEN = "s3cret-token"


@pytest.mark.parametrize(("host", "ok"), [
    ("127.0.0.1", True), ("127.0.0.1:6007", True), ("localhost:1234", True), ("LOCALHOST", True),
    ("[::1]:6007", True), ("[::1]", True), ("evil.example", False),
    ("127.0.0.1.evil.example", False), ("localhost.evil.example:6007", False),
    ("evil.example:6007", False), ("", False), (None, False), ("127.0.0.1:abc", False),
    ("127.0.0.1:6007:1", False), ("[::1", False), ("user@127.0.0.1", False),
    ("::1", False),  # unbracketed IPv6 is not a valid Host header
])
def test_host_allow_list_for_a_loopback_bind(host: str | None, ok: bool) -> None:
    assert host_allowed(host, ("127.0.0.1", "localhost", "::1")) is ok


def test_parse_host() -> None:
    assert parse_host("[::1]:80") == "::1" and parse_host("Example.COM:1") == "example.com"
    assert parse_host("a b") is None and parse_host(":80") is None


@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1.evil.example", "localhost.evil"])
def test_foreign_host_header_is_403_on_every_path(client: TestClient, host: str) -> None:
    for path in ("/api/v1/runs", "/api/v1/health", "/", "/assets/x.js", "/api/v1/events"):
        response = client.get(path, headers={"Host": host})
        assert response.status_code == 403, path
        assert response.json()["error"]["type"] == "ForbiddenHostError"
        assert response.headers["content-security-policy"] == CSP


def test_local_host_headers_pass(client: TestClient) -> None:
    for host in ("127.0.0.1:6007", "localhost:6007", "[::1]:6007", "localhost"):
        assert client.get("/api/v1/health", headers={"Host": host}).status_code == 200


def test_cross_origin_requests_are_refused(client: TestClient) -> None:
    for origin in ("http://evil.example", "null", "http://127.0.0.1:9999"):
        response = client.get("/api/v1/runs", headers={"Origin": origin})
        assert response.status_code == 403, origin
    same = client.get("/api/v1/runs", headers={"Origin": "http://127.0.0.1:6007"})
    assert same.status_code == 200


def test_any_host_is_accepted_with_the_wildcard(served: Logdir) -> None:
    app = create_app(served.path, token=TOKEN, allowed_hosts=("*",))
    with TestClient(app, base_url="http://10.1.2.3:6007") as client:
        ok = client.get("/api/v1/runs", headers={"Authorization": f"Bearer {TOKEN}"})
        assert ok.status_code == 200
        assert client.get("/", headers={"Host": "bad host"}).status_code == 403


@pytest.fixture()
def guarded(served: Logdir) -> TestClient:
    return TestClient(create_app(served.path, token=TOKEN), base_url="http://127.0.0.1:6007")


def test_token_is_required_on_the_api(guarded: TestClient, served: Logdir) -> None:
    missing = guarded.get("/api/v1/runs")
    assert missing.status_code == 401 and missing.json()["error"]["type"] == "TokenRequiredError"
    assert missing.headers["www-authenticate"].startswith("Bearer")
    wrong = guarded.get("/api/v1/runs", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403 and wrong.json()["error"]["type"] == "BadTokenError"
    assert guarded.get("/api/v1/runs?token=nope").status_code == 403
    assert guarded.get(f"/api/v1/runs/{served.main}/series?token=").status_code == 401
    header = guarded.get("/api/v1/runs", headers={"Authorization": f"Bearer {TOKEN}"})
    assert header.status_code == 200 and header.json()["runs"]
    assert guarded.get(f"/api/v1/runs?token={TOKEN}").status_code == 200
    assert guarded.get("/api/v1/events?token=nope").status_code == 403


def test_health_and_the_ui_need_no_token(guarded: TestClient) -> None:
    assert guarded.get("/api/v1/health").status_code == 200
    assert guarded.get("/").status_code == 200
    assert guarded.get("/runs/abc").status_code == 200


def test_security_headers_on_every_kind_of_response(client: TestClient, served: Logdir) -> None:
    for path in ("/api/v1/runs", "/api/v1/nothing", "/", "/some/page",
                 f"/api/v1/runs/{served.main}/scalars"):
        headers = client.get(path).headers
        assert headers["content-security-policy"] == CSP, path
        assert "unsafe-inline" not in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"


TRAVERSALS = [
    "../../../../etc/passwd", "..%2f..%2f..%2fetc%2fpasswd", "%252e%252e%252fetc%252fpasswd",
    "..\\..\\windows\\win.ini", "/etc/passwd", "C:\\Windows\\win.ini", "file:///etc/passwd",
    "....//....//etc/passwd", "deepscope.db", "../deepscope.db", "media/../deepscope.db",
    "a" * 64 + "/../../deepscope.db", "A" * 64, "0" * 63, "0" * 65, "%00", "*",
]


@pytest.mark.parametrize("name", TRAVERSALS)
def test_media_is_addressed_by_id_only(client: TestClient, name: str) -> None:
    response = client.get(f"/api/v1/media/{name}")
    assert b"root:" not in response.content and b"SQLite" not in response.content
    if response.status_code == 200:  # the client normalized `..` away: the SPA's index page
        assert response.headers["content-type"].startswith("text/html")
    else:
        assert response.status_code == 404, response.text
        assert response.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize("name", TRAVERSALS)
def test_static_paths_never_leave_the_static_dir(client: TestClient, name: str) -> None:
    for prefix in ("/", "/assets/"):
        response = client.get(prefix + name)
        assert b"root:" not in response.content and b"SQLite format" not in response.content


def test_no_route_takes_a_path_parameter_that_spans_segments(client: TestClient) -> None:
    api = [r for r in client.app.routes if isinstance(r, Route)  # type: ignore[attr-defined]
           and r.path.startswith("/api/v1/")]
    assert len(api) >= 12
    for route in api:
        assert ":path}" not in route.path, route.path
        assert all(name in ("run_id", "sha256") for name in route.param_convertors), route.path


def test_non_image_media_are_sent_as_attachments(served: Logdir) -> None:
    from deepscope.server.api.media import media_type

    assert media_type(b"\x89PNG\r\n\x1a\nrest") == "image/png"
    assert media_type(b"<svg onload=alert(1)>") is None
    assert media_type(b"<html><script>") is None
