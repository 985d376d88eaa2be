"""Member text is echoed safely: no mass mentions, no pings, no broken formatting.

Renderers escape their platform's markup; this module is the platform-neutral second line of
defence that turns anything that looks like a mention into inert text.
"""

from __future__ import annotations

import re

from bot.core.moments import without_markers

_ZWSP = "\u200b"
_MASS = re.compile(r"@(everyone|here|channel)\b", re.IGNORECASE)
_TOKEN = re.compile(r"<([@!#])")  # <@U123>, <@&role>, <!channel>, <#C123>


def defuse(text: str) -> str:
    """Keep the words but break every mention: ``@here`` -> ``@\u200bhere``; and take out
    what would read as a moment (``bot.core.moments``)."""
    text = _MASS.sub(lambda m: "@" + _ZWSP + m.group(1), without_markers(text))
    return _TOKEN.sub(lambda m: "<" + _ZWSP + m.group(1), text)


def one_line(text: str, limit: int = 200) -> str:
    """A short single-line preview of member text."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
