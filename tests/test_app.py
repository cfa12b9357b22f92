"""End-to-end test of the workshop app in a real browser (Playwright driving Debian's Chromium).

Starts ``hlmsim app`` on a free localhost port in a subprocess (with no internet: its HTTP
proxies point to a closed port), waits until it answers, then drives the page: it loads with no
request leaving this computer; the language switch changes
the labels; 24 months run and the plotted values change (timings of each month's update are
printed, not asserted); the worker-departure event lowers the displayed trust in the worker;
side-by-side mode shows two arrangements. Screenshots go to ``results/test-artefacts/``.

Chromium is Debian's (``/usr/bin/chromium``, installed by ``.ci/run``), never a downloaded
browser; if it is missing the test fails and says how to install it.
"""

from __future__ import annotations

import statistics
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from app_server import app_server
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from hlmsim.arrangements import LABELS
from hlmsim.outcomes import OUTCOMES
from hlmsim.params import field_meta

#: A real browser and server: skipped by `make test-fast`, run by `make test` and CI.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
ARTEFACTS = ROOT / "results" / "test-artefacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--metrics-recording-only",
]
VIEWPORT = {"width": 1600, "height": 2000}
TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``hlmsim app --debug`` on a free port of 127.0.0.1, in English; its URL (debug: the page
    shows its timings, which the timing test prints)."""
    log_path = tmp_path_factory.mktemp("app") / "server.log"
    with app_server(["--lang", "en", "--debug"], log_path) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser test drives Debian's Chromium (never a"
            " downloaded browser). Install it with `apt-get install -y chromium` (`.ci/run`"
            " does it when it is missing)."
        )
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(server: str, browser: Browser) -> Iterator[Page]:
    """A fresh page (a fresh app session). The page must work offline: any request leaving
    127.0.0.1 is blocked, and the test fails if there was one."""
    context = browser.new_context(viewport=VIEWPORT)
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    external: list[str] = []

    def route(r: Route) -> None:
        url = r.request.url
        if urlparse(url).hostname in ("127.0.0.1", "localhost") or url.startswith("data:"):
            r.continue_()
        else:
            external.append(url)
            r.abort()

    pg.route("**/*", route)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.goto(server)
    pg.wait_for_selector("[data-testid=month]")
    try:
        yield pg
    finally:
        context.close()
    assert external == [], f"the page requested resources beyond this computer: {external}"
    assert errors == [], f"errors in the page's scripts: {errors}"


# -- helpers ------------------------------------------------------------------------------------


def month(pg: Page) -> int:
    return int(pg.locator("[data-testid=month]").inner_text())


def value(pg: Page, outcome: str, run: str = "a") -> float:
    cell = pg.locator(f"[data-testid=value-{run}-{outcome}]")
    return float(cell.get_attribute("data-value"))


def chart_points(pg: Page, outcome: str) -> list[str]:
    poly = pg.locator(f"[data-testid=chart-{outcome}] polyline")
    if poly.count() == 0:
        return []
    return poly.first.get_attribute("points").split()


#: Clicks "step" and resolves, at the first animation frame where the page shows month ``n``
#: (its number, the charts' points and the values table), with the time since the click, in
#: the browser's clock.
_STEP_JS = """async n => {
    const shown = () => {
        const m = document.querySelector('[data-testid=month]');
        const p = document.querySelector('[data-testid=chart-trust_worker] polyline');
        const v = document.querySelector('[data-testid=values]');
        return m && m.textContent.trim() === String(n) && p &&
            p.getAttribute('points').trim().split(' ').length === n &&
            v && v.getAttribute('data-month') === String(n);
    };
    const t0 = performance.now();
    document.querySelector('.hlm-step').click();
    await new Promise((resolve, reject) => {
        const check = () => {
            if (shown()) resolve();
            else if (performance.now() - t0 > 15000) reject(new Error('month ' + n + ' not shown'));
            else requestAnimationFrame(check);
        };
        check();
    });
    return performance.now() - t0;
}"""


def step(pg: Page, n: int = 1) -> list[float]:
    """Click "step" ``n`` times, each time waiting until the page shows the new month (its
    number and the charts); returns each month's click-to-display time in ms (browser clock)."""
    times = []
    for _ in range(n):
        pg.wait_for_selector(".hlm-step:not([disabled])")
        times.append(float(pg.evaluate(_STEP_JS, month(pg) + 1)))
    return times


