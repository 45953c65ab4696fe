"""deepscope.testing.assert_trainable: a pytest assertion over deepscope.check."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402

from deepscope.testing import assert_trainable, format_findings  # noqa: E402

N = 32


@pytest.fixture(autouse=True, scope="module")
def _one_thread() -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def data() -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(N, 20, generator=g)
    return x, (x[:, :3].sum(1) > 0).long() + (x[:, 3] > 1).long()  # 3 classes, learnable


def mlp(*tail: nn.Module) -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 3), *tail)


def test_passes_and_returns_findings_on_a_healthy_model() -> None:
    assert assert_trainable(mlp(), data(), loss_fn=nn.CrossEntropyLoss()) == []


def test_info_findings_do_not_fail() -> None:
    model = mlp()
    model[0].weight.requires_grad_(False)  # a partly frozen model: an info, not a failure
    found = assert_trainable(model, data(), loss_fn=nn.CrossEntropyLoss())
    assert [f.severity for f in found] == ["info"]


def test_fails_listing_each_problem_and_its_fix() -> None:
    with pytest.raises(AssertionError) as info:
        assert_trainable(mlp(nn.Softmax(dim=1)), data(), loss_fn=nn.CrossEntropyLoss())
    text = str(info.value)
    assert "preflight.output_loss_pairing" in text and "loss_output_mismatch" in text
    assert "fix: " in text and text.startswith("deepscope.check found 1 problem(s):")


def test_warnings_fail_too() -> None:
    x, y = data()
    with pytest.raises(AssertionError, match="preflight.input_scale"):
        assert_trainable(mlp(), (x * 1000, y), loss_fn=nn.CrossEntropyLoss())


def test_keyword_arguments_reach_check() -> None:
    x, y = data()
    found = assert_trainable(mlp(), (x * 1000, y), loss_fn=nn.CrossEntropyLoss(),
                             skip={"preflight.input_scale", "preflight.initial_loss"})
    assert found == []
    model = mlp()
    with pytest.raises(AssertionError, match="preflight.optimizer_coverage"):
        assert_trainable(model, x, target=y, loss_fn=nn.CrossEntropyLoss(),
                         optimizer=torch.optim.SGD(model[2].parameters(), lr=0.1))


def test_format_findings_of_nothing() -> None:
    assert format_findings([]) == "deepscope.check found 0 problem(s):"
