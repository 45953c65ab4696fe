"""Correct programs: varied architectures, noise, small batches, schedules, regularization.

They must not raise any warning or error finding. Several are the fixed twins of the
pre-flight bugs and call ``deepscope.check`` too.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .. import data
from ..harness import Ctx, train
from ..models import AutoEncoder, Conv1dNet, GRUClassifier, cnn, mlp
from ..registry import CORRECT, program


def _bce(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.binary_cross_entropy_with_logits(out.squeeze(1), y.float())


def _mse(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.mse_loss(out.squeeze(1), y)


@program(CORRECT, arch="mlp", preflight=True, fast=True)
def ok_mlp_digits(ctx: Ctx) -> str:
    """MLP on digits, Adam 1e-3, cross-entropy on logits."""
    torch.manual_seed(0)
    model = mlp([64, 64, 10])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return train(ctx, "ok_mlp_digits", model, opt, data.digits(), F.cross_entropy, steps=400,
                 check=True)


@program(CORRECT, arch="mlp", fast=True)
def ok_iris_batch1(ctx: Ctx) -> str:
    """Batch size 1 with plain SGD on iris: noisy per-step loss, ReLU units idle per sample."""
    torch.manual_seed(0)
    model = mlp([4, 16, 3])
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    return train(ctx, "ok_iris_batch1", model, opt, data.iris(), F.cross_entropy, steps=500,
                 batch_size=1)


@program(CORRECT, arch="cnn", preflight=True)
def ok_cnn_bn_dropout(ctx: Ctx) -> str:
    """Small CNN with BatchNorm and dropout on digit images, Adam."""
    torch.manual_seed(0)
    model = cnn(batchnorm=True, dropout=0.3)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    return train(ctx, "ok_cnn_bn_dropout", model, opt, data.digits_images(), F.cross_entropy,
                 steps=300, check=True)


@program(CORRECT, arch="rnn", preflight=True)
def ok_gru_sequences(ctx: Ctx) -> str:
    """GRU classifying sine frequencies (batch-first, no mixing)."""
    torch.manual_seed(0)
    model = GRUClassifier(3, 32, 3)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    return train(ctx, "ok_gru_sequences", model, opt, data.sequences(), F.cross_entropy,
                 steps=250, check=True)


@program(CORRECT, arch="conv1d")
def ok_conv1d_sequences(ctx: Ctx) -> str:
    """1-D convolutions over the same sequences, Adam with a step schedule."""
    torch.manual_seed(0)
    model = Conv1dNet(3, 3)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=150, gamma=0.3)
    return train(ctx, "ok_conv1d_sequences", model, opt, data.sequences(), F.cross_entropy,
                 steps=300, scheduler=sched)


@program(CORRECT, arch="autoencoder")
def ok_autoencoder_sigmoid(ctx: Ctx) -> str:
    """Autoencoder of digit pixels in [0, 1] with a sigmoid output and MSE: many outputs are
    0, so the output sigmoid legitimately sits in its flat region."""
    torch.manual_seed(0)
    d = data.digits_images()
    flat = data.Data(d.x.flatten(1), d.x.flatten(1), d.x_val.flatten(1), d.x_val.flatten(1), 0)
    model = AutoEncoder(64, 32, 8, out_act=nn.Sigmoid())
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    return train(ctx, "ok_autoencoder_sigmoid", model, opt, flat, F.mse_loss, steps=400)


@program(CORRECT, arch="mlp", preflight=True)
def ok_breast_cancer_cosine(ctx: Ctx) -> str:
    """Binary classifier with BCE-with-logits, SGD momentum and cosine annealing."""
    torch.manual_seed(0)
    model = mlp([30, 32, 1])
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=300)
    return train(ctx, "ok_breast_cancer_cosine", model, opt, data.breast_cancer(), _bce,
                 steps=300, scheduler=sched, check=True)


@program(CORRECT, arch="mlp")
def ok_moons_tanh(ctx: Ctx) -> str:
    """Tanh MLP on two moons, SGD with a step schedule."""
    torch.manual_seed(0)
    model = mlp([2, 32, 32, 2], nn.Tanh)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=200, gamma=0.5)
    return train(ctx, "ok_moons_tanh", model, opt, data.moons(), F.cross_entropy, steps=400,
                 scheduler=sched)


@program(CORRECT, arch="mlp", preflight=True, fast=True)
def ok_regression(ctx: Ctx) -> str:
    """Regression MLP, output squeezed to the target's shape, SGD with momentum."""
    torch.manual_seed(0)
    model = mlp([16, 64, 1])
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    return train(ctx, "ok_regression", model, opt, data.regression(), _mse, steps=400,
                 check=True)


