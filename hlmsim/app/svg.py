"""The app's pictures as inline SVG strings: charts over time, the local network of a milieu, the
residents of a milieu as squares and a household's trajectory.

Drawn by the server in plain Python (a few milliseconds a month, no plotting library on the hot
path) and rendered by any browser with no script and no network access. Every function returns
a complete ``<svg>`` element; every text is escaped.
"""

from __future__ import annotations

import math
from functools import lru_cache
from html import escape
from typing import Any

import networkx as nx
import numpy as np

from ..i18n import t
from ..i18n.formats import count, fmt_num, label_value
from ..params import PARTNER_KINDS
from ..state import COMMUNITY
from . import labels

#: Colours of run A and run B.
COLOURS: tuple[str, str] = ("#1f5fa8", "#d9600b")
#: How run A and run B are drawn side by side: A solid and wide underneath, B dashed on top, so
#: that both stay visible where they coincide (the legend shows the same strokes).
LINE_STYLES: tuple[str, str] = (
    'stroke-width="3.2" stroke-opacity="0.75"',
    'stroke-width="1.8" stroke-dasharray="5,3"',
)
FONT = "font-family:Roboto,Helvetica,Arial,sans-serif"
#: A white outline that keeps labels readable over lines.
HALO = ' paint-order="stroke" stroke="#fff" stroke-width="3" stroke-linejoin="round"'
#: A sequential scale (YlGnBu), low to high.
_SEQ = np.array(
    [
        [255, 255, 217],
        [199, 233, 180],
        [65, 182, 196],
        [34, 94, 168],
        [8, 29, 88],
    ],
    dtype=float,
)
#: Open needs: none, 1, 2, 3 or more.
UNMET_COLOURS: tuple[str, ...] = ("#e8e8e8", "#fdd49e", "#fc8d59", "#d7301f")


def seq_colour(x: float) -> str:
    """A colour of the sequential scale for x in [0, 1]."""
    if not math.isfinite(x):
        return "#cccccc"
    x = min(max(x, 0.0), 1.0) * (len(_SEQ) - 1)
    i = min(int(x), len(_SEQ) - 2)
    c = _SEQ[i] + (_SEQ[i + 1] - _SEQ[i]) * (x - i)
    return "#{:02x}{:02x}{:02x}".format(*(int(round(v)) for v in c))


def seq_colours(x: np.ndarray) -> list[str]:
    """Vectorised :func:`seq_colour`."""
    x = np.clip(np.nan_to_num(np.asarray(x, dtype=float), nan=0.0), 0, 1) * (len(_SEQ) - 1)
    i = np.minimum(x.astype(int), len(_SEQ) - 2)
    c = np.rint(_SEQ[i] + (_SEQ[i + 1] - _SEQ[i]) * (x - i)[:, None]).astype(int)
    return ["#" + _HEX[r] + _HEX[g] + _HEX[b] for r, g, b in c.tolist()]


#: Two hexadecimal digits of each byte value.
_HEX: tuple[str, ...] = tuple(f"{v:02x}" for v in range(256))


def nice_ceil(v: float) -> float:
    """A round number at least ``v`` (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten)."""
    if not math.isfinite(v) or v <= 0:
        return 1.0
    e = 10 ** math.floor(math.log10(v))
    for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if v <= m * e * (1 + 1e-9):
            return m * e
    return 10 * e


def _num(v: float, top: float, lang: str) -> str:
    """An axis label: as few decimals as show the axis's middle and top exactly."""
    decimals = next(
        (d for d in range(5) if abs(round(top / 2, d) - top / 2) < 1e-9 * max(top, 1)), 4
    )
    return fmt_num(v, decimals, lang)


# -- charts -----------------------------------------------------------------------------------


