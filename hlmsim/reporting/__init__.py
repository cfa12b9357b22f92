"""Reporting: everything that turns an engine's results into what people read (HTML reports,
figures, summaries, command-line tables). Engines never import this package; it imports them."""
