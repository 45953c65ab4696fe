"""Parameters that never learn: unused (no gradient) or frozen (a gradient, no update)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .. import data
from ..harness import Ctx, train
from ..models import AutoEncoder, cnn, mlp
from ..registry import program


class _SkippedLayer(nn.Module):
    """A refactor left ``hidden2`` defined but no longer called in ``forward``."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden1 = nn.Linear(64, 64)
        self.hidden2 = nn.Linear(64, 64)
        self.out = nn.Linear(64, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(F.relu(self.hidden1(x)))


@program("unused_parameters", arch="mlp", preflight=True, fast=True)
def unused_layer_not_called(ctx: Ctx) -> str:
    """A layer defined in ``__init__`` but skipped in ``forward``."""
    torch.manual_seed(0)
    model = _SkippedLayer()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return train(ctx, "unused_layer_not_called", model, opt, data.digits(), F.cross_entropy,
                 steps=300, check=True)


class _DetachedEncoder(nn.Module):
    """A classifier on an autoencoder's code, with the code detached from the encoder."""

    def __init__(self) -> None:
        super().__init__()
        self.ae = AutoEncoder(64, 32, 16)
        self.head = nn.Linear(16, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.ae.encoder(x).detach())


@program("unused_parameters", arch="autoencoder")
def unused_detached_encoder(ctx: Ctx) -> str:
    """``encoder(x).detach()`` before the head: the encoder never gets a gradient."""
    torch.manual_seed(0)
    model = _DetachedEncoder()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return train(ctx, "unused_detached_encoder", model, opt, data.digits(), F.cross_entropy,
                 steps=300)


@program("frozen_parameters", arch="cnn")
def frozen_head_replaced_after_optimizer(ctx: Ctx) -> str:
    """The head is replaced (10 -> 10 classes, "re-initialized") after the optimizer was
    built, so the new head's parameters are not in the optimizer."""
    torch.manual_seed(0)
    model = cnn()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    model[-1] = nn.Linear(model[-1].in_features, 10)
    return train(ctx, "frozen_head_replaced_after_optimizer", model, opt, data.digits_images(),
                 F.cross_entropy, steps=250)


@program("frozen_parameters", arch="mlp", preflight=True)
def frozen_optimizer_gets_head_only(ctx: Ctx) -> str:
    """Meant to fine-tune everything, but the optimizer was given ``model[-1].parameters()``:
    the body computes gradients and never moves."""
    torch.manual_seed(0)
    model = mlp([64, 64, 64, 10])
    opt = torch.optim.Adam(model[-1].parameters(), lr=1e-3)
    return train(ctx, "frozen_optimizer_gets_head_only", model, opt, data.digits(),
                 F.cross_entropy, steps=300, check=True)


@program("frozen_parameters", arch="mlp")
def frozen_optimizer_of_other_model(ctx: Ctx) -> str:
    """The optimizer was built on a second instance of the model (``Adam(Net().parameters())``):
    the trained model never changes at all."""
    torch.manual_seed(0)
    model = mlp([13, 32, 3])
    opt = torch.optim.Adam(mlp([13, 32, 3]).parameters(), lr=1e-3)
    return train(ctx, "frozen_optimizer_of_other_model", model, opt, data.wine(),
                 F.cross_entropy, steps=300, batch_size=16)