def line_chart(
    title: str,
    unit: str,
    lines: list[tuple[str, np.ndarray]],
    horizon: int,
    lang: str,
    markers: list[tuple[int, str]] | None = None,
    testid: str = "",
    width: int = 272,
    height: int = 160,
    note: str = "",
) -> str:
    """An outcome over time: ``lines`` as (colour, values for months 1..n), on a fixed x axis
    from month 0 to ``horizon``; ``markers`` as (month, label) dashed verticals; ``note`` (e.g.
    the current B − A difference) written at the top right in the second line's colour.

    Two lines (A and B side by side) stay both visible where they coincide: A solid and wide
    underneath, B dashed and narrower on top, each ending in its own marker (a dot, a ring).
    The SVG scales with its container (``width: 100%``, the aspect ratio kept)."""
    left, right, top, bottom = 38, 10, 34, 22
    pw, ph = width - left - right, height - top - bottom
    finite = [v[np.isfinite(v)] for _, v in lines]
    vmax = max((float(f.max()) for f in finite if len(f)), default=0.0)
    ymax = nice_ceil(vmax * 1.05)
    horizon = max(horizon, 1)

    def x(month: float) -> float:
        return left + pw * month / horizon

    def y(v: float) -> float:
        return top + ph * (1 - v / ymax)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" data-testid="{escape(testid)}"'
        f' style="{FONT}; width: 100%; height: auto; display: block">',
        f'<text x="4" y="13" font-size="12" font-weight="600">{escape(title)}</text>',
        f'<text x="4" y="26" font-size="10" fill="#666">{escape(unit)}</text>',
    ]
    if note:
        colour = lines[1][0] if len(lines) > 1 else "#444"
        out.append(
            f'<text x="{width - right}" y="26" font-size="10" text-anchor="end" fill="{colour}"'
            f' font-weight="600" data-testid="{escape(testid)}-note">{escape(note)}</text>'
        )
    for frac in (0, 0.5, 1):
        v = ymax * frac
        yy = y(v)
        out.append(
            f'<line x1="{left}" x2="{left + pw}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#e3e3e3"/>'
            f'<text x="{left - 4}" y="{yy + 3:.1f}" font-size="9" text-anchor="end"'
            f' fill="#555">{escape(_num(v, ymax, lang))}</text>'
        )
    step = 12 if horizon <= 180 else 60
    for month in range(0, horizon + 1, step):
        xx = x(month)
        out.append(
            f'<line x1="{xx:.1f}" x2="{xx:.1f}" y1="{top + ph}" y2="{top + ph + 3}" stroke="#999"/>'
        )
        if (month // step) % 2 == 0:
            out.append(
                f'<text x="{xx:.1f}" y="{top + ph + 14}" font-size="9" text-anchor="middle"'
                f' fill="#555">{month // 12}</text>'
            )
    out.append(
        f'<text x="{left + pw}" y="{height - 1}" font-size="8" text-anchor="end" fill="#888">'
        f"{escape(t('app.years_axis', lang))}</text>"
    )
    for month, label in markers or []:
        xx = x(month - 0.5)
        out.append(
            f'<line x1="{xx:.1f}" x2="{xx:.1f}" y1="{top}" y2="{top + ph}" stroke="#b00"'
            f' stroke-dasharray="3,2"><title>{escape(label)}</title></line>'
        )
    two = len(lines) > 1
    for k, (colour, values) in enumerate(lines):
        n = len(values)
        if n == 0:
            continue
        pts = " ".join(
            f"{x(i + 1):.1f},{y(v):.1f}" for i, v in enumerate(values) if math.isfinite(v)
        )
        style = LINE_STYLES[k] if two else 'stroke-width="1.8"'
        out.append(
            f'<polyline fill="none" stroke="{colour}" {style} stroke-linejoin="round"'
            f' data-run="{"ab"[k]}" points="{pts}"/>'
        )
        last = values[-1]
        if math.isfinite(last):
            if k == 0:
                out.append(f'<circle cx="{x(n):.1f}" cy="{y(last):.1f}" r="3" fill="{colour}"/>')
            else:
                out.append(
                    f'<circle cx="{x(n):.1f}" cy="{y(last):.1f}" r="3.5" fill="#fff"'
                    f' stroke="{colour}" stroke-width="1.6"/>'
                )
    out.append("</svg>")
    return "".join(out)


def line_key(run: int) -> str:
    """A small picture of run ``run``'s line (A solid, B dashed) for legends beside text."""
    colour, style = COLOURS[run], LINE_STYLES[run]
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="26" height="10" viewBox="0 0 26 10"'
        ' style="vertical-align: middle" aria-hidden="true">'
        f'<line x1="1" x2="25" y1="5" y2="5" stroke="{colour}" {style}/></svg>'
    )


# -- the local network ------------------------------------------------------------------------

_INNER = (
    "oc_ciusss",
    "worker",
    "committee_vivre_ensemble",
    "committee_terrain",
    "committee_coordination",
    "association",
    "oc_omh",
)
INNER_RADIUS = 0.5  # of the outer ring's
FUNDING_SHOWN = 0.95  # a partner's funding below this share of full funding is marked


