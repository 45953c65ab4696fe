"""run.watch under DistributedDataParallel: 2 CPU processes (gloo), per-rank and rank-0 modes."""

from __future__ import annotations

import os
import sys
import textwrap
import subprocess
from pathlib import Path

import pytest

import deepscope

WORKER = textwrap.dedent("""
    import os, sys, torch, torch.distributed as dist
    from torch import nn
    import deepscope
    rank, world, init_file, logdir, per_rank = (int(sys.argv[1]), 2, sys.argv[2], sys.argv[3],
                                                sys.argv[4] == "1")
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank,
                            world_size=world)
    torch.manual_seed(0)
    model = nn.parallel.DistributedDataParallel(nn.Sequential(nn.Linear(4, 8), nn.ReLU(),
                                                              nn.Linear(8, 2)))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    run = deepscope.init(project="ddp", id="ddp-" + sys.argv[4], resume="allow", logdir=logdir,
                         exit_hooks=False)
    run.watch(model, optimizer=opt, every=1, per_rank=per_rank)
    for step in range(3):
        torch.manual_seed(rank * 100 + step)
        opt.zero_grad()
        model(torch.randn(5, 4)).sum().backward()
        opt.step()
    run.finish()
    dist.destroy_process_group()
""")


@pytest.mark.parametrize("per_rank", [True, False], ids=["per_rank", "rank0_only"])
def test_ddp_two_cpu_processes(tmp_path: Path, per_rank: bool) -> None:
    logdir, script = tmp_path / "logs", tmp_path / "worker.py"
    script.write_text(WORKER)
    deepscope.init(project="ddp", id=f"ddp-{int(per_rank)}", logdir=logdir,
                   exit_hooks=False).finish()  # both ranks then resume the same run
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    procs = [subprocess.Popen([sys.executable, str(script), str(rank), str(tmp_path / "init"),
                               str(logdir), str(int(per_rank))], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for rank in (0, 1)]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err[-2000:]
    series = {s.name for s in deepscope.open(logdir).list_series(f"ddp-{int(per_rank)}")}
    if per_rank:
        for rank in (0, 1):
            assert {f"rank{rank}/weights/0.weight", f"rank{rank}/grads/0.weight",
                    f"rank{rank}/activations/1", f"rank{rank}/updates/2.bias"} <= series
    else:
        assert "weights/0.weight" in series and not any(s.startswith("rank") for s in series)
