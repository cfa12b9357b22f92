"""Mesa's data collector for :class:`hlmsim.model.HLMModel`, read from the records the model
keeps.

The model records every month's outcomes per milieu as it steps (``model.records``); a Mesa
``DataCollector`` calling reporters after each step would repeat that work in Python. The
:class:`RecordsCollector` collects nothing: its ``model_vars`` (one list per reporter, one value
per month) and the months they belong to are worked out from the records when read, and kept
until the model steps again. It is a ``mesa.DataCollector`` (a subclass), so what Mesa reads
works unchanged: ``get_model_vars_dataframe()``, ``model_vars``, and ``mesa.batch_run``
(``data_collection_period=-1``: the last month; ``1``: every month).

The reporters are the key outcomes that have a monthly value (:data:`REPORTERS`: needs met,
unmet needs, the time to meet a need, residents reached and so on; the share of needs met and the
cost per need met are final-year indicators, see ``hlmsim.run``), over all milieux together: the
``milieu == "all"`` rows of ``model.timeseries()``, to the bit. ``RecordsCollector(model,
outcomes)`` reports other monthly outcomes (any of :data:`hlmsim.outcomes.OUTCOMES`). With
several replicates (``HLMModel(replicates=R)``) each value is an array of R values, one per
replicate.

Month ``m`` (1 for the first recorded month) is collected at Mesa time ``m`` (``model.time``
after ``m`` steps): ``_collection_steps`` is ``[1.0, 2.0, ...]`` and batch_run's ``Step`` column
is the month. ``get_model_vars_dataframe()`` has one row per month, indexed by month.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np
import pandas as pd

from .outcomes import KEY_OUTCOMES, OUTCOMES

if TYPE_CHECKING:
    from .model import HLMModel

#: The collector's default reporters: the key outcomes with a monthly value, in their order.
REPORTERS: tuple[str, ...] = tuple(k for k in KEY_OUTCOMES if k in OUTCOMES)


class MonthlyOutcome:
    """A model reporter: the latest recorded month's value of one outcome over all milieux
    (what a Mesa ``DataCollector`` would call after each step; the collector does not need to)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, model: HLMModel) -> Any:
        values = model.datacollector.model_vars[self.name]
        return values[-1] if values else None

    def __repr__(self) -> str:
        return f"MonthlyOutcome({self.name!r})"


class RecordsCollector(mesa.DataCollector):
    """A ``mesa.DataCollector`` whose model variables are read from ``model.records``."""

    def __init__(self, model: HLMModel, outcomes: Sequence[str] = REPORTERS) -> None:
        # the base class's __init__ would set model_vars; here it is computed on demand
        unknown = [o for o in outcomes if o not in OUTCOMES]
        if unknown:
            raise ValueError(
                f"not a monthly outcome: {', '.join(unknown)}; allowed: {', '.join(OUTCOMES)}"
            )
        self.model = model
        self.model_reporters = {name: MonthlyOutcome(name) for name in outcomes}
        self.agent_reporters: dict[str, Any] = {}
        self.agenttype_reporters: dict[Any, Any] = {}
        self._agent_records: dict[float, Any] = {}
        self._agenttype_records: dict[float, Any] = {}
        self.tables: dict[str, Any] = {}
        self._validated = True
        self._cache: tuple[int, dict[str, list[Any]]] | None = None

    def _vars(self) -> dict[str, list[Any]]:
        recs = self.model.records
        if self._cache is None or self._cache[0] != len(recs):
            from .replication import overall_series

            series = overall_series(self.model) if recs else {}
            out: dict[str, list[Any]] = {}
            for name in self.model_reporters:
                if not recs:
                    out[name] = []
                elif self.model.replicates == 1:
                    out[name] = [float(v) for v in series[name][0]]
                else:
                    out[name] = [np.array(col) for col in series[name].T]
            self._cache = (len(recs), out)
        return self._cache[1]

    @property
    def model_vars(self) -> dict[str, list[Any]]:
        """Each reporter's values, one per recorded month (copies: editing them changes
        nothing)."""
        return {k: list(v) for k, v in self._vars().items()}

    @property
    def _collection_steps(self) -> list[float]:
        """The Mesa time of each recorded month: month m at time m."""
        return [float(m) for m in range(1, len(self.model.records) + 1)]

    def collect(self, model: Any = None) -> None:
        """Nothing to do: the model records every month as it steps."""

    def get_model_vars_dataframe(self) -> pd.DataFrame:
        """One row per recorded month (index ``month``, from 1), one column per reporter."""
        df = pd.DataFrame(self._vars(), columns=list(self.model_reporters))
        df.index = pd.RangeIndex(1, len(df) + 1, name="month")
        return df


__all__ = ["REPORTERS", "MonthlyOutcome", "RecordsCollector"]
