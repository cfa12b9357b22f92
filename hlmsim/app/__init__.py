"""The workshop app: a live, bilingual hlmsim in the browser (Solara, Mesa's visualisation stack).

``hlmsim app [--host 127.0.0.1] [--port N] [--lang fr|en]`` serves it on localhost (see
:mod:`hlmsim.app.cli`). The modules:

- :mod:`hlmsim.app.i18n`: every label of the page in English and French; parameter and outcome
  labels, units and help text come from the schema (``hlmsim.params.field_meta``,
  ``hlmsim.outcomes.OUTCOMES``), never typed twice;
- :mod:`hlmsim.app.session`: the simulation behind a page (one model, or two arrangements on the
  same seed side by side), live events, lever changes, and each household's monthly history;
- :mod:`hlmsim.app.svg`: the pictures (charts, the local network, residents, a household's
  story) as inline SVG, drawn by the server and rendered by any browser, offline;
- :mod:`hlmsim.app.page`: the Solara components (``Page``);
- :mod:`hlmsim.app.cli`: the ``app`` subcommand and the server.

The model never imports this package.
"""
