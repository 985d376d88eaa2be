"""Where the ``studybot`` command prints: one rich console, wide when piped.

The console (and rich with it) is made when the first line is printed, not on import:
``studybot run`` prints nothing on a good start. ``from bot.cli.output import out`` still gives
that one console.
"""

from __future__ import annotations

import sys
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console


@cache
def console() -> Console:
    """The one console, made on first use."""
    from rich.console import Console  # rich loads with the first line printed (see above)

    # Piped output (files, CI logs) gets a wide page instead of rich's default of 80 columns.
    return Console(highlight=False, width=None if sys.stdout.isatty() else 160)


def __getattr__(name: str) -> Console:
    """``out``, made on first use (PEP 562): the modules that print tables import it by name."""
    if name == "out":
        return console()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def say(text: str, *, style: str | None = None) -> None:
    """Print one sentence as it is (no rich markup: it may quote a person's text)."""
    console().print(text, style=style, markup=False, soft_wrap=True)
