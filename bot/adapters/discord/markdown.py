"""Neutral text as Discord markdown: member text stays inert, formulas become code.

The core writes ``code`` spans on purpose (command names) and marks formulas with ``$...$``;
everything else, member text included, is escaped so that ``a_i * b_j`` or ``[x](url)`` shows
exactly as typed. Mentions are never parsed into pings: every message also carries
``allowed_mentions`` that forbids them (see ``render.NO_PINGS``).
"""

from __future__ import annotations

import re

from discord.utils import escape_markdown

from bot.core import moments

# `$$...$$`, `$...$` and `code` spans, in the order they appear (as bot/adapters/console/render.py).
_SPANS = re.compile(r"(\$\$[^$]+\$\$|\$[^$\n]+\$|`[^`\n]+`)")


def code(text: str) -> str:
    """Inline code that survives backticks inside it."""
    if "`" not in text:
        return f"`{text}`"
    return f"`` {text.replace('``', '` `')} ``"


def markdown(text: str, *, times: bool = True) -> str:
    """Neutral text as Discord markdown: code spans kept, formulas as code, the rest escaped.
    Moments show in each reader's zone (``<t:UNIX:F>``), or with ``times=False`` (a title,
    where Discord shows no timestamps) in the group's zone."""
    pieces = []
    for part in moments.split(text):
        if isinstance(part, moments.Moment):
            pieces.append(f"<t:{part.unix}:F>" if times else escape_markdown(part.written))
            continue
        for piece in _SPANS.split(part):
            if not piece:
                continue
            if piece.startswith("$"):
                pieces.append(code(piece.strip("$").strip()))  # no LaTeX: code keeps it literal
            elif piece.startswith("`"):
                pieces.append(piece)
            else:
                pieces.append(escape_markdown(piece))
    return "".join(pieces)


def cut(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, marked with … when shortened."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
