"""The model against the facts: a catalogue of published figures (targets), and the engine of
``hlmsim targets`` that sets the model's own observables against them.

- :mod:`.catalogue`: the catalogue file (``catalogue.toml`` here, package data) and its checks:
  :func:`load_catalogue`, :class:`Target`, :class:`Catalogue`;
- :mod:`.engine`: :func:`run_targets`, replications in batches under common random numbers,
  per-target mean, 95% CI, standardised distance and verdict (:class:`TargetsResult`).

The report is written by :func:`hlmsim.reporting.targets.write_targets` (engines import no
reporting code).

Catalogue format: one ``[[target]]`` table per target, with the keys ``id`` (lowercase letters,
digits, underscores; unique), ``observable`` (a key of :data:`hlmsim.observables.OBSERVABLES`),
``role`` (``calibration`` or ``validation``), ``scenario`` (a shipped scenario, or a ``.toml``
path relative to the catalogue), optional ``arrangement`` (default: the scenario's), optional
``spin_up_months`` (0-240: the months run before measuring, for a figure taken on a mature
system such as a cross-section of staffing; default: the scenario's), optional
``versus`` with ``contrast`` (``ratio``, ``odds_ratio`` of shares or ``difference``: the
arrangement against ``versus`` on the same seeds, replicate by replicate), ``value`` and either
``low`` and ``high`` (``low <= value <= high``, ``low < high``) or ``sd`` (> 0: the range is
value ± 1.96 sd), ``description_en/fr``, ``setting_en/fr``, ``citation``, optional ``url``,
``applicability`` (``this_setting``, ``quebec``, ``other_setting``, ``analogue``),
``range_basis_en/fr`` and ``role_reason_en/fr``. Unknown keys are errors.
"""

from __future__ import annotations

from .catalogue import (
    APPLICABILITY,
    CONTRASTS,
    ROLES,
    Catalogue,
    Target,
    load_catalogue,
    shipped_catalogue_path,
)

__all__ = [
    "APPLICABILITY",
    "CONTRASTS",
    "ROLES",
    "Catalogue",
    "Target",
    "load_catalogue",
    "shipped_catalogue_path",
]
