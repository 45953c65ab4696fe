"""Datasets for the suite: scikit-learn's bundled sets and generated ones, as float32 tensors.

Every loader is deterministic (seeded) and cached; features are standardized unless a program
asks for the raw values (``raw=True``), which is how input-scale bugs are made.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import torch
from sklearn import datasets
from sklearn.model_selection import train_test_split

VAL_FRACTION = 0.25


@dataclass(frozen=True)
class Data:
    """A train/validation split. ``classes`` is 0 for regression targets."""

    x: torch.Tensor
    y: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    classes: int

    def subset(self, n: int) -> Data:
        """The first ``n`` training samples (the validation set is kept)."""
        return Data(self.x[:n], self.y[:n], self.x_val, self.y_val, self.classes)

    def map_x(self, fn) -> Data:  # type: ignore[no-untyped-def]
        """The same split with ``fn`` applied to both feature tensors."""
        return Data(fn(self.x), self.y, fn(self.x_val), self.y_val, self.classes)


def _split(x: np.ndarray, y: np.ndarray, *, classes: int, raw: bool, seed: int = 0) -> Data:
    strat = y if classes else None
    xt, xv, yt, yv = train_test_split(x, y, test_size=VAL_FRACTION, random_state=seed,
                                      stratify=strat)
    if not raw:
        mu, sd = xt.mean(0), xt.std(0)
        sd[sd < 1e-6] = 1.0  # constant columns (digits' border pixels) stay as they are
        xt, xv = (xt - mu) / sd, (xv - mu) / sd
    ydt = torch.long if classes else torch.float32
    return Data(torch.tensor(xt, dtype=torch.float32), torch.tensor(yt, dtype=ydt),
                torch.tensor(xv, dtype=torch.float32), torch.tensor(yv, dtype=ydt), classes)


@cache
def digits(raw: bool = False) -> Data:
    """8x8 handwritten digits, 10 classes, 64 features (pixels 0..16 when raw)."""
    d = datasets.load_digits()
    return _split(d.data, d.target, classes=10, raw=raw)


@cache
def digits_images(raw: bool = False) -> Data:
    """Digits as 1x8x8 images, scaled to [0, 1] (raw: 0..255, a forgotten ``/ 255``)."""
    d = datasets.load_digits()
    x = d.images[:, None] * (255.0 / 16.0)
    return _split(x if raw else x / 255.0, d.target, classes=10, raw=True)


@cache
def iris() -> Data:
    """Iris, 3 classes, 4 features."""
    d = datasets.load_iris()
    return _split(d.data, d.target, classes=3, raw=False)


@cache
def wine(raw: bool = False) -> Data:
    """Wine, 3 classes, 13 features (proline is in the hundreds when raw)."""
    d = datasets.load_wine()
    return _split(d.data, d.target, classes=3, raw=raw)


@cache
def breast_cancer(raw: bool = False) -> Data:
    """Breast cancer, 2 classes, 30 features (areas in the thousands when raw)."""
    d = datasets.load_breast_cancer()
    return _split(d.data, d.target, classes=2, raw=raw)


@cache
def moons(n: int = 1000, noise: float = 0.2) -> Data:
    """Two interleaving half-moons, 2 classes, 2 features."""
    x, y = datasets.make_moons(n_samples=n, noise=noise, random_state=0)
    return _split(x, y, classes=2, raw=False)


@cache
def classification(n: int = 2000, features: int = 20, classes: int = 4,
                   flip_y: float = 0.01, minority: float | None = None,
                   seed: int = 0) -> Data:
    """``make_classification`` with ``flip_y`` of the labels randomly reassigned; with
    ``minority`` (two classes only) the second class is that fraction of the samples."""
    weights = None if minority is None else [1 - minority, minority]
    x, y = datasets.make_classification(n_samples=n, n_features=features, n_informative=10,
                                        n_classes=classes, flip_y=flip_y, weights=weights,
                                        random_state=seed)
    return _split(x, y, classes=classes, raw=False)


@cache
def regression(n: int = 1500, features: int = 16, scale_y: bool = True, seed: int = 0) -> Data:
    """``make_regression`` with noise; targets standardized unless ``scale_y=False``."""
    x, y = datasets.make_regression(n_samples=n, n_features=features, n_informative=10,
                                    noise=10.0, random_state=seed)
    if scale_y:
        y = (y - y.mean()) / y.std()
    return _split(x, y, classes=0, raw=False)


@cache
def sequences(n: int = 1200, length: int = 30, channels: int = 3) -> Data:
    """Noisy sine windows, 3 classes by frequency; x is (N, length, channels)."""
    g = np.random.default_rng(0)
    y = g.integers(0, 3, n)
    t = np.arange(length)[None, :, None]
    freq = (0.15 + 0.12 * y)[:, None, None]
    phase = g.uniform(0, 2 * np.pi, (n, 1, channels))
    x = np.sin(freq * t + phase) + 0.4 * g.standard_normal((n, length, channels))
    return _split(x, y, classes=3, raw=True)


@cache
def memory_task(n: int = 1200, length: int = 40) -> Data:
    """Regression: the target is the first value of a random sequence (a long-range
    dependency); x is (N, length, 1)."""
    g = np.random.default_rng(1)
    x = g.standard_normal((n, length, 1))
    return _split(x, x[:, 0, 0] + 0.5 * x[:, -1, 0], classes=0, raw=True)
