"""Train a small MLP on scikit-learn's bundled digits and log everything to deepscope.

Run with ``make demo`` (or ``python examples/demo_digits.py --logdir deepscope-logs``).
Needs torch and scikit-learn; uses no network.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn

import deepscope


def make_data(seed: int) -> tuple[torch.Tensor, ...]:
    """Digits scaled to [0, 1], split 80/20."""
    digits = load_digits()
    x = digits.data.astype(np.float32) / 16.0
    xtr, xva, ytr, yva = train_test_split(x, digits.target, test_size=0.2, random_state=seed)
    return (torch.from_numpy(xtr), torch.from_numpy(xva), torch.from_numpy(ytr),
            torch.from_numpy(yva))


def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """Loss and accuracy on a set."""
    with torch.no_grad():
        logits = model(x)
        return (nn.functional.cross_entropy(logits, y).item(),
                (logits.argmax(1) == y).float().mean().item())


def train(args: argparse.Namespace) -> str:
    """Train and log one run; returns its id."""
    torch.manual_seed(args.seed)
    xtr, xva, ytr, yva = make_data(args.seed)
    model = nn.Sequential(nn.Linear(64, args.hidden), nn.ReLU(), nn.Linear(args.hidden, 10))
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
    config = {"lr": args.lr, "hidden": args.hidden, "batch": args.batch, "epochs": args.epochs,
              "optimizer": {"name": "adam"}, "seed": args.seed}
    with deepscope.init(project="digits", name=args.name, config=config, logdir=args.logdir,
                        tags=["demo", "mlp"]) as run:
        if args.watch:
            run.watch(model, optimizer=opt, every=args.watch)
        run.log_image("inputs/first_digits", xtr[:16].reshape(16, 8, 8).reshape(128, 8).numpy())
        step = 0
        for epoch in range(args.epochs):
            perm = torch.randperm(len(xtr))
            for i in range(0, len(xtr), args.batch):
                idx = perm[i:i + args.batch]
                logits = model(xtr[idx])
                loss = nn.functional.cross_entropy(logits, ytr[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
                acc = (logits.argmax(1) == ytr[idx]).float().mean()
                run.log({"train/loss": loss, "train/acc": acc,
                         "lr": opt.param_groups[0]["lr"]}, step=step)
                step += 1
                if args.delay:
                    time.sleep(args.delay)  # pace the demo so the dashboard has something live
            val_loss, val_acc = evaluate(model, xva, yva)
            run.log({"val/loss": val_loss, "val/acc": val_acc, "epoch": epoch}, step=step)
            for name, p in model.named_parameters():
                run.log_histogram(f"weights/{name}", p, step=step)
            run.log_text("val/summary", f"epoch {epoch}: val_loss={val_loss:.4f} "
                                        f"val_acc={val_acc:.3f}", step=step)
            sched.step()
        print(f"run {run.id} ({run.name}): val_acc={val_acc:.3f} after {step} steps")
        return run.id


def main() -> None:
    """Parse arguments and train."""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--logdir", default="deepscope-logs")
    p.add_argument("--name", default=None)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--watch", type=int, default=0, metavar="N",
                   help="record per-layer statistics every N steps (run.watch); 0: off")
    p.add_argument("--delay", type=float, default=0.0,
                   help="seconds to sleep after each step (to watch training live)")
    train(p.parse_args())


if __name__ == "__main__":
    main()
