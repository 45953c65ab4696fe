"""Round 2: first written and run once as held-out set v1 (after the round-1 thresholds were
frozen; its result is in the README), then folded into the calibration set. Programs whose bug
did not manifest were dropped or relabelled (see the README's log)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .. import data
from ..harness import Ctx, train
from ..models import AutoEncoder, Conv1dNet, GRUClassifier, cnn, mlp
from ..registry import CORRECT, program


def _mse(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.mse_loss(out.squeeze(1), y)


class _InModelStandardize(nn.Module):
    """Standardizes each batch inside ``forward`` with the batch's own statistics."""

    def __init__(self) -> None:
        super().__init__()
        self.net = mlp([64, 64, 10])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net((x - x.mean(0)) / x.std(0))  # constant pixels: 0 / 0


@program("nonfinite", arch="mlp")
def nf_batch_standardize_constant_column(ctx: Ctx) -> str:
    """Raw digits standardized per batch inside the model: the border pixels are constant, so
    their std is 0 and ``0 / 0`` is NaN from the first step."""
    torch.manual_seed(0)
    model = _InModelStandardize()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return train(ctx, "nf_batch_standardize_constant_column", model, opt,
                 data.digits(raw=True), F.cross_entropy, steps=200)


@program("bad_initialization", arch="conv1d", preflight=True)
def init_targets_in_cents(ctx: Ctx) -> str:
    """A 1-D conv regressor whose targets were converted to cents (x1000) and not scaled: the
    output starts 1000x too small and Adam's bounded steps take thousands of steps to get
    there (relabelled from exploding_gradients: its gradients never exceeded 2e3)."""
    torch.manual_seed(0)
    d = data.memory_task()
    d = data.Data(d.x, d.y * 1000, d.x_val, d.y_val * 1000, 0)
    model = Conv1dNet(1, 1)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return train(ctx, "init_targets_in_cents", model, opt, d, _mse, steps=250, check=True)


class _DeepSigmoidConv(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        for i in range(8):
            layers += [nn.Conv1d(3 if i == 0 else 16, 16, 3, padding=1), nn.Sigmoid()]
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(16, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x.transpose(1, 2)).mean(2))


@program("vanishing_gradients", arch="conv1d")
def van_deep_sigmoid_conv(ctx: Ctx) -> str:
    """Eight sigmoid 1-D conv layers trained with SGD."""
    torch.manual_seed(0)
    model = _DeepSigmoidConv()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    return train(ctx, "van_deep_sigmoid_conv", model, opt, data.sequences(),
                 F.cross_entropy, steps=250)


@program("dead_units", arch="mlp")
def dead_bias_minus_three(ctx: Ctx) -> str:
    """Hidden biases set to -3 on a breast-cancer MLP ("start sparse")."""
    torch.manual_seed(0)
    model = mlp([30, 64, 64, 2])
    for m in model:
        if isinstance(m, nn.Linear) and m.out_features == 64:
            nn.init.constant_(m.bias, -3.0)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return train(ctx, "dead_bias_minus_three", model, opt, data.breast_cancer(),
                 F.cross_entropy, steps=300)


@program("lr_too_low", arch="conv1d")
def lrl_sgd_conv1d(ctx: Ctx) -> str:
    """Plain SGD at lr=1e-4 on a 1-D conv classifier."""
    torch.manual_seed(0)
    model = Conv1dNet(3, 3)
    opt = torch.optim.SGD(model.parameters(), lr=1e-4)
    return train(ctx, "lrl_sgd_conv1d", model, opt, data.sequences(), F.cross_entropy,
                 steps=250)