def choose(pg: Page, select_class: str, option_text: str) -> None:
    """Pick an option of a (Vuetify 3) select."""
    pg.click(f".{select_class}")
    opt = pg.locator(".v-overlay-container .v-list-item", has_text=option_text)
    opt.first.click()


def shot(pg: Page, name: str) -> Path:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / name
    pg.screenshot(path=str(path), full_page=True)
    return path


def report(label: str, ms: list[float]) -> str:
    ms = sorted(ms)
    p90 = ms[min(len(ms) - 1, int(round(0.9 * (len(ms) - 1))))]
    return (
        f"{label}: n={len(ms)} median {statistics.median(ms):.0f} ms, p90 {p90:.0f} ms,"
        f" max {ms[-1]:.0f} ms"
    )


# -- the tests ----------------------------------------------------------------------------------


def test_page_loads_offline_and_switches_language(page: Page) -> None:
    pg = page
    assert month(pg) == 0
    assert pg.locator("[data-testid=title]").inner_text() == "hlmsim workshop"
    label = pg.locator("[data-testid=label-trust_worker]")
    assert OUTCOMES["trust_worker"].en in label.inner_text()
    pg.click(".hlm-panel-head-levers")
    lever = pg.locator(".hlm-param-meetings_per_year .hlm-param-label")
    assert field_meta("meetings_per_year")["label_en"] in lever.inner_text()
    assert pg.locator(".hlm-event-worker_leaves").inner_text().strip() == "The worker leaves"

    pg.click(".hlm-lang-fr")
    pg.wait_for_function(
        "t => document.querySelector('[data-testid=label-trust_worker]').textContent.includes(t)",
        arg=OUTCOMES["trust_worker"].fr,
    )
    assert OUTCOMES["trust_worker"].fr in label.inner_text()
    assert field_meta("meetings_per_year")["label_fr"] in lever.inner_text()
    assert pg.locator("[data-testid=title]").inner_text() == "Atelier hlmsim"
    assert pg.locator(".hlm-event-worker_leaves").inner_text().strip() == "L'intervenant·e part"
    assert "Réseau local" in pg.inner_text("body")
    step(pg, 6)
    print(f"\nscreenshot (French): {shot(pg, 'app-fr.png')}")


def test_months_run_plots_change_and_timing(page: Page) -> None:
    pg = page
    assert chart_points(pg, "trust_worker") == []
    first = step(pg, 1)
    trust1, unmet1 = value(pg, "trust_worker"), value(pg, "needs_unmet")
    points1 = chart_points(pg, "inter_org_trust")
    times = first + step(pg, 23)
    assert month(pg) == 24
    assert len(chart_points(pg, "trust_worker")) == 24
    assert value(pg, "trust_worker") != trust1
    assert value(pg, "needs_unmet") != unmet1
    assert chart_points(pg, "inter_org_trust") != points1
    grid = pg.locator("[data-testid=residents-a]")
    assert grid.locator("rect").count() >= 192

    # playing as fast as possible: time between two months shown in the browser
    choose(pg, "hlm-select-speed", "as fast as possible")
    # sample the month shown at every animation frame while playing
    pg.evaluate(
        """() => {
            window.__months = [];
            let last = null;
            const sample = () => {
                const m = document.querySelector('[data-testid=month]');
                const v = m ? Number(m.textContent) : null;
                if (v !== last) { last = v; window.__months.push([performance.now(), v]); }
                if (window.__months.length < 500) requestAnimationFrame(sample);
            };
            requestAnimationFrame(sample);
        }"""
    )
    pg.click(".hlm-play")
    pg.wait_for_function(
        "() => Number(document.querySelector('[data-testid=month]').textContent) >= 60",
        timeout=30_000,
    )
    pg.click(".hlm-pause")
    marks = pg.evaluate("() => window.__months")[1:]  # from the first month played
    gaps = [
        (b[0] - a[0]) / (b[1] - a[1]) for a, b in zip(marks, marks[1:], strict=False) if b[1] > a[1]
    ]
    assert len(gaps) >= 10
    print()
    print(report("one month, click 'step' to page updated (default scenario)", times))
    print(report("playing as fast as possible, browser time between months", gaps))
    steps_ms = pg.locator("[data-testid=update-ms]").inner_text()
    print(f"server side, last month: {steps_ms}")


