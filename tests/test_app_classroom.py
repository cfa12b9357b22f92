"""Classroom mode without a browser: the join code in front of every request, the board's
paired replays and ranking (ties as ties), the export, and the command line."""

from __future__ import annotations

import asyncio
import csv
import io
from typing import Any

import numpy as np
import pytest
from test_app_unit import FakePopen, fake_server, parse  # noqa: F401  (fixture)

from hlmsim.app import cli as app_cli
from hlmsim.app.board import BOARD_OUTCOMES, Board, clean_team
from hlmsim.app.gate import CODE_ALPHABET, COOKIE, CodeGate, new_code
from hlmsim.errors import InputError
from hlmsim.i18n import LANGS

# -- the join code --------------------------------------------------------------------------


async def _inner(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.accept"})
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"the app"})


def call(
    gate: CodeGate,
    kind: str,
    query: bytes = b"",
    cookie: str | None = None,
    path: str = "/",
    headers: list[tuple[bytes, bytes]] | None = None,
) -> list[dict]:
    """The messages ``gate`` sends for one request (``headers``, or just the cookie)."""
    sent: list[dict] = []
    if headers is None:
        headers = [(b"cookie", cookie.encode())] if cookie else []
    scope = {"type": kind, "method": "GET", "path": path, "query_string": query, "headers": headers}

    async def receive() -> dict:
        return {"type": "http.request"}

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(gate(scope, receive, send))
    return sent


def test_no_request_answers_without_the_join_code() -> None:
    gate = CodeGate(_inner, "ABC234")
    for query, cookie in ((b"", None), (b"code=WRONG2", None), (b"", f"{COOKIE}=NOPE")):
        out = call(gate, "http", query, cookie)
        assert out[0]["status"] == 403 and b"join code" in out[1]["body"]
        ws = call(gate, "websocket", query, cookie)
        assert ws == [{"type": "websocket.close", "code": 1008}]  # closed before it opens
    ok = call(gate, "http", b"code=abc234")  # read from a projector: case does not matter
    assert ok[0]["status"] == 200 and ok[1]["body"] == b"the app"
    cookies = [v for k, v in ok[0]["headers"] if k == b"set-cookie"]
    assert cookies and cookies[0].startswith(f"{COOKIE}=ABC234".encode())
    assert b"HttpOnly" in cookies[0]
    # later requests of the page (assets, websocket) carry the cookie
    assert call(gate, "http", b"", f"{COOKIE}=ABC234")[0]["status"] == 200
    assert call(gate, "websocket", b"", f"other=1; {COOKIE}=ABC234") == [
        {"type": "websocket.accept"}
    ]
    with pytest.raises(ValueError):
        CodeGate(_inner, "")


def test_front_end_files_are_compressed_once_and_never_without_the_code() -> None:
    """The static cache answers the same bytes again without calling the app; pages,
    conditional requests and requests without the code are never answered from it."""
    calls: list[str] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        calls.append(scope["path"])
        body = f"{scope['path']} #{len(calls)}".encode()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body[:3], "more_body": True})
        await send({"type": "http.response.body", "body": body[3:]})

    def get(path: str, headers: list[tuple[bytes, bytes]]) -> list[dict]:
        return call(gate, "http", path=path, headers=headers)

    gate = CodeGate(app, "ABC234")
    code = [(b"cookie", f"{COOKIE}=ABC234".encode()), (b"accept-encoding", b"gzip")]
    script = "/_solara/cdn/vue/dist/vue.js"
    first = b"".join(m.get("body", b"") for m in get(script, code)[1:])
    again = get(script, code)
    assert b"".join(m.get("body", b"") for m in again[1:]) == first == f"{script} #1".encode()
    assert again[0]["status"] == 200 and calls == [script]  # answered from the cache
    assert get(script, [*code, (b"if-none-match", b'"x"')]) and len(calls) == 2
    get("/", code)
    get("/", code)
    assert calls.count("/") == 2  # a page is never cached
    assert get(script, [])[0]["status"] == 403  # nor served without the code
    assert len(calls) == 4


def test_join_codes_are_short_and_unambiguous() -> None:
    codes = {new_code() for _ in range(200)}
    assert len(codes) > 190
    for c in codes:
        assert len(c) == 6 and set(c) <= set(CODE_ALPHABET)
    assert not set("01OIL") & set(CODE_ALPHABET)


