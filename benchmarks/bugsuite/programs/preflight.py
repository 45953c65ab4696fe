"""Bugs a pre-flight check sees on the first batch: loss/output pairing, broadcasting,
mixing samples across the batch, input scale, initialization. Each calls ``deepscope.check``."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .. import data
from ..harness import Ctx, train
from ..models import Conv1dNet, GRUClassifier, cnn, mlp
from ..registry import program


@program("loss_output_mismatch", arch="mlp", preflight=True, fast=True)
def mis_softmax_then_cross_entropy(ctx: Ctx) -> str:
    """A Softmax layer at the end of the model, then ``CrossEntropyLoss`` (which applies
    log-softmax itself): the loss is computed on probabilities as if they were logits."""
    torch.manual_seed(0)
    model = mlp([64, 64, 10], out_act=nn.Softmax(dim=1))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return train(ctx, "mis_softmax_then_cross_entropy", model, opt, data.digits(),
                 nn.CrossEntropyLoss(), steps=300, check=True)


@program("loss_output_mismatch", arch="cnn", preflight=True)
def mis_nll_on_logits(ctx: Ctx) -> str:
    """``F.nll_loss`` on raw logits (the ``log_softmax`` was forgotten): the loss is minus the
    target logit, unbounded below."""
    torch.manual_seed(0)
    model = cnn()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return train(ctx, "mis_nll_on_logits", model, opt, data.digits_images(), F.nll_loss,
                 steps=250, check=True)


@program("loss_output_mismatch", arch="mlp", preflight=True)
def mis_bce_with_logits_on_sigmoid(ctx: Ctx) -> str:
    """A sigmoid output fed to ``BCEWithLogitsLoss``: the sigmoid is applied twice and the
    predicted probability can never leave [0.5, 0.73]."""
    torch.manual_seed(0)
    model = mlp([30, 32, 1], out_act=nn.Sigmoid())
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def loss(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return F.binary_cross_entropy_with_logits(out.squeeze(1), y.float())

    return train(ctx, "mis_bce_with_logits_on_sigmoid", model, opt, data.breast_cancer(),
                 loss, steps=300, check=True)


@program("unnormalized_inputs", arch="mlp", preflight=True)
def unn_raw_tabular(ctx: Ctx) -> str:
    """Breast-cancer features fed raw (areas in the thousands next to ratios near 0.1)."""
    torch.manual_seed(0)
    model = mlp([30, 64, 2])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return train(ctx, "unn_raw_tabular", model, opt, data.breast_cancer(raw=True),
                 F.cross_entropy, steps=300, check=True)


@program("unnormalized_inputs", arch="cnn", preflight=True)
def unn_pixels_0_255(ctx: Ctx) -> str:
    """Images in 0..255: the ``/ 255`` was forgotten."""
    torch.manual_seed(0)
    model = cnn()
    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    return train(ctx, "unn_pixels_0_255", model, opt, data.digits_images(raw=True),
                 F.cross_entropy, steps=250, check=True)


@program("bad_initialization", arch="mlp", preflight=True)
def init_all_zeros(ctx: Ctx) -> str:
    """Every weight and bias initialized to zero: hidden units are identical and receive no
    gradient, only the output bias learns."""
    torch.manual_seed(0)
    model = mlp([64, 64, 10])
    for p in model.parameters():
        nn.init.zeros_(p)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    return train(ctx, "init_all_zeros", model, opt, data.digits(), F.cross_entropy,
                 steps=300, check=True)


@program("bad_initialization", arch="mlp", preflight=True)
def init_huge_output_layer(ctx: Ctx) -> str:
    """The output layer initialized with std 3: the model starts confidently wrong, with an
    initial loss far above ln(10)."""
    torch.manual_seed(0)
    model = mlp([64, 64, 10])
    nn.init.normal_(model[-1].weight, std=3.0)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    return train(ctx, "init_huge_output_layer", model, opt, data.digits(), F.cross_entropy,
                 steps=300, check=True)


class _BatchAsTime(GRUClassifier):
    """A GRU built without ``batch_first=True`` and fed (N, T, C) batches."""

    def __init__(self) -> None:
        super().__init__(3, 32, 3)
        self.rnn = nn.GRU(3, 32)  # batch_first forgotten


@program("batch_mixing", arch="rnn", preflight=True)
def mix_rnn_batch_first_missing(ctx: Ctx) -> str:
    """A GRU without ``batch_first=True`` receiving (N, T, C): the batch is read as time, so
    each output row depends on the samples before it in the batch."""
    torch.manual_seed(0)
    model = _BatchAsTime()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    return train(ctx, "mix_rnn_batch_first_missing", model, opt, data.sequences(),
                 F.cross_entropy, steps=200, check=True)


class _AttentionPooling(nn.Module):
    """GRU features pooled over time with learned attention weights, softmaxed over the wrong
    dimension (0, the batch, instead of 1, time)."""

    def __init__(self) -> None:
        super().__init__()
        self.rnn = nn.GRU(3, 32, batch_first=True)
        self.score = nn.Linear(32, 1)
        self.head = nn.Linear(32, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, _ = self.rnn(x)  # (N, T, H)
        w = torch.softmax(self.score(h), dim=0)  # should be dim=1
        return self.head((w * h).sum(dim=1))


@program("batch_mixing", arch="rnn", preflight=True)
def mix_attention_softmax_over_batch(ctx: Ctx) -> str:
    """Attention pooling whose softmax runs over the batch: each sample's weights depend on
    every other sample in the batch."""
    torch.manual_seed(0)
    model = _AttentionPooling()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    return train(ctx, "mix_attention_softmax_over_batch", model, opt, data.sequences(),
                 F.cross_entropy, steps=200, check=True)


class _ViewNotTranspose(nn.Module):
    """A sequence-first GRU fed ``x.view(T, N, C)`` instead of ``x.transpose(0, 1)``."""

    def __init__(self) -> None:
        super().__init__()
        self.rnn = nn.GRU(3, 32)
        self.head = nn.Linear(32, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, t, c = x.shape
        h, _ = self.rnn(x.view(t, n, c))  # reinterprets memory: rows mix samples
        return self.head(h[-1])


@program("batch_mixing", arch="rnn", preflight=True)
def mix_view_instead_of_transpose(ctx: Ctx) -> str:
    """``x.view(T, N, C)`` where ``x.transpose(0, 1)`` was meant: every "sequence" the GRU sees
    is stitched from slices of different samples."""
    torch.manual_seed(0)
    model = _ViewNotTranspose()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    return train(ctx, "mix_view_instead_of_transpose", model, opt, data.sequences(),
                 F.cross_entropy, steps=200, check=True)


@program("broadcast_loss", arch="mlp", preflight=True)
def bc_mse_n1_vs_n(ctx: Ctx) -> str:
    """``F.mse_loss(pred, y)`` with pred (N, 1) and y (N,): broadcast to (N, N), the model
    learns to predict the batch mean."""
    torch.manual_seed(0)
    model = mlp([16, 64, 1])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return train(ctx, "bc_mse_n1_vs_n", model, opt, data.regression(), F.mse_loss, steps=300,
                 check=True)


@program("broadcast_loss", arch="conv1d", preflight=True)
def bc_manual_l1(ctx: Ctx) -> str:
    """A hand-written L1 loss ``(pred - y).abs().mean()`` on (N, 1) vs (N,), which PyTorch
    broadcasts without a warning."""
    torch.manual_seed(0)
    model = Conv1dNet(1, 1)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)

    def loss(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return (out - y).abs().mean()

    return train(ctx, "bc_manual_l1", model, opt, data.memory_task(), loss, steps=250,
                 check=True)