@lru_cache(maxsize=1)
def network_layout() -> dict[str, tuple[float, float]]:
    """Fixed positions (unit circle): the concertation table at the centre, the worker,
    organisers, committees and the tenants' association on an inner ring, the eight partner
    kinds on the outer ring (``networkx.shell_layout``)."""
    g = nx.Graph()
    g.add_node("table")
    g.add_nodes_from(_INNER)
    g.add_nodes_from(PARTNER_KINDS)
    pos = nx.shell_layout(
        g, nlist=[["table"], list(_INNER), list(PARTNER_KINDS)], rotate=math.pi / 8
    )
    out = {}
    for n, (px, py) in pos.items():  # keep the angles, set the radii
        r = math.hypot(px, py)
        target = 0.0 if r == 0 else INNER_RADIUS if n in _INNER else 1.0
        out[n] = (float(px) / r * target, float(py) / r * target) if r else (0.0, 0.0)
    return out


def network_graph(model: Any, m: int) -> nx.Graph:
    """The local network of milieu ``m`` now, as a graph: nodes with their state, edges to the
    concertation table weighted by trust (partners: ``model.ms.trust[m, p]``)."""
    ms, mp = model.ms, model.mp
    g = nx.Graph()
    net = bool(mp.network_present[m])
    g.add_node(
        "table",
        present=net,
        crisis=bool(ms.crisis_left[m] > 0),
        project=bool(ms.project_left[m] > 0),
        controversies=int(ms.controversy[m].sum()),
        understanding=float(ms.understanding[m]),
    )
    has_worker = bool(mp.worker_fte[m] > 0)
    g.add_node(
        "worker",
        present=has_worker,
        filled=bool(ms.worker_filled[m]) and has_worker,
        serial=int(ms.worker_serial[m]),
    )
    g.add_edge("table", "worker", weight=float(ms.worker_knowledge[m]) if has_worker else 0.0)
    for r, name in enumerate(("oc_ciusss", "oc_omh")):
        present = bool((mp.oc_ciusss_present if r == 0 else mp.oc_omh_present)[m])
        g.add_node(name, present=present, filled=bool(ms.oc_filled[m, r]) and present)
        g.add_edge("table", name, weight=0.6 if ms.oc_filled[m, r] else 0.0)
    for c in ("committee_vivre_ensemble", "committee_terrain", "committee_coordination"):
        present = bool(getattr(mp, c)[m]) and net
        g.add_node(c, present=present, filled=present)
        g.add_edge("table", c, weight=0.5 if present else 0.0)
    g.add_node("association", present=True, filled=True, activity=float(ms.association[m]))
    g.add_edge("table", "association", weight=float(ms.association[m]))
    for p, kind in enumerate(PARTNER_KINDS):
        g.add_node(
            kind,
            member=bool(ms.member[m, p]),
            colocated=bool(ms.colocated[m, p]),
            funding=float(ms.funding[m, p]),
            community=bool(COMMUNITY[p]),
        )
        g.add_edge("table", kind, weight=float(ms.trust[m, p]), member=bool(ms.member[m, p]))
    return g


def _node_label(name: str, data: dict[str, Any], lang: str) -> str:
    if name in PARTNER_KINDS:
        return labels.partner_label(name, lang)
    if name == "worker":
        if not data["present"]:
            return t("app.no_worker_short", lang)
        if not data["filled"]:
            return label_value(t("app.worker_short", lang), t("app.vacant", lang), lang)
        return t("app.worker_no", lang, k=data["serial"])
    base = t(f"app.{name}_short", lang)
    if name in ("oc_ciusss", "oc_omh") and data["present"] and not data["filled"]:
        return f"{base} ({t('app.vacant', lang)})"
    return base