def test_views_are_changed_in_place_and_below_the_screen_when_seen(page: Page) -> None:
    """A month changes the views on screen in place (the same elements, new points and
    numbers), and the views below the first screen (the residents, the story, the other
    charts) only once they are scrolled into view, then at once."""
    pg = page
    pg.set_viewport_size({"width": 1280, "height": 720})  # a projector
    pg.evaluate("window.scrollTo(0, 0)")
    step(pg, 2)
    pg.evaluate(
        """() => {
            document.querySelector('[data-testid=chart-trust_worker]').__kept = 1;
            document.querySelector('[data-testid=network-a]').__kept = 1;
        }"""
    )
    grid_before = pg.locator("[data-testid=residents-a]").inner_html()
    story_before = pg.locator("[data-testid=story-a]").inner_html()
    points = chart_points(pg, "trust_worker")
    step(pg, 3)
    kept = pg.evaluate(
        """() => [
            document.querySelector('[data-testid=chart-trust_worker]').__kept,
            document.querySelector('[data-testid=network-a]').__kept,
        ]"""
    )
    assert kept == [1, 1]  # the same elements, changed in place
    assert len(chart_points(pg, "trust_worker")) == len(points) + 3
    # below the first screen (1280 x 720): not written while off screen...
    assert pg.locator("[data-testid=residents-a]").inner_html() == grid_before
    assert pg.locator("[data-testid=story-a]").inner_html() == story_before
    # ...and written as soon as they are seen
    for testid, before in (("story-a", story_before), ("residents-a", grid_before)):
        pg.locator(f"[data-testid={testid}]").scroll_into_view_if_needed()
        pg.wait_for_function(
            "([t, b]) => document.querySelector(`[data-testid=${t}]`).innerHTML !== b",
            arg=[testid, before],
            timeout=5_000,
        )


def test_worker_departure_lowers_trust(page: Page) -> None:
    pg = page
    step(pg, 30)
    before = value(pg, "trust_worker")
    assert before > 0.02
    pg.click(".hlm-event-worker_leaves")
    pg.wait_for_selector("[data-testid=pending]")
    step(pg, 1)
    after = value(pg, "trust_worker")
    print(f"\ntrust in the worker: {before:.3f} before the departure, {after:.3f} after")
    assert after < 0.6 * before
    # The widgets of one month reach the browser as separate messages: wait for each (a
    # loaded machine showed the month and the trust chart before the story).
    expect(pg.locator("[data-testid=network-a-worker]")).to_contain_text("vacant")
    # the story is below the first screen: written when it scrolls into view (lazy slots)
    pg.locator("[data-testid=story-a]").scroll_into_view_if_needed()
    expect(pg.locator("[data-testid=story-a]")).to_contain_text("The milieu worker left")


def test_side_by_side_shows_two_arrangements(page: Page) -> None:
    pg = page
    pg.click(".hlm-side-by-side input")
    pg.wait_for_selector("[data-testid=arrangement-b]")
    a = pg.locator("[data-testid=arrangement-a]").inner_text()
    b = pg.locator("[data-testid=arrangement-b]").inner_text()
    assert LABELS["ciusss_social_worker"][0] in a
    assert LABELS["services_as_usual"][0] in b
    choose(pg, "hlm-select-arr-b", LABELS["concertation_only"][0])
    pg.wait_for_function(
        "t => document.querySelector('[data-testid=arrangement-b]').textContent.includes(t)",
        arg=LABELS["concertation_only"][0],
    )
    times = step(pg, 12)
    print()
    print(report("one month side by side (two models), click to page updated", times))
    assert pg.locator("[data-testid=network-b]").count() == 1
    assert pg.locator("[data-testid=residents-b]").count() == 1
    assert pg.locator("[data-testid=chart-trust_worker] polyline").count() == 2
    # same households and needs, different arrangement: the worker makes the difference
    assert value(pg, "trust_worker", "a") > 0.02
    assert value(pg, "trust_worker", "b") == 0.0
    assert value(pg, "needs_met", "a") != value(pg, "needs_met", "b") or value(
        pg, "referrals_completed", "a"
    ) != value(pg, "referrals_completed", "b")
    print(f"\nscreenshot (side by side): {shot(pg, 'app.png')}")


