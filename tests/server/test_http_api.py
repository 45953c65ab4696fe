"""Every /api/v1 route on a real logdir, through Starlette's TestClient."""

from __future__ import annotations

import gzip
import json

import pytest
from server_data import MODEL_TREE, Logdir
from starlette.testclient import TestClient

import deepscope

API = "/api/v1"


def get(client: TestClient, path: str, status: int = 200) -> dict:  # type: ignore[type-arg]
    response = client.get(API + path)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()  # type: ignore[no-any-return]


def test_health(client: TestClient) -> None:
    assert get(client, "/health") == {"status": "ok", "version": deepscope.__version__}


def test_runs_are_listed_newest_first_with_their_last_values(client: TestClient,
                                                             served: Logdir) -> None:
    runs = get(client, "/runs")["runs"]
    assert [r["id"] for r in runs] == [served.empty, served.other, served.main]
    main = runs[2]
    assert main["name"] == "mlp-a" and main["project"] == "digits"
    assert main["status"] == "finished" and main["stale"] is False
    assert main["config"] == {"lr": 0.001, "opt": {"name": "adam"}}
    assert main["tags"] == ["demo"] and main["last_step"] == 299
    assert main["last"]["train/loss"] == {"step": 299, "value": 1 / 300}
    assert main["duration"] >= 0 and main["ended_at"] >= main["created_at"]
    assert "system" not in main
    assert set(main) >= {"id", "name", "project", "status", "stale", "created_at", "ended_at",
                         "heartbeat_at", "duration", "last_step", "tags", "notes",
                         "exit_reason", "config", "last", "findings"}


@pytest.mark.parametrize(("query", "names"), [
    ("project=digits", ["mlp-b", "mlp-a"]),
    ("q=mlp", ["mlp-b", "mlp-a"]),
    ("tag=baseline", ["mlp-b"]),
    ("tag=baseline&tag=demo", []),
    ("status=finished&limit=1", ["empty"]),
    ("filter=lr < 0.01", ["mlp-a"]),
    ("filter=lr >= 0.001&filter=opt.name = adam", ["mlp-a"]),
    ("filter=lr > 1; DROP TABLE runs", []),
])
def test_run_filters(client: TestClient, query: str, names: list[str]) -> None:
    assert [r["name"] for r in get(client, f"/runs?{query}")["runs"]] == names


@pytest.mark.parametrize("query", ["status=sleeping", "filter=lr", "limit=-1", "limit=ten"])
def test_bad_run_filters_are_400_with_a_message(client: TestClient, query: str) -> None:
    error = get(client, f"/runs?{query}", 400)["error"]
    assert error["type"] == "BadParameterError" and error["message"]


def test_one_run_by_id_name_or_prefix(client: TestClient, served: Logdir) -> None:
    for key in (served.main, "mlp-a", served.main[:6]):
        run = get(client, f"/runs/{key}")
        assert run["id"] == served.main
        assert "python" in json.dumps(run["system"])
    error = get(client, "/runs/no-such-run", 404)["error"]
    assert error["type"] == "NotFoundError" and "no-such-run" in error["message"]


def test_series_of_a_run_by_kind(client: TestClient, served: Logdir) -> None:
    series = get(client, f"/runs/{served.main}/series")["series"]
    kinds = [s["kind"] for s in series]
    assert kinds == sorted(kinds, key=["scalar", "tensor", "text", "image"].index)
    loss = next(s for s in series if s["name"] == "train/loss")
    assert loss == {"name": "train/loss", "kind": "scalar", "count": 300, "first_step": 0,
                    "last_step": 299, "min": loss["min"], "max": "Infinity", "last": 1 / 300}
    texts = get(client, f"/runs/{served.main}/series?kind=text")["series"]
    assert texts == [{"name": "samples/text", "kind": "text", "count": 2, "first_step": 3,
                      "last_step": 250, "min": None, "max": None, "last": None}]
    assert get(client, f"/runs/{served.main}/series?kind=blob", 400)
    assert get(client, "/runs/nope/series", 404)