def test_classroom_prints_the_join_address_and_code(
    fake_server: type[FakePopen],  # noqa: F811
    capsys: Any,
) -> None:
    assert app_cli.main_app(parse(["app", "--classroom"])) == 0
    cmd, env = fake_server.calls[-1]
    code = env["HLMSIM_APP_CODE"]
    assert cmd[1:3] == ["-m", "hlmsim.app.gate"] and cmd[cmd.index("--host") + 1] == "127.0.0.1"
    assert env["SOLARA_APP"] == "hlmsim.app.page"
    out = capsys.readouterr().out
    assert f"http://127.0.0.1:8765/?code={code}" in out
    assert f"join code: {code}" in out and f"/board?code={code}" in out
    # beyond this computer only with --host, with the warning
    assert app_cli.main_app(parse(["app", "--classroom", "--host", "0.0.0.0"])) == 0
    cmd, env = fake_server.calls[-1]
    assert cmd[cmd.index("--host") + 1] == "0.0.0.0"
    err = capsys.readouterr().err
    assert "warning" in err and "join code" in err
    # without --classroom: no code, Solara's own server as before
    assert app_cli.main_app(parse(["app"])) == 0
    cmd, env = fake_server.calls[-1]
    assert "HLMSIM_APP_CODE" not in env and cmd[1:4] == ["-m", "solara", "run"]
    assert "HLMSIM_APP_CODE" not in app_cli.server_env("en", base={"HLMSIM_APP_CODE": "X"})


# -- the board ------------------------------------------------------------------------------


def design(arrangement: str | None = None, **params: Any) -> dict[str, Any]:
    return {"base": "default", "arrangement": arrangement, "params": params, "events": []}


@pytest.fixture(scope="module")
def board() -> Board:
    b = Board(replications=4)
    b.submit("Nord", design("community_worker"), seed=1)
    b.submit("Sud", design("community_worker"), seed=2)  # the same design: a tie everywhere
    b.submit("Est", design("services_as_usual"), seed=3)
    assert b.wait(180)
    return b


def test_replays_are_paired_on_common_seeds(board: Board) -> None:
    subs = {s.team: s for s in board.snapshot()}
    assert list(subs) == ["Nord", "Sud", "Est"]  # in order of arrival
    nord, sud, est = subs["Nord"], subs["Sud"], subs["Est"]
    # the same design replayed in the same worlds gives the same values, whatever the team's
    # own seed: every design faces the same worlds
    for k in BOARD_OUTCOMES:
        assert np.array_equal(nord.replay[k], sud.replay[k]), k
        assert len(est.replay[k]) == 4
    assert nord.own != sud.own  # their own runs used their own seeds
    assert est.replay["trust_worker"].max() == 0.0  # no worker, no trust in one


def test_ties_are_ties_and_a_clear_best_is_named(board: Board) -> None:
    top, clear = board.leaders("needs_met")
    assert set(top) == {"Nord", "Sud"} and not clear  # identical designs: never a winner
    table = board.ranking()
    rows = table[table["outcome"] == "needs_met"].set_index("team")
    assert rows.loc["Nord", "p_best"] == pytest.approx(0.5)
    assert rows.loc["Sud", "p_best"] == pytest.approx(0.5)
    assert not rows.loc["Est", "leader"]
    top, clear = board.leaders("cost")  # services as usual cost nothing extra: clearly lowest
    assert top == ["Est"] and clear


def test_one_replicate_never_names_a_winner() -> None:
    b = Board(replications=1)
    b.submit("A", design("community_worker"), seed=0, own={k: 0.0 for k in BOARD_OUTCOMES})
    b.submit("B", design("services_as_usual"), seed=0, own={k: 0.0 for k in BOARD_OUTCOMES})
    assert b.wait(120)
    for outcome in BOARD_OUTCOMES:
        top, clear = b.leaders(outcome)
        assert not clear, outcome


