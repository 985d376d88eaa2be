"""A neutral ``Message`` as rich renderables for the terminal.

Every string is put into ``rich.text.Text`` piece by piece and never parsed as console markup,
so a member who writes ``[bold]x[/bold]`` or ``:smile:`` sees exactly that. Control characters
are shown as ``\\x1b`` and the like, so member text cannot move the cursor or recolour the
terminal. Formulas (``$...$``) and inline code (`` `...` ``) are only coloured, never changed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from rich.console import Console, Group, RenderableType
from rich.style import Style
from rich.text import Text

from bot.core import moments
from bot.core.models import (
    Actions,
    Attachment,
    Block,
    Bullets,
    Button,
    Fields,
    Heading,
    Links,
    Message,
    Paragraph,
    SmallPrint,
)

FORMULA_STYLE = "magenta"
CODE_STYLE = "cyan"
BUTTON_STYLES = {"primary": "bold green", "danger": "bold red", "default": "bold"}
PREVIEW_LINES = 8  # of a text attachment: enough to recognise it, not a wall of CSV

# `$$...$$`, `$...$` and `code` spans, in the order they appear.
_SPANS = re.compile(r"(\$\$[^$]+\$\$|\$[^$\n]+\$|`[^`\n]+`)")


def plain(text: str) -> str:
    """``text`` with control characters made visible (newlines and tabs stay), and moments in
    the group's zone, named (a terminal has no reader's zone to show them in)."""
    text = moments.as_written(text)
    if text.isprintable():
        return text
    return "".join(
        ch
        if ch in "\n\t" or unicodedata.category(ch) != "Cc"
        else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )


def inline(text: str, style: str = "") -> Text:
    """One run of text, formulas and code coloured, nothing interpreted."""
    result = Text(style=style)
    for piece in _SPANS.split(plain(text)):
        if not piece:
            continue
        if piece.startswith("$"):
            result.append(piece, style=FORMULA_STYLE)
        elif piece.startswith("`"):
            result.append(piece, style=CODE_STYLE)
        else:
            result.append(piece)
    return result


def click_command(button: Button) -> str:
    """What to type in ``studybot console`` to press ``button``."""
    return f"click {button.action} {button.value}".rstrip()


def _actions(block: Actions) -> Text:
    row = Text()
    for n, button in enumerate(block.buttons):
        if n:
            row.append(" ")
        row.append(f"[{plain(button.label)}]", style=BUTTON_STYLES.get(button.style, "bold"))
    row.append("\n  press one by typing: ", style="dim")
    row.append(" · ".join(plain(click_command(b)) for b in block.buttons), style=CODE_STYLE)
    return row


def _fields(block: Fields) -> Text:
    # Side by side, like Slack's fields: "Pages: 6   Estimated hours: 1.5".
    row = Text()
    for n, (label, value) in enumerate(block.pairs):
        if n:
            row.append("   ")
        row.append(f"{plain(label)}: ", style="bold")
        row.append_text(inline(value))
    return row


def _links(block: Links) -> Text:
    lines = Text()
    for n, link in enumerate(block.links):
        if n:
            lines.append("\n")
        lines.append("→ ")
        lines.append_text(inline(link.title))
        lines.append(" ")
        # The URL is printed in full (copyable anywhere) and also made clickable where the
        # terminal supports hyperlinks.
        lines.append(plain(link.url), style=Style(color="blue", link=link.url))
    return lines


def render_block(block: Block) -> Text:
    """One block of a message as terminal text."""
    if isinstance(block, Heading):
        return inline(block.text, style="bold")
    if isinstance(block, Paragraph):
        return inline(block.text)
    if isinstance(block, Bullets):
        return Text("\n").join(Text("• ").append_text(inline(item)) for item in block.items)
    if isinstance(block, Links):
        return _links(block)
    if isinstance(block, Fields):
        return _fields(block)
    if isinstance(block, Actions):
        return _actions(block)
    if isinstance(block, SmallPrint):
        return inline(block.text, style="dim")
    raise TypeError(f"no terminal rendering for {type(block).__name__}")


def render_attachment(attachment: Attachment) -> Text:
    """An attachment as a line naming it and its size, then its text when it is text."""
    size = len(attachment.content)
    shown = Text()
    shown.append(f"📎 {plain(attachment.filename)}", style="bold")
    shown.append(f" ({plain(attachment.mime_type)}, {size} bytes)", style="dim")
    if attachment.mime_type.startswith("text/"):
        lines = attachment.content.decode("utf-8", errors="replace").splitlines()
        for line in lines[:PREVIEW_LINES]:
            shown.append("\n  " + plain(line), style="dim")
        if len(lines) > PREVIEW_LINES:
            shown.append(f"\n  … {len(lines) - PREVIEW_LINES} more lines", style="dim")
    return shown


def message_texts(message: Message) -> list[Text]:
    """The message as one Text per block (or the plain text when it has none), then one per
    attachment: for callers that lay lines out themselves (indenting threads, for one)."""
    parts = [render_block(b) for b in message.blocks] or [inline(message.text)]
    return parts + [render_attachment(a) for a in message.attachments]


def render_message(message: Message) -> RenderableType:
    """The whole message as one renderable."""
    return Group(*message_texts(message))


def print_indented(console: Console, texts: Iterable[Text], *, indent: int = 0) -> None:
    """Print ``texts`` wrapped to the console, every line (continuations too) indented.

    rich's Padding would do the indenting but pads each line with blanks to the full width,
    which litters piped output and transcripts with trailing spaces; wrapping here does not.
    """
    width = max(20, console.width - indent)
    for text in texts:
        for line in text.wrap(console, width):
            line.rstrip()
            console.print(Text(" " * indent).append_text(line), soft_wrap=True)