def test_levers_apply_live_or_restart(page: Page) -> None:
    pg = page
    step(pg, 6)
    assert pg.locator(".hlm-param-meetings_per_year").count() == 0  # a closed panel
    pg.click(".hlm-panel-head-levers")
    meetings = pg.locator(".hlm-param-meetings_per_year")
    assert pg.locator("[data-testid=param-meetings_per_year]").inner_text() == "10"
    meetings.locator("[role=slider]").first.focus()
    pg.keyboard.press("ArrowLeft")  # one step down: applies from next month
    pg.wait_for_function(
        "() => document.querySelector('[data-testid=param-meetings_per_year]')"
        ".textContent.trim() !== '10'"
    )
    assert float(pg.locator("[data-testid=param-meetings_per_year]").inner_text()) < 10
    assert "changed" in meetings.inner_text()
    assert month(pg) == 6  # the run goes on
    partners = pg.locator(".hlm-param-n_partners")
    partners.locator("[role=slider]").first.focus()
    pg.keyboard.press("ArrowLeft")  # 6 -> 5 partners: shapes the milieu, the run restarts
    pg.wait_for_function("() => document.querySelector('[data-testid=month]').textContent === '0'")
    assert pg.locator("[data-testid=param-n_partners]").inner_text() == "5"
    assert "restarted" in pg.inner_text("body")
    pg.click(".hlm-restore")
    pg.wait_for_function(
        "() => document.querySelector('[data-testid=param-n_partners]').textContent === '6'"
    )


# -- on a projector --------------------------------------------------------------------------

KEY_IDS = ("needs_met", "needs_unmet", "trust_worker", "inter_org_trust")


def inside(pg: Page, selector: str, width: int, height: int) -> None:
    box = pg.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    assert box["x"] >= 0 and box["y"] >= 0, f"{selector} at {box}"
    assert box["x"] + box["width"] <= width + 0.5, f"{selector} beyond the right edge: {box}"
    assert box["y"] + box["height"] <= height + 0.5, f"{selector} below the fold: {box}"


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_projector_layout_on_one_screen(
    server: str, browser: Browser, size: tuple[int, int]
) -> None:
    """At a projector's size the controls, the live view and the key charts are on one screen
    without scrolling, alone and side by side."""
    w, h = size
    context = browser.new_context(viewport={"width": w, "height": h})
    try:
        pg = context.new_page()
        pg.set_default_timeout(TIMEOUT_MS)
        pg.goto(server)
        pg.wait_for_selector("[data-testid=month]")
        for mode in ("alone", "side by side"):
            if mode == "side by side":
                pg.locator(".hlm-side-by-side input").click(force=True)
                pg.wait_for_selector("[data-testid=arrangement-b]")
            step(pg, 3)
            for sel in (".hlm-play", ".hlm-step", ".hlm-select-speed", ".hlm-select-arr-a"):
                inside(pg, sel, w, h)
            inside(pg, "[data-testid=month]", w, h)
            for key in KEY_IDS:
                inside(pg, f"[data-testid=chart-{key}]", w, h)
            inside(pg, "[data-testid=network-a]", w, h)
            if mode == "side by side":
                inside(pg, "[data-testid=network-b]", w, h)
            assert pg.evaluate("() => window.scrollY") == 0
            ARTEFACTS.mkdir(parents=True, exist_ok=True)
            tag = "sbs" if mode == "side by side" else "one"
            pg.screenshot(path=str(ARTEFACTS / f"app-projector-{w}-{tag}.png"))
        # no developer's timing line without --debug is checked in test_app_unit
    finally:
        context.close()


