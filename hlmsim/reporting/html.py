"""The HTML scaffolding every report shares: the page (inline CSS, no external resource:
readable offline and printable), escaping, embedded images and arrangement swatches."""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from typing import Any

from .style import colour

CSS = """
:root { --ink: #1a1a1a; --muted: #555; --line: #d0d0d0; --band: #f4f6f8; --accent: #0072B2; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1060px; padding: 24px 28px 48px; color: var(--ink);
  font: 16px/1.55 "Segoe UI", "Helvetica Neue", Arial, "Noto Sans", "DejaVu Sans", sans-serif; }
h1 { font-size: 1.9em; margin: 0.2em 0 0.1em; line-height: 1.2; }
h2 { font-size: 1.35em; margin: 2em 0 0.6em; padding-bottom: 0.2em;
  border-bottom: 2px solid var(--line); }
p.subtitle { color: var(--muted); margin: 0 0 1.2em; }
.summary { background: #eef5fb; border-left: 5px solid var(--accent); padding: 14px 20px;
  margin: 1em 0 1.5em; font-size: 1.06em; }
.summary h2 { border: 0; margin: 0 0 0.3em; font-size: 1.15em; }
nav ol { columns: 2; margin: 0.3em 0; padding-left: 1.4em; }
nav a { color: var(--accent); text-decoration: none; }
figure { margin: 1em 0 1.5em; }
figure img { display: block; max-width: 100%; height: auto; margin: 0 auto; }
figcaption, .note, .caption { color: var(--muted); font-size: 0.92em; }
table { border-collapse: collapse; width: 100%; margin: 0.6em 0 0.4em; font-size: 0.9em; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 7px; vertical-align: top;
  text-align: left; }
thead th { background: var(--band); border-bottom: 2px solid #999; vertical-align: bottom; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.num .ci { display: block; color: var(--muted); font-size: 0.86em; }
th .unit, td .unit { display: block; color: var(--muted); font-weight: normal; font-size: 0.86em; }
tr.ref td, th.ref { background: #f7f7f7; }
table.final tbody th, table.diff tbody th { width: 24%; }
table.params tbody th { width: 26%; }
.dir { color: var(--muted); font-weight: normal; }
.better { color: #0060a0; }
.worse { color: #b84a00; }
.unclear { color: var(--muted); }
.swatch { display: inline-block; width: 0.9em; height: 0.9em; border-radius: 2px;
  margin-right: 0.45em; vertical-align: -0.1em; }
dl.arr dt { font-weight: 600; margin-top: 0.5em; }
dl.arr dd { margin: 0 0 0 1.6em; color: #333; }
pre, code { font-family: "DejaVu Sans Mono", Consolas, "Liberation Mono", monospace;
  font-size: 0.88em; }
pre { background: var(--band); padding: 10px 12px; overflow-x: auto; white-space: pre-wrap;
  word-break: break-all; border: 1px solid var(--line); }
table.meta th { width: 34%; font-weight: 600; background: none; }
table.meta td { word-break: break-all; }
footer { margin-top: 3em; color: var(--muted); font-size: 0.88em;
  border-top: 1px solid var(--line); padding-top: 0.8em; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  nav { display: none; }
  h2 { break-after: avoid; page-break-after: avoid; margin-top: 1.2em; }
  figure, table, tr, .summary, pre { break-inside: avoid; page-break-inside: avoid; }
  section { break-before: auto; }
  .summary { background: none; border: 1px solid #999; }
  a { color: inherit; text-decoration: none; }
  thead { display: table-header-group; }
}
"""


def esc(x: Any) -> str:
    """Text escaped for HTML (quotes too)."""
    return html.escape(str(x), quote=True)


def img(data: bytes, alt: str) -> str:
    """A PNG embedded as base64."""
    b64 = base64.b64encode(data).decode("ascii")
    return f'<img src="data:image/png;base64,{b64}" alt="{esc(alt)}">'


def swatch(a: str, order: Sequence[str]) -> str:
    """The arrangement's colour as a small square."""
    return f'<span class="swatch" style="background:{colour(a, order)}"></span>'


def summary_box(heading: str, body_html: str, after: str = "") -> str:
    """The key message above a report's contents: ``heading`` (text), ``body_html`` (the
    message's paragraph) and ``after`` (HTML below it, e.g. a summary table)."""
    return (
        f'<div class="summary" id="summary"><h2>{esc(heading)}</h2><p>{body_html}</p>{after}</div>'
    )


def page(
    lang: str,
    title: str,
    head_title: str,
    header: str,
    sections: Sequence[tuple[str, str, str]],
    contents: str,
    footer: str = "",
    before_nav: str = "",
    extra_css: str = "",
) -> str:
    """A whole report page: ``header`` (HTML under the title), ``before_nav`` (e.g. the
    summary), a table of contents titled ``contents`` of ``sections`` (id, heading, HTML)."""
    nav = "".join(f'<li><a href="#{sid}">{esc(h)}</a></li>' for sid, h, _ in sections)
    body = "".join(f'<section id="{sid}"><h2>{esc(h)}</h2>{c}</section>' for sid, h, c in sections)
    foot = f"<footer>{esc(footer)}</footer>\n" if footer else ""
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(head_title)}</title>
<style>{CSS}{extra_css}</style>
</head>
<body>
<header>
<h1>{esc(title)}</h1>
{header}
</header>
{before_nav}
<nav><strong>{esc(contents)}</strong><ol>{nav}</ol></nav>
{body}
{foot}</body>
</html>
"""