def test_scalars_carry_nan_and_inf_as_null_plus_indices(client: TestClient,
                                                        served: Logdir) -> None:
    body = get(client, f"/runs/{served.main}/scalars?name=train/loss&start=15&end=20")
    assert body["steps"] == [15, 16, 17, 18, 19, 20]
    assert body["values"][2] is None and body["values"][3] is None
    assert body["values"][0] == 1 / 16
    assert body["nonfinite"] == {"nan": [2], "inf": [3], "-inf": []}
    assert body["downsampled"] is False and body["total"] == 6
    assert len(body["wall_times"]) == 6 and body["run_id"] == served.main


def test_scalars_downsample_by_default_and_on_request(client: TestClient,
                                                      served: Logdir) -> None:
    full = get(client, f"/runs/{served.main}/scalars?name=train/acc&max_points=0")
    assert len(full["steps"]) == 300 and full["downsampled"] is False
    small = get(client, f"/runs/{served.main}/scalars?name=train/acc&max_points=30")
    assert small["downsampled"] is True and small["total"] == 300
    assert len(small["steps"]) <= 30 and small["steps"][-1] == 299
    default = get(client, f"/runs/{served.main}/scalars?name=train/acc")
    assert len(default["steps"]) == 300  # under the 2000-point default


@pytest.mark.parametrize(("query", "status"), [
    ("", 400), ("name=", 400), ("name=train/loss&max_points=-3", 400),
    ("name=train/loss&start=9&end=2", 400), ("name=train/loss&start=x", 400),
    ("name=no/such", 404),
])
def test_scalar_errors(client: TestClient, served: Logdir, query: str, status: int) -> None:
    error = get(client, f"/runs/{served.main}/scalars?{query}", status)["error"]
    assert error["message"]


def test_overlay_scalars_skip_missing_pairs(client: TestClient, served: Logdir) -> None:
    body = get(client, f"/scalars?run={served.main}&run={served.other}&run=ghost"
                       f"&name=train/loss&name=train/acc&end=10")
    pairs = [(s["run_id"], s["name"]) for s in body["series"]]
    assert pairs == [(served.main, "train/loss"), (served.main, "train/acc"),
                     (served.other, "train/loss")]
    assert all(max(s["steps"]) <= 10 for s in body["series"])
    assert get(client, "/scalars?name=train/loss", 400)


def test_tensor_summaries(client: TestClient, served: Logdir) -> None:
    body = get(client, f"/runs/{served.main}/tensors?name=weights/0.weight")
    assert body["name"] == "weights/0.weight" and body["run_id"] == served.main
    steps = [p["step"] for p in body["points"]]
    assert steps == [0, 100, 200]
    point = body["points"][0]
    assert point["count"] == 32 and len(point["bin_edges"]) == len(point["bin_counts"]) + 1
    assert sum(point["bin_counts"]) == 32 and isinstance(point["extra"], dict)
    assert len(get(client, f"/runs/{served.main}/tensors?name=weights/0.weight&max_points=2")
               ["points"]) == 2
    assert get(client, f"/runs/{served.main}/tensors?name=grads/none", 404)


def test_layers_table(client: TestClient, served: Logdir) -> None:
    body = get(client, f"/runs/{served.main}/layers")
    assert body["step"] == 200 and body["steps"] == [0, 100, 200]
    rows = {r["name"]: r for r in body["layers"]}
    assert [r["name"] for r in body["layers"]] == ["0", "1"]  # model-tree order
    assert rows["0"]["type"] == "Linear" and rows["0"]["params"] == ["0.bias", "0.weight"]
    assert rows["0"]["weight_norm"] > 0 and rows["0"]["grad_norm"] > 0
    assert rows["0"]["update_ratio"] == pytest.approx(1e-3, rel=1.0)
    assert rows["1"]["activation_mean"] == 0.1 and rows["1"]["dead_fraction"] == 0.25
    assert rows["1"]["saturated_fraction"] == 0.25 and rows["1"]["activation_grad_norm"] == 0.5
    assert rows["1"]["nonfinite"] == 1
    earlier = get(client, f"/runs/{served.main}/layers?step=150")
    assert earlier["step"] == 150
    assert {r["name"]: r for r in earlier["layers"]}["1"]["nonfinite"] == 0
    empty = get(client, f"/runs/{served.empty}/layers")
    assert empty == {"step": None, "steps": [], "prefix": "", "prefixes": [], "layers": []}
    assert body["prefix"] == "" and body["prefixes"] == [""]
    assert get(client, f"/runs/{served.main}/layers?step=last", 400)
    assert get(client, f"/runs/{served.main}/layers?prefix=../x", 400)
    assert get(client, f"/runs/{served.main}/layers?prefix=rank3/")["layers"] == []