def test_side_by_side_keeps_both_runs_visible(page: Page) -> None:
    """Side by side, A is drawn solid and wide, B dashed on top (both visible where they
    coincide), with a legend and the current B − A on each key chart."""
    pg = page
    pg.locator(".hlm-side-by-side input").click(force=True)
    pg.wait_for_selector("[data-testid=arrangement-b]")
    choose(pg, "hlm-select-arr-b", LABELS["community_worker"][0])
    pg.wait_for_function(
        "t => document.querySelector('[data-testid=arrangement-b]').textContent.includes(t)",
        arg=LABELS["community_worker"][0],
    )
    step(pg, 6)
    chart = pg.locator("[data-testid=chart-needs_met]")
    a = chart.locator("polyline[data-run=a]")
    b = chart.locator("polyline[data-run=b]")
    assert a.count() == 1 and b.count() == 1
    assert b.get_attribute("stroke-dasharray")  # B dashed
    assert a.get_attribute("stroke-dasharray") is None  # A solid
    assert float(a.get_attribute("stroke-width")) > float(b.get_attribute("stroke-width"))
    # B is drawn after A (on top), and A, wider, shows on both sides of B's dashes
    order = chart.evaluate(
        "el => [...el.querySelectorAll('polyline')].map(p => p.getAttribute('data-run'))"
    )
    assert order == ["a", "b"]
    # the legend draws the same strokes next to each arrangement's name
    legend_a = pg.locator("[data-testid=arrangement-a] line")
    legend_b = pg.locator("[data-testid=arrangement-b] line")
    assert legend_a.get_attribute("stroke-dasharray") is None
    assert legend_b.get_attribute("stroke-dasharray") == b.get_attribute("stroke-dasharray")
    note = pg.locator("[data-testid=chart-trust_worker-note]").text_content() or ""
    assert note.startswith("B − A")


# -- a reload keeps the run; a design saved and loaded ----------------------------------------


def test_reload_keeps_the_run(page: Page) -> None:
    pg = page
    pg.click(".hlm-lang-fr")
    pg.wait_for_function("() => document.querySelector('[data-testid=title]')"
                         ".textContent === 'Atelier hlmsim'")  # fmt: skip
    step(pg, 5)
    pg.click(".hlm-event-crisis")
    pg.wait_for_selector("[data-testid=pending]")
    trust = value(pg, "trust_worker")
    assert "run=" in pg.url  # the session's token is in the address
    pg.reload()
    pg.wait_for_selector("[data-testid=month]")
    pg.wait_for_function("() => document.querySelector('[data-testid=month]').textContent === '5'")
    assert value(pg, "trust_worker") == trust
    assert pg.locator("[data-testid=pending]").count() == 1  # the event still comes next month
    assert pg.locator("[data-testid=title]").inner_text() == "Atelier hlmsim"  # language kept
    step(pg, 1)
    assert month(pg) == 6


def test_design_saved_and_loaded(page: Page, tmp_path: Path) -> None:
    pg = page
    step(pg, 2)
    pg.click(".hlm-event-worker_leaves")
    pg.wait_for_selector("[data-testid=pending]")
    pg.click(".hlm-panel-head-design")
    href = pg.locator("a.hlm-design-save").get_attribute("href") or ""
    text = urllib.parse.unquote(href.split(",", 1)[1])
    assert 'base = "default"' in text
    assert 'kind = "worker_leaves"' in text and "month = 3" in text
    design = tmp_path / "team.toml"
    design.write_text(
        'base = "default"\narrangement = "omh_worker"\n[params]\nmeetings_per_year = 6\n',
        encoding="utf-8",
    )
    pg.set_input_files(".hlm-design-drop input[type=file]", str(design))
    expect(pg.locator("[data-testid=design-message]")).to_contain_text("team.toml")
    expect(pg.locator("[data-testid=arrangement-a]")).to_contain_text(LABELS["omh_worker"][0])
    assert month(pg) == 0
    pg.click(".hlm-panel-head-levers")
    assert pg.locator("[data-testid=param-meetings_per_year]").inner_text() == "6"
    bad = tmp_path / "bad.toml"
    bad.write_text('base = "default"\n[params]\nmeetings_per_year = 900\n', encoding="utf-8")
    pg.set_input_files(".hlm-design-drop input[type=file]", str(bad))
    expect(pg.locator("[data-testid=design-message]")).to_contain_text("meetings_per_year")
    assert LABELS["omh_worker"][0] in pg.locator("[data-testid=arrangement-a]").inner_text()