def wrap_label(text: str, width: int) -> list[str]:
    """``text`` on lines of at most about ``width`` characters, broken at spaces."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def network_svg(model: Any, m: int, lang: str, testid: str = "", width: int = 560) -> str:
    """The local network of milieu ``m``: partners' trust in the network as line width and
    colour; vacant positions dashed; absent structures faint."""
    plot_h = int(width * 0.72)  # the network; below it, two lines of notes
    height = plot_h + 32
    g = network_graph(model, m)
    pos = network_layout()
    cx, cy = width / 2, plot_h / 2
    rx, ry = width * 0.33, plot_h * 0.375

    def xy(n: str) -> tuple[float, float]:
        px, py = pos[n]
        return cx + rx * px, cy - ry * py

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" data-testid="{escape(testid)}" style="{FONT}">'
    ]
    tx, ty = xy("table")
    for a, b, d in g.edges(data=True):
        other = b if a == "table" else a
        x2, y2 = xy(other)
        w = d["weight"]
        if other in PARTNER_KINDS:
            if d["member"]:
                out.append(
                    f'<line x1="{tx:.1f}" y1="{ty:.1f}" x2="{x2:.1f}" y2="{y2:.1f}"'
                    f' stroke="{seq_colour(0.25 + 0.75 * w)}" stroke-width="{1 + 9 * w:.2f}"'
                    f' stroke-linecap="round" data-partner="{other}" data-trust="{w:.4f}"/>'
                )
            else:
                out.append(
                    f'<line x1="{tx:.1f}" y1="{ty:.1f}" x2="{x2:.1f}" y2="{y2:.1f}"'
                    ' stroke="#cfcfcf" stroke-width="1" stroke-dasharray="2,3"/>'
                )
            continue
        nd = g.nodes[other]
        if not nd["present"]:
            continue
        dash = "" if nd["filled"] else ' stroke-dasharray="4,3"'
        colour = "#8a6d3b" if nd["filled"] else "#aaa"
        out.append(
            f'<line x1="{tx:.1f}" y1="{ty:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}"'
            f' stroke-width="{1 + 4 * w:.2f}"{dash} opacity="0.6"/>'
        )
    # the table
    td = g.nodes["table"]
    fill = "#fff3c4" if td["present"] else "#eeeeee"
    ring = "#c0392b" if td["crisis"] else "#b8a35a"
    out.append(
        f'<circle cx="{tx:.1f}" cy="{ty:.1f}" r="31" fill="{fill}" stroke="{ring}"'
        f' stroke-width="{3 if td["crisis"] else 1.5}"/>'
    )
    label = t("app.table", lang) if td["present"] else t("app.no_network", lang)
    words = label.split(" ")
    half = (len(words) + 1) // 2
    for k, line in enumerate((" ".join(words[:half]), " ".join(words[half:]))):
        if line:
            out.append(
                f'<text{HALO} x="{tx:.1f}" y="{ty - 2 + 11 * k:.1f}" font-size="9.5"'
                f' text-anchor="middle">{escape(line)}</text>'
            )
    notes = []
    if td["present"]:
        notes.append(t("app.understanding_n", lang, v=fmt_num(td["understanding"], 2, lang)))
    if td["controversies"]:
        notes.append(count(td["controversies"], "app.controversies_n", lang))
    alerts = []
    if td["crisis"]:
        alerts.append(t("app.crisis_now", lang))
    if td["project"]:
        alerts.append(t("app.project_now", lang))
    for k, (line, colour) in enumerate(
        ((" · ".join(notes), "#444"), (" · ".join(alerts), "#c0392b"))
    ):
        if line:
            out.append(
                f'<text{HALO} x="{width / 2:.1f}" y="{plot_h + 16 + 12 * k}" font-size="10.5"'
                f' text-anchor="middle" fill="{colour}" data-testid="{escape(testid)}-notes">'
                f"{escape(line)}</text>"
            )
    # partners (outer ring): labels above or below, outside the ring
    for n in PARTNER_KINDS:
        nd = g.nodes[n]
        x, y = xy(n)
        member = nd["member"]
        fill = ("#7fb77e" if nd["community"] else "#6f9fd8") if member else "#f4f4f4"
        cut = nd["funding"] < FUNDING_SHOWN
        stroke = "#c0392b" if cut else "#555" if member else "#bbb"
        out.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="10" fill="{fill}" stroke="{stroke}"'
            f' stroke-width="{2.5 if cut else 1}"/>'
        )
        if nd["colocated"]:
            out.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="14" fill="none" stroke="#555"'
                ' stroke-width="1"/>'
            )
        px = pos[n][0]
        side = abs(px) > 0.6
        lines = (
            wrap_label(labels.partner_label(n, lang), 16)
            if side
            else [labels.partner_label(n, lang)]
        )
        extra = []
        if member:
            extra.append(fmt_num(g.edges["table", n]["weight"], 2, lang))
        if nd["colocated"]:
            extra.append(t("app.on_site", lang))
        if cut:
            lines.append(f"{t('app.funding_cut_mark', lang)} {nd['funding'] * 100:.0f} %")
        if extra:
            lines.insert(len(lines) - (1 if cut else 0), " · ".join(extra))
        colour = "#222" if member else "#999"
        above = y < cy
        y0 = y - 18 - 11 * (len(lines) - 1) if above else y + 26
        # on the sides, the label runs outwards from the node, away from the inner ring's labels
        anchor, lx = (
            ("end", x + 14) if px < -0.6 else ("start", x - 14) if px > 0.6 else ("middle", x)
        )
        bold = next((k for k, line in enumerate(lines) if extra and line == " · ".join(extra)), -1)
        for k, line in enumerate(lines):
            weight = ' font-weight="600"' if k == bold and member else ""
            out.append(
                f'<text{HALO} x="{lx:.1f}" y="{y0 + 11 * k:.1f}" font-size="9.5"'
                f' text-anchor="{anchor}" fill="{colour}"{weight}>{escape(line)}</text>'
            )
    # worker, organisers, committees, association (inner ring)
    for n in _INNER:
        nd = g.nodes[n]
        x, y = xy(n)
        present, filled = nd["present"], nd["filled"]
        fill = "#f2c14e" if filled else "#ffffff"
        stroke = "#8a6d3b" if present else "#ddd"
        dash = "" if filled or not present else ' stroke-dasharray="3,2"'
        if n.startswith("committee"):
            shape = (
                f'<rect x="{x - 7:.1f}" y="{y - 7:.1f}" width="14" height="14" fill="{fill}"'
                f' stroke="{stroke}"{dash}/>'
            )
        elif n == "association":
            shape = (
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="8" fill="{seq_colour(nd["activity"])}"'
                f' stroke="{stroke}"/>'
            )
        else:
            r = 10 if n == "worker" else 8
            shape = (
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{fill}" stroke="{stroke}"'
                f' stroke-width="{2 if n == "worker" else 1}"{dash}/>'
            )
        out.append(shape)
        anchor = "start" if x > cx + 5 else "end" if x < cx - 5 else "middle"
        dx = 12 if anchor == "start" else -12 if anchor == "end" else 0
        dy = 4 if anchor != "middle" else (-14 if y < cy else 20)
        colour = "#222" if present else "#bbb"
        weight = ' font-weight="600"' if n == "worker" else ""
        out.append(
            f'<text{HALO} x="{x + dx:.1f}" y="{y + dy:.1f}" font-size="9.5" text-anchor="{anchor}"'
            f' fill="{colour}"{weight} data-testid="{escape(testid)}-{n}">'
            f"{escape(_node_label(n, nd, lang))}</text>"
        )
    out.append("</svg>")
    return "".join(out)


# -- residents --------------------------------------------------------------------------------

COLOUR_BY: tuple[str, ...] = ("trust_worker", "unmet", "engagement", "security", "ties")


def residents_values(model: Any, m: int, colour_by: str) -> tuple[np.ndarray, np.ndarray]:
    """(values, household ids) of milieu ``m``'s households in dwelling order."""
    hh = model.hh
    rows = np.nonzero(hh.milieu == m)[0]
    if colour_by == "unmet":
        vals = hh.need_open[rows].sum(axis=1).astype(float)
    else:
        vals = getattr(hh, colour_by)[rows].astype(float)
    return vals, hh.hid[rows]


