"""Learning rates far off: too high (divergence, huge updates) or too low (no progress)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .. import data
from ..harness import Ctx, train
from ..models import GRUClassifier, cnn, mlp
from ..registry import program


@program("lr_too_high", arch="mlp")
def lrh_adam_mlp(ctx: Ctx) -> str:
    """Adam with lr=0.1 (a typo for 1e-3): updates move weights by a large share of their
    norm every step."""
    torch.manual_seed(0)
    model = mlp([64, 128, 10])
    opt = torch.optim.Adam(model.parameters(), lr=0.1)
    return train(ctx, "lrh_adam_mlp", model, opt, data.digits(), F.cross_entropy, steps=300)


@program("lr_too_high", arch="cnn")
def lrh_sgd_cnn(ctx: Ctx) -> str:
    """SGD with momentum at lr=0.5 on a CNN."""
    torch.manual_seed(0)
    model = cnn()
    opt = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    return train(ctx, "lrh_sgd_cnn", model, opt, data.digits_images(), F.cross_entropy,
                 steps=250)


@program("lr_too_high", arch="rnn")
def lrh_gru(ctx: Ctx) -> str:
    """A GRU trained with Adam at lr=0.1."""
    torch.manual_seed(0)
    model = GRUClassifier(3, 32, 3)
    opt = torch.optim.Adam(model.parameters(), lr=0.1)
    return train(ctx, "lrh_gru", model, opt, data.sequences(), F.cross_entropy, steps=200)


@program("lr_too_high", arch="mlp")
def lrh_cyclic_peak_too_high(ctx: Ctx) -> str:
    """A triangular cyclic schedule from 1e-3 up to 2.0 (read off a range test wrongly): at
    every peak the learning rate undoes what the trough learned."""
    torch.manual_seed(0)
    model = mlp([64, 64, 10], nn.Tanh)
    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    sched = torch.optim.lr_scheduler.CyclicLR(opt, base_lr=1e-3, max_lr=2.0, step_size_up=50)
    return train(ctx, "lrh_cyclic_peak_too_high", model, opt, data.digits(), F.cross_entropy,
                 steps=400, scheduler=sched)


@program("lr_too_low", arch="mlp", fast=True)
def lrl_adam_mlp(ctx: Ctx) -> str:
    """Adam with lr=1e-6 (an extra zero, twice): the loss barely moves in 300 steps."""
    torch.manual_seed(0)
    model = mlp([64, 64, 10])
    opt = torch.optim.Adam(model.parameters(), lr=1e-6)
    return train(ctx, "lrl_adam_mlp", model, opt, data.digits(), F.cross_entropy, steps=300)


@program("lr_too_low", arch="cnn")
def lrl_sgd_cnn(ctx: Ctx) -> str:
    """Plain SGD at lr=1e-4 on a CNN."""
    torch.manual_seed(0)
    model = cnn()
    opt = torch.optim.SGD(model.parameters(), lr=1e-4)
    return train(ctx, "lrl_sgd_cnn", model, opt, data.digits_images(), F.cross_entropy,
                 steps=250)


@program("lr_too_low", arch="mlp")
def lrl_scheduler_per_batch(ctx: Ctx) -> str:
    """An epoch-based StepLR (step_size=30, gamma=0.1) stepped every batch: after 60 steps
    the learning rate is 100x smaller, after 300 it is 1e-10 of the start."""
    torch.manual_seed(0)
    model = mlp([64, 64, 10])
    opt = torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.9)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=30, gamma=0.1)
    return train(ctx, "lrl_scheduler_per_batch", model, opt, data.digits(), F.cross_entropy,
                 steps=400, scheduler=sched)
