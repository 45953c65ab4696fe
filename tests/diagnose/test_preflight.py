"""deepscope.check: each pre-flight check fires on a model with exactly its bug, and every check
stays silent on correct models (real PyTorch, sklearn data)."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("sklearn")

import torch.nn.functional as F  # noqa: E402
from sklearn.datasets import load_digits, make_regression  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from torch import nn  # noqa: E402

from deepscope._check import check as public_check  # noqa: E402
from deepscope.diagnose.finding import CATEGORIES  # noqa: E402
from deepscope.diagnose.preflight import DETECTORS, check  # noqa: E402
from deepscope.records import Finding  # noqa: E402

MAX_SECONDS = 5.0  # every check() call on these small models
N = 64  # batch size
CE = nn.CrossEntropyLoss()


@pytest.fixture(autouse=True, scope="module")
def _one_thread() -> Iterator[None]:
    # Small models run fastest single-threaded, and other processes on the box must not turn
    # OpenMP spin-waits into seconds. The first optimizer construction imports torch._dynamo
    # (seconds, once per process); pay it here rather than inside a timed check().
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.optim.Adam(nn.Linear(1, 1).parameters())
    yield
    torch.set_num_threads(before)


# -- data ---------------------------------------------------------------------------------------

_X_RAW, _Y = load_digits(return_X_y=True)
_X = StandardScaler().fit_transform(_X_RAW).astype(np.float32)
X = torch.tensor(_X[:N])  # (64, 64) standardized digits
Y = torch.tensor(_Y[:N])  # class indices 0..9
X_RAW = torch.tensor(_X_RAW[:N], dtype=torch.float32)  # pixel values 0..16
IMAGES = X.view(N, 1, 8, 8)
Y_BIN = (Y % 2).float().unsqueeze(1)  # (64, 1) parity
_XR, _YR = make_regression(n_samples=N, n_features=10, noise=5.0, random_state=0)
XR = torch.tensor(_XR, dtype=torch.float32)
YR_RAW = torch.tensor(_YR, dtype=torch.float32).unsqueeze(1)  # std ~180
YR = (YR_RAW - YR_RAW.mean()) / YR_RAW.std()  # standardized (64, 1)


def seeded(build: Callable[[], nn.Module]) -> nn.Module:
    torch.manual_seed(0)
    return build()


def mlp(out: int = 10, hidden: int = 64, inp: int = 64) -> nn.Module:
    return nn.Sequential(nn.Linear(inp, hidden), nn.ReLU(), nn.Linear(hidden, out))


def cnn() -> nn.Module:
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.Flatten(),
                         nn.Linear(16 * 4 * 4, 10))


def bn_dropout() -> nn.Module:
    return nn.Sequential(nn.Linear(64, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Dropout(0.5),
                         nn.Linear(64, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Dropout(0.3),
                         nn.Linear(64, 10))


def timed_check(model: nn.Module, batch: Any, **kwargs: Any) -> list[Finding]:
    start = time.perf_counter()
    found = check(model, batch, **kwargs)
    elapsed = time.perf_counter() - start
    assert elapsed < MAX_SECONDS, f"check() took {elapsed:.2f}s"
    for f in found:
        assert f.category in CATEGORIES and f.detector in DETECTORS
        assert f.message and f.suggestion
        json.dumps(f.evidence)  # evidence travels as JSON
    return found


def loud(found: list[Finding]) -> set[tuple[str, str, str]]:
    """(detector, category, severity) of the warnings and errors."""
    return {(f.detector, f.category, f.severity) for f in found if f.severity != "info"}


def describe(found: list[Finding]) -> str:
    return "\n".join(f"{f.severity} {f.detector} {f.category}: {f.message}" for f in found)


# -- correct models: not a single finding -------------------------------------------------------

class TokenBag(nn.Module):
    """Token ids -> embedding -> mean over the sequence -> classes (integer input)."""

    def __init__(self) -> None:
        super().__init__()
        self.emb = nn.Embedding(17, 16)
        self.head = nn.Linear(16, 10)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.head(self.emb(ids).mean(1))


class KwargsModel(nn.Module):
    """Called as model(image=..., extra=...): the dict-batch form."""

    def __init__(self) -> None:
        super().__init__()
        self.body = mlp()

    def forward(self, image: torch.Tensor, scale: float = 1.0) -> torch.Tensor:
        return self.body(image.flatten(1)) * scale


class OwnLoss(nn.Module):
    """Returns a dict with its own loss, Hugging Face style (no loss_fn needed)."""

    def __init__(self) -> None:
        super().__init__()
        self.body = mlp()

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> dict[str, torch.Tensor]:
        logits = self.body(x)
        return {"logits": logits, "loss": F.cross_entropy(logits, labels)}


class ScalesPixels(nn.Module):
    """Receives raw 0..255 pixels and normalizes them itself in forward()."""

    def __init__(self) -> None:
        super().__init__()
        self.net = cnn()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net((x / 255.0 - 0.3) / 0.35)


class LoRA(nn.Module):
    """A zero-initialized low-rank branch: A gets a zero gradient until B moves."""

    def __init__(self) -> None:
        super().__init__()
        self.base = mlp()
        self.a = nn.Linear(64, 4, bias=False)
        self.b = nn.Linear(4, 10, bias=False)
        nn.init.zeros_(self.b.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + self.b(self.a(x))


def zero_last_layer() -> nn.Module:
    model = mlp()
    nn.init.zeros_(model[2].weight)
    nn.init.zeros_(model[2].bias)
    return model


def tokens() -> torch.Tensor:
    return torch.tensor((_X_RAW[:N, :32]).astype(np.int64))


CORRECT: dict[str, Callable[[], tuple[nn.Module, Any, dict[str, Any]]]] = {
    "mlp_digits_ce": lambda: (seeded(mlp), (X, Y), {"loss_fn": CE}),
    "mlp_digits_ce_adam": lambda: _with_opt(seeded(mlp), (X, Y), CE,
                                            lambda p: torch.optim.Adam(p, lr=1e-3)),
    "mlp_digits_sgd_momentum": lambda: _with_opt(seeded(mlp), (X, Y), CE,
                                                 lambda p: torch.optim.SGD(p, lr=0.05,
                                                                           momentum=0.9)),
    "cnn_digits_8x8": lambda: (seeded(cnn), (IMAGES, Y), {"loss_fn": CE}),
    "binary_bce_with_logits": lambda: (seeded(lambda: mlp(1, 32)), (X, Y_BIN),
                                       {"loss_fn": nn.BCEWithLogitsLoss()}),
    "regression_mse": lambda: (seeded(lambda: mlp(1, 64, 10)), (XR, YR),
                               {"loss_fn": nn.MSELoss()}),
    "batchnorm_dropout": lambda: (seeded(bn_dropout), (X, Y), {"loss_fn": CE}),
    "functional_loss_lambda": lambda: (seeded(mlp), (X, Y),
                                       {"loss_fn": lambda o, y: F.cross_entropy(o, y)}),
    "log_softmax_nll": lambda: (seeded(lambda: nn.Sequential(mlp(), nn.LogSoftmax(1))),
                                (X, Y), {"loss_fn": nn.NLLLoss()}),
    "sigmoid_bce": lambda: (seeded(lambda: nn.Sequential(mlp(1, 32), nn.Sigmoid())),
                            (X, Y_BIN), {"loss_fn": nn.BCELoss()}),
    "zero_initialized_last_layer": lambda: (seeded(zero_last_layer), (X, Y), {"loss_fn": CE}),
    "lora_zero_branch": lambda: (seeded(LoRA), (X, Y), {"loss_fn": CE}),
    "token_ids_embedding": lambda: (seeded(TokenBag), (tokens(), Y), {"loss_fn": CE}),
    "dict_batch_with_target": lambda: (seeded(KwargsModel), {"image": IMAGES, "scale": 1.0},
                                       {"loss_fn": CE, "target": Y}),
    "model_returns_its_loss": lambda: (seeded(OwnLoss), {"x": X, "labels": Y}, {}),
    "normalizes_pixels_itself": lambda: (seeded(ScalesPixels),
                                         (X_RAW.view(N, 1, 8, 8) * 255 / 16, Y), {"loss_fn": CE}),
    "label_smoothing_class_weights": lambda: (seeded(mlp), (X, Y), {"loss_fn": nn.CrossEntropyLoss(
        weight=torch.linspace(0.5, 1.5, 10), label_smoothing=0.1)}),
    "no_loss_given": lambda: (seeded(mlp), X, {}),
}


def _with_opt(model: nn.Module, batch: Any, loss_fn: Any,
              make: Callable[[Any], torch.optim.Optimizer]) -> tuple[nn.Module, Any, dict]:
    return model, batch, {"loss_fn": loss_fn, "optimizer": make(model.parameters())}


@pytest.mark.parametrize("case", sorted(CORRECT))
def test_correct_models_get_no_findings(case: str) -> None:
    model, batch, kwargs = CORRECT[case]()
    found = timed_check(model, batch, **kwargs)
    assert found == [], describe(found)


def test_frozen_backbone_is_only_an_info() -> None:
    model = seeded(bn_dropout)
    for p in model[:4].parameters():
        p.requires_grad_(False)
    found = timed_check(model, (X, Y), loss_fn=CE,
                        optimizer=torch.optim.Adam(p for p in model.parameters()
                                                   if p.requires_grad))
    assert [(f.detector, f.category, f.severity) for f in found] == [
        ("preflight.grad_coverage", "frozen_parameters", "info")]
    assert found[0].evidence["frozen"] == ["0.weight", "0.bias", "1.weight", "1.bias"]


def test_plain_sgd_at_a_sane_rate_is_not_a_warning() -> None:
    # Plain SGD(0.01) memorizes slowly; Adam on the same copy shows the pipeline is sound.
    model = seeded(mlp)
    found = timed_check(model, (X, Y), loss_fn=CE,
                        optimizer=torch.optim.SGD(model.parameters(), lr=0.01))
    assert loud(found) == set(), describe(found)


# -- each bug, and only its finding -------------------------------------------------------------

class Unused(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a, self.b, self.extra = nn.Linear(64, 64), nn.Linear(64, 10), nn.Linear(64, 64)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.b(torch.relu(self.a(x)))


class Detached(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(64, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.a(x).detach()


class ViewMixesBatch(nn.Module):
    """``h.view(H, N).t()`` where ``h`` is (N, H): right shape, samples scrambled."""

    def __init__(self) -> None:
        super().__init__()
        self.a, self.b = nn.Linear(64, 32), nn.Linear(32, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.a(x))
        return self.b(h.view(h.shape[1], h.shape[0]).t())


class SequenceView(nn.Module):
    """(N, T, F) -> seq-first with .view instead of .transpose, then mean over time."""

    def __init__(self, bug: bool) -> None:
        super().__init__()
        self.bug = bug
        self.fc, self.out = nn.Linear(8, 32), nn.Linear(32, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, t, f = x.shape
        x = x.view(t, n, f) if self.bug else x.transpose(0, 1)
        return self.out(torch.relu(self.fc(x)).mean(0))


class CentersOverBatch(nn.Module):
    """Normalizes with batch statistics by hand: sample outputs depend on the batch in eval."""

    def __init__(self) -> None:
        super().__init__()
        self.net = mlp()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x - x.mean(0, keepdim=True))


def scaled_last_layer(factor: float, build: Callable[[], nn.Module] = mlp) -> nn.Module:
    model = seeded(build)
    with torch.no_grad():
        model[-1].weight.mul_(factor)
        model[-1].bias.mul_(factor)
    return model


def dead_relu() -> nn.Module:
    model = seeded(mlp)
    with torch.no_grad():
        model[0].bias.fill_(-20.0)
    return model


def with_optimizer(model: nn.Module, make: Callable[[nn.Module], Any]) -> dict[str, Any]:
    return {"loss_fn": CE, "optimizer": make(model)}


def _same_inputs_many_labels() -> tuple[torch.Tensor, torch.Tensor]:
    return X[:1].repeat(N, 1), torch.arange(N) % 10


def _bugs() -> dict[str, tuple[Callable[[], tuple[nn.Module, Any, dict[str, Any]]],
                               set[tuple[str, str, str]]]]:
    bin_mlp = lambda: seeded(lambda: mlp(1, 32))  # noqa: E731
    dead = dead_relu()
    high, low, zero_lr = seeded(mlp), seeded(mlp), seeded(mlp)
    partial, other = seeded(mlp), seeded(mlp)
    return {
        # initial loss
        "last_layer_x30": (lambda: (scaled_last_layer(30.0), (X, Y), {"loss_fn": CE}),
                           {("preflight.initial_loss", "bad_initialization", "warning")}),
        "regression_outputs_x100": (
            lambda: (scaled_last_layer(100.0, lambda: mlp(1, 64, 10)), (XR, YR),
                     {"loss_fn": nn.MSELoss()}),
            {("preflight.initial_loss", "bad_initialization", "warning")}),
        "regression_targets_unscaled": (
            lambda: (seeded(lambda: mlp(1, 64, 10)), (XR, YR_RAW), {"loss_fn": nn.MSELoss()}),
            {("preflight.initial_loss", "bad_initialization", "warning")}),
        # overfit one batch
        "dead_relu": (lambda: (dead, (X, Y), {"loss_fn": CE}),
                      {("preflight.overfit_batch", "bad_initialization", "error"),
                       ("preflight.grad_coverage", "unused_parameters", "warning")}),
        "same_input_different_labels": (
            lambda: (seeded(mlp), _same_inputs_many_labels(), {"loss_fn": CE}),
            {("preflight.overfit_batch", "label_problem", "warning")}),
        "sgd_lr_50": (lambda: (high, (X, Y), with_optimizer(
            high, lambda m: torch.optim.SGD(m.parameters(), lr=50.0))),
                      {("preflight.overfit_batch", "lr_too_high", "error")}),
        "sgd_lr_1e-7": (lambda: (low, (X, Y), with_optimizer(
            low, lambda m: torch.optim.SGD(m.parameters(), lr=1e-7))),
                        {("preflight.overfit_batch", "lr_too_low", "warning")}),
        # gradient coverage
        "unused_layer": (lambda: (seeded(Unused), (X, Y), {"loss_fn": CE}),
                         {("preflight.grad_coverage", "unused_parameters", "warning")}),
        "detached_output": (lambda: (seeded(Detached), (X, Y), {"loss_fn": CE}),
                            {("preflight.grad_coverage", "unused_parameters", "error")}),
        # optimizer coverage
        "optimizer_misses_first_layer": (lambda: (partial, (X, Y), with_optimizer(
            partial, lambda m: torch.optim.Adam(m[2].parameters()))),
            {("preflight.optimizer_coverage", "frozen_parameters", "warning")}),
        "optimizer_of_another_model": (lambda: (other, (X, Y), with_optimizer(
            other, lambda m: torch.optim.Adam(seeded(mlp).parameters()))),
            {("preflight.optimizer_coverage", "frozen_parameters", "error")}),
        "optimizer_lr_zero": (lambda: (zero_lr, (X, Y), with_optimizer(
            zero_lr, lambda m: torch.optim.SGD(m.parameters(), lr=0.0))),
            {("preflight.optimizer_coverage", "frozen_parameters", "warning")}),
        # batch independence
        "view_mixes_batch": (lambda: (seeded(ViewMixesBatch), (X, Y), {"loss_fn": CE}),
                             {("preflight.batch_independence", "batch_mixing", "error")}),
        "sequence_view_not_transpose": (
            lambda: (seeded(lambda: SequenceView(True)), (X.view(N, 8, 8), Y), {"loss_fn": CE}),
            {("preflight.batch_independence", "batch_mixing", "error")}),
        "centers_over_batch": (lambda: (seeded(CentersOverBatch), (X, Y), {"loss_fn": CE}),
                               {("preflight.batch_independence", "batch_mixing", "error")}),
        # output activation vs loss
        "softmax_then_cross_entropy": (
            lambda: (seeded(lambda: nn.Sequential(mlp(), nn.Softmax(1))), (X, Y),
                     {"loss_fn": CE}),
            {("preflight.output_loss_pairing", "loss_output_mismatch", "error")}),
        "sigmoid_then_bce_with_logits": (
            lambda: (seeded(lambda: nn.Sequential(mlp(1, 32), nn.Sigmoid())), (X, Y_BIN),
                     {"loss_fn": nn.BCEWithLogitsLoss()}),
            {("preflight.output_loss_pairing", "loss_output_mismatch", "error")}),
        "softmax_over_one_unit": (
            lambda: (seeded(lambda: nn.Sequential(mlp(1, 32), nn.Softmax(-1))), (X, Y_BIN),
                     {"loss_fn": nn.BCELoss()}),
            {("preflight.output_loss_pairing", "loss_output_mismatch", "error")}),
        "logits_to_bce_loss": (lambda: (bin_mlp(), (X, Y_BIN), {"loss_fn": nn.BCELoss()}),
                               {("preflight.output_loss_pairing", "loss_output_mismatch",
                                 "error")}),
        "softmax_to_nll_loss": (
            lambda: (seeded(lambda: nn.Sequential(mlp(), nn.Softmax(1))), (X, Y),
                     {"loss_fn": nn.NLLLoss()}),
            {("preflight.output_loss_pairing", "loss_output_mismatch", "error")}),
        "cross_entropy_one_class": (
            lambda: (bin_mlp(), (X, torch.zeros(N, dtype=torch.long)), {"loss_fn": CE}),
            {("preflight.output_loss_pairing", "loss_output_mismatch", "error")}),
        "relu_on_logits": (
            lambda: (seeded(lambda: nn.Sequential(mlp(), nn.ReLU())), (X, Y), {"loss_fn": CE}),
            {("preflight.output_loss_pairing", "loss_output_mismatch", "error")}),
        # broadcasting in the loss
        "mse_n1_vs_n": (lambda: (seeded(lambda: mlp(1, 64, 10)), (XR, YR.squeeze(1)),
                                 {"loss_fn": nn.MSELoss()}),
                        {("preflight.loss_broadcast", "broadcast_loss", "error")}),
        "handwritten_mse_broadcasts": (
            lambda: (seeded(lambda: mlp(1, 64, 10)), (XR, YR.squeeze(1)),
                     {"loss_fn": lambda o, y: ((o - y) ** 2).mean()}),
            {("preflight.loss_broadcast", "broadcast_loss", "error")}),
        "bce_with_logits_shapes": (lambda: (bin_mlp(), (X, Y_BIN.squeeze(1)),
                                            {"loss_fn": nn.BCEWithLogitsLoss()}),
                                   {("preflight.loss_broadcast", "broadcast_loss", "error")}),
        "class_targets_n1": (lambda: (seeded(mlp), (X, Y.unsqueeze(1)), {"loss_fn": CE}),
                             {("preflight.loss_broadcast", "broadcast_loss", "error")}),
        # input scale
        "raw_digit_pixels": (lambda: (seeded(mlp), (X_RAW, Y), {"loss_fn": CE}),
                             {("preflight.input_scale", "unnormalized_inputs", "warning")}),
        "raw_0_255_images": (lambda: (seeded(cnn), (X_RAW.view(N, 1, 8, 8) * 255 / 16, Y),
                                      {"loss_fn": CE}),
                             {("preflight.input_scale", "unnormalized_inputs", "warning"),
                              ("preflight.initial_loss", "bad_initialization", "warning")}),
        # targets
        "minus_one_plus_one_labels": (lambda: (bin_mlp(), (X, Y_BIN * 2 - 1),
                                               {"loss_fn": nn.BCEWithLogitsLoss()}),
                                      {("preflight.target_range", "label_problem", "error")}),
        "class_index_out_of_range": (lambda: (seeded(lambda: mlp(9)), (X, Y), {"loss_fn": CE}),
                                     {("preflight.target_range", "label_problem", "error")}),
    }


BUGS = _bugs()
# True consequences that may or may not cross their threshold, depending on the initialization.
MAY_ALSO_FIRE = {
    "raw_digit_pixels": {("preflight.initial_loss", "bad_initialization", "warning")},
}


@pytest.mark.parametrize("case", sorted(BUGS))
def test_each_bug_gets_exactly_its_findings(case: str) -> None:
    make, expected = BUGS[case]
    model, batch, kwargs = make()
    found = timed_check(model, batch, **kwargs)
    assert expected <= loud(found) <= expected | MAY_ALSO_FIRE.get(case, set()), describe(found)


def test_every_detector_has_a_doc_page() -> None:
    from pathlib import Path

    docs = Path(__file__).resolve().parents[2] / "docs"
    missing = [d for d in DETECTORS if not (docs / "detectors" / f"{d}.md").exists()]
    assert not missing, f"pre-flight detectors without a doc page: {missing}"
    section = (docs / "diagnosis.md").read_text().split("## Pre-flight checks", 1)[1]
    assert all(f"detectors/{d}.md" in section for d in DETECTORS)


def test_every_detector_has_a_bug_that_fires_it() -> None:
    fired = {d for _, expected in BUGS.values() for d, _, _ in expected}
    assert fired == set(DETECTORS)


# -- evidence and wording -----------------------------------------------------------------------

def test_initial_loss_names_measured_and_expected() -> None:
    found = check(scaled_last_layer(30.0), (X, Y), loss_fn=CE)
    f = next(f for f in found if f.detector == "preflight.initial_loss")
    assert f.evidence["expected_loss"] == pytest.approx(np.log(10), rel=1e-4)
    assert f.evidence["initial_loss"] > 2 * np.log(10)
    assert "ln 10" in f.message


def test_unused_parameters_are_named() -> None:
    f = next(f for f in check(seeded(Unused), (X, Y), loss_fn=CE)
             if f.detector == "preflight.grad_coverage")
    assert f.evidence["no_gradient"] == ["extra.weight", "extra.bias"]
    assert f.layer == "extra" and "extra.weight" in f.message


def test_optimizer_coverage_names_the_missing_parameters() -> None:
    model = seeded(mlp)
    found = check(model, (X, Y), loss_fn=CE, optimizer=torch.optim.Adam(model[2].parameters()))
    f = next(f for f in found if f.detector == "preflight.optimizer_coverage")
    assert f.evidence["not_in_optimizer"] == ["0.weight", "0.bias"]


def test_batch_mixing_points_between_the_layers() -> None:
    f = next(f for f in check(seeded(ViewMixesBatch), (X, Y), loss_fn=CE)
             if f.detector == "preflight.batch_independence")
    assert "between a and b" in f.message


def test_batchnorm_in_train_mode_is_not_batch_mixing() -> None:
    # Batch norm mixes samples in training by design; the check runs in eval mode.
    found = check(seeded(bn_dropout), (X, Y), loss_fn=CE)
    assert not [f for f in found if f.detector == "preflight.batch_independence"]


def test_batchnorm_without_running_stats_is_located() -> None:
    model = seeded(lambda: nn.Sequential(nn.Linear(64, 32), nn.BatchNorm1d(
        32, track_running_stats=False), nn.ReLU(), nn.Linear(32, 10)))
    f = next(f for f in check(model, (X, Y), loss_fn=CE)
             if f.detector == "preflight.batch_independence")
    assert f.layer == "1" and "BatchNorm1d" in f.message


def test_sequence_first_transformer_hint_and_batch_dim() -> None:
    layer = seeded(lambda: nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0))
    seq = X.view(N, 8, 8)[:16]  # (batch 16, seq 8, features 8)
    found = check(layer, seq, loss_fn=lambda o: o.pow(2).mean())
    f = next(f for f in found if f.detector == "preflight.batch_independence")
    assert f.severity == "error" and "batch_first=False" in f.message
    assert "batch_dim=1" in f.message
    # Fed as it expects, (seq, batch, features) with batch_dim=1, it is independent.
    again = check(layer, seq.transpose(0, 1).contiguous(), loss_fn=lambda o: o.pow(2).mean(),
                  batch_dim=1)
    assert not [f for f in again if f.detector == "preflight.batch_independence"]


def test_integer_inputs_use_the_embedding_for_batch_independence() -> None:
    class MixedTokens(TokenBag):
        def forward(self, ids: torch.Tensor) -> torch.Tensor:
            e = self.emb(ids)
            return self.head(e.mean(1) - e.mean((0, 1)))

    found = check(seeded(MixedTokens), (tokens(), Y), loss_fn=CE)
    assert ("preflight.batch_independence", "batch_mixing", "error") in loud(found)


def test_nan_in_the_inputs_is_an_error() -> None:
    x = X.clone()
    x[3, 5] = float("nan")
    found = check(seeded(mlp), (x, Y), loss_fn=CE)
    assert ("preflight.input_scale", "nonfinite", "error") in loud(found)
    assert found[0].category == "nonfinite" and found[0].evidence["nonfinite"] == 1


def test_single_sample_batch_skips_independence_with_info() -> None:
    found = check(seeded(mlp), (X[:1], Y[:1]), loss_fn=CE, skip={"preflight.overfit_batch"})
    f = next(f for f in found if f.detector == "preflight.batch_independence")
    assert f.severity == "info" and "not checked" in f.message


def test_slow_but_sane_user_learning_rate_is_an_info() -> None:
    model = seeded(mlp)
    found = check(model, (X, Y), loss_fn=CE, optimizer=torch.optim.SGD(model.parameters(),
                                                                         lr=0.01))
    infos = [f for f in found if f.detector == "preflight.overfit_batch"]
    assert [(f.category, f.severity) for f in infos] in ([], [("lr_too_low", "info")])


def test_symptoms_are_explained_by_their_cause() -> None:
    # Softmax before cross-entropy also slows the overfit: that is an info pointing at the cause.
    found = check(seeded(lambda: nn.Sequential(mlp(), nn.Softmax(1))), (X, Y), loss_fn=CE)
    overfit = [f for f in found if f.detector == "preflight.overfit_batch"]
    assert all(f.severity == "info" for f in overfit)
    assert all(f.evidence["explained_by"] == "preflight.output_loss_pairing" for f in overfit)


def test_findings_are_sorted_errors_first() -> None:
    model = seeded(lambda: nn.Sequential(mlp(), nn.Softmax(1)))
    for p in model[0][0].parameters():
        p.requires_grad_(False)
    found = check(model, (X_RAW, Y), loss_fn=CE)
    ranks = [("error", "warning", "info").index(f.severity) for f in found]
    assert ranks == sorted(ranks) and len(set(ranks)) == 3, describe(found)


def test_skip_drops_detectors() -> None:
    found = check(seeded(mlp), (X_RAW, Y), loss_fn=CE, skip={"preflight.input_scale"})
    assert not [f for f in found if f.detector == "preflight.input_scale"]


# -- the user's objects are never touched -------------------------------------------------------

def _snapshot(model: nn.Module, opt: torch.optim.Optimizer) -> tuple[Any, ...]:
    grads = [None if p.grad is None else p.grad.clone() for p in model.parameters()]
    return (copy.deepcopy(model.state_dict()), copy.deepcopy(opt.state_dict()), grads,
            model.training, torch.get_rng_state().clone(),
            [p.requires_grad for p in model.parameters()])


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and torch.equal(a, b)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


@pytest.mark.parametrize("case", ["batchnorm_dropout", "dead_relu", "sgd_lr_50"])
def test_model_optimizer_and_rng_are_untouched(case: str) -> None:
    model = bn_dropout() if case == "batchnorm_dropout" else (
        dead_relu() if case == "dead_relu" else seeded(mlp))
    lr = 50.0 if case == "sgd_lr_50" else 1e-3
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    for _ in range(2):  # real state: momentum buffers, moved BN statistics, leftover grads
        opt.zero_grad()
        CE(model(X), Y).backward()
        opt.step()
    model.eval()
    before = _snapshot(model, opt)
    check(model, (X, Y), loss_fn=CE, optimizer=opt)
    assert _same(before, _snapshot(model, opt))


def test_batch_and_loss_module_are_untouched() -> None:
    class TemperedCE(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.log_t = nn.Parameter(torch.zeros(()))

        def forward(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            return F.cross_entropy(out * self.log_t.exp(), y)

    x = X.clone().requires_grad_(True)
    loss = TemperedCE()
    check(seeded(mlp), (x, Y), loss_fn=loss)
    assert x.grad is None and loss.log_t.grad is None and loss.log_t.detach().item() == 0.0
    assert torch.equal(x.detach(), X)


def test_inference_mode_batch_is_accepted() -> None:
    with torch.inference_mode():
        x, y = X.clone(), Y.clone()
    assert check(seeded(mlp), (x, y), loss_fn=CE) == []


def test_a_watched_model_logs_nothing_and_keeps_its_hooks(tmp_path: Any,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import deepscope

    monkeypatch.setenv("DEEPSCOPE_LIVE_DIAGNOSIS", "0")
    model = seeded(mlp)
    run = deepscope.init(project="t", logdir=tmp_path / "logs", exit_hooks=False)
    try:
        handle = run.watch(model, every=1)
        hooks = (len(model._forward_pre_hooks), len(model[0]._forward_hooks))
        assert check(model, (X, Y), loss_fn=CE) == []
        assert handle.step == 0 and hooks == (len(model._forward_pre_hooks),
                                              len(model[0]._forward_hooks))
    finally:
        run.finish()
    reader = deepscope.open(tmp_path / "logs")
    assert reader.list_series(reader.list_runs()[0].id) == []


def test_deepscope_capture_hooks_are_not_copied() -> None:
    calls: list[str] = []

    def hook(module: nn.Module, args: Any, out: Any) -> None:
        calls.append("called")

    hook.__module__ = "deepscope.capture.torch"  # as run.watch's hooks are
    model = seeded(mlp)
    model[0].register_forward_hook(hook)
    check(model, (X, Y), loss_fn=CE)
    assert calls == []


# -- arguments ----------------------------------------------------------------------------------

def test_batch_forms_agree() -> None:
    model = seeded(lambda: nn.Sequential(mlp(), nn.Softmax(1)))
    as_tuple = check(model, (X, Y), loss_fn=CE)
    as_target = check(model, X, target=Y, loss_fn=CE)
    as_list = check(model, [X, Y], loss_fn=CE)
    assert as_tuple == as_target == as_list and as_tuple


def test_public_wrapper_matches() -> None:
    model = seeded(lambda: nn.Sequential(mlp(), nn.Softmax(1)))
    assert public_check(model, (X, Y), loss_fn=CE) == check(model, (X, Y), loss_fn=CE)


def test_import_deepscope_check_does_not_import_torch() -> None:
    code = "import sys, deepscope._check; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"steps": 0}, ValueError, "steps must be"),
    ({"batch_dim": -1}, ValueError, "batch_dim must be"),
    ({"skip": {"preflight.nope"}}, ValueError, "known ids"),
    ({"skip": "preflight.input_scale"}, ValueError, "collection"),
])
def test_bad_arguments_say_what_to_do(kwargs: dict[str, Any], error: type[Exception],
                                      match: str) -> None:
    with pytest.raises(error, match=match):
        check(seeded(mlp), (X, Y), loss_fn=CE, **kwargs)


def test_not_a_module_and_bad_batch() -> None:
    with pytest.raises(TypeError, match="torch.nn.Module"):
        check(lambda x: x, (X, Y))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="target="):
        check(seeded(mlp), (X, Y, Y), loss_fn=CE)


def test_an_undiagnosed_loss_error_is_reraised_with_context() -> None:
    def broken(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        raise KeyError("labels")

    with pytest.raises(KeyError) as info:
        check(seeded(mlp), (X, Y), loss_fn=broken)
    assert any("deepscope.check()" in note for note in getattr(info.value, "__notes__", [])) \
        or sys.version_info < (3, 11)
    frozen = seeded(mlp).requires_grad_(False)  # an unrelated error finding must not hide it
    with pytest.raises(KeyError):
        check(frozen, (X, Y), loss_fn=broken)