@program(CORRECT, arch="mlp")
def ok_iris_early_convergence(ctx: Ctx) -> str:
    """Converges in ~100 steps, then keeps training at a flat loss for 500 more."""
    torch.manual_seed(0)
    model = mlp([4, 32, 3])
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    return train(ctx, "ok_iris_early_convergence", model, opt, data.iris(), F.cross_entropy,
                 steps=600, batch_size=16)


@program(CORRECT, arch="mlp")
def ok_wine_small_batch(ctx: Ctx) -> str:
    """Batch size 4, dropout and weight decay on wine."""
    torch.manual_seed(0)
    model = mlp([13, 32, 32, 3], dropout=0.2)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-2)
    return train(ctx, "ok_wine_small_batch", model, opt, data.wine(), F.cross_entropy,
                 steps=400, batch_size=4)


@program(CORRECT, arch="mlp")
def ok_noisy_labels(ctx: Ctx) -> str:
    """A legitimately noisy task: 20% of make_classification's labels are random."""
    torch.manual_seed(0)
    model = mlp([20, 64, 4])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return train(ctx, "ok_noisy_labels", model, opt, data.classification(flip_y=0.2),
                 F.cross_entropy, steps=400)


@program(CORRECT, arch="mlp")
def ok_deep_relu(ctx: Ctx) -> str:
    """Six-layer ReLU MLP with kaiming init, SGD momentum with cosine annealing."""
    torch.manual_seed(0)
    model = mlp([64, 64, 64, 64, 64, 64, 10])
    for m in model:
        if isinstance(m, nn.Linear):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            nn.init.zeros_(m.bias)
    opt = torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.9)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=400)
    return train(ctx, "ok_deep_relu", model, opt, data.digits(), F.cross_entropy, steps=400,
                 scheduler=sched)


@program(CORRECT, arch="rnn")
def ok_rnn_clipped(ctx: Ctx) -> str:
    """Vanilla tanh RNN classifying the sine sequences, with gradient clipping."""
    torch.manual_seed(0)
    model = GRUClassifier(3, 32, 3, cell=nn.RNN)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    return train(ctx, "ok_rnn_clipped", model, opt, data.sequences(), F.cross_entropy,
                 steps=300, clip=1.0)


@program(CORRECT, arch="cnn")
def ok_finetune_frozen_backbone(ctx: Ctx) -> str:
    """Transfer learning done right: the backbone is frozen with requires_grad=False and only
    the head is given to the optimizer."""
    torch.manual_seed(0)
    model = cnn()
    for p in model[:-1].parameters():
        p.requires_grad_(False)
    opt = torch.optim.Adam(model[-1].parameters(), lr=3e-3)
    return train(ctx, "ok_finetune_frozen_backbone", model, opt, data.digits_images(),
                 F.cross_entropy, steps=300)


@program(CORRECT, arch="cnn")
def ok_cnn_batch1(ctx: Ctx) -> str:
    """CNN trained with batch size 1 (per-sample SGD with momentum)."""
    torch.manual_seed(0)
    model = cnn(width=8)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    return train(ctx, "ok_cnn_batch1", model, opt, data.digits_images(), F.cross_entropy,
                 steps=500, batch_size=1)


@program(CORRECT, arch="mlp")
def ok_onecycle(ctx: Ctx) -> str:
    """One-cycle schedule: the learning rate climbs to 10x its start mid-run, then anneals."""
    torch.manual_seed(0)
    model = mlp([64, 128, 10], dropout=0.1)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.2, total_steps=400)
    return train(ctx, "ok_onecycle", model, opt, data.digits(), F.cross_entropy, steps=400,
                 scheduler=sched)
