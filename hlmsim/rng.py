"""Named random streams: one generator per mechanism, derived from the run seed.

Each stream is seeded from the run seed and a stable hash of its name (after Starsim's
``process_seed``), so adding a draw to one mechanism never shifts the draws of another, and two
arrangements run on the same seed face the same households, need arrivals and move-outs
(common random numbers). Mechanisms draw fixed-size arrays each month wherever they can, so that
the number of draws does not depend on the state either.
"""

from __future__ import annotations

import zlib

import numpy as np

#: Every stream the model uses; a stream not named here is a programming error.
STREAMS: tuple[str, ...] = (
    "population",  # initial households
    "newcomers",  # households moving in
    "tenure",  # time lived in their unit by the households present at the start
    "demography",  # move-outs
    "needs",  # needs arising and resolving on their own
    "staff",  # departures and vacancies of workers, representatives, organisers
    "funding",  # grant renewals and funding cuts
    "crises",  # crises
    "outreach",  # the worker's contacts and disclosure
    "referral",  # referrals and self-referrals
    "services",  # partners' service outcomes
    "network",  # meetings, attendance, controversies, mediation
    "participation",  # activities, consultations, projects, association, mutual aid
    "information",  # word of mouth between neighbours
)

_KEYS = {name: zlib.crc32(name.encode()) for name in STREAMS}
assert len(set(_KEYS.values())) == len(STREAMS), "stream hash collision"


class Streams:
    """The run's random streams, by name: ``streams["needs"].random(n)``."""

    def __init__(self, seed: int) -> None:
        if not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        self.seed = int(seed)
        self._gens = {
            name: np.random.Generator(
                np.random.PCG64(np.random.SeedSequence(entropy=self.seed, spawn_key=(key,)))
            )
            for name, key in _KEYS.items()
        }

    def __getitem__(self, name: str) -> np.random.Generator:
        return self._gens[name]
