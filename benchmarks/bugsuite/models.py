"""Small architectures the programs share (each program may also define its own)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn


def mlp(sizes: Sequence[int], act: Callable[[], nn.Module] = nn.ReLU, *,
        dropout: float = 0.0, batchnorm: bool = False, out_act: nn.Module | None = None
        ) -> nn.Sequential:
    """Linear layers with ``act`` between them (and optional BN/dropout), plus ``out_act``."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            if batchnorm:
                layers.append(nn.BatchNorm1d(b))
            layers.append(act())
            if dropout:
                layers.append(nn.Dropout(dropout))
    if out_act is not None:
        layers.append(out_act)
    return nn.Sequential(*layers)


def cnn(classes: int = 10, *, width: int = 16, act: Callable[[], nn.Module] = nn.ReLU,
        batchnorm: bool = False, dropout: float = 0.0) -> nn.Sequential:
    """Two 3x3 conv blocks on 1x8x8 images, then a linear head."""
    def block(cin: int, cout: int) -> list[nn.Module]:
        return [nn.Conv2d(cin, cout, 3, padding=1),
                *([nn.BatchNorm2d(cout)] if batchnorm else []), act()]

    return nn.Sequential(*block(1, width), nn.MaxPool2d(2), *block(width, 2 * width),
                         nn.MaxPool2d(2), nn.Flatten(),
                         *([nn.Dropout(dropout)] if dropout else []),
                         nn.Linear(2 * width * 4, classes))


class GRUClassifier(nn.Module):
    """A GRU over (N, T, C) sequences; the last hidden state feeds a linear head."""

    def __init__(self, channels: int, hidden: int, classes: int, *, cell: type = nn.GRU,
                 **kwargs: object) -> None:
        super().__init__()
        self.rnn = cell(channels, hidden, batch_first=True, **kwargs)
        self.head = nn.Linear(hidden, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x)
        return self.head(out[:, -1])


class Conv1dNet(nn.Module):
    """Two 1-D conv layers over (N, T, C) sequences, global average pooling, linear head."""

    def __init__(self, channels: int, classes: int, *, width: int = 16,
                 act: Callable[[], nn.Module] = nn.ReLU) -> None:
        super().__init__()
        self.features = nn.Sequential(nn.Conv1d(channels, width, 5, padding=2), act(),
                                      nn.Conv1d(width, width, 5, padding=2), act())
        self.head = nn.Linear(width, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.features(x.transpose(1, 2))  # (N, T, C) -> (N, C, T)
        return self.head(h.mean(dim=2))


class AutoEncoder(nn.Module):
    """An MLP autoencoder: ``features -> hidden -> code -> hidden -> features``."""

    def __init__(self, features: int, hidden: int = 32, code: int = 8, *,
                 act: Callable[[], nn.Module] = nn.ReLU, out_act: nn.Module | None = None
                 ) -> None:
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(features, hidden), act(), nn.Linear(hidden, code))
        self.decoder = nn.Sequential(nn.Linear(code, hidden), act(), nn.Linear(hidden, features),
                                     *([out_act] if out_act is not None else []))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))