def test_model_tree(client: TestClient, served: Logdir) -> None:
    assert get(client, f"/runs/{served.main}/model") == {"model": MODEL_TREE}
    assert get(client, f"/runs/{served.other}/model") == {"model": None}


def test_texts_are_sent_verbatim(client: TestClient, served: Logdir) -> None:
    points = get(client, f"/runs/{served.main}/texts?name=samples/text")["points"]
    assert [(p["step"], p["text"]) for p in points] == [
        (3, "<script>alert(1)</script>"), (250, "second")]
    assert get(client, f"/runs/{served.main}/texts?name=samples/text&start=4")["points"][0][
        "step"] == 250


def test_media_listing_and_bytes(client: TestClient, served: Logdir) -> None:
    items = get(client, f"/runs/{served.main}/media?name=samples/image")["items"]
    assert len(items) == 1
    item = items[0]
    assert (item["mime"], item["width"], item["height"], item["step"]) == ("image/png", 6, 8, 0)
    response = client.get(f"{API}/media/{item['sha256']}")
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    assert response.content.startswith(b"\x89PNG") and len(response.content) == item["size"]
    assert "immutable" in response.headers["cache-control"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_findings(client: TestClient, served: Logdir) -> None:
    findings = get(client, f"/runs/{served.main}/findings")["findings"]
    assert findings == [{"detector": "nonfinite.first", "category": "nonfinite",
                         "severity": "error", "step_start": 17, "step_end": 17,
                         "message": "train/loss became NaN", "layer": "1",
                         "evidence": {"value": "NaN"}, "suggestion": "Lower the lr."}]
    assert get(client, f"/runs/{served.other}/findings") == {"findings": []}


def test_runs_carry_their_finding_counts(client: TestClient, served: Logdir) -> None:
    runs = {r["id"]: r for r in get(client, "/runs")["runs"]}
    assert runs[served.main]["findings"] == {"error": 1, "warning": 0, "info": 0}
    for run_id in (served.other, served.empty):
        assert runs[run_id]["findings"] == {"error": 0, "warning": 0, "info": 0}
    # Filtered lists count too, and one run carries the same counts.
    (main,) = get(client, "/runs?tag=demo")["runs"]
    assert main["findings"]["error"] == 1
    assert get(client, f"/runs/{served.main}")["findings"] == {"error": 1, "warning": 0,
                                                               "info": 0}


def test_unknown_api_paths_and_methods_are_json_errors(client: TestClient) -> None:
    assert get(client, "/nothing/here", 404)["error"]["type"] == "NotFoundError"
    response = client.post(API + "/runs")
    assert response.status_code == 405 and response.json()["error"]["message"]
    response = client.delete(API + "/runs/x")
    assert response.status_code == 405


def test_big_responses_are_gzipped_small_ones_not(client: TestClient, served: Logdir) -> None:
    big = client.get(f"{API}/runs/{served.main}/scalars?name=train/acc",
                     headers={"Accept-Encoding": "gzip"})
    assert big.headers["content-encoding"] == "gzip"
    assert len(big.content) > 1000  # httpx decoded it
    raw = client.get(f"{API}/runs/{served.main}/scalars?name=train/acc",
                     headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in raw.headers and raw.json() == big.json()
    small = client.get(f"{API}/health", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers
    assert gzip.compress(raw.content)  # the payload is plain JSON bytes


def test_internal_errors_are_opaque(served: Logdir, monkeypatch: pytest.MonkeyPatch) -> None:
    from deepscope.query.sqlite import SqliteReader
    from deepscope.server import create_app

    def boom(self: SqliteReader, *args: object, **kwargs: object) -> None:
        raise RuntimeError("secret /home/user/path in SQL")

    monkeypatch.setattr(SqliteReader, "list_findings", boom)
    with TestClient(create_app(served.path), base_url="http://127.0.0.1") as client:
        response = client.get(f"{API}/runs/{served.main}/findings")
    assert response.status_code == 500
    assert response.json()["error"]["type"] == "InternalError"
    assert "secret" not in response.text