@program("frozen_parameters", arch="mlp")
def frozen_layerwise_lr_zero(ctx: Ctx) -> str:
    """Layer-wise learning rates computed with integer division, ``lr * (i // 2)``: the groups
    of the first two layers get a learning rate of 0."""
    torch.manual_seed(0)
    model = mlp([64, 64, 64, 10])
    linears = [m for m in model if isinstance(m, nn.Linear)]
    opt = torch.optim.Adam([{"params": m.parameters(), "lr": 1e-3 * (i // 2)}
                            for i, m in enumerate(linears)])
    return train(ctx, "frozen_layerwise_lr_zero", model, opt, data.digits(),
                 F.cross_entropy, steps=300)


class _AuxHead(nn.Module):
    """A classifier with an auxiliary head whose loss term was never added."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(13, 32), nn.ReLU())
        self.head = nn.Linear(32, 3)
        self.aux = nn.Linear(32, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.body(x)
        self.aux_out = self.aux(h)  # kept for an auxiliary loss nobody adds
        return self.head(h)


@program("unused_parameters", arch="mlp")
def unused_aux_head(ctx: Ctx) -> str:
    """An auxiliary head computed in ``forward`` but left out of the loss."""
    torch.manual_seed(0)
    model = _AuxHead()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return train(ctx, "unused_aux_head", model, opt, data.wine(), F.cross_entropy,
                 steps=300, batch_size=16)


@program("overfitting", arch="rnn")
def overfit_gru_tiny_set(ctx: Ctx) -> str:
    """A GRU trained for 500 steps on 40 noisy sequences."""
    torch.manual_seed(0)
    model = GRUClassifier(3, 64, 3)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    return train(ctx, "overfit_gru_tiny_set", model, opt, data.sequences().subset(40),
                 F.cross_entropy, steps=500, batch_size=8)


@program("label_problem", arch="cnn")
def label_rolled(ctx: Ctx) -> str:
    """Digit labels shifted by one position (``np.roll(y, 1)``) after the split."""
    torch.manual_seed(0)
    d = data.digits_images()
    d = data.Data(d.x, torch.roll(d.y, 1), d.x_val, d.y_val, 10)
    model = cnn(width=32)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    return train(ctx, "label_rolled", model, opt, d, F.cross_entropy, steps=400)


@program("bad_initialization", arch="mlp", preflight=True)
def init_output_bias_ten(ctx: Ctx) -> str:
    """The output bias set to 10 for class 0 (a "prior" applied on the wrong scale)."""
    torch.manual_seed(0)
    model = mlp([13, 32, 3])
    with torch.no_grad():
        model[-1].bias[0] = 10.0
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    return train(ctx, "init_output_bias_ten", model, opt, data.wine(), F.cross_entropy,
                 steps=300, batch_size=16, check=True)


@program("bad_initialization", arch="cnn")
def init_constant_conv(ctx: Ctx) -> str:
    """Every conv kernel initialized with ``nn.init.constant_(w, 0.1)``."""
    torch.manual_seed(0)
    model = cnn()
    for m in model:
        if isinstance(m, nn.Conv2d):
            nn.init.constant_(m.weight, 0.1)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return train(ctx, "init_constant_conv", model, opt, data.digits_images(),
                 F.cross_entropy, steps=250)


@program("broadcast_loss", arch="rnn", preflight=True)
def bc_huber_gru(ctx: Ctx) -> str:
    """``F.smooth_l1_loss`` on a GRU's (N, 1) output against (N,) targets: broadcast to
    (N, N) with only a warning."""
    torch.manual_seed(0)
    model = GRUClassifier(1, 32, 1)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    return train(ctx, "bc_huber_gru", model, opt, data.memory_task(length=15), F.smooth_l1_loss,
                 steps=250, check=True)

@program(CORRECT, arch="rnn")
def ok_gru_regression(ctx: Ctx) -> str:
    """GRU regression on a 15-step memory task with clipping."""
    torch.manual_seed(0)
    model = GRUClassifier(1, 32, 1)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    return train(ctx, "ok_gru_regression", model, opt, data.memory_task(length=15), _mse,
                 steps=300, clip=1.0)


@program(CORRECT, arch="mlp")
def ok_wine_bn_nesterov(ctx: Ctx) -> str:
    """Wine MLP with BatchNorm, batches of 8, Nesterov SGD and exponential decay."""
    torch.manual_seed(0)
    model = mlp([13, 32, 32, 3], batchnorm=True)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.995)
    return train(ctx, "ok_wine_bn_nesterov", model, opt, data.wine(), F.cross_entropy,
                 steps=300, batch_size=8, scheduler=sched)


@program(CORRECT, arch="mlp", preflight=True)
def ok_logistic_regression(ctx: Ctx) -> str:
    """Plain logistic regression (one linear layer) on breast cancer."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(30, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    return train(ctx, "ok_logistic_regression", model, opt, data.breast_cancer(),
                 F.cross_entropy, steps=300, check=True)


@program(CORRECT, arch="autoencoder")
def ok_autoencoder_plateau_scheduler(ctx: Ctx) -> str:
    """Tanh autoencoder on wine with ReduceLROnPlateau on the training loss."""
    torch.manual_seed(0)
    d = data.wine()
    d = data.Data(d.x, d.x, d.x_val, d.x_val, 0)
    model = AutoEncoder(13, 16, 4, act=nn.Tanh)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=20, factor=0.5)

    def step(m: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        loss = F.mse_loss(m(x), y)
        sched.step(float(loss))
        return loss

    return train(ctx, "ok_autoencoder_plateau_scheduler", model, opt, d, F.mse_loss,
                 steps=400, batch_size=16, step_fn=step)


@program(CORRECT, arch="cnn")
def ok_cnn_label_smoothing_warmup(ctx: Ctx) -> str:
    """CNN with label smoothing 0.1, AdamW and a linear warm-up."""
    torch.manual_seed(0)
    model = cnn(batchnorm=True)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.05)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / 50))
    return train(ctx, "ok_cnn_label_smoothing_warmup", model, opt, data.digits_images(),
                 nn.CrossEntropyLoss(label_smoothing=0.1), steps=300, scheduler=sched)


@program(CORRECT, arch="mlp")
def ok_moons_batch2(ctx: Ctx) -> str:
    """Very noisy moons (noise 0.35) with batches of 2."""
    torch.manual_seed(0)
    model = mlp([2, 32, 32, 2])
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    return train(ctx, "ok_moons_batch2", model, opt, data.moons(noise=0.35),
                 F.cross_entropy, steps=400, batch_size=2)


@program(CORRECT, arch="mlp")
def ok_wine_converges_to_zero(ctx: Ctx) -> str:
    """An easy task trained long past convergence: the loss reaches ~1e-5, the gradients and
    update ratios fade to almost nothing (this is not a learning rate that is too low)."""
    torch.manual_seed(0)
    model = mlp([13, 64, 3])
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    return train(ctx, "ok_wine_converges_to_zero", model, opt, data.wine(), F.cross_entropy,
                 steps=600, batch_size=16)
