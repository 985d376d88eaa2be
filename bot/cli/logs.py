"""Logging for the terminal commands: warnings on one line each, never a traceback.

The scheduler logs a failed tick with its traceback (``log.exception``); in ``studybot console``
and ``studybot demo`` that would bury the chat, so only the exception's type and message show.
"""

from __future__ import annotations

import logging
import sys
from types import TracebackType

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


class OneLineFormatter(logging.Formatter):
    """Log lines of one line each: the exception's type and message, no traceback."""

    def formatException(self, ei: ExcInfo) -> str:  # type: ignore[override]
        """The exception as ``Type: message``."""
        if not ei or ei[0] is None:
            return ""
        # Database errors carry the SQL and its parameters on further lines; the first says it.
        first = str(ei[1]).strip().splitlines()[0] if str(ei[1]).strip() else ""
        return f"  ({ei[0].__name__}: {first})"

    def format(self, record: logging.LogRecord) -> str:
        # The base class puts the exception on a line of its own; keep it on the message's line.
        """The message with the exception on the same line."""
        return super().format(record).replace("\n  (", "  (", 1)

    def formatStack(self, stack_info: str) -> str:
        """No stack: the person at the terminal needs the sentence, not the frames."""
        return ""


def quiet_logging() -> None:
    """Warnings and errors only, one line each, on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLineFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler], force=True)
    # At --fast speeds APScheduler reports every tick still busy when the next one is due; that
    # is expected (ticks never overlap) and not worth a line each.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
