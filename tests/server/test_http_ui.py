"""The built web UI: index at /, hashed assets, SPA fallback, and the not-built page."""

from __future__ import annotations

from pathlib import Path

import pytest
from server_data import BASE_URL, Logdir
from starlette.testclient import TestClient

from deepscope.server import create_app
from deepscope.server.ui import root_file

INDEX = b"<!doctype html><title>deepscope</title><script type=module src=/assets/app-1a2b.js>"


@pytest.fixture()
def static(tmp_path: Path) -> Path:
    root = tmp_path / "static"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_bytes(INDEX)
    (root / "assets" / "app-1a2b.js").write_text("console.log(1)")
    (root / "favicon.svg").write_text("<svg/>")
    (tmp_path / "secret.txt").write_text("do not serve")
    return root


@pytest.fixture()
def ui(served: Logdir, static: Path) -> TestClient:
    return TestClient(create_app(served.path, static_dir=static), base_url=BASE_URL)


def test_index_and_spa_fallback(ui: TestClient) -> None:
    for path in ("/", "/runs/abc", "/compare?run=1", "/deep/link/to/chart"):
        response = ui.get(path)
        assert response.status_code == 200 and response.content == INDEX, path
        assert response.headers["cache-control"] == "no-cache"
        assert response.headers["content-type"].startswith("text/html")


def test_hashed_assets_are_immutable(ui: TestClient) -> None:
    response = ui.get("/assets/app-1a2b.js")
    assert response.status_code == 200 and response.text == "console.log(1)"
    assert "immutable" in response.headers["cache-control"]
    assert "javascript" in response.headers["content-type"]
    missing = ui.get("/assets/app-0000.js")
    assert missing.status_code == 404 and missing.json()["error"]["type"] == "NotFoundError"


def test_top_level_files_are_served_by_listing(ui: TestClient, static: Path) -> None:
    assert ui.get("/favicon.svg").text == "<svg/>"
    assert ui.get("/secret.txt").content == INDEX  # outside static/: the SPA page
    assert ui.get("/..%2fsecret.txt").content == INDEX
    assert root_file(static, "../secret.txt") is None and root_file(static, ".hidden") is None
    assert root_file(static, "assets") is None  # a directory


def test_unknown_api_paths_do_not_fall_back_to_the_ui(ui: TestClient) -> None:
    response = ui.get("/api/v2/runs")
    assert response.status_code == 404 and response.json()["error"]["type"] == "NotFoundError"


def test_a_page_says_how_to_build_a_missing_ui(served: Logdir, tmp_path: Path) -> None:
    client = TestClient(create_app(served.path, static_dir=tmp_path / "none"),
                        base_url=BASE_URL)
    for path in ("/", "/runs/x"):
        response = client.get(path)
        assert response.status_code == 200 and "make web" in response.text
    assert client.get("/assets/app.js").status_code == 404
    assert client.get("/api/v1/health").status_code == 200
