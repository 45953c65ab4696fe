"""Bugs seen in the loss curves: overfitting, plateaus, oscillation."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .. import data
from ..harness import Ctx, train
from ..models import cnn, mlp
from ..registry import program


@program("overfitting", arch="mlp")
def overfit_small_subset(ctx: Ctx) -> str:
    """A 280k-parameter MLP trained for 600 steps on 80 digit images, no regularization."""
    torch.manual_seed(0)
    model = mlp([64, 512, 512, 10])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return train(ctx, "overfit_small_subset", model, opt, data.digits().subset(80),
                 F.cross_entropy, steps=600, batch_size=16)


@program("overfitting", arch="cnn")
def overfit_cnn_noisy_labels(ctx: Ctx) -> str:
    """A wide CNN memorizing 150 images, a third of them mislabelled, for 500 steps."""
    torch.manual_seed(0)
    d = data.digits_images().subset(150)
    g = torch.Generator().manual_seed(0)
    y = d.y.clone()
    flip = torch.rand(len(y), generator=g) < 0.33
    y[flip] = torch.randint(0, 10, (int(flip.sum()),), generator=g)
    model = cnn(width=32)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    return train(ctx, "overfit_cnn_noisy_labels", model, opt,
                 data.Data(d.x, y, d.x_val, d.y_val, 10), F.cross_entropy, steps=500,
                 batch_size=16)


@program("plateau", arch="mlp")
def plateau_weight_decay_one(ctx: Ctx) -> str:
    """``Adam(..., weight_decay=1)`` (meant as "on"): the L2 pull dominates every gradient and
    the weights sit near zero, so the loss stays near ln(10)."""
    torch.manual_seed(0)
    model = mlp([64, 64, 10])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1.0)
    return train(ctx, "plateau_weight_decay_one", model, opt, data.digits(), F.cross_entropy,
                 steps=300)


@program("plateau", arch="mlp")
def plateau_label_smoothing_one(ctx: Ctx) -> str:
    """``CrossEntropyLoss(label_smoothing=1.0)`` (meant 0.1): the target distribution is
    uniform whatever the label, so the best the model can do is what it does at
    initialization."""
    torch.manual_seed(0)
    model = mlp([64, 64, 10])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return train(ctx, "plateau_label_smoothing_one", model, opt, data.digits(),
                 nn.CrossEntropyLoss(label_smoothing=1.0), steps=300)


@program("oscillating_loss", arch="mlp")
def osc_sorted_no_shuffle(ctx: Ctx) -> str:
    """Training data sorted by class and never shuffled: the model drifts toward each class in
    turn and the loss jumps every epoch when the stream wraps from the 9s back to the 0s."""
    torch.manual_seed(0)
    d = data.digits()
    order = torch.argsort(d.y, stable=True)
    d = data.Data(d.x[order], d.y[order], d.x_val, d.y_val, 10)
    model = mlp([64, 64, 10])
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    return train(ctx, "osc_sorted_no_shuffle", model, opt, d, F.cross_entropy, steps=400,
                 batch_size=16, shuffle=False)


@program("oscillating_loss", arch="mlp")
def osc_regression_sorted_by_target(ctx: Ctx) -> str:
    """A regression set sorted by its target (a ``sort_values`` left in the pipeline) and
    never shuffled: each epoch sweeps from the smallest targets to the largest, and the loss
    spikes when it wraps around."""
    torch.manual_seed(0)
    d = data.regression()
    order = torch.argsort(d.y)
    d = data.Data(d.x[order], d.y[order], d.x_val, d.y_val, 0)
    model = mlp([16, 64, 1])
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def loss(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return F.mse_loss(out.squeeze(1), y)

    return train(ctx, "osc_regression_sorted_by_target", model, opt, d, loss, steps=400,
                 batch_size=16, shuffle=False)
