"""Fixtures of the server tests: the shared logdir and a TestClient on the dashboard app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from server_data import BASE_URL, Logdir, write_logdir
from starlette.testclient import TestClient

from deepscope.server import create_app


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Logdir:
    """One populated logdir shared by the read-only server tests."""
    return write_logdir(tmp_path_factory.mktemp("server") / "logs")


@pytest.fixture()
def client(served: Logdir) -> Iterator[TestClient]:
    """A TestClient on the app, addressed as 127.0.0.1 (the Host check accepts it)."""
    with TestClient(create_app(served.path), base_url=BASE_URL) as c:
        yield c
