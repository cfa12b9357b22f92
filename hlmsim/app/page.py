"""The workshop app's page (Solara): ``solara run hlmsim.app.page`` (``hlmsim app`` does it).

Layout: a side column of controls (scenario, arrangements, side-by-side mode, milieu, play /
step / pause / reset, speed, live events, levers and assumptions drawn from the parameter
schema) and the live views (status, current values, outcomes over time, the local network, the
residents as squares, a household's story).

Per-month updates touch only the views, and do not render the page: the player draws the views
as HTML by slot (every picture an inline SVG string, ``hlmsim.app.svg``) and sends the texts
that changed in one message to the page's :class:`LiveStore`, which writes them into the
:class:`LiveSlot` elements (:class:`LiveViews`). Reacton renders only when settings, events or
the language change. On a classroom server this is what lets one core serve thirty teams
(``benchmarks/bench_app.py``; where the time goes: ``benchmarks/profile_app.py``).
"""

from __future__ import annotations

import collections
import functools
import math
import os
import secrets
import threading
import time
import urllib.parse
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipyvue
import solara
import solara.lab
import traitlets

from .. import __version__
from ..errors import InputError
from ..i18n import DEFAULT_LANG, LANGS, t
from ..i18n.formats import (
    colon,
    count,
    fmt_money,
    fmt_num,
    fmt_pct,
    fmt_range,
    label_value,
    quote,
)
from ..outcomes import outcome_unit
from ..reporting.values import display_unit
from . import labels, svg
from .board import BOARD_OUTCOMES, Board, clean_team, run_finals
from .cli import DEBUG_ENV, ENSEMBLE_ENV
from .gate import CODE_ENV
from .session import (
    APP_PARAMS,
    CHART_OUTCOMES,
    LIVE_EVENTS,
    LIVE_PARAMS,
    TABLE_OUTCOMES,
    Session,
    SessionStore,
    app_scenarios,
    apply_design,
    design_toml,
    read_design,
    session_design,
)

if TYPE_CHECKING:
    from ..calibrate.posterior import Ensemble

SPEEDS: tuple[int, ...] = (1, 2, 5, 10, 0)  # months a second; 0: as fast as possible
SHOWN_TIMEOUT = 1.0  # seconds playing waits for the browser to draw a month
#: At most this many months per picture when the page falls behind the chosen speed: the model
#: is cheap and the pictures are not, so a slow page keeps the speed by drawing fewer frames.
MAX_BATCH = 6
#: The key outcomes charted at the top of the page (on one screen with the controls); the
#: others are charted further down.
KEY_CHARTS: tuple[str, ...] = ("needs_met", "needs_unmet", "trust_worker", "inter_org_trust")


def _initial_lang() -> str:
    lang = os.environ.get("HLMSIM_APP_LANG", DEFAULT_LANG)
    return lang if lang in LANGS else DEFAULT_LANG


def debug_mode() -> bool:
    """True when the server was started with ``--debug`` (timings shown on the page)."""
    return os.environ.get(DEBUG_ENV, "") == "1"


@functools.cache
def app_ensemble() -> Ensemble | None:
    """The calibrated ensemble the worlds draw their parameters from (``hlmsim app --ensemble``,
    which checked it), read once per server; None without one."""
    path = os.environ.get(ENSEMBLE_ENV)
    if not path:
        return None
    from ..calibrate.posterior import load_ensemble

    return load_ensemble(path)


def new_session() -> Session:
    return Session(ensemble=app_ensemble())


#: The server's sessions by token: a page keeps its token in its address (``?run=...``), so a
#: reload finds its run again (for :data:`hlmsim.app.session.KEEP_SECONDS` after the last page
#: showing it closed). Memory only: nothing is kept after the server stops.
STORE = SessionStore(new_session)
RUN_KEY = "run"


#: The classroom's board (``hlmsim app --classroom``): the designs the teams submitted, for every
#: page of this server, replayed on the app's ensemble when it runs on one.
BOARD = Board(ensemble=app_ensemble())


def classroom_code() -> str:
    """The join code in classroom mode, else an empty string."""
    return os.environ.get(CODE_ENV, "")


def query_of(search: str | None) -> dict[str, str]:
    """The page address's query (``a=1&b=2``) as a dict (the last value of a repeated key)."""
    return {k: v[-1] for k, v in urllib.parse.parse_qs(search or "").items()}


# Per-browser-tab state (Solara keeps a module-level reactive per kernel, i.e. per page).
lang = solara.reactive(_initial_lang())
tick = solara.reactive(0)  # bumped when the runs change: a month, a reset, an event
ui = solara.reactive(0)  # bumped when settings change: the controls show new values
playing = solara.reactive(False)
speed = solara.reactive(5)
colour_by = solara.reactive("trust_worker")
team = solara.reactive("")  # the team's name (classroom mode), written into its design
at_end = solara.reactive(False)  # the runs reached the horizon (only the run bar reads it)

CSS = """
.hlm-app { padding: 4px 12px; font-size: 14px; }
.hlm-app h1 { font-size: 20px; margin: 0; white-space: nowrap; }
.hlm-app h2 { font-size: 15px; margin: 4px 0 2px 0; }
.hlm-app h3 { font-size: 13.5px; margin: 2px 0 0 0; }
.hlm-top { display: flex; align-items: center; gap: 12px; min-height: 40px; }
.hlm-sub { color: #444; flex: 1 1 auto; }
.hlm-caveat { color: #7a4b00; background: #fff6e0; border-left: 3px solid #e0a000;
  padding: 2px 8px; font-size: 12px; margin: 0 0 6px 0; }
.hlm-layout { display: flex; gap: 10px; align-items: flex-start; flex-wrap: nowrap; }
.hlm-side { width: 300px; flex: none; }
.hlm-main { flex: 1 1 auto; min-width: 0; }
.hlm-panel { border-top: 1px solid #e4e4e4; }
.hlm-panel-head.v-btn { text-transform: none; font-weight: 600; font-size: 14.5px;
  letter-spacing: 0; width: 100%; justify-content: flex-start; padding: 0 2px !important; }
.hlm-panel-body { padding: 0 0 6px 0; }
.hlm-panel-body .v-btn { text-transform: none; letter-spacing: 0; }
.v-application .v-btn { text-transform: none; letter-spacing: 0; }
.hlm-help { color: #666; font-size: 11.5px; line-height: 1.25; }
.hlm-param { margin-top: 4px; }
.hlm-param-label { font-size: 12.5px; line-height: 1.25; }
.hlm-param-label b { color: #1f5fa8; }
.hlm-changed { color: #b35900; font-weight: 600; }
.hlm-param .v-input__slot { margin-bottom: 0 !important; }
.hlm-param .v-messages { display: none; }
.hlm-param .v-input { margin-top: 0 !important; padding-top: 0 !important; }
.hlm-events .v-btn { text-transform: none; margin: 2px; }
.hlm-runbar .v-btn { text-transform: none; }
.hlm-status { font-size: 14px; }
.hlm-values { border-collapse: collapse; font-size: 12.5px; }
.hlm-values th, .hlm-values td { padding: 2px 6px; border-bottom: 1px solid #eee;
  text-align: left; }
.hlm-values td.num { text-align: right; font-variant-numeric: tabular-nums; }
.hlm-values .unit { color: #777; font-size: 11px; }
.hlm-board-ranks h3 .unit { color: #777; font-weight: normal; font-size: 0.85em; }
.hlm-charts { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 6px; }
.hlm-card { border: 1px solid #e4e4e4; border-radius: 6px; padding: 4px 6px; background: #fff; }
.hlm-live { display: flex; flex-wrap: wrap; gap: 8px; align-items: flex-start; }
.hlm-net svg { max-width: 100%; height: auto; }
.hlm-legend-a { color: #1f5fa8; font-weight: 600; }
.hlm-legend-b { color: #d9600b; font-weight: 600; }
.hlm-story ul { margin: 2px 0; padding-left: 18px; font-size: 12.5px; max-height: 210px;
  overflow-y: auto; }
.hlm-story .moved { color: #b00; font-weight: 600; }
.hlm-notice { color: #b35900; font-size: 12.5px; }
.hlm-ens { font-size: 12.5px; line-height: 1.3; margin-top: 4px; padding: 4px 6px;
  border-left: 3px solid #1f5fa8; background: #f3f7fc; }
.hlm-ens ul { margin: 2px 0; padding-left: 16px; }
.hlm-ens summary { cursor: pointer; }
.hlm-drawn { color: #1f5fa8; }
.hlm-board-designs { display: flex; flex-wrap: wrap; gap: 8px; align-items: flex-start; }
.hlm-board-design { width: 300px; font-size: 12.5px; }
.hlm-board-design ul { margin: 2px 0; padding-left: 16px; }
.hlm-board-ranks { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr));
  gap: 8px; }
.hlm-verdict { font-weight: 600; margin: 2px 0 4px 0; }
.hlm-design-open { display: inline-block; cursor: pointer; margin: 4px 0; padding: 4px 10px;
  border-radius: 4px; border: 1px solid #1f5fa8; color: #1f5fa8; font-size: 13px; }
.hlm-design-save { display: inline-block; margin: 4px 0; padding: 4px 10px; border-radius: 4px;
  border: 1px solid #1f5fa8; color: #1f5fa8; text-decoration: none; font-size: 13px; }
"""