def test_a_team_submitting_again_replaces_its_design(board: Board) -> None:
    b = Board(replications=2)
    b.submit("Nord", design("community_worker"), seed=1, own={k: 1.0 for k in BOARD_OUTCOMES})
    b.submit("Nord ", design("omh_worker"), seed=1, own={k: 2.0 for k in BOARD_OUTCOMES})
    assert [s.team for s in b.snapshot()] == ["Nord"]
    assert b.snapshot()[0].design["arrangement"] == "omh_worker"
    with pytest.raises(InputError):
        clean_team("   ")
    b.submit("=HYPERLINK(1)", design(), seed=1, own={k: 0.0 for k in BOARD_OUTCOMES})
    assert b.wait(120)
    rows = list(csv.DictReader(io.StringIO(b.csv())))
    assert {r["team"] for r in rows} == {"Nord", "'=HYPERLINK(1)"}  # never a formula
    assert len(clean_team("x" * 100)) == 40


def test_export_has_every_team_and_outcome(board: Board) -> None:
    rows = list(csv.DictReader(io.StringIO(board.csv())))
    assert len(rows) == 3 * len(BOARD_OUTCOMES)
    nord = [r for r in rows if r["team"] == "Nord" and r["outcome"] == "needs_met"][0]
    assert nord["arrangement"] == "community_worker" and nord["replications"] == "4"
    assert float(nord["low"]) <= float(nord["mean"]) <= float(nord["high"])
    assert nord["leader"] == "True"


def test_on_an_ensemble_each_world_has_its_parameter_set(board: Board) -> None:
    """With the app's ensemble, replicate r of every design runs on the ensemble's r-th set
    drawn for the board's seed (paired worlds and parameters), levers over it; the board's
    page and export say which ensemble."""
    from hlmsim.app.board import run_finals
    from hlmsim.app.page import board_html
    from hlmsim.calibrate.posterior import load_ensemble, shipped_ensemble_path

    ens = load_ensemble(shipped_ensemble_path())
    b = Board(replications=3, ensemble=ens)
    sets = ens.param_sets(3, b.seed)
    assert b.param_sets == sets and len({str(p) for p in sets}) > 1
    own = {k: 0.0 for k in BOARD_OUTCOMES}
    b.submit("Nord", design("community_worker"), seed=1, own=own)
    b.submit("Sud", design("community_worker"), seed=2, own=own)
    assert b.wait(180)
    nord, sud = b.snapshot()
    for k in BOARD_OUTCOMES:  # the same design in the same worlds: the same values
        assert np.array_equal(nord.replay[k], sud.replay[k]), k
    # the worlds' parameters are the ensemble's, not the scenario's own
    plain = {s.team: s for s in board.snapshot()}["Nord"].replay
    assert not np.array_equal(nord.replay["needs_met"][:3], plain["needs_met"][:3])
    # replicate r runs on set r: with set 0 everywhere, replicate 0 is unchanged, the others not
    same = run_finals(design("community_worker"), b.seed, 3, [sets[0]] * 3)
    assert same["needs_met"][0] == nord.replay["needs_met"][0]
    assert (same["needs_met"][1:] != nord.replay["needs_met"][1:]).all()
    # a lever moved applies over the sets (a part-time worker costs less in every world)
    lever = run_finals(design("community_worker", worker_fte=0.5), b.seed, 3, sets)
    assert (lever["cost"] < nord.replay["cost"]).all()
    for lang in LANGS:
        assert ens.source.rsplit("/", 1)[-1] in board_html(b, lang, "ABC234")
    rows = list(csv.DictReader(io.StringIO(b.csv())))
    assert {r["ensemble"] for r in rows} == {"default.parquet"}
    assert {r["ensemble"] for r in csv.DictReader(io.StringIO(board.csv()))} == {""}


@pytest.mark.parametrize("lang", LANGS)
def test_board_page_words_ties_as_ties(board: Board, lang: str) -> None:
    from hlmsim.app.page import board_html

    html = board_html(board, lang, "ABC234")
    assert "ABC234" in html
    for team in ("Nord", "Sud", "Est"):
        assert f'data-testid="design-{team}"' in html
    verdict = html.split('data-testid="verdict-needs_met">')[1].split("<")[0]
    assert "Nord" in verdict and "Sud" in verdict and "Est" not in verdict
    cost = html.split('data-testid="verdict-cost">')[1].split("<")[0]
    assert "Est" in cost and "Nord" not in cost
