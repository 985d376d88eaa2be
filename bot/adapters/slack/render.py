"""Neutral messages as Slack Block Kit, within Slack's limits.

Every string goes through ``mrkdwn`` (or into a ``plain_text`` object), which escapes ``&``, ``<``
and ``>``: Slack reads ``<...>`` as a mention or a link, so member text such as ``<!channel>`` or
``<@U123>`` is shown as typed and pings nobody. Formulas (``$...$``) become inline code, so
``x_1 * y_2`` keeps its underscores and stars instead of turning italic or bold.

Limits (api.slack.com/reference/block-kit): 50 blocks per message (100 in a view), a header's
text at most 150 characters, a section's 3000, a field's 2000, a button's label 75 and its
value 2000. Longer text is split over several sections, never silently cut.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.core import moments
from bot.core.models import (
    Actions,
    Attachment,
    Block,
    Bullets,
    Fields,
    Heading,
    Links,
    Message,
    Paragraph,
    SmallPrint,
)

MAX_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
SECTION_LIMIT = 3000
HEADER_LIMIT = 150
FIELD_LIMIT = 2000
ALT_TEXT_LIMIT = 2000  # an image block's alt_text
FIELDS_PER_SECTION = 10
BUTTON_LABEL_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
BUTTONS_PER_BLOCK = 25
FALLBACK_LIMIT = 3000  # the top-level `text`: notifications and screen readers
ATTACHMENT_BLOCKS = 12  # an export shown inline: about 35 000 characters at most

ACTION_PREFIX = "studybot."  # action_id = "studybot.<action>.<n>": unique within a message
ASK_CALLBACK = "studybot.ask"
RESOLVE_CALLBACK = "studybot.resolve"
ASK_BLOCK, ASK_INPUT = "question", "text"

# Formulas and code spans, as the terminal renderer finds them.
_SPANS = re.compile(r"(\$\$[^$]+\$\$|\$[^$\n]+\$|`[^`\n]+`)")
_CHANNEL_NAME = re.compile(r"(?<![\w<&])#([CG][A-Z0-9]{6,})\b")


def escape(text: str) -> str:
    """The three characters Slack's markup reserves, as entities (Slack's own rule)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(text: str) -> str:
    """``text`` as safe mrkdwn: escaped, formulas as code, moments in each reader's zone."""
    pieces = []
    for part in moments.split(text):
        if isinstance(part, moments.Moment):
            pieces.append(date_token(part))
            continue
        for piece in _SPANS.split(part):
            if not piece:
                continue
            if piece.startswith("$") and "`" not in piece:
                fence = "```" if "\n" in piece else "`"
                pieces.append(f"{fence}{escape(piece)}{fence}")
            else:
                pieces.append(escape(piece))
    return "".join(pieces)


def date_token(moment: moments.Moment) -> str:
    """Slack's date formatting: each reader's client shows the moment in their own zone (e.g.
    "Oct 5, 2026 at 6:30 PM", or "tomorrow at ..."); the group's time where it cannot."""
    fallback = escape(moment.written).replace("|", "/")
    return f"<!date^{moment.unix}^{{date_short_pretty}} at {{time}}|{fallback}>"


def clip(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, marked with … when cut (never inside an entity)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&")
    if amp > len(cut) - 6 and ";" not in cut[amp:]:
        cut = cut[:amp]  # never end inside an entity such as &amp;
    return cut + "…"


def chunks(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Split mrkdwn at line ends into pieces of at most ``limit`` characters."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:  # one very long line: split it where it must be split
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current or not pieces:
        pieces.append(current)
    return pieces


def plain_text(text: str, limit: int) -> dict[str, Any]:
    """A ``plain_text`` object, shown as is: no escaping, no mentions, no formatting."""
    return {
        "type": "plain_text",
        "text": clip(moments.as_written(text), limit) or " ",
        "emoji": True,
    }


def _sections(text: str) -> list[dict[str, Any]]:
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": piece}}
        for piece in chunks(text)
        if piece.strip()
    ]


def _link(title: str, url: str) -> str:
    if not re.match(r"^https?://[^\s|<>]+$", url):
        return f"{mrkdwn(title)}: {escape(url)}"  # not a plain web address: shown, not linked
    return f"<{url.replace('&', '&amp;')}|{escape(title).replace('|', '¦')}>"


def _buttons(block: Actions) -> list[dict[str, Any]]:
    elements = []
    for n, button in enumerate(block.buttons):
        element: dict[str, Any] = {
            "type": "button",
            "action_id": f"{ACTION_PREFIX}{button.action}.{n}",
            "text": plain_text(button.label, BUTTON_LABEL_LIMIT),
        }
        if button.value:
            element["value"] = button.value[:BUTTON_VALUE_LIMIT]
        if button.style != "default":
            element["style"] = button.style
        elements.append(element)
    return [
        {"type": "actions", "elements": elements[i : i + BUTTONS_PER_BLOCK]}
        for i in range(0, len(elements), BUTTONS_PER_BLOCK)
    ]


def _fields(block: Fields) -> list[dict[str, Any]]:
    texts = [
        {"type": "mrkdwn", "text": clip(f"*{escape(label)}*\n{mrkdwn(value)}", FIELD_LIMIT)}
        for label, value in block.pairs
    ]
    return [
        {"type": "section", "fields": texts[i : i + FIELDS_PER_SECTION]}
        for i in range(0, len(texts), FIELDS_PER_SECTION)
    ]


def render_block(block: Block, *, first: bool) -> list[dict[str, Any]]:
    """One neutral block as Block Kit blocks; only a ``first`` heading becomes a header."""
    if isinstance(block, Heading):
        if first:  # one big title per message; later headings are bold lines
            return [{"type": "header", "text": plain_text(block.text, HEADER_LIMIT)}]
        return _sections(f"*{mrkdwn(block.text)}*")
    if isinstance(block, Paragraph):
        return _sections(mrkdwn(block.text))
    if isinstance(block, Bullets):
        return _sections("\n".join(f"• {mrkdwn(item)}" for item in block.items))
    if isinstance(block, Links):
        return _sections("\n".join(f"• {_link(link.title, link.url)}" for link in block.links))
    if isinstance(block, Fields):
        return _fields(block)
    if isinstance(block, Actions):
        return _buttons(block)
    if isinstance(block, SmallPrint):
        return [
            {"type": "context", "elements": [{"type": "mrkdwn", "text": piece}]}
            for piece in chunks(mrkdwn(block.text))
        ]
    raise TypeError(f"no Block Kit rendering for {type(block).__name__}")


def render_attachment(attachment: Attachment) -> list[dict[str, Any]]:
    """A file shown inline as code: ephemeral answers cannot carry files on Slack."""
    text = attachment.content.decode("utf-8", errors="replace").replace("```", "'''")
    pieces = chunks(escape(text), SECTION_LIMIT - 8)
    shown = pieces[:ATTACHMENT_BLOCKS]
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{escape(attachment.filename)}*"}}
    ]
    blocks += [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"```{piece}```"}} for piece in shown
    ]
    if len(pieces) > len(shown):
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": f"… {len(pieces) - len(shown)} more parts not shown"}
                ],
            }
        )
    return blocks