#: The page's store of the views' texts (in the browser): ``html`` and ``at`` (the frame that
#: wrote it) by slot name, and the slots showing each name.
_LIVE_JS = "window.hlmLive || (window.hlmLive = {html: {}, at: {}, slots: {}})"


class LiveStore(ipyvue.VueTemplate):
    """An invisible element that receives the views' changed texts in one message a month
    (``patch``: ``{"frame": n, "html": {slot: text}}``), hands them to the page's
    :class:`LiveSlot` elements, and tells the server when the browser has drawn them: it sets
    ``shown`` to the frame number at the first animation frame after the update. Playing waits
    for it, so the server never runs ahead of what the browser can draw (and a pause stops at
    the month on screen)."""

    template = traitlets.Unicode(
        """<template><span class="hlm-shown" style="display: none" :data-frame="patch.frame">
</span></template>
<script>
module.exports = {
  created() { this.apply(this.patch); },
  watch: { patch(p) { this.apply(p); } },
  methods: {
    apply(p) {
      if (!p || p.frame === undefined) return;
      const live = """
        + _LIVE_JS
        + """;
      for (const name in p.html) {
        live.html[name] = p.html[name];
        live.at[name] = p.frame;
        for (const slot of live.slots[name] || []) slot.put(p.html[name]);
      }
      this.$nextTick(() => window.requestAnimationFrame(() => { this.shown = p.frame; }));
    },
  },
};
</script>"""
    ).tag(sync=True)
    patch = traitlets.Dict({}).tag(sync=True)
    shown = traitlets.Int(-1).tag(sync=True)


class LiveSlot(ipyvue.VueTemplate):
    """A part of the views (``<tag ...attributes>`` with HTML inside, as ``solara.HTML`` draws
    it) whose text comes from the page's :class:`LiveStore` under ``name``: ``first`` when it
    appears, unless the store has a text written after ``first_at`` (the frame of the last
    update before the slot was made).

    A new text does not replace the slot's content: it is parsed aside and only what differs
    is changed in place (attributes, texts; elements whose tag differs are replaced). A month
    moves a chart's line, a few numbers and colours; replacing every element (as ``v-html``
    did) made the browser style, lay out and paint the whole view again, most of its work per
    month. What the user sees is the same (a list scrolled by the user keeps its scroll).

    A ``lazy`` slot (the views below the first screen: the other charts, the residents, the
    story) is written only while it is on screen: off screen it keeps the latest text and
    writes it when it scrolls into view (an IntersectionObserver), or when the page is
    printed. (A full-page screenshot that does not scroll, such as Playwright's
    ``full_page=True``, shows such a slot as it was when last on screen.)"""

    template = traitlets.Unicode(
        """<template><component :is="tag" v-bind="attributes"></component>
</template>
<script>
module.exports = {
  created() {
    const live = """
        + _LIVE_JS
        + """;
    (live.slots[this.name] = live.slots[this.name] || []).push(this);
    this.onScreen = true;  // until the observer says otherwise
    this.pending = null;
    this.text = (live.at[this.name] || 0) > this.first_at ? live.html[this.name] : this.first;
  },
  mounted() {
    this.$el.innerHTML = this.text;
    if (this.lazy && window.IntersectionObserver) {
      this.observer = new IntersectionObserver((entries) => {
        for (const e of entries) this.onScreen = e.isIntersecting;
        if (this.onScreen && this.pending !== null) this.put(this.pending);
      });
      this.observer.observe(this.$el);
      // printed: every view as it is now, on screen or not
      this.flush = () => { if (this.pending !== null) this.write(this.pending); };
      window.addEventListener("beforeprint", this.flush);
    }
    if (this.pending !== null) this.put(this.pending);  // written before it was mounted
  },
  beforeDestroy() { this.forget(); },  // Vue 2
  beforeUnmount() { this.forget(); },  // Vue 3
  methods: {
    forget() {
      if (this.observer) this.observer.disconnect();
      if (this.flush) window.removeEventListener("beforeprint", this.flush);
      this.observer = null;
      const list = (window.hlmLive.slots[this.name] || []);
      const i = list.indexOf(this);
      if (i >= 0) list.splice(i, 1);
    },
    put(text) {
      if (!this.onScreen || !this.$el) {
        this.pending = text;
        return;
      }
      this.write(text);
    },
    write(text) {
      this.pending = null;
      if (text === this.text) return;
      this.text = text;
      const aside = document.createElement(this.$el.tagName);
      aside.innerHTML = text;
      this.morphChildren(this.$el, aside);
    },
    morphAttributes(from, to) {
      const old = from.attributes;
      for (let i = old.length - 1; i >= 0; i--) {
        if (!to.hasAttribute(old[i].name)) from.removeAttribute(old[i].name);
      }
      for (const a of to.attributes) {
        if (from.getAttribute(a.name) !== a.value) from.setAttribute(a.name, a.value);
      }
    },
    morphChildren(from, to) {
      let f = from.firstChild;
      let n = to.firstChild;
      while (n) {
        const next = n.nextSibling;
        if (!f) {
          from.appendChild(n);
        } else {
          const fNext = f.nextSibling;
          if (f.nodeType === n.nodeType && f.nodeName === n.nodeName) {
            if (f.nodeType === 1) {
              this.morphAttributes(f, n);
              this.morphChildren(f, n);
            } else if (f.nodeValue !== n.nodeValue) {
              f.nodeValue = n.nodeValue;
            }
          } else {
            from.replaceChild(n, f);
          }
          f = fNext;
        }
        n = next;
      }
      while (f) {
        const next = f.nextSibling;
        from.removeChild(f);
        f = next;
      }
    },
  },
};
</script>"""
    ).tag(sync=True)
    tag = traitlets.Unicode("div").tag(sync=True)
    attributes = traitlets.Dict({}).tag(sync=True)
    name = traitlets.Unicode("").tag(sync=True)
    first = traitlets.Unicode("").tag(sync=True)
    first_at = traitlets.Int(0).tag(sync=True)
    lazy = traitlets.Bool(False).tag(sync=True)


class FilePicker(ipyvue.VueTemplate):
    """A button that opens a small text file from this computer (a design): its name and text
    reach the server as ``picked`` ({"name", "text", "n"}; ``n`` counts the files opened)."""

    template = traitlets.Unicode(
        """<template><label class="hlm-file-pick">
<input type="file" accept=".toml,text/plain" style="display: none" @change="pick"/>
<span class="hlm-design-open">⤒ {{ label }}</span></label></template>
<script>
module.exports = {
  methods: {
    pick(event) {
      const file = event.target.files[0];
      if (!file) return;
      if (file.size > 200000) {
        this.picked = {name: file.name, text: "", n: (this.picked.n || 0) + 1, too_big: true};
        event.target.value = "";
        return;
      }
      file.text().then(text => {
        this.picked = {name: file.name, text: text, n: (this.picked.n || 0) + 1};
        event.target.value = "";
      });
    },
  },
};
</script>"""
    ).tag(sync=True)
    label = traitlets.Unicode("").tag(sync=True)
    picked = traitlets.Dict({}).tag(sync=True)


