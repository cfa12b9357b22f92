"""The figures' look, shared by every report: colours and markers of the arrangements (Okabe &
Ito's colour-blind-safe palette, fixed per preset), matplotlib settings, axis styling, tick labels
in the reader's language, and PNG output (Agg canvas, no pyplot: the caller's backend is left
alone)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..i18n.formats import MINUS, fmt_num

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Okabe & Ito (2008) colour-blind-safe colours, one per arrangement; markers and line styles
#: tell them apart in grey print too.
COLOURS: dict[str, str] = {
    "ciusss_social_worker": "#0072B2",
    "community_worker": "#009E73",
    "omh_worker": "#D55E00",
    "concertation_only": "#CC79A7",
    "services_as_usual": "#000000",
}
MARKERS: dict[str, str] = {
    "ciusss_social_worker": "o",
    "community_worker": "s",
    "omh_worker": "D",
    "concertation_only": "^",
    "services_as_usual": "v",
}
EXTRA_COLOURS = ("#E69F00", "#56B4E9", "#F0E442")
DPI = 110


def colour(name: str, order: Sequence[str]) -> str:
    """The arrangement's colour (presets have fixed colours; others take spare ones)."""
    if name in COLOURS:
        return COLOURS[name]
    spare = [a for a in order if a not in COLOURS]
    return EXTRA_COLOURS[spare.index(name) % len(EXTRA_COLOURS)]


def new_figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    return fig


def png(fig: Figure) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    buf = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buf, metadata={"Software": None})
    return buf.getvalue()


def style_axes(ax: Axes) -> None:
    ax.grid(True, color="#d9d9d9", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=9)


def axis_formatter(lang: str, decimals: int | None = None) -> Any:
    """Tick labels with the language's separators; decimals from the tick spacing (as
    matplotlib's own formatter chooses them) unless ``decimals`` is given."""
    from matplotlib.ticker import ScalarFormatter

    class LocaleFormatter(ScalarFormatter):
        def __call__(self, x: float, pos: int | None = None) -> str:
            if decimals is not None:
                return fmt_num(x, decimals, lang)
            s = super().__call__(x, pos).replace(MINUS, "-").replace("$", "")
            try:
                value = float(s)
            except ValueError:
                return s
            return fmt_num(value, len(s.split(".")[1]) if "." in s else 0, lang)

    f = LocaleFormatter(useOffset=False)
    f.set_scientific(False)
    return f


def rc() -> dict[str, Any]:
    return {
        "font.family": "DejaVu Sans",
        "font.size": 10,
        "axes.titlesize": 10.5,
        "axes.labelsize": 9.5,
        "legend.fontsize": 10,
        "axes.unicode_minus": True,
    }
