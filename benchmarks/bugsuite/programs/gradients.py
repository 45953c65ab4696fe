"""Exploding and vanishing gradients."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .. import data
from ..harness import Ctx, train
from ..models import GRUClassifier, mlp
from ..registry import program


def _mse(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.mse_loss(out.squeeze(1), y)


@program("exploding_gradients", arch="rnn")
def exp_irnn_no_clipping(ctx: Ctx) -> str:
    """A ReLU RNN with identity-initialized recurrence (IRNN) on 40-step sequences and no
    gradient clipping: gradients grow through time."""
    torch.manual_seed(0)
    model = GRUClassifier(1, 32, 1, cell=nn.RNN, nonlinearity="relu")
    with torch.no_grad():
        model.rnn.weight_hh_l0.copy_(torch.eye(32) * 1.1)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return train(ctx, "exp_irnn_no_clipping", model, opt, data.memory_task(), _mse,
                 steps=200)


@program("exploding_gradients", arch="mlp")
def exp_sum_loss_unscaled_targets(ctx: Ctx) -> str:
    """Regression on raw targets (std ~150) with a summed rather than averaged squared
    error: gradients are thousands of times larger than with a mean over a scaled target."""
    torch.manual_seed(0)
    model = mlp([16, 64, 64, 1])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def loss(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return ((out.squeeze(1) - y) ** 2).sum()

    return train(ctx, "exp_sum_loss_unscaled_targets", model, opt,
                 data.regression(scale_y=False), loss, steps=300, batch_size=64)


@program("vanishing_gradients", arch="mlp", fast=True)
def van_deep_sigmoid(ctx: Ctx) -> str:
    """Ten stacked sigmoid layers trained with SGD: each layer scales the gradient by at most
    1/4, so the first layers receive almost nothing."""
    torch.manual_seed(0)
    model = mlp([64] + [64] * 9 + [10], nn.Sigmoid)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    return train(ctx, "van_deep_sigmoid", model, opt, data.digits(), F.cross_entropy,
                 steps=300)


@program("vanishing_gradients", arch="mlp")
def van_tanh_small_init(ctx: Ctx) -> str:
    """A ten-layer tanh MLP initialized like Keras' ``RandomNormal`` default (std 0.05): each
    layer shrinks the signal and the gradient by ~0.4."""
    torch.manual_seed(0)
    model = mlp([64] + [64] * 9 + [10], nn.Tanh)
    for m in model:
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.05)
            nn.init.zeros_(m.bias)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    return train(ctx, "van_tanh_small_init", model, opt, data.digits(), F.cross_entropy,
                 steps=300)
