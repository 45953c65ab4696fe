"""deepscope.summary: the torchinfo-style table of a PyTorch model."""

from __future__ import annotations

import io

import torch
from rich.console import Console
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

import deepscope
from deepscope.graph.summary import summary
from deepscope.graph.torch_tree import module_tree


class TiedLM(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.emb = nn.Embedding(50, 8)
        self.body = nn.Sequential(nn.Linear(8, 16), nn.GELU(), nn.Linear(16, 8))
        self.head = nn.Linear(8, 50, bias=False)
        self.head.weight = self.emb.weight
        self.frozen = nn.Linear(8, 8)
        self.frozen.requires_grad_(False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.frozen(self.body(self.emb(x))))


def test_totals_count_tied_weights_once_and_split_trainable() -> None:
    model = TiedLM()
    out = io.StringIO()
    s = summary(model, torch.tensor([[1, 2, 3]]),
                                        console=Console(file=out, width=120))
    unique = {id(p): p for p in model.parameters()}
    assert s.total_params == sum(p.numel() for p in unique.values()) == 400 + 280 + 72
    assert s.trainable_params == 400 + 280
    text = out.getvalue()
    assert "752" in text and "Embedding" in text and "[1, 3, 50]" in text


def test_output_shapes_and_flops_match_torch_flop_counter() -> None:
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 5))
    x = torch.randn(2, 1, 8, 8)
    with FlopCounterMode(display=False) as fc:
        model(x)
    s = deepscope.summary(model, x)
    rows = {r.path: r for r in s.rows}
    assert s.total_flops == fc.get_total_flops()
    assert rows["0"].output_shape == "[2, 4, 6, 6]" and rows["3"].output_shape == "[2, 5]"
    assert rows["0"].flops + rows["3"].flops == s.total_flops
    assert model.training  # the training flag is restored


def test_without_example_and_with_depth() -> None:
    s = deepscope.summary(TiedLM(), depth=1)
    assert all(r.depth <= 1 for r in s.rows) and s.total_flops is None
    assert {r.path for r in s.rows} == {"", "emb", "body", "head", "frozen"}


def test_module_tree_marks_shared_parameters() -> None:
    tree = module_tree(TiedLM())
    head = next(c for c in tree["children"] if c["path"] == "head")
    assert head["params"][0]["shared_with"] == "emb.weight" and head["param_count"] == 0
