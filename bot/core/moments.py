"""Times the bot posts, shown in each reader's own time zone where the platform can do it.

The core writes a moment as a token that carries both the instant (Unix seconds) and how it
reads in the group's zone (``Mon 05 Oct 2026, 18:30 CEST``). Each renderer replaces the token:
Discord with ``<t:UNIX:F>`` and Slack with ``<!date^UNIX^...|fallback>`` (each reader's client
shows their own zone), the console, exports and plain-text fields with the group's time, zone
named. The markers are characters of Unicode's private use area, which member text never
carries (``bot.core.safety.defuse`` removes them), so a member cannot forge a moment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

OPEN, BETWEEN, CLOSE = "\ue000", "\ue001", "\ue002"
MARKERS = OPEN + BETWEEN + CLOSE
_TOKEN = re.compile(f"{OPEN}(-?\\d+){BETWEEN}([^{MARKERS}]*){CLOSE}")


@dataclass(frozen=True)
class Moment:
    """An instant, and how it reads in the group's zone."""

    unix: int
    written: str


def moment(at: datetime, zone: str) -> str:
    """The token for ``at``; read in ``zone`` as, e.g., ``Mon 05 Oct 2026, 18:30 CEST``."""
    written = at.astimezone(ZoneInfo(zone)).strftime("%a %d %b %Y, %H:%M %Z")
    return f"{OPEN}{int(at.timestamp())}{BETWEEN}{written}{CLOSE}"


def split(text: str) -> list[str | Moment]:
    """``text`` as its plain pieces and its moments, in order."""
    pieces: list[str | Moment] = []
    last = 0
    for found in _TOKEN.finditer(text):
        if found.start() > last:
            pieces.append(text[last : found.start()])
        pieces.append(Moment(int(found.group(1)), found.group(2)))
        last = found.end()
    if last < len(text):
        pieces.append(text[last:])
    return pieces


def as_written(text: str) -> str:
    """``text`` with each moment in the group's zone, as the console and exports show it."""
    return _TOKEN.sub(lambda found: found.group(2), text)


def without_markers(text: str) -> str:
    """Member text with the markers taken out: a member cannot write a moment."""
    return text.translate({ord(marker): None for marker in MARKERS})
