"""Logging, configured once at the edge.

``studybot run`` logs for operators (``service_logging``): every line, ours and the libraries',
goes through one structlog formatter over the standard ``logging`` the code already uses, as
JSON (``LOG_FORMAT=json``) or as readable ``message key=value`` lines, and carries what is bound
with ``structlog.contextvars`` where it was emitted (the run, meeting and delivery being sent,
the event being handled).

``studybot console`` and ``studybot demo`` log for the person at the terminal
(``quiet_logging``): warnings on one line each, never a traceback. The scheduler logs a failed
tick with its traceback (``log.exception``); there that would bury the chat, so only the
exception's type and message show.
"""

from __future__ import annotations

import logging
import sys
from types import TracebackType
from typing import Any

from bot.runtime.settings import LogFormat

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


def service_logging(
    log_format: LogFormat, *, stream: Any = None, level: int = logging.INFO
) -> None:
    """Every log line (studybot's and the libraries') through one structlog formatter on
    ``stream`` (stderr): JSON lines, or readable ``message key=value`` lines."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(structured_formatter(log_format, colors=handler.stream.isatty()))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    logging.getLogger("apscheduler").setLevel(logging.ERROR)  # as in quiet_logging


def structured_formatter(log_format: LogFormat, *, colors: bool = False) -> logging.Formatter:
    """The formatter of ``service_logging``; also set up so that ``structlog.get_logger()``
    loggers end in the same handlers."""
    # Imported here: structlog takes a noticeable part of a second to import, and only
    # ``studybot run`` needs it (the one-line start-up budget of every other command).
    import structlog

    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,  # run_id, meeting_id, delivery_id, event_id...
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            structlog.stdlib.PositionalArgumentsFormatter(),
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    renderer: list[Any]
    if log_format == LogFormat.JSON:
        renderer = [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
    else:
        renderer = [
            structlog.dev.ConsoleRenderer(
                colors=colors,
                exception_formatter=structlog.dev.plain_traceback,
                sort_keys=False,  # in the order bound: run, meeting, delivery
            )
        ]
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,  # what ``logging.getLogger(__name__).warning(...)`` emits
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *renderer],
    )
