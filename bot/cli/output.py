"""Where the ``studybot`` command prints: one rich console, wide when piped."""

from __future__ import annotations

import sys

from rich.console import Console

# Piped output (files, CI logs) gets a wide page instead of rich's default of 80 columns.
out = Console(highlight=False, width=None if sys.stdout.isatty() else 160)


def say(text: str, *, style: str | None = None) -> None:
    """Print one sentence as it is (no rich markup: it may quote a person's text)."""
    out.print(text, style=style, markup=False, soft_wrap=True)