def design_filename(name: str) -> str:
    """A file name for a design: its name reduced to letters, digits and dashes."""
    slug = "".join(c if c.isalnum() else "-" for c in name.strip().lower()).strip("-")
    return f"design-{slug}.toml" if slug else "design.toml"


class KeepToken(ipyvue.VueTemplate):
    """An invisible element that writes the session's token into the page's address
    (``?run=TOKEN``, replacing the current history entry), so that a reload opens the same
    session."""

    template = traitlets.Unicode(
        """<template><span class="hlm-token" style="display: none"></span></template>
<script>
module.exports = {
  watch: {
    token: {
      immediate: true,
      handler(v) {
        if (!v) return;
        const url = new URL(window.location.href);
        if (url.searchParams.get(this.name) === v) return;
        url.searchParams.set(this.name, v);
        window.history.replaceState(window.history.state, "", url.toString());
      },
    },
  },
};
</script>"""
    ).tag(sync=True)
    name = traitlets.Unicode("run").tag(sync=True)
    token = traitlets.Unicode("").tag(sync=True)


def bump(reactive: solara.Reactive[int]) -> None:
    reactive.value = reactive.value + 1


def show(session: Session) -> None:
    """The runs changed: redraw the views (one render; the controls do not depend on it)."""
    at_end.value = session.finished
    bump(tick)


class LiveViews:
    """The views of one page that change month by month (status, charts, networks, values,
    residents, stories), written in place.

    A month played does not render the page: reacton would rebuild and compare every element
    of it, most of the server's time per month. The player computes the views' HTML by slot
    (:func:`views_html`) and sends the texts that changed in one message to the page's
    :class:`LiveStore`, which hands them to the :class:`LiveSlot` elements. The slots are
    created by :func:`Slot` with the text of the moment and never rendered again; the renders
    that settings, events and resets cause write the views the same way (the effect of
    :func:`Views`)."""

    def __init__(self, frame: int = 0) -> None:
        self.lock = threading.RLock()
        self.current: dict[str, str] = {}  # the views' latest HTML by slot
        self.sent: dict[str, str] = {}  # the texts the page's store has
        self.frame = frame  # the count of updates (the browser acknowledges each one it draws)
        self.store: Any = None  # the page's LiveStore widget

    def attach(self, store: Any) -> None:
        """The page's store appeared: it gets every text."""
        with self.lock:
            self.store = store
            self.sent = {}
            self._send(self.current)

    def detach(self, store: Any) -> None:
        with self.lock:
            if self.store is store:
                self.store = None

    def write(self, html: dict[str, str]) -> int:
        """Show ``html`` (text by slot): the changed texts and the next frame number, which the
        browser acknowledges once it has drawn them. Returns that frame number."""
        with self.lock:
            self.current = html
            return self._send(html)

    def _send(self, html: dict[str, str]) -> int:
        self.frame += 1
        if self.store is not None:
            changed = {k: v for k, v in html.items() if self.sent.get(k) != v}
            self.store.patch = {"frame": self.frame, "html": changed}
            self.sent.update(changed)
        return self.frame


def show_views(session: Session, live: LiveViews, L: str) -> int:
    """Write the views as the runs are now. Drawn and sent under the page's lock, so that views
    drawn earlier (by another thread) never replace newer ones. Returns the frame to wait
    for."""
    with live.lock:
        return live.write(views_html(session, L))


def show_month(session: Session, live: LiveViews) -> int:
    """A month was played: write the views in place (no render). Returns the frame to wait
    for."""
    at_end.value = session.finished
    return show_views(session, live, lang.value)


# -- the page ----------------------------------------------------------------------------------


@solara.component
def TeamPage() -> None:
    router = solara.use_router()
    query = query_of(router.search)
    token, session = solara.use_memo(lambda: STORE.open(query.get(RUN_KEY)), [])
    page_id = solara.use_memo(lambda: secrets.token_hex(6), [])
    live = solara.use_memo(lambda: LiveViews(session.shown_frame), [])
    L = lang.value

    def attach() -> Any:
        STORE.attach(token)
        session.owner = page_id  # a page reloaded: the old page's player stops
        if session.lang in LANGS and session.lang != lang.value:
            lang.set(session.lang)
        show(session)
        return lambda: STORE.detach(token)

    solara.use_effect(attach, [])
    solara.use_effect(lambda: setattr(session, "lang", L), [L])
    solara.Title(t("app.title", L))
    solara.Style(CSS)
    KeepToken.element(name=RUN_KEY, token=token)
    Player(session, live, page_id)
    with solara.Div(classes=["hlm-app"]):
        Header(L)
        with solara.Div(classes=["hlm-layout"]):
            with solara.Column(classes=["hlm-side"], gap="2px"):
                if classroom_code():
                    with Panel(t("app_board.team_panel", L), "team", True):
                        TeamSubmit(session, L)
                RunBar(session, L)
                with Panel(t("app.panel_settings", L), "settings", True):
                    Settings(session, L)
                with Panel(t("app.events", L), "events", True):
                    Events(session, L)
                with Panel(t("app.levers", L), "levers", False):
                    Levers(session, L, True)
                with Panel(t("app.assumptions", L), "assumptions", False):
                    Levers(session, L, False)
                with Panel(t("app.design", L), "design", False):
                    DesignFile(session, L)
            with solara.Column(classes=["hlm-main"], gap="6px"):
                Views(session, L, live)


@solara.component
def Panel(
    title: str, name: str, start_open: bool, children: list[solara.Element] | None = None
) -> None:
    """A collapsible panel of the side column: its title is a button that shows or hides it
    (closed panels are not drawn at all)."""
    is_open = solara.use_reactive(start_open)
    with solara.Div(classes=["hlm-panel", f"hlm-panel-{name}"]):
        solara.Button(
            ("▾ " if is_open.value else "▸ ") + title,
            on_click=lambda: is_open.set(not is_open.value),
            text=True,
            classes=["hlm-panel-head", f"hlm-panel-head-{name}"],
        )
        if is_open.value:
            solara.Div(children=list(children or []), classes=["hlm-panel-body"])


@solara.component
def Header(L: str) -> None:
    with solara.Div(classes=["hlm-top"]):
        solara.HTML(
            tag="div",
            unsafe_innerHTML=f'<h1 data-testid="title">{escape(t("app.title", L))}</h1>',
        )
        solara.HTML(tag="div", unsafe_innerHTML=escape(t("app.subtitle", L)), classes=["hlm-sub"])
        solara.Text(t("app.language", L))
        with solara.ToggleButtonsSingle(
            value=L, on_value=lambda v: lang.set(v), classes=["hlm-lang"]
        ):
            for code in LANGS:
                solara.Button(
                    t("meta.name", code), value=code, classes=[f"hlm-lang-{code}"], text=True
                )
    solara.HTML(tag="div", unsafe_innerHTML=escape(t("app.caveat", L)), classes=["hlm-caveat"])


# -- the side column ---------------------------------------------------------------------------


def _select(
    label: str, items: list[tuple[Any, str]], value: Any, on_value: Any, cls: str, L: str
) -> Any:
    return solara.v.Select(
        open_text=t("app.open", L),
        close_text=t("app.close", L),
        no_data_text=t("app.no_data", L),
        label=label,
        items=[{"title": text, "value": v} for v, text in items],
        item_title="title",
        item_value="value",
        v_model=value,
        on_v_model=on_value,
        density="compact",
        variant="outlined",
        hide_details=True,
        class_=f"hlm-select {cls}",
        style_="margin-top: 6px",
    )


