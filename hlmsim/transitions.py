"""What a switch of arrangement costs, month by month, and when it pays off.

A comparison may hold switching arrangements (``start>to@month``, see
:func:`hlmsim.arrangements.parse_switch`) beside their ``start`` kept: both run in the same
worlds (parameter sets and seeds), identical until the switch month. From the monthly series of
every run (``CompareResult.runs``) this module follows the paired difference *switch − keep*
of an outcome (by default needs met a month) after the switch, world by world (a parameter set,
its seeds averaged):

- the **transition dip**: the mean difference over the first :data:`DIP_MONTHS` months from the
  switch (fewer when the horizon is nearer), with its 95% interval over worlds, and the month
  where the mean difference is lowest (a centred three-month mean);
- the **payback**: in each world, the month from which the cumulative difference since the
  switch stays at or above zero to the horizon (0 months when it never falls below zero;
  never when it is below zero at the horizon); its median and 95% range over worlds, and the
  share of worlds where the switch has paid off by the horizon;
- the **total**: the cumulative difference from the switch to the horizon, with its interval.

For an outcome where lower is better (``direction`` −1) the difference is taken the other way,
so that a dip is always a loss and a payback always a gain. Engines return these tables;
reports word them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .arrangements import parse_switch
from .outcomes import ALL_OUTCOMES
from .replication import mean_ci

#: The outcome a switch is followed on.
SWITCH_OUTCOME = "needs_met"
#: Months from the switch over which the transition dip is averaged.
DIP_MONTHS = 12
#: The window of the centred mean that locates the lowest month.
TROUGH_WINDOW = 3

COLUMNS = (
    "switch",
    "keep",
    "outcome",
    "month",
    "months_after",
    "worlds",
    "dip_months",
    "dip_mean",
    "dip_low",
    "dip_high",
    "trough_month",
    "trough",
    "payback_median",
    "payback_low",
    "payback_high",
    "paid_off_share",
    "total_mean",
    "total_low",
    "total_high",
)


def _sign(outcome: str) -> int:
    """+1 when higher is better (or neither), −1 when lower is better."""
    return -1 if ALL_OUTCOMES[outcome].direction < 0 else 1


def world_differences(
    runs: pd.DataFrame, finals: pd.DataFrame, switch: str, outcome: str = SWITCH_OUTCOME
) -> pd.DataFrame:
    """The paired monthly difference *switch − keep* (signed so that more is better), one row
    per world (parameter set, its seeds averaged; a replication without sets), one column per
    month (1-based)."""
    sw = parse_switch(switch)
    if sw is None:
        raise ValueError(f"{switch!r} is not a switching arrangement")

    def wide(a: str) -> pd.DataFrame:
        g = runs[runs["arrangement"] == a]
        return g.pivot(index="replication", columns="month", values=outcome)

    s, k = wide(switch), wide(sw.start)
    common = s.index.intersection(k.index)
    d = (s.loc[common] - k.loc[common]) * _sign(outcome)
    if "set" in finals:
        set_of = finals.drop_duplicates("replication").set_index("replication")["set"]
        return d.groupby(set_of.reindex(common).to_numpy()).mean().rename_axis("world")
    return d.rename_axis("world")


def payback_months(after: np.ndarray) -> np.ndarray:
    """Per world (rows of the differences from the switch month on), the months after the
    switch from which the cumulative difference stays at or above zero (0: never below; inf:
    still below at the horizon)."""
    cum = np.cumsum(after, axis=1)
    out = np.zeros(len(cum))
    for i, row in enumerate(cum):
        below = np.flatnonzero(row < 0)
        if len(below) == 0:
            out[i] = 0.0
        elif below[-1] == len(row) - 1:
            out[i] = math.inf
        else:
            out[i] = float(below[-1] + 1)
    return out


def transition_table(
    runs: pd.DataFrame,
    finals: pd.DataFrame,
    arrangements: Sequence[str],
    outcome: str = SWITCH_OUTCOME,
) -> pd.DataFrame:
    """One row per switching arrangement whose start is also compared (:data:`COLUMNS`)."""
    rows = []
    for a in arrangements:
        sw = parse_switch(a)
        if sw is None or sw.start not in arrangements:
            continue
        d = world_differences(runs, finals, a, outcome)
        months = list(d.columns)
        if sw.month not in months:
            continue
        after = d.loc[:, [m for m in months if m >= sw.month]].to_numpy(dtype=float)
        w = min(DIP_MONTHS, after.shape[1])
        dip = mean_ci(after[:, :w].mean(axis=1))
        path = pd.Series(after.mean(axis=0), index=[m for m in months if m >= sw.month])
        smooth = path.rolling(TROUGH_WINDOW, center=True, min_periods=1).mean()
        pay = payback_months(after)
        lo, med, hi = np.percentile(pay, [2.5, 50, 97.5], method="inverted_cdf")
        total = mean_ci(after.sum(axis=1))
        rows.append(
            {
                "switch": a,
                "keep": sw.start,
                "outcome": outcome,
                "month": sw.month,
                "months_after": after.shape[1],
                "worlds": len(after),
                "dip_months": w,
                "dip_mean": dip[0],
                "dip_low": dip[1],
                "dip_high": dip[2],
                "trough_month": int(smooth.idxmin()),
                "trough": float(smooth.min()),
                "payback_median": float(med),
                "payback_low": float(lo),
                "payback_high": float(hi),
                "paid_off_share": float(np.mean(np.isfinite(pay))),
                "total_mean": total[0],
                "total_low": total[1],
                "total_high": total[2],
            }
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))


def transition_path(
    runs: pd.DataFrame,
    finals: pd.DataFrame,
    switch: str,
    outcome: str = SWITCH_OUTCOME,
    window: int = 1,
    cumulative: bool = False,
) -> pd.DataFrame:
    """The monthly difference *switch − keep* (signed so that more is better), each world's
    as a centred mean over ``window`` months, or ``cumulative`` from the switch month on: its
    mean and 95% interval over worlds, one row per month (columns ``month``, ``mean``, ``low``,
    ``high``)."""
    d = world_differences(runs, finals, switch, outcome)
    if window > 1:
        d = d.T.rolling(window, center=True, min_periods=1).mean().T
    if cumulative:
        sw = parse_switch(switch)
        assert sw is not None
        d = d.loc[:, [m for m in d.columns if m >= sw.month]].cumsum(axis=1)
    stats = [mean_ci(d[m].to_numpy(dtype=float))[:3] for m in d.columns]
    return pd.DataFrame(
        {
            "month": list(d.columns),
            "mean": [s[0] for s in stats],
            "low": [s[1] for s in stats],
            "high": [s[2] for s in stats],
        }
    )
