"""Readable default run names: ``brisk-otter-3f2a``."""

from __future__ import annotations

import random

_ADJECTIVES = ("brisk", "calm", "deep", "eager", "fuzzy", "gentle", "happy", "icy", "jolly",
               "keen", "lucky", "mellow", "nimble", "proud", "quiet", "rapid", "shy", "tidy",
               "vivid", "wise")
_NOUNS = ("otter", "falcon", "maple", "comet", "river", "badger", "cedar", "heron", "lynx",
          "meadow", "nebula", "orca", "pebble", "quartz", "raven", "spruce", "tiger", "willow")


def random_run_name(run_id: str) -> str:
    """A name made of two words and the first four characters of the run id."""
    rng = random.Random(run_id)
    return f"{rng.choice(_ADJECTIVES)}-{rng.choice(_NOUNS)}-{run_id[:4]}"