@solara.component
def Settings(session: Session, L: str) -> None:
    ui.value  # noqa: B018  (re-render when settings change)

    def configure(**kw: Any) -> None:
        playing.value = False
        session.configure(**kw)
        bump(ui)
        show(session)

    arr_items: list[tuple[Any, str]] = [("", t("app.as_in_scenario", L))] + [
        (a, labels.arrangement_label(a, L)) for a in labels.LABELS
    ]
    _select(
        t("app.scenario", L),
        [(s, s) for s in app_scenarios()],
        session.scenario,
        lambda v: configure(scenario=v),
        "hlm-select-scenario",
        L,
    )
    _select(
        t("app.arrangement_a", L) if session.side_by_side else t("app.arrangement", L),
        arr_items,
        session.arrangement_a or "",
        lambda v: configure(arrangement_a=v or None),
        "hlm-select-arr-a",
        L,
    )
    solara.Switch(
        label=t("app.side_by_side", L),
        value=session.side_by_side,
        on_value=lambda v: configure(side_by_side=v),
        classes=["hlm-side-by-side"],
    )
    if session.side_by_side:
        _select(
            t("app.arrangement_b", L),
            arr_items[1:],
            session.arrangement_b,
            lambda v: configure(arrangement_b=v),
            "hlm-select-arr-b",
            L,
        )
        solara.HTML(
            tag="div", unsafe_innerHTML=escape(t("app.side_by_side_help", L)), classes=["hlm-help"]
        )
    names = session.milieu_names()

    def select_milieu(v: int) -> None:
        session.select_milieu(int(v))
        bump(ui)
        show(session)

    _select(
        t("app.milieu", L),
        [
            (i, f"{n} · {count(session.households_in(i), 'app.households_n', L)}")
            for i, n in enumerate(names)
        ],
        session.milieu,
        select_milieu,
        "hlm-select-milieu",
        L,
    )

    def set_seed(v: int | None) -> None:
        if v is not None and v >= 0 and v != session.seed:
            configure(seed=int(v))

    solara.InputInt(
        t("app.seed", L),
        value=session.seed,
        on_value=set_seed,
        dense=True,
        classes=["hlm-seed"],
        style={"max-width": "120px"},
    )
    solara.HTML(tag="div", unsafe_innerHTML=escape(t("app.seed_help", L)), classes=["hlm-help"])
    if session.ensemble is not None:
        solara.HTML(tag="div", unsafe_innerHTML=ensemble_html(session, L), classes=["hlm-ens"])


def ensemble_html(session: Session, L: str) -> str:
    """Which parameters the worlds use: the ensemble, the draw for the seed and its values."""
    ens = session.ensemble
    assert ens is not None and session.drawn is not None
    line = t(
        "app_ensemble.line",
        L,
        file=Path(ens.source).name,
        sets=count(len(ens), "app_ensemble.sets", L),
        seed=session.seed,
    )
    notes = [t("app_ensemble.help", L, restore=quote(t("app.restore_defaults", L), L))]
    calibrated_on = ens.meta.get("scenario")
    if calibrated_on and calibrated_on != session.scenario:
        notes.append(t("app_ensemble.other_scenario", L, scenario=quote(calibrated_on, L)))
    version = ens.meta.get("hlmsim_version")
    if version and version != __version__:  # calibrated on other results: said, as elsewhere
        notes.append(t("report.w_other_version", L, version=version, current=__version__))
    values = "".join(
        f"<li>{escape(labels.param_label(name, L))}{escape(colon(L))}"
        f'<b data-testid="drawn-{name}">{escape(labels.param_value_text(name, v, L))}</b> '
        f"{escape(labels.param_unit(name, L))}</li>"
        for name, v in session.drawn.items()
    )
    return (
        f'<div data-testid="ensemble">{escape(line)}</div>'
        + "".join(f'<div class="hlm-help">{escape(n)}</div>' for n in notes)
        + f'<details class="hlm-help"><summary>{escape(t("app_ensemble.values", L))}</summary>'
        f"<ul>{values}</ul></details>"
    )


@solara.component
def TeamSubmit(session: Session, L: str) -> None:
    """Classroom mode: the team's name and the button that sends its design (scenario,
    arrangement A, levers, events) and its ten-year outcomes to the facilitator's board."""
    message = solara.use_reactive("")
    if not team.value and session.team:
        team.value = session.team

    def set_team(v: str) -> None:
        team.value = v
        session.team = v

    def submit() -> None:
        try:
            name = clean_team(team.value)
        except InputError:
            message.value = t("app_board.name_needed", L)
            return
        design = session_design(session, name)
        sets = None if session.drawn is None else [session.drawn]
        own = {k: float(v[0]) for k, v in run_finals(design, session.seed, 1, sets).items()}
        BOARD.submit(name, design, session.seed, own)
        message.value = t("app_board.submitted", L, team=name)

    solara.InputText(
        t("app_board.team_name", L),
        value=team.value,
        on_value=set_team,
        continuous_update=True,
        classes=["hlm-team"],
    )
    solara.Button(
        t("app_board.submit", L),
        icon_name="mdi-send",
        on_click=submit,
        color="primary",
        outlined=True,
        classes=["hlm-submit"],
    )
    solara.HTML(
        tag="div", unsafe_innerHTML=escape(t("app_board.submit_help", L)), classes=["hlm-help"]
    )
    notice(message.value, "submit-message")


def notice(text: str, testid: str | None = None) -> None:
    """A short message under a panel's buttons (nothing when ``text`` is empty)."""
    if text:
        attributes = {"data-testid": testid} if testid else {}
        solara.HTML(
            tag="div", unsafe_innerHTML=escape(text), classes=["hlm-notice"], attributes=attributes
        )


@solara.component
def DesignFile(session: Session, L: str) -> None:
    """Save the design (scenario, arrangement A, levers moved, events) as a scenario file, or
    load one: the runs restart on it."""
    ui.value  # noqa: B018
    tick.value  # noqa: B018  (the events triggered so far are part of the design)
    message = solara.use_reactive("")

    def load(info: dict[str, Any]) -> None:
        if not info:
            return
        try:
            if info.get("too_big"):
                raise InputError("larger than 200 kB: not a design file", str(info["name"]))
            design = read_design(str(info.get("text", "")).encode("utf-8"), str(info["name"]))
        except InputError as err:
            message.value = t("app.design_refused", L, error=str(err))
            return
        playing.value = False
        apply_design(session, design)
        message.value = t("app.design_loaded", L, name=info["name"])
        bump(ui)
        show(session)

    solara.HTML(tag="div", unsafe_innerHTML=escape(t("app.design_help", L)), classes=["hlm-help"])
    # a plain link to the file's text (redrawn with the design: no round trip to the server)
    text = design_toml(session_design(session, team.value))
    href = "data:application/toml;charset=utf-8," + urllib.parse.quote(text)
    solara.HTML(
        tag="div",
        unsafe_innerHTML=f'<a class="hlm-design-save" href="{escape(href)}"'
        f' download="{escape(design_filename(team.value))}">'
        f"⤓ {escape(t('app.design_save', L))}</a>",
    )
    with solara.Div(classes=["hlm-design-drop"]):
        FilePicker.element(label=t("app.design_open", L), on_picked=load)
    notice(message.value, "design-message")


@solara.component
def RunBar(session: Session, L: str) -> None:
    finished = at_end.value

    def step() -> None:
        playing.value = False
        session.step()
        session.notice = ""
        show(session)

    def reset() -> None:
        playing.value = False
        session.reset()
        show(session)
        bump(ui)

    with solara.Row(classes=["hlm-runbar"], gap="4px", style={"flex-wrap": "nowrap"}):
        if playing.value:
            solara.Button(
                t("app.pause", L),
                icon_name="mdi-pause",
                on_click=lambda: playing.set(False),
                color="primary",
                classes=["hlm-pause"],
            )
        else:
            solara.Button(
                t("app.play", L),
                icon_name="mdi-play",
                on_click=lambda: playing.set(True),
                color="primary",
                disabled=finished,
                classes=["hlm-play"],
            )
        solara.Button(
            t("app.step", L),
            icon_name="mdi-skip-next",
            on_click=step,
            disabled=finished or playing.value,
            outlined=True,
            classes=["hlm-step"],
        )
    with solara.Row(
        classes=["hlm-runbar"], gap="4px", style={"align-items": "center", "flex-wrap": "nowrap"}
    ):
        with solara.Div(style={"flex": "1 1 auto"}):
            _select(
                t("app.speed", L),
                [(s, t("app.speed_value", L, v=s) if s else t("app.speed_max", L)) for s in SPEEDS],
                speed.value,
                lambda v: speed.set(int(v)),
                "hlm-select-speed",
                L,
            )
        solara.Button(
            t("app.reset", L),
            icon_name="mdi-restore",
            on_click=reset,
            outlined=True,
            classes=["hlm-reset"],
            style={"margin-top": "6px"},
        )


