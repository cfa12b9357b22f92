"""The workshop app: a live, bilingual hlmsim in the browser (Solara, Mesa's visualisation stack).

``hlmsim app [--host 127.0.0.1] [--port N] [--lang fr|en] [--classroom] [--debug]`` serves it
on localhost (see :mod:`hlmsim.app.cli`). The modules:

- :mod:`hlmsim.app.labels`: the schema's words on the page (parameter and outcome labels, units,
  help text, from ``hlmsim.params.field_meta`` and ``hlmsim.outcomes.OUTCOMES``, never typed
  twice); the page's own words are in the catalogue (:mod:`hlmsim.i18n`, section ``[app]``);
- :mod:`hlmsim.app.session`: the simulation behind a page (one model, or two arrangements on the
  same seed side by side), live events, lever changes, and each household's monthly history;
- :mod:`hlmsim.app.svg`: the pictures (charts, the local network, residents, a household's
  story) as inline SVG, drawn by the server and rendered by any browser, offline;
- :mod:`hlmsim.app.page`: the Solara components (``routes``: a team's page ``TeamPage`` at ``/``,
  the facilitator's ``BoardPage`` at ``/board`` in classroom mode);
- :mod:`hlmsim.app.board`: the classroom board (submissions, replays on common seeds, ranking);
- :mod:`hlmsim.app.gate`: the join code in front of the classroom server;
- :mod:`hlmsim.app.cli`: the ``app`` subcommand and the server.

The model never imports this package.
"""