# -- classroom mode ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def classroom(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``hlmsim app --classroom`` on a free port; its join address (``?code=`` included)."""
    log_path = tmp_path_factory.mktemp("classroom") / "server.log"
    with app_server(["--lang", "en", "--classroom"], log_path) as url:
        yield url


def test_classroom_refuses_requests_without_the_join_code(classroom: str) -> None:
    base, code = classroom.split("?code=")
    for path in ("", "board", "?code=WRONG2", "static/assets/custom.css"):
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(base + path, timeout=10)
        assert err.value.code == 403, path
    with urllib.request.urlopen(f"{base}board?code={code}", timeout=10) as r:
        assert r.status == 200


def test_teams_submit_and_the_board_ranks_them(classroom: str, browser: Browser) -> None:
    base, code = classroom.split("?code=")
    contexts = []
    try:
        for name, arrangement in (("Nord", "community_worker"), ("Est", "services_as_usual")):
            ctx = browser.new_context(viewport={"width": 1280, "height": 720})
            contexts.append(ctx)
            pg = ctx.new_page()
            pg.set_default_timeout(TIMEOUT_MS)
            pg.goto(classroom)
            pg.wait_for_selector("[data-testid=month]")
            # on a loaded machine the first pick can land before the new page's session
            # answers, or its menu be redrawn under the pointer: pick again until the page
            # shows it (what a user would do); then name the team
            for attempt in range(4):
                try:
                    choose(pg, "hlm-select-arr-a", LABELS[arrangement][0])
                    expect(pg.locator("[data-testid=arrangement-a]")).to_contain_text(
                        LABELS[arrangement][0], timeout=10_000
                    )
                    break
                except (AssertionError, PlaywrightTimeout):
                    pg.keyboard.press("Escape")  # close a menu left open
                    if attempt == 3:
                        raise
            pg.fill(".hlm-team input", name)
            step(pg, 2)
            pg.click(".hlm-submit")
            expect(pg.locator("[data-testid=submit-message]")).to_contain_text(name, timeout=60_000)
            inside(pg, ".hlm-submit", 1280, 720)  # on the first screen
        ctx = browser.new_context(viewport={"width": 1280, "height": 720})
        contexts.append(ctx)
        board = ctx.new_page()
        board.set_default_timeout(TIMEOUT_MS)
        board.goto(f"{base}board?code={code}")
        board.wait_for_selector("[data-testid=board-title]")
        expect(board.locator("[data-testid=design-Nord]")).to_contain_text(
            LABELS["community_worker"][0]
        )
        expect(board.locator("[data-testid=design-Est]")).to_be_visible()
        # the replays arrive and rank: no extra cost without a worker is clearly lowest
        expect(board.locator("[data-testid=verdict-cost]")).to_contain_text("Est", timeout=60_000)
        assert board.locator("[data-testid=rank-cost-Est]").get_attribute("data-leader") == "true"
        assert board.locator("[data-testid=rank-cost-Nord]").get_attribute("data-leader") == "false"
        href = board.locator("a.hlm-export").get_attribute("href") or ""
        exported = urllib.parse.unquote(href.split(",", 1)[1])
        assert exported.startswith("team,") and "Nord" in exported and "Est" in exported
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        board.screenshot(path=str(ARTEFACTS / "app-board.png"), full_page=True)
    finally:
        for ctx in contexts:
            ctx.close()