@solara.component
def Events(session: Session, L: str) -> None:
    def fire(kind: str) -> None:
        session.trigger(kind)
        show(session)

    solara.HTML(tag="div", unsafe_innerHTML=escape(t("app.events_help", L)), classes=["hlm-help"])
    with solara.Div(classes=["hlm-events"]):
        for kind in LIVE_EVENTS:
            solara.Button(
                labels.event_label(kind, L),
                on_click=lambda kind=kind: fire(kind),
                outlined=True,
                size="small",
                color="#8b1a1a" if kind in ("worker_leaves", "funding_cut", "crisis") else None,
                classes=["hlm-event", f"hlm-event-{kind}"],
            )


def slider_step(meta: dict[str, Any]) -> float:
    """A round step (1, 2 or 5 times a power of ten) giving about 100 positions, fine enough
    that the default falls on a position."""
    if meta["kind"] == "int":
        return 1
    lo, span = float(meta["min"]), float(meta["max"]) - float(meta["min"])
    if span <= 0:
        return 0.1
    k = math.floor(math.log10(span / 100))
    ladder = [m * 10.0**j for j in range(k + 1, k - 5, -1) for m in (5, 2, 1)]  # descending
    start = max(i for i, step in enumerate(ladder) if step >= span / 100 * (1 - 1e-9))
    for step in ladder[start:]:
        n = (float(meta["default"]) - lo) / step
        if abs(n - round(n)) < 1e-6:
            return float(f"{step:.6g}")
    return float(f"{ladder[-1]:.6g}")


@solara.component
def Levers(session: Session, L: str, lever: bool) -> None:
    """The levers (``lever=True`` in the schema) or the assumptions, and the button that
    restores the defaults."""
    version = ui.value  # children re-render when settings change (the session is mutable)

    def changed(name: str, value: Any) -> None:
        was = session.t
        if name not in LIVE_PARAMS:
            playing.value = False
        if session.set_param(name, value) == "restart":
            session.notice = t("app.restarted", L) if was > 0 else ""
            show(session)
        bump(ui)

    def restore() -> None:
        playing.value = False
        session.restore_defaults()
        bump(ui)
        show(session)

    names = [n for n in APP_PARAMS if bool(labels.field_meta(n)["lever"]) == lever]
    solara.HTML(
        tag="div",
        unsafe_innerHTML=escape(t("app.levers_help" if lever else "app.assumptions_help", L)),
        classes=["hlm-help"],
    )
    for name in names:
        ParamControl(session, name, L, changed, version)
    solara.Button(
        t("app.restore_defaults", L), on_click=restore, text=True, classes=["hlm-restore"]
    )


@solara.component
def ParamControl(session: Session, name: str, L: str, on_change: Any, version: int) -> None:
    """One parameter's control, drawn from the schema. ``version`` (the settings counter) only
    makes it re-render when settings change."""
    meta = labels.field_meta(name)
    value = session.param_value(name)
    unit = labels.param_unit(name, L)
    mark = "" if name in LIVE_PARAMS else " ↻"
    label = (
        f'{escape(labels.param_label(name, L))}{mark} — <b data-testid="param-{name}">'
        f"{escape(labels.param_value_text(name, value, L))}</b> {escape(unit)}"
    )
    if name in session.overrides:
        label += f' <span class="hlm-changed">({escape(t("app.changed", L))})</span>'
    elif session.drawn and name in session.drawn:
        label += f' <span class="hlm-drawn">({escape(t("app_ensemble.drawn", L))})</span>'
    if session.side_by_side and len(session.runs) > 1:
        vb = session.param_value(name, 1)
        if vb != value:
            label += (
                f' <span class="hlm-legend-b">B: '
                f"{escape(labels.param_value_text(name, vb, L))}</span>"
            )
    with solara.Div(classes=["hlm-param", f"hlm-param-{name}"]):
        solara.HTML(tag="div", unsafe_innerHTML=label, classes=["hlm-param-label"])
        kind = meta["kind"]
        if kind == "bool":
            solara.Switch(label="", value=bool(value), on_value=lambda v: on_change(name, v))
        elif kind == "choice":
            _select(
                "",
                [(c, c) for c in meta["choices"]],
                value,
                lambda v: on_change(name, v),
                f"hlm-select-{name}",
                L,
            )
        elif kind == "int":
            solara.SliderInt(
                label="",
                value=int(value),
                min=int(meta["min"]),
                max=int(meta["max"]),
                on_value=lambda v: on_change(name, v),
                thumb_label=True,
            )
        else:
            solara.SliderFloat(
                label="",
                value=float(value),
                min=float(meta["min"]),
                max=float(meta["max"]),
                step=slider_step(meta),
                on_value=lambda v: on_change(name, v),
                thumb_label=True,
            )
        solara.HTML(
            tag="div", unsafe_innerHTML=escape(labels.param_help(name, L)), classes=["hlm-help"]
        )


# -- the live views ----------------------------------------------------------------------------


def _run_label(session: Session, k: int, L: str) -> str:
    arr, own = session.arrangement_of(k)
    label = labels.arrangement_label(arr, L)
    return f"{label} ({t('app.as_in_scenario', L).lower()})" if own else label


def status_html(session: Session, L: str, debug: bool = False, playing: bool = False) -> str:
    """The month, the arrangements (side by side: with the lines' legend), what happens next
    month, notices; the speed the page reaches when it falls short of the chosen one; the
    timings only in debug mode (``hlmsim app --debug``)."""
    T = session.months
    month = session.t
    parts = [
        f'<span class="hlm-status"><b>{escape(t("app.month", L))} '
        f'<span data-testid="month" data-at="{session.stepped_at * 1000:.0f}">{month}</span></b>'
        f" / {T}"
        f" · {escape(t('app.year', L, y=month // 12 + 1 if month < T else T // 12))}</span>"
    ]
    two = len(session.runs) > 1
    for k, _ in enumerate(session.runs):
        cls = "hlm-legend-a" if k == 0 else "hlm-legend-b"
        tag = "AB"[k]
        parts.append(
            f' · <span class="{cls}" data-testid="arrangement-{tag.lower()}">'
            f"{svg.line_key(k) + ' ' + tag + escape(colon(L)) if two else '■ '}"
            f"{escape(_run_label(session, k, L))}</span>"
        )
    if session.finished:
        parts.append(f" · <b>{escape(t('app.finished', L))}</b>")
    pending = session.pending()
    if pending:
        what = ", ".join(labels.event_label(kind, L) for kind in pending)
        parts.append(
            f'<div class="hlm-notice" data-testid="pending">'
            f"{escape(t('app.pending', L, what=what))}</div>"
        )
    if session.notice:
        parts.append(f'<div class="hlm-notice">{escape(session.notice)}</div>')
    if playing and math.isfinite(session.play_rate):
        chosen = speed.peek()  # (the player writes the views again when it stops)
        if not chosen or session.play_rate < 0.85 * chosen:
            rate = fmt_num(session.play_rate, 1, L)
            key = "app.rate_max" if not chosen else "app.rate_short"
            parts.append(
                f'<div class="hlm-help" data-testid="rate">{escape(t(key, L, v=rate))}</div>'
            )
    if not debug:
        return "".join(parts)
    parts.append(
        '<div class="hlm-help" data-testid="update-ms">'
        + escape(
            t(
                "app.update_ms",
                L,
                step=fmt_num(session.last_step_ms, 1, L),
                draw=fmt_num(session.last_render_ms, 1, L),
                page=fmt_num(session.last_page_ms, 0, L),
                shown=fmt_num(session.last_shown_ms, 0, L),
            )
        )
        + "</div>"
    )
    return "".join(parts)


