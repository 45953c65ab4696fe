"""Run the bug suite, diagnose every run and score deepscope against the labels.

Usage (from the repository root)::

    .venv/bin/python benchmarks/bugsuite/run.py             # everything (~2-3 min)
    .venv/bin/python benchmarks/bugsuite/run.py --fast      # the fast subset (< 60 s)
    .venv/bin/python benchmarks/bugsuite/run.py --only lrh_adam_mlp -v
    .venv/bin/python benchmarks/bugsuite/run.py --list
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

if __package__ in (None, ""):  # run as a script: make ``bugsuite`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from bugsuite.registry import CORRECT, Program, all_programs
    from bugsuite.score import Scores, Verdict, alarms, baseline, score
    from bugsuite.signals import COLUMNS, signals
    from bugsuite.suite import Outcome, configure_torch, rediagnose, run_program
else:
    from .registry import CORRECT, Program, all_programs
    from .score import Scores, Verdict, alarms, baseline, score
    from .signals import COLUMNS, signals
    from .suite import Outcome, configure_torch, rediagnose, run_program

TARGETS = {"recall": 0.9, "top1": 0.7, "false_alarm_rate": 0.1}
OVERHEAD_PROGRAMS = ("ok_mlp_digits", "ok_cnn_bn_dropout")
OVERHEAD_REPS = 3  # interleaved repetitions per program and setting


def select(programs: dict[str, Program], *, fast: bool, only: Sequence[str]) -> list[Program]:
    """The programs to run: ``--only`` names, else the fast subset, else all."""
    if only:
        unknown = [n for n in only if n not in programs]
        if unknown:
            raise SystemExit(f"unknown program(s) {unknown}; see --list")
        return [programs[n] for n in only]
    return [p for p in programs.values() if p.fast or not fast]


def run_all(progs: list[Program], logdir: Path, console: Console) -> list[Outcome]:
    """Run and diagnose each program, with a progress bar."""
    outcomes = []
    columns = (TextColumn("{task.description:<40}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("bug suite", total=len(progs))
        for prog in progs:
            bar.update(task, description=prog.name)
            outcomes.append(run_program(prog, logdir))
            bar.advance(task)
    return outcomes


def signal_table(outcomes: list[Outcome], logdir: Path) -> Table:
    """The measured signals of every run (what thresholds are calibrated against)."""
    t = Table(title="Signals")
    for col in ("program", "label", *COLUMNS):
        t.add_column(col, justify="left" if col in ("program", "label") else "right")
    for o in outcomes:
        if o.run_id is None:
            continue
        sig = signals(logdir, o.run_id)
        t.add_row(o.program.name, o.program.label, *(f"{sig[c]:.3g}" for c in COLUMNS))
    return t


def measure_overhead(programs: dict[str, Program], logdir: Path, reps: int,
                     console: Console) -> list[tuple[str, int, float, float]]:
    """Mean step time (capture steps included) without and with ``run.watch``, interleaved;
    the median over repetitions: (name, steps, off, on)."""
    rows = []
    names = [n for n in OVERHEAD_PROGRAMS if n in programs]
    with Progress(TextColumn("{task.description:<40}"), BarColumn(), MofNCompleteColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("overhead", total=len(names) * reps * 2)
        for name in names:
            times: dict[bool, list[float]] = {False: [], True: []}
            steps = 0
            for rep in range(reps):
                for watch in ((False, True) if rep % 2 == 0 else (True, False)):
                    bar.update(task, description=f"overhead {name} watch={watch}")
                    out = run_program(programs[name], logdir, watch=watch, preflight=False,
                                      diagnose=False)
                    times[watch].append(statistics.fmean(out.step_seconds))
                    steps = len(out.step_seconds)
                    bar.advance(task)
            rows.append((name, steps, statistics.median(times[False]),
                         statistics.median(times[True])))
    return rows


def program_table(outcomes: list[Outcome], verbose: bool) -> Table:
    """One row per program: label, deepscope's alarms, the baseline's."""
    t = Table(title="Programs (* = held-out)", show_lines=False)
    for col in ("program", "label", "deepscope alarms (first = top-1)", "hit", "top-1",
                "baseline", "s"):
        t.add_column(col)
    for o in outcomes:
        v = Verdict(o.program.label, alarms(o.findings))
        b = Verdict(o.program.label, baseline(o.loss))
        bug = o.program.label != CORRECT
        said = "CRASHED" if o.error else ", ".join(v.categories) or "-"
        t.add_row(o.program.name + (" *" if o.program.heldout else ""), o.program.label, said,
                  _mark(v.detected) if bug else _mark(not v.alarmed),
                  _mark(v.top1) if bug else "", ", ".join(b.categories) or "-",
                  f"{o.seconds:.1f}")
        if verbose:
            for f in o.findings:
                t.add_row("", "", f"  {f.severity} {f.detector}: {f.message[:90]}", "", "", "", "")
    return t


def _mark(ok: bool) -> str:
    return "[green]yes[/]" if ok else "[red]no[/]"


def category_table(ours: Scores, base: Scores) -> Table:
    """Per-category recall, deepscope vs baseline."""
    t = Table(title="Recall per category (all programs)")
    for col in ("category", "programs", "deepscope", "baseline"):
        t.add_column(col, justify="left" if col == "category" else "right")
    for cat, (hit, n) in sorted(ours.per_category.items()):
        t.add_row(cat, str(n), f"{hit}/{n}", f"{base.per_category[cat][0]}/{n}")
    return t


def summary_table(sets: list[tuple[str, Scores, Scores]]) -> Table:
    """Overall recall, top-1 and false-alarm rate against the targets, per program set."""
    t = Table(title="Summary")
    t.add_column("metric")
    for name, ours, _ in sets:
        t.add_column(f"deepscope\n{name}\n({ours.bugs} bugs, {ours.correct} ok)", justify="right")
        t.add_column(f"baseline\n{name}", justify="right")
    t.add_column("target", justify="right")
    for key, label, sign in (("recall", "recall", ">="), ("top1", "top-1 category accuracy", ">="),
                             ("false_alarm_rate", "false-alarm rate", "<=")):
        cells = [f"{getattr(x, key):.2f}" for _, ours, base in sets for x in (ours, base)]
        t.add_row(label, *cells, f"{sign} {TARGETS[key]:.2f}")
    return t


def score_sets(outcomes: list[Outcome]) -> list[tuple[str, Scores, Scores]]:
    """Scores of all programs, and of the calibration and held-out sets when both ran."""
    groups = [("all", outcomes)]
    cal = [o for o in outcomes if not o.program.heldout]
    held = [o for o in outcomes if o.program.heldout]
    if cal and held:
        groups += [("calibration", cal), ("held-out", held)]
    return [(name, score([Verdict(o.program.label, alarms(o.findings)) for o in group]),
             score([Verdict(o.program.label, baseline(o.loss)) for o in group]))
            for name, group in groups]


def overhead_table(rows: list[tuple[str, int, float, float]], reps: int) -> Table:
    """Step time with and without ``run.watch(every=10)``."""
    t = Table(title=f"Live-monitoring overhead (mean step incl. captures, median of {reps} "
                    f"interleaved reps, 1 thread)")
    for col in ("program", "steps", "no watch (ms)", "watch every=10 (ms)", "ratio"):
        t.add_column(col, justify="left" if col == "program" else "right")
    for name, steps, off, on in rows:
        t.add_row(name, str(steps), f"{off * 1e3:.2f}", f"{on * 1e3:.2f}", f"{on / off:.2f}x")
    return t


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns 1 when a target is missed (full runs only)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fast", action="store_true", help="only the fast subset")
    ap.add_argument("--only", nargs="+", default=[], metavar="NAME", help="only these programs")
    ap.add_argument("--list", action="store_true", help="list the programs and exit")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every finding")
    ap.add_argument("--overhead-reps", type=int, default=OVERHEAD_REPS)
    ap.add_argument("--no-overhead", action="store_true", help="skip the overhead measurement")
    ap.add_argument("--keep", action="store_true", help="keep the logdir (path is printed)")
    ap.add_argument("--from", dest="from_dir", type=Path, metavar="LOGDIR",
                    help="re-diagnose the runs of a kept logdir instead of training again")
    ap.add_argument("--signals", action="store_true", help="print the measured signals")
    ap.add_argument("--width", type=int, default=None, help="table width (default: terminal)")
    args = ap.parse_args(argv)
    console = Console(width=args.width)
    programs = all_programs()
    if args.list:
        for p in programs.values():
            console.print(f"{p.name:<40} {p.label:<22} {p.arch:<12} "
                          f"{'fast ' if p.fast else ''}{'check' if p.preflight else ''}")
        return 0
    configure_torch()
    chosen = select(programs, fast=args.fast, only=args.only)
    logdir = args.from_dir or Path(tempfile.mkdtemp(prefix="bugsuite-"))
    keep = args.keep or args.from_dir is not None
    try:
        if args.from_dir:
            outcomes = rediagnose(chosen, logdir)
        else:
            outcomes = run_all(chosen, logdir, console)
        for o in outcomes:
            if o.error:
                console.print(f"[red]{o.program.name} crashed:[/]\n{o.error}")
        sets = score_sets(outcomes)
        _, ours, base = sets[0]
        console.print(program_table(outcomes, args.verbose))
        if args.signals:
            console.print(signal_table(outcomes, logdir))
        console.print(category_table(ours, base))
        console.print(summary_table(sets))
        if not (args.no_overhead or args.only or args.from_dir):
            console.print(overhead_table(measure_overhead(programs, logdir, args.overhead_reps,
                                                          console), args.overhead_reps))
    finally:
        if keep:
            console.print(f"logdir kept: {logdir} (re-diagnose with --from {logdir})")
        else:
            shutil.rmtree(logdir, ignore_errors=True)
    missed = (ours.recall < TARGETS["recall"] or ours.top1 < TARGETS["top1"]
              or ours.false_alarm_rate > TARGETS["false_alarm_rate"])
    return int(missed and not (args.fast or args.only))


if __name__ == "__main__":
    sys.exit(main())
