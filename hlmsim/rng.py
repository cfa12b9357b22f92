"""Named random streams: one generator per mechanism, derived from the run seed.

Each stream is seeded from the run seed and a stable hash of its name (after Starsim's
``process_seed``), so adding a draw to one mechanism never shifts the draws of another, and two
arrangements run on the same seed face the same households, need arrivals and move-outs
(common random numbers).

Each month's numbers are counter-based (:class:`CounterDraws`): the number of an entry (a
household, a need, a milieu, a partner) for one use of a stream in one month is a hash of the run
seed, the stream, the month, the use and the entry, computed in the compiled kernels for the
entries that need one (:meth:`Streams.bases` hands them each use's key). An entry's number never
depends on which other entries drew one, or how many, or in which order. The newcomers'
attributes are drawn from them too (beta and normal variates from an entry's own numbers:
``mechanisms._jit.beta_variate``, ``standard_normal``). The sequential generators remain for the
initial population (its attributes, its stock of needs, the time lived so far) and the vacancy
opened by an arrangement switch.
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
    "switching",  # the vacancy of a post opened by an arrangement switch
)

_KEYS = {name: zlib.crc32(name.encode()) for name in STREAMS}
assert len(set(_KEYS.values())) == len(STREAMS), "stream hash collision"


class Streams:
    """The run's random streams, by name: ``streams["needs"].random(n)``."""

    def __init__(self, seed: int) -> None:
        if not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        self.seed = int(seed)
        # each stream's counter key, mixed from the seed once (CounterDraws mixes in the month)
        self._mixed = {name: _stream_key(self.seed, key) for name, key in _KEYS.items()}
        self._blocks: dict[tuple[str, int], np.ndarray] = {}  # see bases
        self._gens = {
            name: np.random.Generator(
                np.random.PCG64(np.random.SeedSequence(entropy=self.seed, spawn_key=(key,)))
            )
            for name, key in _KEYS.items()
        }

    def __getitem__(self, name: str) -> np.random.Generator:
        return self._gens[name]

    def at(self, name: str, t: int) -> CounterDraws:
        """Counter-based uniforms of stream ``name`` for month ``t`` (see :class:`CounterDraws`)."""
        return CounterDraws.of_stream_key(self._mixed[name], t)

    def bases(self, name: str, t: int) -> np.ndarray:
        """The keys of the uses (slots) ``0 .. SLOTS - 1`` of stream ``name`` in month ``t``, for
        compiled kernels: ``bases(name, t)[slot] == at(name, t).base(slot)``. Worked out for
        ``BLOCK`` months at once (one vectorised pass, not Python arithmetic every month); a
        read-only view."""
        block, row = divmod(int(t), BLOCK)
        found = self._blocks.get((name, block))
        if found is None:
            months = np.arange(block * BLOCK, (block + 1) * BLOCK, dtype=np.int64)
            found = self._blocks[(name, block)] = _slot_bases(self._mixed[name], months)
        return found[row]


_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_M1, _M2 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB
#: Months are offset so that spin-up months (t < 0) stay distinct and non-negative.
_T_OFFSET = 1 << 20


def _mix_int(z: int) -> int:
    """SplitMix64's finaliser on a Python int (64-bit, wrapping)."""
    z = ((z ^ (z >> 30)) * _M1) & _MASK
    z = ((z ^ (z >> 27)) * _M2) & _MASK
    return z ^ (z >> 31)


def _stream_key(seed: int, key: int) -> int:
    """A stream's key for the run: its name's hash mixed with the run seed."""
    return _mix_int((int(seed) * _GOLDEN + key) & _MASK)


def _month_key(stream_key: int, t: int) -> int:
    """A stream's key for month ``t`` (from :func:`_stream_key`)."""
    return _mix_int((stream_key + (int(t) + _T_OFFSET) * _M2) & _MASK)


#: Uses (slots) of a stream in one month that :meth:`Streams.bases` covers; months it works out at
#: once.
SLOTS, BLOCK = 8, 64


def _mix_array(z: np.ndarray) -> np.ndarray:
    """:func:`_mix_int` on an array of uint64 (wrapping arithmetic), in place."""
    z ^= z >> np.uint64(30)
    z *= np.uint64(_M1)
    z ^= z >> np.uint64(27)
    z *= np.uint64(_M2)
    z ^= z >> np.uint64(31)
    return z


def _slot_bases(stream_key: int, months: np.ndarray) -> np.ndarray:
    """``CounterDraws.of_stream_key(stream_key, t).base(slot)`` for every month ``t`` of
    ``months`` (rows) and slot ``0 .. SLOTS - 1`` (columns), read-only."""
    t = (months + _T_OFFSET).astype(np.uint64)
    month = _mix_array(np.uint64(stream_key) + t * np.uint64(_M2))
    out = _mix_array(
        month[:, None] + np.arange(SLOTS, dtype=np.uint64)[None, :] * np.uint64(_GOLDEN)
    )
    out.flags.writeable = False
    return out


class CounterDraws:
    """Uniforms in [0, 1) addressed by entry rather than drawn in sequence: the number of entry
    ``i`` (e.g. household row * categories + need category) for use ``slot`` of stream ``key`` in
    month ``t`` is a hash of (run seed, stream, month, slot, i) (SplitMix64's finaliser, as in
    counter-based generators such as Philox or Random123). A mechanism draws only the entries it
    needs, and each entry's number never depends on which other entries are drawn or how many:
    arrangements compared on one seed see the same numbers for the same households and needs
    (common random numbers) without drawing fixed-size arrays of mostly unused numbers."""

    __slots__ = ("_base",)

    def __init__(self, seed: int, key: int, t: int) -> None:
        self._base = _month_key(_stream_key(seed, key), t)

    @classmethod
    def of_stream_key(cls, stream_key: int, t: int) -> CounterDraws:
        """The numbers of month ``t`` from a stream's key already mixed with the run seed
        (:func:`_stream_key`; :meth:`Streams.at` keeps one per stream)."""
        draws = cls.__new__(cls)
        draws._base = _month_key(stream_key, t)
        return draws

    def base(self, slot: int = 0) -> np.uint64:
        """The key of use ``slot`` this month, for compiled kernels
        (``hlmsim.mechanisms._jit.uniform(base, index)`` equals ``self(index, slot)``)."""
        return np.uint64(_mix_int((self._base + slot * _GOLDEN) & _MASK))

    def __call__(self, index: np.ndarray, slot: int = 0) -> np.ndarray:
        """Uniforms for the flat entries ``index`` (non-negative integers), use ``slot``."""
        base = self.base(slot)
        z = _mix_array(np.asarray(index, dtype=np.uint64) * np.uint64(_GOLDEN) + base)
        return (z >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))
