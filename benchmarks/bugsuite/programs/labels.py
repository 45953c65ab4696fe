"""Labels that do not belong to their inputs."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .. import data
from ..harness import Ctx, train
from ..models import mlp
from ..registry import program


@program("label_problem", arch="mlp", fast=True)
def label_shuffled_separately(ctx: Ctx) -> str:
    """Inputs and labels shuffled with two different permutations: the training labels are
    random with respect to the images (the validation split is intact)."""
    torch.manual_seed(0)
    d = data.digits()
    g = torch.Generator().manual_seed(1)
    d = data.Data(d.x[torch.randperm(len(d.x), generator=g)], d.y, d.x_val, d.y_val, 10)
    model = mlp([64, 256, 256, 10])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return train(ctx, "label_shuffled_separately", model, opt, d, F.cross_entropy, steps=400)


@program("label_problem", arch="mlp")
def label_sorted_features_only(ctx: Ctx) -> str:
    """Regression where the feature rows were sorted by their first column and the targets
    were not: targets no longer belong to their rows."""
    torch.manual_seed(0)
    d = data.regression()
    x = d.x[torch.argsort(d.x[:, 0])]
    d = data.Data(x, d.y, d.x_val, d.y_val, 0)
    model = mlp([16, 128, 128, 1])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def loss(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return F.mse_loss(out.squeeze(1), y)

    return train(ctx, "label_sorted_features_only", model, opt, d, loss, steps=400)
