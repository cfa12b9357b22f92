"""Reporting: everything that turns an engine's results into what people read (HTML reports,
figures, summaries, command-line tables). Engines never import this package; it imports them.

- :mod:`.comparison`: the comparison report and a comparison's files (:func:`write_compare`);
- :mod:`.validation`: the pattern-validation report and its files (:func:`write_patterns`);
- :mod:`.targets`: the targets report and its files (:func:`write_targets`);
- :mod:`.values`: outcome and parameter values, units and sources as reports show them;
- :mod:`.html`: the page, CSS, escaping and images every report shares;
- :mod:`.style`: the figures' look.
"""

from __future__ import annotations

from .answer import answer_text
from .comparison import check_compare_dir, summary_text, write_compare, write_report
from .targets import check_targets_dir, write_targets
from .validation import check_patterns_dir, write_patterns

__all__ = [
    "check_compare_dir",
    "check_patterns_dir",
    "check_targets_dir",
    "summary_text",
    "answer_text",
    "write_compare",
    "write_patterns",
    "write_report",
    "write_targets",
]
