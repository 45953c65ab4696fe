"""Round 3: first written and run once as held-out set v2 (after the round-2 thresholds were
frozen; its result is in the README), then folded into the calibration set. Four programs whose
bug did not manifest were dropped and one correct program that did not learn was fixed (see the
README's log)."""

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


@program("nonfinite", arch="mlp")
def nf_poisson_on_linear_output(ctx: Ctx) -> str:
    """``PoissonNLLLoss(log_input=False)`` on a raw linear output: it takes ``log(pred)`` of
    predictions that are negative for half the samples."""
    torch.manual_seed(0)
    d = data.regression()
    counts = torch.round(torch.exp(d.y / 2))
    d = data.Data(d.x, counts, d.x_val, torch.round(torch.exp(d.y_val / 2)), 0)
    model = mlp([16, 32, 1])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    poisson = nn.PoissonNLLLoss(log_input=False)
    return train(ctx, "nf_poisson_on_linear_output", model, opt, d,
                 lambda out, y: poisson(out.squeeze(1), y), steps=200)


@program("vanishing_gradients", arch="mlp")
def van_tanh_xavier_small_gain(ctx: Ctx) -> str:
    """Twelve tanh layers with ``xavier_uniform_(w, gain=0.5)``: every layer halves the signal
    both ways."""
    torch.manual_seed(0)
    model = mlp([30] + [32] * 11 + [2], nn.Tanh)
    for m in model:
        if isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight, gain=0.5)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    return train(ctx, "van_tanh_xavier_small_gain", model, opt, data.breast_cancer(),
                 F.cross_entropy, steps=300)


@program("dead_units", arch="conv1d")
def dead_conv1d_negative_bias(ctx: Ctx) -> str:
    """Conv biases drawn from ``normal_(mean=-2, std=0.5)`` (a copy-paste of a gate-bias init)."""
    torch.manual_seed(0)
    model = Conv1dNet(3, 3)
    for m in model.features:
        if isinstance(m, nn.Conv1d):
            nn.init.normal_(m.bias, mean=-2.0, std=0.5)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return train(ctx, "dead_conv1d_negative_bias", model, opt, data.sequences(),
                 F.cross_entropy, steps=250)


@program("lr_too_high", arch="autoencoder")
def lrh_autoencoder_adam(ctx: Ctx) -> str:
    """An autoencoder of digits trained with Adam at lr=0.05."""
    torch.manual_seed(0)
    d = data.digits()
    d = data.Data(d.x, d.x, d.x_val, d.x_val, 0)
    model = AutoEncoder(64, 32, 8)
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    return train(ctx, "lrh_autoencoder_adam", model, opt, d, F.mse_loss, steps=300)


@program("lr_too_low", arch="rnn")
def lrl_gru_adam(ctx: Ctx) -> str:
    """A GRU with Adam at lr=1e-7."""
    torch.manual_seed(0)
    model = GRUClassifier(3, 32, 3)
    opt = torch.optim.Adam(model.parameters(), lr=1e-7)
    return train(ctx, "lrl_gru_adam", model, opt, data.sequences(), F.cross_entropy,
                 steps=200)


@program("frozen_parameters", arch="cnn")
def frozen_unfrozen_after_optimizer(ctx: Ctx) -> str:
    """Two-phase fine-tuning: the backbone is frozen, the optimizer built over the trainable
    parameters, then the backbone is unfrozen for "phase 2" with the same optimizer."""
    torch.manual_seed(0)
    model = cnn()
    for p in model[:-1].parameters():
        p.requires_grad_(False)
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    for p in model.parameters():
        p.requires_grad_(True)
    return train(ctx, "frozen_unfrozen_after_optimizer", model, opt, data.digits_images(),
                 F.cross_entropy, steps=250)


class _UnusedEmbedding(nn.Module):
    """Concatenates an embedding of a categorical column, then feeds the wrong tensor on."""

    def __init__(self) -> None:
        super().__init__()
        self.emb = nn.Embedding(4, 8)
        self.net = mlp([13, 32, 3])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        cat = torch.bucketize(x[:, 0], torch.tensor([-0.7, 0.0, 0.7]))
        h = torch.cat([x, self.emb(cat)], dim=1)  # noqa: F841 - the bug: h is never used
        return self.net(x)


@program("unused_parameters", arch="mlp")
def unused_embedding(ctx: Ctx) -> str:
    """An embedding concatenated to the features into ``h``, but ``x`` is passed on instead."""
    torch.manual_seed(0)
    model = _UnusedEmbedding()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return train(ctx, "unused_embedding", model, opt, data.wine(), F.cross_entropy,
                 steps=300, batch_size=16)


@program("label_problem", arch="mlp")
def label_other_fold(ctx: Ctx) -> str:
    """Training labels read from another fold's label file: the right length, but they belong
    to other samples."""
    torch.manual_seed(0)
    d = data.breast_cancer()
    g = torch.Generator().manual_seed(3)
    other = d.y[torch.randperm(len(d.y), generator=g)]
    d = data.Data(d.x, other, d.x_val, d.y_val, 2)
    model = mlp([30, 128, 128, 2])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return train(ctx, "label_other_fold", model, opt, d, F.cross_entropy, steps=400)


