"""Non-finite values: a loss or a layer that produces NaN/Inf."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .. import data
from ..harness import Ctx, train
from ..models import AutoEncoder, mlp
from ..registry import program


@program("nonfinite", arch="mlp", fast=True)
def nf_log_of_linear_output(ctx: Ctx) -> str:
    """Regression in log space on a raw linear output: ``log(pred)`` of a negative
    prediction is NaN (the output should go through ``exp``/``softplus`` first)."""
    torch.manual_seed(0)
    d = data.regression()
    y = torch.exp(d.y / 2)  # positive targets, e.g. prices
    d = data.Data(d.x, y, d.x_val, torch.exp(d.y_val / 2), 0)
    model = mlp([16, 32, 1])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def loss(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return F.mse_loss(torch.log(out.squeeze(1)), torch.log(y))

    return train(ctx, "nf_log_of_linear_output", model, opt, d, loss, steps=200)


@program("nonfinite", arch="mlp")
def nf_naive_softmax(ctx: Ctx) -> str:
    """A hand-written softmax cross-entropy, ``exp(z) / exp(z).sum()``, overflows once the
    logits pass ~88 (the learning rate is high enough to get them there)."""
    torch.manual_seed(0)
    model = mlp([64, 64, 10])
    opt = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)

    def loss(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        p = torch.exp(out) / torch.exp(out).sum(1, keepdim=True)
        return -torch.log(p[torch.arange(len(y)), y]).mean()

    return train(ctx, "nf_naive_softmax", model, opt, data.digits(), loss, steps=300)


@program("nonfinite", arch="autoencoder")
def nf_sqrt_pairwise_distance(ctx: Ctx) -> str:
    """A metric-learning term with ``sqrt`` of squared pairwise distances: the diagonal is 0
    and the derivative of sqrt at 0 is infinite, so the backward pass yields NaN."""
    torch.manual_seed(0)
    d = data.digits()
    ae = data.Data(d.x, d.x, d.x_val, d.x_val, 0)
    model = AutoEncoder(64, 32, 8)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step(m: torch.nn.Module, x: torch.Tensor, _: torch.Tensor) -> torch.Tensor:
        z = m.encoder(x)
        dist = torch.sqrt(((z[:, None] - z[None]) ** 2).sum(-1))
        spread = -dist.mean()  # keep codes apart
        return F.mse_loss(m.decoder(z), x) + 0.01 * spread

    return train(ctx, "nf_sqrt_pairwise_distance", model, opt, ae, F.mse_loss, steps=200,
                 step_fn=step)
