"""Held-out set v3: written after the round-3 thresholds were frozen, run once and never used
to tune anything. Its scores are reported apart from the calibration set's (see the README)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .. import data
from ..harness import Ctx, train
from ..models import Conv1dNet, GRUClassifier, cnn, mlp
from ..registry import CORRECT, program


def _mse(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.mse_loss(out.squeeze(1), y)


@program("nonfinite", arch="mlp", heldout=True)
def h3_nf_handwritten_bce(ctx: Ctx) -> str:
    """A hand-written ``-(y log p + (1-y) log(1-p))`` on ``p = sigmoid(logit)``: once a logit
    passes ~17, p is exactly 1.0 in float32 and ``0 * log(0)`` is NaN."""
    torch.manual_seed(0)
    model = mlp([30, 64, 1])
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)

    def loss(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        p, t = torch.sigmoid(out.squeeze(1)), y.float()
        return -(t * torch.log(p) + (1 - t) * torch.log(1 - p)).mean()

    return train(ctx, "h3_nf_handwritten_bce", model, opt, data.breast_cancer(), loss,
                 steps=400)


@program("exploding_gradients", arch="mlp", heldout=True)
def h3_exp_deep_relu_double_init(ctx: Ctx) -> str:
    """An eight-layer ReLU regressor whose kaiming-initialized weights were then doubled ("to
    speed up learning"): activations and gradients grow ~2x per layer."""
    torch.manual_seed(0)
    model = mlp([16] + [64] * 7 + [1])
    with torch.no_grad():
        for m in model:
            if isinstance(m, nn.Linear):
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
                m.weight.mul_(2.0)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return train(ctx, "h3_exp_deep_relu_double_init", model, opt, data.regression(), _mse,
                 steps=300)


class _SigmoidAE(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        sizes = [64, 48, 32, 16, 32, 48, 64]
        layers: list[nn.Module] = []
        for a, b in zip(sizes[:-1], sizes[1:], strict=True):
            layers += [nn.Linear(a, b), nn.Sigmoid()]
        self.net = nn.Sequential(*layers[:-1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


@program("vanishing_gradients", arch="autoencoder", heldout=True)
def h3_van_sigmoid_autoencoder(ctx: Ctx) -> str:
    """A six-layer autoencoder with sigmoid activations everywhere, plain SGD."""
    torch.manual_seed(0)
    d = data.digits()
    d = data.Data(d.x, d.x, d.x_val, d.x_val, 0)
    model = _SigmoidAE()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    return train(ctx, "h3_van_sigmoid_autoencoder", model, opt, d, F.mse_loss, steps=300)


@program("dead_units", arch="cnn", heldout=True)
def h3_dead_negated_init(ctx: Ctx) -> str:
    """A custom init with a sign bug, ``uniform_(w, -0.3, 0)``, on conv layers fed non-negative
    pixels: every pre-activation is negative."""
    torch.manual_seed(0)
    model = cnn()
    for m in model:
        if isinstance(m, nn.Conv2d):
            nn.init.uniform_(m.weight, -0.3, 0.0)
            nn.init.zeros_(m.bias)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return train(ctx, "h3_dead_negated_init", model, opt, data.digits_images(),
                 F.cross_entropy, steps=250)


@program("lr_too_high", arch="mlp", heldout=True)
def h3_lrh_gelu_adam(ctx: Ctx) -> str:
    """A GELU MLP on digits with Adam at lr=0.1."""
    torch.manual_seed(0)
    model = mlp([64, 128, 128, 10], nn.GELU)
    opt = torch.optim.Adam(model.parameters(), lr=0.1)
    return train(ctx, "h3_lrh_gelu_adam", model, opt, data.digits(), F.cross_entropy,
                 steps=300)


@program("lr_too_low", arch="cnn", heldout=True)
def h3_lrl_rmsprop_cnn(ctx: Ctx) -> str:
    """RMSprop at lr=1e-6 on a CNN."""
    torch.manual_seed(0)
    model = cnn()
    opt = torch.optim.RMSprop(model.parameters(), lr=1e-6)
    return train(ctx, "h3_lrl_rmsprop_cnn", model, opt, data.digits_images(), F.cross_entropy,
                 steps=250)


@program("frozen_parameters", arch="mlp", heldout=True)
def h3_frozen_biases_filtered_out(ctx: Ctx) -> str:
    """Parameters filtered by name to exclude biases from weight decay, and the second group
    (the biases) never added: ``AdamW([p for n, p in named if "weight" in n])``."""
    torch.manual_seed(0)
    model = mlp([64, 64, 64, 10])
    opt = torch.optim.AdamW([p for n, p in model.named_parameters() if "weight" in n],
                            lr=1e-3, weight_decay=1e-2)
    return train(ctx, "h3_frozen_biases_filtered_out", model, opt, data.digits(),
                 F.cross_entropy, steps=300)


class _TwoTowers(nn.Module):
    """Two towers over the two halves of the pixels; the first tower is used for both."""

    def __init__(self) -> None:
        super().__init__()
        self.tower_a = mlp([32, 32])
        self.tower_b = mlp([32, 32])
        self.head = nn.Linear(64, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = self.tower_a(x[:, :32])
        b = self.tower_a(x[:, 32:])  # should be tower_b
        return self.head(torch.relu(torch.cat([a, b], dim=1)))


@program("unused_parameters", arch="mlp", heldout=True)
def h3_unused_second_tower(ctx: Ctx) -> str:
    """A two-tower model that calls the first tower twice."""
    torch.manual_seed(0)
    model = _TwoTowers()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return train(ctx, "h3_unused_second_tower", model, opt, data.digits(), F.cross_entropy,
                 steps=300)


@program("overfitting", arch="mlp", heldout=True)
def h3_overfit_noisy_small(ctx: Ctx) -> str:
    """A 512-wide MLP trained for 600 steps on 100 samples of a task with 30 % label noise."""
    torch.manual_seed(0)
    model = mlp([20, 512, 512, 4])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return train(ctx, "h3_overfit_noisy_small", model, opt,
                 data.classification(flip_y=0.3).subset(100), F.cross_entropy, steps=600,
                 batch_size=16)


@program("oscillating_loss", arch="conv1d", heldout=True)
def h3_osc_conv1d_sorted_targets(ctx: Ctx) -> str:
    """A 1-D conv regressor on sequences sorted by target, never shuffled."""
    torch.manual_seed(0)
    d = data.memory_task(length=15)
    order = torch.argsort(d.y)
    d = data.Data(d.x[order], d.y[order], d.x_val, d.y_val, 0)
    model = Conv1dNet(1, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    return train(ctx, "h3_osc_conv1d_sorted_targets", model, opt, d, _mse, steps=400,
                 batch_size=16, shuffle=False)


@program("label_problem", arch="mlp", heldout=True)
def h3_label_wrong_target_file(ctx: Ctx) -> str:
    """Regression targets loaded from another dataset's file (same length, other samples)."""
    torch.manual_seed(0)
    d, other = data.regression(), data.regression(seed=7)
    d = data.Data(d.x, other.y, d.x_val, d.y_val, 0)
    model = mlp([16, 128, 128, 1])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return train(ctx, "h3_label_wrong_target_file", model, opt, d, _mse, steps=400)


@program(CORRECT, arch="cnn", heldout=True)
def h3_ok_cnn_bn_batch2(ctx: Ctx) -> str:
    """CNN with BatchNorm trained with batches of 2."""
    torch.manual_seed(0)
    model = cnn(batchnorm=True)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    return train(ctx, "h3_ok_cnn_bn_batch2", model, opt, data.digits_images(), F.cross_entropy,
                 steps=400, batch_size=2)


@program(CORRECT, arch="mlp", heldout=True)
def h3_ok_gelu_warm_restarts(ctx: Ctx) -> str:
    """GELU MLP with cosine annealing and warm restarts every 100 steps."""
    torch.manual_seed(0)
    model = mlp([64, 128, 10], nn.GELU)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=100)
    return train(ctx, "h3_ok_gelu_warm_restarts", model, opt, data.digits(), F.cross_entropy,
                 steps=400, scheduler=sched)


@program(CORRECT, arch="mlp", heldout=True)
def h3_ok_regression_l1_nesterov(ctx: Ctx) -> str:
    """Regression with an L1 loss and Nesterov SGD."""
    torch.manual_seed(0)
    model = mlp([16, 64, 64, 1])
    opt = torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.9, nesterov=True)
    return train(ctx, "h3_ok_regression_l1_nesterov", model, opt, data.regression(),
                 lambda out, y: F.l1_loss(out.squeeze(1), y), steps=500)


@program(CORRECT, arch="conv1d", heldout=True)
def h3_ok_conv1d_label_noise(ctx: Ctx) -> str:
    """1-D conv classifier on sequences with 15 % of the training labels flipped."""
    torch.manual_seed(0)
    d = data.sequences()
    g = torch.Generator().manual_seed(0)
    y = d.y.clone()
    flip = torch.rand(len(y), generator=g) < 0.15
    y[flip] = torch.randint(0, 3, (int(flip.sum()),), generator=g)
    model = Conv1dNet(3, 3)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    return train(ctx, "h3_ok_conv1d_label_noise", model, opt,
                 data.Data(d.x, y, d.x_val, d.y_val, 3), F.cross_entropy, steps=300)


@program(CORRECT, arch="mlp", heldout=True)
def h3_ok_imbalanced_binary(ctx: Ctx) -> str:
    """A 90/10 imbalanced binary task: accuracy starts near 0.9 and barely moves while the
    model learns."""
    torch.manual_seed(0)
    model = mlp([20, 64, 2])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return train(ctx, "h3_ok_imbalanced_binary", model, opt,
                 data.classification(classes=2, minority=0.1), F.cross_entropy, steps=300)


@program(CORRECT, arch="rnn", heldout=True)
def h3_ok_gru_clip_plateau_scheduler(ctx: Ctx) -> str:
    """GRU with gradient clipping at 0.5 and a step-decay schedule."""
    torch.manual_seed(0)
    model = GRUClassifier(3, 24, 3)
    opt = torch.optim.Adam(model.parameters(), lr=4e-3)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=100, gamma=0.5)
    return train(ctx, "h3_ok_gru_clip_plateau_scheduler", model, opt, data.sequences(),
                 F.cross_entropy, steps=250, clip=0.5, scheduler=sched)
