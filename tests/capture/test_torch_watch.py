"""run.watch on real PyTorch models: what is recorded, against a numpy reference."""

from __future__ import annotations

import gc
import math
import weakref
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import deepscope
from deepscope.summarize.numpy import summarize_array



def mlp(seed: int = 0) -> nn.Sequential:
    """A small MLP with a ReLU and a Tanh."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 8), nn.Tanh(),
                         nn.Linear(8, 3))


def train(model: nn.Module, opt: torch.optim.Optimizer, steps: int, *, seed: int = 1,
          accumulate: int = 1) -> list[float]:
    g = torch.Generator().manual_seed(seed)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        for _ in range(accumulate):
            x, y = torch.randn(5, 6, generator=g), torch.randint(0, 3, (5,), generator=g)
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def read(logdir: Path, run_id: str) -> deepscope.Reader:
    return deepscope.open(logdir)


def hook_state(model: nn.Module, opt: torch.optim.Optimizer) -> list[int]:
    counts = []
    for m in model.modules():
        counts += [len(m._forward_hooks), len(m._forward_pre_hooks), len(m._backward_hooks)]
    counts += [len(getattr(p, "_post_accumulate_grad_hooks", None) or {})
               for p in model.parameters()]
    counts += [len(opt._optimizer_step_pre_hooks), len(opt._optimizer_step_post_hooks)]
    return counts


def test_records_every_series_at_every_capture_step(run: deepscope.Run, logdir: Path) -> None:
    model = mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    run.watch(model, optimizer=opt, every=4)
    train(model, opt, 10)
    run.finish()
    series = {(s.kind, s.name): s for s in deepscope.open(logdir).list_series(run.id)}
    for p in ("0.weight", "0.bias", "2.weight", "4.bias"):
        for kind, prefix in (("tensor", "weights"), ("tensor", "grads"), ("scalar", "updates")):
            s = series[(kind, f"{prefix}/{p}")]
            assert (s.count, s.first_step, s.last_step) == (3, 0, 8)
    for m in ("0", "1", "2", "3", "4"):
        assert series[("tensor", f"activations/{m}")].count == 3
        assert series[("scalar", f"activation_grads/{m}")].count == 3
    assert series[("scalar", "grad_norm/total")].count == 3


def test_statistics_match_numpy_on_the_captured_tensors(run: deepscope.Run,
                                                        logdir: Path) -> None:
    model = mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    seen: dict[str, np.ndarray] = {}

    def keep_act(m: nn.Module, i: object, o: torch.Tensor) -> None:
        seen.setdefault("act1", o.detach().numpy().copy())

    def keep_grad(g: torch.Tensor) -> None:
        seen.setdefault("grad2", g.detach().numpy().copy())

    model[1].register_forward_hook(keep_act)
    model[2].weight.register_hook(keep_grad)
    before = model[2].weight.detach().clone()
    run.watch(model, optimizer=opt, every=100)
    train(model, opt, 1)
    after = model[2].weight.detach().clone()
    run.finish()
    r = deepscope.open(logdir)
    w = r.read_tensor_summaries(run.id, "weights/2.weight")[0].summary
    ref = summarize_array(before.numpy())
    assert (w.min, w.max, w.zero_count) == (ref.min, ref.max, ref.zero_count)
    assert w.mean == pytest.approx(ref.mean, abs=1e-7) and w.norm == pytest.approx(ref.norm)
    assert w.std == pytest.approx(ref.std, rel=1e-6)
    g = r.read_tensor_summaries(run.id, "grads/2.weight")[0].summary
    assert g.norm == pytest.approx(float(np.linalg.norm(seen["grad2"])), rel=1e-6)
    a = r.read_tensor_summaries(run.id, "activations/1")[0].summary
    aref = summarize_array(seen["act1"])
    assert a.zero_count == aref.zero_count and a.mean == pytest.approx(aref.mean, rel=1e-6)
    assert a.extra["units"] == 16
    assert a.extra["dead_units"] == int((seen["act1"].max(axis=0) == 0).sum())
    ratio = r.read_scalars(run.id, "updates/2.weight").values[0]
    assert ratio == pytest.approx(float(torch.linalg.vector_norm(after - before)
                                        / torch.linalg.vector_norm(before)), rel=1e-5)
    total = r.read_scalars(run.id, "grad_norm/total").values[0]
    assert total > 0 and math.isfinite(total)


def test_dead_units_and_saturation_are_counted(run: deepscope.Run, logdir: Path) -> None:
    lin = nn.Linear(4, 6)
    with torch.no_grad():
        lin.weight.zero_()
        lin.bias.copy_(torch.tensor([-1.0, -1.0, -1.0, 1.0, 1.0, 1.0]))
    sat = nn.Linear(4, 10)
    with torch.no_grad():
        sat.weight.zero_()
        sat.bias.copy_(torch.tensor([8.0] * 3 + [0.1] * 7))  # 30 % of pre-activations >= 5
    model = nn.Sequential(nn.Linear(4, 4), lin, nn.ReLU(), nn.Linear(6, 4), sat, nn.Sigmoid())
    opt = torch.optim.SGD(model.parameters(), lr=0.0)
    run.watch(model, optimizer=opt)
    out = model(torch.randn(8, 4)).sum()
    out.backward()
    opt.step()
    run.finish()
    r = deepscope.open(logdir)
    relu = r.read_tensor_summaries(run.id, "activations/2")[0].summary
    assert relu.extra["dead_units"] == 3 and relu.extra["units"] == 6
    sig = r.read_tensor_summaries(run.id, "activations/5")[0].summary
    assert sig.extra["saturated_fraction"] == pytest.approx(0.3)


def test_watching_changes_neither_training_nor_the_model(logdir: Path) -> None:
    plain, watched = mlp(3), mlp(3)
    opt_a = torch.optim.Adam(plain.parameters(), lr=1e-2)
    opt_b = torch.optim.Adam(watched.parameters(), lr=1e-2)
    before = hook_state(watched, opt_b)
    with deepscope.init(logdir=logdir, exit_hooks=False) as run:
        handle = run.watch(watched, optimizer=opt_b, every=2)
        assert train(plain, opt_a, 12) == train(watched, opt_b, 12)
        handle.remove()
        handle.remove()  # twice is fine
        assert hook_state(watched, opt_b) == before
    for a, b in zip(plain.state_dict().values(), watched.state_dict().values()):
        assert torch.equal(a, b)


def test_finish_removes_the_hooks(logdir: Path) -> None:
    model = mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    before = hook_state(model, opt)
    run = deepscope.init(logdir=logdir, exit_hooks=False)
    run.watch(model, optimizer=opt)
    assert hook_state(model, opt) != before
    run.finish()
    assert hook_state(model, opt) == before


def test_no_activation_or_gradient_survives_its_summary(run: deepscope.Run) -> None:
    refs: list[weakref.ref[torch.Tensor]] = []
    model = mlp()
    model[1].register_forward_hook(lambda m, i, o: refs.append(weakref.ref(o)) or None)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    run.watch(model, optimizer=opt, every=1)
    train(model, opt, 5)
    gc.collect()
    assert refs and all(r() is None for r in refs)


def test_memory_stays_flat_over_2000_steps(run: deepscope.Run) -> None:
    def rss_mb() -> float:
        with open("/proc/self/status") as fh:
            line = next(x for x in fh if x.startswith("VmRSS"))
        return int(line.split()[1]) / 1024

    model = mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    run.watch(model, optimizer=opt, every=4)  # sentinel every step, 500 full captures
    train(model, opt, 400)
    run.flush()
    start = rss_mb()
    train(model, opt, 1600, seed=2)
    run.flush()
    assert rss_mb() - start < 40, f"RSS grew {rss_mb() - start:.1f} MB over 1600 steps"


def test_gradient_accumulation_is_summarized_at_the_optimizer_step(run: deepscope.Run,
                                                                   logdir: Path) -> None:
    model = mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.0)
    final: list[float] = []
    orig = opt.step

    def step(*a, **k):  # type: ignore[no-untyped-def]
        final.append(float(model[0].weight.grad.norm()))
        return orig(*a, **k)

    opt.step = step  # type: ignore[method-assign]
    run.watch(model, optimizer=opt, every=1)
    train(model, opt, 3, accumulate=4)
    run.finish()
    norms = [p.summary.norm for p in
             deepscope.open(logdir).read_tensor_summaries(run.id, "grads/0.weight")]
    assert norms == pytest.approx(final, rel=1e-6)


def test_without_optimizer_steps_count_training_forwards(run: deepscope.Run,
                                                         logdir: Path) -> None:
    model = mlp()
    run.watch(model, every=2)
    for _ in range(5):
        model.zero_grad()
        model(torch.randn(3, 6)).sum().backward()
    with torch.no_grad():  # evaluation passes neither count nor capture
        model.eval()
        model(torch.randn(3, 6))
        model.train()
    run.finish()
    r = deepscope.open(logdir)
    assert [p.step for p in r.read_tensor_summaries(run.id, "grads/0.weight")] == [0, 2, 4]
    assert [p.step for p in r.read_tensor_summaries(run.id, "activations/0")] == [0, 2, 4]
    assert not any(s.name.startswith("updates/") for s in r.list_series(run.id))


def test_module_selection_by_glob_type_and_predicate(logdir: Path) -> None:
    for modules, expected in (("2", {"2"}), (["0", "4"], {"0", "4"}), (nn.Tanh, {"3"}),
                              (lambda n, m: isinstance(m, nn.Linear) and n != "0", {"2", "4"})):
        model = mlp()
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        with deepscope.init(logdir=logdir, exit_hooks=False) as run:
            run.watch(model, optimizer=opt, modules=modules, what=("activations",))
            train(model, opt, 1)
        names = {s.name.split("/", 1)[1] for s in deepscope.open(logdir).list_series(run.id)}
        assert names == expected, modules


def test_shared_module_called_twice_and_tied_weights(run: deepscope.Run, logdir: Path) -> None:
    class Tied(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.emb = nn.Embedding(10, 4)
            self.block = nn.Linear(4, 4)
            self.out = nn.Linear(4, 10, bias=False)
            self.out.weight = self.emb.weight

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            h = self.block(self.block(self.emb(x)))  # the same module twice
            return self.out(h)

    model = Tied()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    run.watch(model, optimizer=opt)
    nn.functional.cross_entropy(model(torch.tensor([1, 2, 3])), torch.tensor([1, 2, 3])).backward()
    opt.step()
    run.finish()
    r = deepscope.open(logdir)
    tree = r.read_model(run.id)
    assert tree is not None and tree["total_params"] == 10 * 4 + 4 * 4 + 4
    assert len(r.read_tensor_summaries(run.id, "activations/block")) == 1
    weights = [s.name for s in r.list_series(run.id, kind="tensor") if s.name.startswith("weights/")]
    assert sorted(weights) == ["weights/block.bias", "weights/block.weight", "weights/emb.weight"]


def test_dataparallel_is_unwrapped(run: deepscope.Run, logdir: Path) -> None:
    model = nn.DataParallel(mlp())
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    run.watch(model, optimizer=opt, what=("weights",))
    train(model, opt, 1)
    run.finish()
    names = {s.name for s in deepscope.open(logdir).list_series(run.id)}
    assert "weights/0.weight" in names and not any("module." in n for n in names)


def test_mixed_precision_autocast(run: deepscope.Run, logdir: Path) -> None:
    model = mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    run.watch(model, optimizer=opt)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss = model(torch.randn(4, 6)).float().sum()
    loss.backward()
    opt.step()
    run.finish()
    a = deepscope.open(logdir).read_tensor_summaries(run.id, "activations/0")[0].summary
    assert a.count == 4 * 16 and math.isfinite(a.mean) and a.nan_count == 0


def test_compiled_model_is_unwrapped_with_a_clear_warning(run: deepscope.Run,
                                                          logdir: Path) -> None:
    model = mlp()
    compiled = torch.compile(model, backend="eager")
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.warns(RuntimeWarning, match="torch.compile"):
        run.watch(compiled, optimizer=opt, every=1)
    train(compiled, opt, 2)
    run.finish()
    names = {s.name for s in deepscope.open(logdir).list_series(run.id)}
    assert {"weights/0.weight", "grads/0.weight", "updates/0.weight"} <= names


def test_bad_arguments_are_clear(run: deepscope.Run) -> None:
    with pytest.raises(TypeError, match="torch.nn.Module"):
        run.watch("not a model")
    with pytest.raises(ValueError, match="every"):
        run.watch(mlp(), every=0)
    with pytest.raises(ValueError, match="unknown what"):
        run.watch(mlp(), what=("weights", "gradz"))