@lru_cache(maxsize=64)
def _cells(
    hids: bytes, dtype: str, cols: int, size: int, gap: int
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The residents' squares without their colour: the text before and after each fill (the
    same month after month until a household moves)."""
    ids = np.frombuffer(hids, dtype=np.dtype(dtype))
    before, after = [], []
    for k, hid in enumerate(ids.tolist()):
        r, c = divmod(k, cols)
        x, y = 2 + c * (size + gap), 2 + r * (size + gap)
        before.append(f'<rect x="{x}" y="{y}" width="{size}" height="{size}" fill="')
        after.append(f'"><title>{int(hid)}</title></rect>')
    return tuple(before), tuple(after)


def residents_svg(
    model: Any,
    m: int,
    colour_by: str,
    lang: str,
    highlight: int | None = None,
    testid: str = "",
    max_width: int = 470,
) -> str:
    """One square per household of milieu ``m``, coloured by ``colour_by`` (trust in the worker,
    open needs, engagement, security or social ties); the followed household outlined."""
    vals, hids = residents_values(model, m, colour_by)
    n = len(vals)
    size, gap = 13, 2
    cols = max(1, min(n, (max_width - 4) // (size + gap)))
    rows = math.ceil(n / cols)
    width = cols * (size + gap) + 4
    height = rows * (size + gap) + 34
    if colour_by == "unmet":
        fills = [UNMET_COLOURS[min(int(v), 3)] for v in vals]
        mean = fmt_num(float(vals.mean()) if n else float("nan"), 2, lang)
    else:
        fills = seq_colours(vals)
        mean = fmt_num(float(vals.mean()) if n else float("nan"), 2, lang)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" data-testid="{escape(testid)}" data-mean="{mean}"'
        f' style="{FONT}">'
    ]
    before, after = _cells(hids.tobytes(), hids.dtype.str, cols, size, gap)
    out.append("".join([a + f + b for a, f, b in zip(before, fills, after, strict=True)]))
    hl = None
    if highlight is not None:
        at = np.nonzero(hids == highlight)[0]
        if len(at):
            r, c = divmod(int(at[0]), cols)
            hl = (2 + c * (size + gap), 2 + r * (size + gap))
    if hl is not None:
        out.append(
            f'<rect x="{hl[0] - 1.5}" y="{hl[1] - 1.5}" width="{size + 3}" height="{size + 3}"'
            ' fill="none" stroke="#000" stroke-width="2"/>'
        )
    # legend
    ly = rows * (size + gap) + 12
    if colour_by == "unmet":
        x = 2
        for k, col in enumerate(UNMET_COLOURS):
            label = f"{k}+" if k == 3 else str(k)
            out.append(
                f'<rect x="{x}" y="{ly}" width="12" height="12" fill="{col}"/>'
                f'<text x="{x + 16}" y="{ly + 10}" font-size="10">{label}</text>'
            )
            x += 40
    else:
        for k in range(20):
            out.append(
                f'<rect x="{2 + 6 * k}" y="{ly}" width="6" height="12"'
                f' fill="{seq_colour(k / 19)}"/>'
            )
        out.append(
            f'<text x="2" y="{ly + 22}" font-size="9">0</text>'
            f'<text x="122" y="{ly + 22}" font-size="9" text-anchor="end">1</text>'
        )
    out.append(
        f'<text x="{width - 4}" y="{ly + 10}" font-size="10" text-anchor="end"'
        f' fill="#444">{escape("x̄ = " + mean)}</text>'
    )
    out.append("</svg>")
    return "".join(out)


# -- a household's trajectory ----------------------------------------------------------------

STORY_LINES: tuple[tuple[str, str], ...] = (
    ("trust_worker", "#1f5fa8"),
    ("security", "#2e8b57"),
    ("engagement", "#d9600b"),
    ("ties", "#8e44ad"),
)


def story_svg(story: Any, horizon: int, lang: str, testid: str = "", width: int = 470) -> str:
    """Trust in the worker, security, engagement and ties of a household, month by month."""
    height = 130
    left, right, top, bottom = 30, 8, 22, 18
    pw, ph = width - left - right, height - top - bottom
    horizon = max(horizon, 1)

    def x(month: float) -> float:
        return left + pw * month / horizon

    def y(v: float) -> float:
        return top + ph * (1 - v)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" data-testid="{escape(testid)}" style="{FONT}">'
    ]
    lx = left
    for key, colour in STORY_LINES:
        label = t(f"app.{key}_short", lang)
        out.append(
            f'<rect x="{lx}" y="4" width="10" height="10" fill="{colour}"/>'
            f'<text x="{lx + 13}" y="13" font-size="10">{escape(label)}</text>'
        )
        lx += 22 + 6 * len(label)
    for v in (0, 0.5, 1):
        out.append(
            f'<line x1="{left}" x2="{left + pw}" y1="{y(v):.1f}" y2="{y(v):.1f}"'
            f' stroke="#e3e3e3"/><text x="{left - 4}" y="{y(v) + 3:.1f}" font-size="9"'
            f' text-anchor="end" fill="#555">{escape(fmt_num(v, 1, lang))}</text>'
        )
    for month in range(0, horizon + 1, 12 if horizon <= 180 else 60):
        out.append(
            f'<text x="{x(month):.1f}" y="{height - 4}" font-size="9" text-anchor="middle"'
            f' fill="#555">{month // 12}</text>'
        )
    if story is not None and story.months:
        for key, colour in STORY_LINES:
            pts = " ".join(
                f"{x(mo):.1f},{y(v):.1f}"
                for mo, v in zip(story.months, story.values[key], strict=True)
            )
            out.append(
                f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{pts}"/>'
            )
        if story.moved_out is not None:
            xx = x(story.moved_out)
            out.append(
                f'<line x1="{xx:.1f}" x2="{xx:.1f}" y1="{top}" y2="{top + ph}" stroke="#000"'
                ' stroke-dasharray="4,2"/>'
            )
    out.append("</svg>")
    return "".join(out)
