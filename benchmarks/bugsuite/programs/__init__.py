"""Importing this package registers every program (one module per family of bugs, then the
second round and the held-out set)."""

from . import (  # noqa: F401  (registration side effects)
    activations,
    correct,
    curves,
    gradients,
    heldout,
    labels,
    numeric,
    parameters,
    preflight,
    rates,
    round2,
    round3,
)