class _NormalizeOverBatch(nn.Module):
    """L2-normalizes hidden features over dim 0 (the batch) instead of dim 1."""

    def __init__(self) -> None:
        super().__init__()
        self.body = mlp([64, 64])
        self.head = nn.Linear(64, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(F.normalize(torch.relu(self.body(x)), dim=0))


@program("batch_mixing", arch="mlp", preflight=True)
def mix_normalize_dim0(ctx: Ctx) -> str:
    """``F.normalize(h, dim=0)``: every sample's features are divided by norms taken across
    the batch."""
    torch.manual_seed(0)
    model = _NormalizeOverBatch()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return train(ctx, "mix_normalize_dim0", model, opt, data.digits(), F.cross_entropy,
                 steps=300, check=True)


@program("broadcast_loss", arch="conv1d", preflight=True)
def bc_huber_conv1d(ctx: Ctx) -> str:
    """``nn.HuberLoss()`` on a 1-D conv regressor's (N, 1) output and (N,) targets."""
    torch.manual_seed(0)
    model = Conv1dNet(1, 1)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    return train(ctx, "bc_huber_conv1d", model, opt, data.memory_task(length=15),
                 nn.HuberLoss(), steps=250, check=True)


class _SoftmaxOut(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.net = cnn()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.net(x), dim=1)


@program("loss_output_mismatch", arch="cnn", preflight=True)
def mis_softmax_nll(ctx: Ctx) -> str:
    """Softmax probabilities fed to ``NLLLoss`` (which expects log-probabilities)."""
    torch.manual_seed(0)
    model = _SoftmaxOut()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return train(ctx, "mis_softmax_nll", model, opt, data.digits_images(), F.nll_loss,
                 steps=250, check=True)


@program("unnormalized_inputs", arch="mlp", preflight=True)
def unn_raw_wine(ctx: Ctx) -> str:
    """Wine features fed raw (proline in the hundreds, hues near 1)."""
    torch.manual_seed(0)
    model = mlp([13, 64, 3])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return train(ctx, "unn_raw_wine", model, opt, data.wine(raw=True), F.cross_entropy,
                 steps=300, batch_size=16, check=True)


@program("bad_initialization", arch="conv1d", preflight=True)
def init_large_head_conv1d(ctx: Ctx) -> str:
    """A 1-D conv classifier whose head was initialized with ``normal_(std=10)``."""
    torch.manual_seed(0)
    model = Conv1dNet(3, 3)
    nn.init.normal_(model.head.weight, std=10.0)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    return train(ctx, "init_large_head_conv1d", model, opt, data.sequences(),
                 F.cross_entropy, steps=250, check=True)


@program(CORRECT, arch="conv1d", preflight=True)
def ok_conv1d_huber_cosine(ctx: Ctx) -> str:
    """1-D conv regression with Huber loss on matching shapes, AdamW and cosine annealing."""
    torch.manual_seed(0)
    model = Conv1dNet(1, 1)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-2)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=300)
    huber = nn.HuberLoss()
    return train(ctx, "ok_conv1d_huber_cosine", model, opt, data.memory_task(length=15),
                 lambda out, y: huber(out.squeeze(1), y), steps=300, scheduler=sched,
                 check=True)


@program(CORRECT, arch="cnn")
def ok_cnn_multistep(ctx: Ctx) -> str:
    """CNN with dropout, Nesterov SGD and a multi-step schedule."""
    torch.manual_seed(0)
    model = cnn(dropout=0.25)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[150, 250], gamma=0.2)
    return train(ctx, "ok_cnn_multistep", model, opt, data.digits_images(), F.cross_entropy,
                 steps=300, scheduler=sched)


@program(CORRECT, arch="rnn")
def ok_gru_two_layers_batch8(ctx: Ctx) -> str:
    """Two-layer GRU with dropout between layers, batches of 8 (held out, it was 32 units,
    batches of 4 and lr=2e-3: too slow to learn anything in 300 steps)."""
    torch.manual_seed(0)
    model = GRUClassifier(3, 16, 3, num_layers=2, dropout=0.2)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    return train(ctx, "ok_gru_two_layers_batch8", model, opt, data.sequences(),
                 F.cross_entropy, steps=250, batch_size=8)

@program(CORRECT, arch="mlp")
def ok_weighted_bce_batch1(ctx: Ctx) -> str:
    """Binary classifier with a positive-class weight, trained one sample at a time."""
    torch.manual_seed(0)
    model = mlp([30, 16, 1])
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    pos_weight = torch.tensor(0.6)

    def loss(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return F.binary_cross_entropy_with_logits(out.squeeze(1), y.float(),
                                                  pos_weight=pos_weight)

    return train(ctx, "ok_weighted_bce_batch1", model, opt, data.breast_cancer(), loss,
                 steps=500, batch_size=1)


@program(CORRECT, arch="autoencoder")
def ok_autoencoder_l1_long(ctx: Ctx) -> str:
    """ReLU autoencoder of digit pixels with an L1 loss, trained well past convergence."""
    torch.manual_seed(0)
    d = data.digits_images()
    flat = data.Data(d.x.flatten(1), d.x.flatten(1), d.x_val.flatten(1), d.x_val.flatten(1), 0)
    model = AutoEncoder(64, 48, 16)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    return train(ctx, "ok_autoencoder_l1_long", model, opt, flat, F.l1_loss, steps=600)


@program(CORRECT, arch="mlp", preflight=True)
def ok_warmup_constant(ctx: Ctx) -> str:
    """Wide MLP on make_classification with 5 % label noise, linear warm-up then constant."""
    torch.manual_seed(0)
    model = mlp([20, 256, 4])
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / 100))
    return train(ctx, "ok_warmup_constant", model, opt, data.classification(flip_y=0.05),
                 F.cross_entropy, steps=300, scheduler=sched, check=True)