def values_html(session: Session, L: str) -> str:
    """The current values of the key outcomes in the selected milieu (stable test ids)."""
    m = session.milieu
    head = f"<th>{escape(t('app.indicator', L))}</th>"
    for k, _ in enumerate(session.runs):
        tag = "AB"[k]
        cls = "hlm-legend-a" if k == 0 else "hlm-legend-b"
        head += f'<th class="{cls}">{tag if len(session.runs) > 1 else ""}</th>'
    two = len(session.runs) > 1
    if two:
        head += f"<th>{escape(t('app.difference', L))}</th>"
    rows = []
    for key in TABLE_OUTCOMES:
        unit = labels.outcome_unit(key, L)
        decimals = outcome_decimals(key, L)
        cells = ""
        vals = [run.current(key, m) for run in session.runs]
        for k, v in enumerate(vals):
            cells += (
                f'<td class="num" data-testid="value-{"ab"[k]}-{key}" data-value="{v!r}">'
                f"{escape(fmt_num(v, decimals, L))}</td>"
            )
        if two:
            cells += f'<td class="num">{escape(signed(vals[1] - vals[0], decimals, L))}</td>'
        rows.append(
            f'<tr><td data-testid="label-{key}">{escape(labels.outcome_label(key, L))}'
            f' <span class="unit">{escape(unit)}</span></td>{cells}</tr>'
        )
    return (
        f'<table class="hlm-values" data-testid="values" data-month="{session.t}">'
        f"<thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def signed(d: float, decimals: int, L: str) -> str:
    """A difference with its sign; one that rounds to zero is written 0 (never −0,00)."""
    if not math.isfinite(d):
        return fmt_num(d, decimals, L)
    if round(d, decimals) == 0:
        return fmt_num(0.0, decimals, L)
    return ("+" if d > 0 else "") + fmt_num(d, decimals, L)


def outcome_decimals(key: str, L: str) -> int:
    unit = labels.outcome_unit(key, L)
    if key == "cost":
        return 0
    if "index" in unit or "share" in unit or "part" in unit or "indice" in unit:
        return 2
    return 1


def charts_html(session: Session, L: str, keys: tuple[str, ...] = CHART_OUTCOMES) -> str:
    """Charts of ``keys`` over time (side by side: A solid, B dashed, and the current B − A)."""
    m = session.milieu
    markers = [
        (month, labels.event_label(kind, L))
        for month, kind, mm in session.runs[0].events
        if mm == m and month <= session.t
    ]
    out = []
    two = len(session.runs) > 1
    for key in keys:
        lines = [(svg.COLOURS[k], run.series(key, m)) for k, run in enumerate(session.runs)]
        note = ""
        if two and session.t > 0:
            d = session.runs[1].current(key, m) - session.runs[0].current(key, m)
            note = f"B − A{colon(L)}{signed(d, outcome_decimals(key, L), L)}"
        out.append(
            '<div class="hlm-card">'
            + svg.line_chart(
                labels.outcome_label(key, L),
                labels.outcome_unit(key, L),
                lines,
                session.months,
                L,
                markers,
                testid=f"chart-{key}",
                note=note,
            )
            + "</div>"
        )
    return f'<div class="hlm-charts">{"".join(out)}</div>'


def story_html(session: Session, k: int, L: str) -> str:
    story = session.story(k)
    run = session.runs[k]
    if story is None:
        return f"<div>{escape(t('app.unknown_household', L, hid=session.story_hid))}</div>"
    since = t("app.at_start", L) if story.arrived <= 0 else t("app.in_month", L, t=story.arrived)
    head = t(
        "app.story_head",
        L,
        hid=story.hid,
        htype=labels.household_type_label(story.htype, L),
        milieu=run.model.milieu_names[story.milieu],
        since=since,
    )
    parts = [f'<div data-testid="story-head-{"ab"[k]}"><b>{escape(head)}</b></div>']
    if story.first_month > max(story.arrived, 0):
        parts.append(
            f'<div class="hlm-help">{escape(t("app.not_recorded", L, t=story.first_month))}</div>'
        )
    if story.moved_out is not None:
        parts.append(
            f'<div class="moved" data-testid="story-moved-{"ab"[k]}">'
            f"{escape(t('app.moved_out', L, t=story.moved_out, new=story.successor))}</div>"
        )
    needs = ", ".join(labels.need_label(c, L) for c in story.open_needs) or t("app.none", L)
    workers = ", ".join(str(w) for w in story.workers_met) or t("app.none", L)
    parts.append(f"<div>{escape(label_value(t('app.open_needs', L), needs, L))}</div>")
    parts.append(
        f"<div>{escape(label_value(t('app.workers_known', L), workers, L))} · "
        f"{escape(count(story.contacts, 'app.contacts_n', L))}</div>"
    )
    parts.append(svg.story_svg(story, session.months, L, testid=f"story-chart-{'ab'[k]}"))
    items = []
    for month, key, vals in reversed(story.events[-60:]):
        v = dict(vals)
        if "c" in v:
            v["c"] = labels.need_label(v["c"], L)
        if "p" in v:
            v["p"] = labels.partner_label(v["p"], L)
        items.append(f"<li><b>{month}</b> · {escape(t(f'app.{key}', L, **v))}</li>")
    if items:
        parts.append(f"<div><i>{escape(t('app.timeline', L))}</i></div><ul>{''.join(items)}</ul>")
    else:
        parts.append(f'<div class="hlm-help">{escape(t("app.nothing_yet", L))}</div>')
    return f'<div class="hlm-story" data-testid="story-{"ab"[k]}">{"".join(parts)}</div>'


def views_html(session: Session, L: str) -> dict[str, str]:
    """The views' HTML by slot (see :class:`LiveViews`): ``status``, ``key`` (the key charts),
    ``values``, ``other`` (the other charts), and per run ``k``: ``net-k`` (the local network),
    ``grid-k`` (the residents), ``story-k`` (the followed household)."""
    t0 = time.perf_counter()
    two = len(session.runs) > 1
    others = tuple(k for k in CHART_OUTCOMES if k not in KEY_CHARTS)
    with session.lock:
        html = {
            "status": status_html(session, L, debug_mode(), playing.peek()),
            "values": values_html(session, L),
            "key": charts_html(session, L, KEY_CHARTS),
            "other": charts_html(session, L, others),
        }
        width = 400 if two else 420
        for k, run in enumerate(session.runs):
            html[f"net-{k}"] = svg.network_svg(
                run.model, session.milieu, L, f"network-{'ab'[k]}", width
            )
            html[f"grid-{k}"] = svg.residents_svg(
                run.model,
                session.milieu,
                colour_by.value,
                L,
                highlight=session.story_hid,
                testid=f"residents-{'ab'[k]}",
            )
            html[f"story-{k}"] = story_html(session, k, L)
    session.last_render_ms = (time.perf_counter() - t0) * 1000
    return html


@solara.component
def Slot(
    live: LiveViews, name: str, tag: str = "div", classes: tuple[str, ...] = (), lazy: bool = False
) -> None:
    """A part of the views written in place (:class:`LiveViews`): created with the slot's text
    of the moment, never rendered again (its arguments do not change). ``lazy``: written only
    while on screen (:class:`LiveSlot`)."""
    first, first_at = solara.use_memo(lambda: (live.current.get(name, ""), live.frame), [])
    attributes = {"class": " ".join(classes)} if classes else {}
    LiveSlot.element(
        tag=tag, attributes=attributes, name=name, first=first, first_at=first_at, lazy=lazy
    )


@solara.component
def Store(live: LiveViews, session: Session) -> None:
    """The page's :class:`LiveStore` (its texts written by :class:`LiveViews`)."""
    el = LiveStore.element(patch={}, on_shown=session.mark_shown)

    def attach() -> Any:
        widget = solara.get_widget(el)
        live.attach(widget)
        return lambda: live.detach(widget)

    solara.use_effect(attach, [])


@solara.component
def Views(session: Session, L: str, live: LiveViews) -> None:
    """The live views. On one projector screen (1280 x 720) with the controls: the status, the
    key charts and the local network(s); below: the current values, the other charts, the
    residents and a household's story.

    A played month does not render this component: the player writes the views' widgets in
    place (:func:`show_month`). A render (settings, events, a reset, the language, the
    colouring) writes them the same way, once the layout is in place."""
    tick.value  # noqa: B018  (a reset, an event, a step: the views are written again)
    colour_by.value  # noqa: B018
    two = len(session.runs) > 1
    with live.lock:
        live.current = views_html(session, L)  # the texts of the slots this render creates

    def write() -> None:
        # the views as they are now: the player may have played a month since this render
        show_views(session, live, L)

    solara.use_effect(write)  # after every render

    Slot(live, "status", classes=("hlm-card",))
    Slot(live, "key", classes=("hlm-key",))
    with solara.Div(classes=["hlm-live"]):
        for k, _ in enumerate(session.runs):
            title = t("app.network", L)
            if two:
                cls = "hlm-legend-a" if k == 0 else "hlm-legend-b"
                title = f'<span class="{cls}">{svg.line_key(k)} {"AB"[k]}</span> · {escape(title)}'
            else:
                title = escape(title)
            NetworkCard(live, f"net-{k}", title)
        with solara.Div(classes=["hlm-card"]):
            solara.HTML(tag="h3", unsafe_innerHTML=escape(t("app.current_values", L)))
            Slot(live, "values")
    solara.HTML(tag="div", unsafe_innerHTML=escape(t("app.network_help", L)), classes=["hlm-help"])
    solara.HTML(tag="h2", unsafe_innerHTML=escape(t("app.other_outcomes", L)))
    Slot(live, "other", lazy=True)
    with solara.Row(style={"flex-wrap": "wrap", "align-items": "flex-start"}, gap="8px"):
        with solara.Div(classes=["hlm-card"]):
            solara.HTML(tag="h2", unsafe_innerHTML=escape(t("app.residents", L)))
            ColourBy(L)
            for k, _ in enumerate(session.runs):
                if two:
                    cls = "hlm-legend-a" if k == 0 else "hlm-legend-b"
                    solara.HTML(
                        tag="div",
                        unsafe_innerHTML=f'<span class="{cls}">{"AB"[k]}: '
                        f"{escape(_run_label(session, k, L))}</span>",
                    )
                Slot(live, f"grid-{k}", lazy=True)
            solara.HTML(
                tag="div", unsafe_innerHTML=escape(t("app.residents_help", L)), classes=["hlm-help"]
            )
        with solara.Div(classes=["hlm-card"], style={"max-width": "520px"}):
            solara.HTML(tag="h2", unsafe_innerHTML=escape(t("app.story", L)))
            StoryPicker(session, L)
            for k, _ in enumerate(session.runs):
                if two:
                    cls = "hlm-legend-a" if k == 0 else "hlm-legend-b"
                    solara.HTML(
                        tag="div",
                        unsafe_innerHTML=f'<span class="{cls}">{"AB"[k]}: '
                        f"{escape(_run_label(session, k, L))}</span>",
                    )
                Slot(live, f"story-{k}", lazy=True)
    Store(live, session)


@solara.component
def NetworkCard(live: LiveViews, name: str, title_html: str) -> None:
    with solara.Div(classes=["hlm-card", "hlm-net"]):
        solara.HTML(tag="h3", unsafe_innerHTML=title_html)
        Slot(live, name)


@solara.component
def ColourBy(L: str) -> None:
    _select(
        t("app.colour_by", L),
        [(c, t(f"app.colour_{c}", L)) for c in svg.COLOUR_BY],
        colour_by.value,
        lambda v: colour_by.set(v),
        "hlm-select-colour",
        L,
    )


@solara.component
def StoryPicker(session: Session, L: str) -> None:
    ui.value  # noqa: B018
    message = solara.use_reactive("")

    def follow(hid: int | None) -> None:
        if hid is None:
            return
        if session.follow(int(hid)):
            message.value = ""
            bump(ui)
        else:
            message.value = t("app.unknown_household", L, hid=hid)
        show(session)

    def random_household() -> None:
        session.pick_random_household()
        message.value = ""
        bump(ui)
        show(session)

    with solara.Row(style={"align-items": "center"}, gap="8px"):
        solara.InputInt(
            t("app.household_id", L),
            value=session.story_hid,
            on_value=follow,
            optional=True,
            dense=True,
            classes=["hlm-household-id"],
            style={"max-width": "140px"},
        )
        solara.Button(
            t("app.random_household", L),
            icon_name="mdi-dice-5",
            on_click=random_household,
            outlined=True,
            size="small",
            classes=["hlm-random-household"],
        )
    notice(message.value)


@solara.component
def Player(session: Session, live: LiveViews, page_id: str = "") -> None:
    """Plays month after month while ``playing`` (a thread of this page).

    At a chosen speed, the months due by the clock are played: when drawing a month takes
    longer than the speed allows, the next picture jumps several months (at most
    :data:`MAX_BATCH`), so the chosen speed is kept; beyond that the page says how fast it
    really goes. It never runs ahead of the browser: it waits until the browser has drawn each
    picture."""

    def loop() -> None:
        chosen: int | None = None
        start, done = 0.0, 0
        marks: collections.deque[tuple[float, int]] = collections.deque(maxlen=40)
        session.play_rate = float("nan")
        while playing.value and session.owner == page_id:
            s = speed.value
            now = time.perf_counter()
            if s != chosen:
                chosen, start, done = s, now, 0
                marks.clear()
                session.play_rate = float("nan")
            n = 1
            if s:
                due = int((now - start) * s) + 1  # months due by now (the first at once)
                if due <= done:  # wake when the next month is due (at least 4 times a second)
                    time.sleep(min(max(start + done / s - now, 0.002), 0.25))
                    continue
                n = due - done
                if n > MAX_BATCH:  # far behind: do not try to catch up the whole past
                    done, n = due - MAX_BATCH, MAX_BATCH
            t0 = time.perf_counter()
            played = 0
            for _ in range(n):
                if not session.step():
                    break
                played += 1
            done += n
            if played == 0:
                playing.value = False
                show(session)
                return
            session.notice = ""
            t1 = time.perf_counter()
            marks.append((t1, session.t))
            recent = [(a, m) for a, m in marks if t1 - a <= 3.0]
            if len(recent) >= 3 and recent[-1][0] > recent[0][0]:
                session.play_rate = (recent[-1][1] - recent[0][1]) / (recent[-1][0] - recent[0][0])
            frame = show_month(session, live)  # the views written in place, no render
            session.last_page_ms = (time.perf_counter() - t1) * 1000
            # never run ahead of the browser: wait until it has drawn this picture
            if session.wait_shown(frame, timeout=SHOWN_TIMEOUT):
                session.last_shown_ms = (time.perf_counter() - t0) * 1000
            if not s:
                time.sleep(0.002)
        session.play_rate = float("nan")
        if session.owner == page_id:
            show_views(session, live, lang.value)  # the status without the speed reached

    solara.lab.use_task(loop, dependencies=[playing.value], prefer_threaded=True)


# -- the classroom board ------------------------------------------------------------------------


class Beat(ipyvue.VueTemplate):
    """An invisible element that counts seconds in the browser (``beat``): the board's page
    checks for new submissions on each beat, and stops when the page closes."""

    template = traitlets.Unicode(
        """<template><span class="hlm-beat" style="display: none"></span></template>
<script>
module.exports = {
  mounted() { this.timer = setInterval(() => { this.beat = this.beat + 1; }, 1000); },
  destroyed() { clearInterval(this.timer); },
};
</script>"""
    ).tag(sync=True)
    beat = traitlets.Int(0).tag(sync=True)


def _board_decimals(value: float) -> int:
    v = abs(value) if math.isfinite(value) else 0.0
    return 0 if v >= 100 else 1 if v >= 10 else 2


def board_value(outcome: str, value: float, L: str, like: float | None = None) -> str:
    """An outcome's value on the board: dollars for costs, a percentage for shares, else a
    number whose decimals suit the size of ``like`` (default: the value itself)."""
    unit = outcome_unit(outcome)
    if unit.startswith("$"):
        return fmt_money(value, L)
    if unit.startswith("share"):
        return fmt_pct(value, L, 1)
    return fmt_num(value, _board_decimals(value if like is None else like), L)


def _design_lines(design: dict[str, Any], L: str) -> list[str]:
    """A design in words: scenario, arrangement, levers moved, events."""
    arr = design.get("arrangement")
    out = [
        label_value(t("app.scenario", L), str(design.get("base", "")), L),
        label_value(
            t("app.arrangement", L),
            labels.arrangement_label(arr, L) if arr else t("app.as_in_scenario", L),
            L,
        ),
    ]
    for name, v in (design.get("params") or {}).items():
        out.append(
            label_value(
                labels.param_label(name, L),
                f"{labels.param_value_text(name, v, L)} {labels.param_unit(name, L)}".strip(),
                L,
            )
        )
    for ev in design.get("events") or []:
        where = f" ({ev['milieu']})" if ev.get("milieu") else ""
        out.append(
            f"{t('app.month', L)} {ev['month']} · {labels.event_label(ev['kind'], L)}{where}"
        )
    return out


def board_html(board: Board, L: str, code: str = "") -> str:
    """The board: the designs side by side, then each outcome's ranking with intervals (ties
    shown as ties), from the replays on common seeds."""
    subs = board.snapshot()
    parts = [
        f'<h1 data-testid="board-title">{escape(t("app_board.title", L))}</h1>',
        f'<div class="hlm-sub">{escape(t("app_board.line", L, code=code, n=len(subs)))}</div>',
        f'<div class="hlm-help">'
        f"{escape(t('app_board.method', L, k=board.replications, seed=board.seed))}"
        + (
            " " + escape(t("app_board.method_ensemble", L, file=board.ensemble_name))
            if board.ensemble is not None
            else ""
        )
        + "</div>",
    ]
    if not subs:
        parts.append(f'<p data-testid="board-empty">{escape(t("app_board.empty", L))}</p>')
        return "".join(parts)
    cards = []
    for sub in subs:
        status = (
            t("app_board.replaying", L)
            if sub.replay is None and not sub.error
            else t("app_board.failed", L, error=sub.error)
            if sub.error
            else t("app_board.replayed", L, k=board.replications)
        )
        own = "".join(
            f"<li>{escape(labels.outcome_label(k, L))}{escape(colon(L))}"
            f"{escape(board_value(k, v, L))}</li>"
            for k in BOARD_OUTCOMES
            for v in [sub.own.get(k, float("nan"))]
        )
        lines = "".join(f"<li>{escape(x)}</li>" for x in _design_lines(sub.design, L))
        cards.append(
            f'<div class="hlm-card hlm-board-design" data-testid="design-{escape(sub.team)}">'
            f"<h3>{escape(sub.team)}</h3><ul>{lines}</ul>"
            f"<div class='hlm-help'>{escape(t('app_board.own_run', L, seed=sub.seed))}</div>"
            f"<ul>{own}</ul><div class='hlm-help'>{escape(status)}</div></div>"
        )
    parts.append(f'<div class="hlm-board-designs">{"".join(cards)}</div>')
    table = board.ranking()
    if table.empty:
        parts.append(f"<p>{escape(t('app_board.replaying', L))}</p>")
        return "".join(parts)
    parts.append(f"<h2>{escape(t('app_board.ranking', L))}</h2>")
    parts.append(f'<div class="hlm-help">{escape(t("app_board.ranking_help", L))}</div>')
    blocks = []
    for outcome in BOARD_OUTCOMES:
        rows = table[table["outcome"] == outcome]
        top = list(rows.loc[rows["leader"], "team"])
        if len(rows) == 1:
            verdict = t("app_board.only_one", L)
        elif len(top) == 1 and board.replications > 1:
            verdict = t("app_board.clear", L, team=quote(top[0], L))
        else:
            names = [quote(x, L) for x in top]
            listed = t("app_board.and", L, a=", ".join(names[:-1]), b=names[-1])
            verdict = t("app_board.tie", L, teams=listed)
        body = []
        for _, r in rows.iterrows():
            mean = float(r["mean"])
            ci = fmt_range(
                board_value(outcome, r["low"], L, mean), board_value(outcome, r["high"], L, mean), L
            )
            mark = "●" if r["leader"] else ""
            body.append(
                f'<tr data-testid="rank-{outcome}-{escape(str(r["team"]))}"'
                f' data-leader="{str(bool(r["leader"])).lower()}">'
                f"<td>{mark}</td><td>{escape(str(r['team']))}</td>"
                f'<td class="num">{escape(board_value(outcome, mean, L))}</td>'
                f'<td class="num">{escape(ci)}</td>'
                f'<td class="num">{escape(fmt_pct(r["p_best"], L))}</td>'
                f'<td class="num">{escape(fmt_num(r["mean_rank"], 1, L))}</td></tr>'
            )
        unit = display_unit(outcome, L)
        head = "".join(
            f"<th>{escape(t(f'app_board.col_{c}', L))}</th>"
            for c in ("leader", "team", "mean", "interval", "p_best", "mean_rank")
        )
        blocks.append(
            f'<div class="hlm-card" data-testid="ranking-{outcome}">'
            f"<h3>{escape(labels.outcome_label(outcome, L))}"
            f' <span class="unit">· {escape(unit)}</span></h3>'
            f'<div class="hlm-verdict" data-testid="verdict-{outcome}">{escape(verdict)}</div>'
            f'<table class="hlm-values"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>"
        )
    parts.append(f'<div class="hlm-board-ranks">{"".join(blocks)}</div>')
    return "".join(parts)


@solara.component
def BoardPage() -> None:
    """The facilitator's board (``/board`` in classroom mode, behind the join code)."""
    L = lang.value
    seen = solara.use_reactive(-1)
    solara.Title(t("app_board.title", L))
    solara.Style(CSS)

    def on_beat(_: int) -> None:
        if BOARD.version != seen.value:
            seen.value = BOARD.version

    Beat.element(on_beat=on_beat)
    seen.value  # noqa: B018  (redraw when the board changes)
    with solara.Div(classes=["hlm-app", "hlm-board"]):
        with solara.Div(classes=["hlm-top"]):
            solara.HTML(tag="div", unsafe_innerHTML="", classes=["hlm-sub"])
            with solara.ToggleButtonsSingle(
                value=L, on_value=lambda v: lang.set(v), classes=["hlm-lang"]
            ):
                for code in LANGS:
                    solara.Button(
                        t("meta.name", code), value=code, classes=[f"hlm-lang-{code}"], text=True
                    )
        if not classroom_code():
            solara.HTML(tag="p", unsafe_innerHTML=escape(t("app_board.not_classroom", L)))
            return
        solara.HTML(tag="div", unsafe_innerHTML=board_html(BOARD, L, classroom_code()))
        if BOARD.snapshot():
            href = "data:text/csv;charset=utf-8," + urllib.parse.quote(BOARD.csv())
            solara.HTML(
                tag="div",
                unsafe_innerHTML=f'<a class="hlm-design-save hlm-export" href="{escape(href)}"'
                f' download="board.csv">⤓ {escape(t("app_board.export", L))}</a>',
            )


@solara.component
def Layout(children: list[solara.Element] | None = None) -> None:
    """The pages as they are (no navigation bar between them)."""
    solara.Div(children=list(children or []))


#: The pages: the app (a team's page) and, in classroom mode, the facilitator's board.
routes = [
    solara.Route(path="/", component=TeamPage, label="hlmsim", layout=Layout),
    solara.Route(path="board", component=BoardPage, label="board"),
]

__all__ = ["BoardPage", "TeamPage", "routes"]
