"""Dead ReLU units and saturated sigmoid/tanh units."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .. import data
from ..harness import Ctx, train
from ..models import Conv1dNet, cnn, mlp
from ..registry import program


@program("dead_units", arch="cnn")
def dead_negative_bias(ctx: Ctx) -> str:
    """Conv biases initialized to -2 "for sparsity": most channels never fire again."""
    torch.manual_seed(0)
    model = cnn()
    for m in model:
        if isinstance(m, nn.Conv2d):
            nn.init.constant_(m.bias, -2.0)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return train(ctx, "dead_negative_bias", model, opt, data.digits_images(), F.cross_entropy,
                 steps=300)


@program("dead_units", arch="mlp")
def dead_inverted_warmup(ctx: Ctx) -> str:
    """A warm-up schedule written backwards: Adam's learning rate starts 100x too high and
    decays to the intended 1e-3 over 100 steps; the first big steps knock most of the second
    layer's ReLUs out for good."""
    torch.manual_seed(0)
    model = mlp([64, 128, 128, 10])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(1.0, 100.0 - s))
    return train(ctx, "dead_inverted_warmup", model, opt, data.digits(), F.cross_entropy,
                 steps=300, scheduler=sched)


@program("saturated_units", arch="mlp", fast=True)
def sat_tanh_unit_normal_init(ctx: Ctx) -> str:
    """Wide tanh layers initialized with ``nn.init.normal_(w)`` (std 1 instead of
    ~1/sqrt(fan_in)): pre-activations have std ~10 and tanh is flat there."""
    torch.manual_seed(0)
    model = mlp([64, 256, 256, 10], nn.Tanh)
    for m in model:
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    return train(ctx, "sat_tanh_unit_normal_init", model, opt, data.digits(), F.cross_entropy,
                 steps=300)


@program("saturated_units", arch="conv1d")
def sat_sigmoid_conv1d_init(ctx: Ctx) -> str:
    """A sigmoid 1-D conv net whose every parameter went through ``nn.init.normal_`` (a loop
    meant for embeddings): the second conv sums 320 inputs of ~0.5 with unit weights."""
    torch.manual_seed(0)
    model = Conv1dNet(3, 3, width=64, act=nn.Sigmoid)
    for p in model.parameters():
        nn.init.normal_(p)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return train(ctx, "sat_sigmoid_conv1d_init", model, opt, data.sequences(), F.cross_entropy,
                 steps=250)