def render_picture(picture: Attachment, file_id: str) -> dict[str, Any]:
    """A picture uploaded to Slack (``bot.adapters.slack.pictures``) as an image block."""
    alt = clip(picture.alt, ALT_TEXT_LIMIT) or picture.filename
    return {"type": "image", "slack_file": {"id": file_id}, "alt_text": alt}


def render_blocks(
    message: Message, *, limit: int = MAX_BLOCKS, files: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """A message's blocks and attachments, shortened with a note when over ``limit``.
    ``files``: the Slack file id of each uploaded picture, by file name; a picture without
    one is left out (the text says what it shows)."""
    blocks: list[dict[str, Any]] = []
    for n, block in enumerate(message.blocks):
        blocks += render_block(block, first=n == 0)
    for attachment in message.attachments:
        if not attachment.is_picture:
            blocks += render_attachment(attachment)
        elif files and attachment.filename in files:
            blocks.append(render_picture(attachment, files[attachment.filename]))
    if not blocks:
        blocks = _sections(mrkdwn(message.text)) or _sections(" ")
    if len(blocks) > limit:
        note = {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": "… (shortened: Slack shows 50 blocks)"}],
        }
        blocks = [*blocks[: limit - 1], note]
    return blocks


def fallback_text(message: Message) -> str:
    """The top-level ``text``, which notifications show and screen readers read."""
    return clip(mrkdwn(message.text), FALLBACK_LIMIT) or " "


def message_arguments(message: Message, files: Mapping[str, str] | None = None) -> dict[str, Any]:
    """``text`` and ``blocks`` for chat.postMessage, chat.postEphemeral, chat.update; ``files``
    as for ``render_blocks``."""
    return {"text": fallback_text(message), "blocks": render_blocks(message, files=files)}


def home_view(message: Message) -> dict[str, Any]:
    """The App Home tab. Groups are named by channel id there; Slack shows ``<#C123>`` as the
    channel's name, so those (and only those, the text being the bot's own) become links."""
    blocks = render_blocks(message, limit=MAX_VIEW_BLOCKS)
    return {"type": "home", "blocks": [_link_channels(block) for block in blocks]}


def _link_channels(node: Any) -> Any:
    if isinstance(node, list):
        return [_link_channels(item) for item in node]
    if not isinstance(node, dict):
        return node
    if node.get("type") == "mrkdwn":  # plain_text would show the markup itself
        return {**node, "text": _CHANNEL_NAME.sub(r"<#\1>", node["text"])}
    return {key: _link_channels(value) for key, value in node.items()}


def ask_modal(*, private_metadata: str, max_length: int) -> dict[str, Any]:
    """The "Ask a question" dialog; its submission becomes ``ActionEvent("ask", text)``."""
    return {
        "type": "modal",
        "callback_id": ASK_CALLBACK,
        "private_metadata": private_metadata,
        "title": plain_text("Ask a question", 24),
        "submit": plain_text("Ask", 24),
        "close": plain_text("Cancel", 24),
        "blocks": [
            {
                "type": "input",
                "block_id": ASK_BLOCK,
                "label": plain_text("Your question", 2000),
                "element": {
                    "type": "plain_text_input",
                    "action_id": ASK_INPUT,
                    "multiline": True,
                    "max_length": max_length,
                    "placeholder": plain_text("What is unclear? Write formulas as $...$", 150),
                },
            },
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": "It is posted in the channel with a thread for answers.",
                    }
                ],
            },
        ],
    }
