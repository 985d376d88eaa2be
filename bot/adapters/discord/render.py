"""A neutral ``Message`` as a Discord message: content or an embed, buttons, files.

A single short paragraph is sent as plain content, like a person would write it; anything with
structure (headings, lists, fields, links, buttons) becomes one embed. A scheduled post (one
with a delivery key) is always an embed whose footer carries a short reference derived from the
key, so that ``find_post`` can recognise it among the channel's recent messages after a crash.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from typing import Any

import discord

from bot.adapters.discord.components import StudyButton
from bot.adapters.discord.markdown import code, cut, markdown
from bot.core import moments
from bot.core.models import (
    Actions,
    Attachment,
    Bullets,
    Fields,
    Heading,
    Links,
    Message,
    Paragraph,
    SmallPrint,
)
from bot.core.safety import one_line

# Discord's limits for what a bot sends.
CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_LIMIT = 25
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
EMBED_LIMIT = 6000
THREAD_NAME_LIMIT = 100
NONCE_LIMIT = 25

COLOR = discord.Colour(0x5865F2)
SOLVED_COLOR = discord.Colour(0x57F287)
FOOTER = "studybot"
OVERFLOW_FILE = "studybot-message.txt"

# On every message: member text is echoed in posts and replies, and must never ping anyone.
NO_PINGS = discord.AllowedMentions(everyone=False, users=False, roles=False, replied_user=False)


def marker(key: str, *, starter: bool = False) -> str:
    """The reference a keyed post shows in its footer. A post that starts a thread gets a
    different one, so that ``find_post`` knows to finish a thread a crash left unopened."""
    digest = hashlib.sha256(f"{key}#thread".encode() if starter else key.encode()).hexdigest()
    return f"ref {digest[:12]}"


def nonce(key: str) -> str:
    """Discord drops a second message with the same nonce (``enforce_nonce``) sent within a few
    minutes: a request retried after a lost answer does not post twice."""
    return hashlib.sha256(key.encode()).hexdigest()[:NONCE_LIMIT]


def thread_name(message: Message) -> str:
    """A thread's or forum post's name: the message's text on one line, cut to fit."""
    return one_line(moments.as_written(message.text), THREAD_NAME_LIMIT) or "studybot"


def own_topic(message: Message) -> bool:
    """A message with a heading of its own is a topic (a discussion question) and gets a thread
    of its own; one without (``Answers go in this thread.``) continues its parent's."""
    return any(isinstance(block, Heading) for block in message.blocks)


@dataclass(frozen=True)
class Rendered:
    """A message in discord.py's terms, ready to be sent, edited or given as a response."""

    content: str | None
    embeds: tuple[discord.Embed, ...] = ()
    buttons: tuple[StudyButton, ...] = ()
    attachments: tuple[Attachment, ...] = field(default=())

    def view(self) -> discord.ui.View | None:
        """The buttons, in a view without timeout (clicks reach them as dynamic items)."""
        if not self.buttons:
            return None
        view = discord.ui.View(timeout=None)
        for button in self.buttons:
            view.add_item(button)
        return view

    def files(self) -> list[discord.File]:
        """The attachments as fresh ``discord.File`` objects (each can be sent only once)."""
        return [
            discord.File(io.BytesIO(a.content), filename=a.filename, description=a.alt or None)
            for a in self.attachments
        ]

    def send_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``Messageable.send`` and interaction responses."""
        kwargs: dict[str, Any] = {"allowed_mentions": NO_PINGS}
        if self.content is not None:
            kwargs["content"] = self.content
        if self.embeds:
            kwargs["embeds"] = list(self.embeds)
        if (view := self.view()) is not None:
            kwargs["view"] = view
        if self.attachments:
            kwargs["files"] = self.files()
        return kwargs

    def edit_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``Message.edit``: replaces content, embeds and buttons."""
        return {
            "content": self.content,
            "embeds": list(self.embeds),
            "view": self.view(),
            "allowed_mentions": NO_PINGS,
        }


def render(
    message: Message, *, key: str | None = None, starter: bool = False, reply: bool = False
) -> Rendered:
    """``reply``: an interaction response, which may carry files (an overlong text is attached
    whole). ``starter``: the post will start a thread (see ``marker``)."""
    buttons = tuple(
        StudyButton.of(button)
        for block in message.blocks
        if isinstance(block, Actions)
        for button in block.buttons
    )[:25]
    attachments = message.attachments
    only = message.blocks[0] if len(message.blocks) == 1 else None
    if key is None and not buttons and (not message.blocks or isinstance(only, Paragraph)):
        text = markdown(only.text if isinstance(only, Paragraph) else message.text)
        if len(text) <= CONTENT_LIMIT:
            return Rendered(content=text, attachments=attachments)
    footer = f"{FOOTER} · {marker(key, starter=starter)}" if key else None
    embed, overflowed = _embed(message, footer=footer)
    picture = next((a for a in attachments if a.is_picture), None)
    if picture is not None:  # shown inside the embed; any others follow it as attachments
        embed.set_image(url=f"attachment://{picture.filename}")
    if overflowed and reply:
        attachments = (
            *attachments,
            Attachment(OVERFLOW_FILE, message.text.encode("utf-8"), "text/plain"),
        )
    return Rendered(content=None, embeds=(embed,), buttons=buttons, attachments=attachments)


def _embed(message: Message, *, footer: str | None) -> tuple[discord.Embed, bool]:
    title: str | None = None
    parts: list[tuple[str, bool]] = []  # (markdown, is a sub-heading)
    fields: list[tuple[str, str]] = []
    for block in message.blocks:
        if isinstance(block, Heading):
            if title is None and not parts:
                title = cut(markdown(block.text, times=False), TITLE_LIMIT)
            else:
                parts.append((f"**{markdown(block.text)}**", True))
        elif isinstance(block, Paragraph):
            parts.append((markdown(block.text), False))
        elif isinstance(block, Bullets):
            parts.append(("\n".join(f"• {markdown(item)}" for item in block.items), False))
        elif isinstance(block, Links):
            links = "\n".join(f"[{markdown(link.title)}]({link.url})" for link in block.links)
            parts.append((links, False))
        elif isinstance(block, Fields):
            fields += block.pairs
        elif isinstance(block, SmallPrint):
            # Subtext: small grey lines, the way Discord shows fine print.
            subtext = "\n".join(f"-# {markdown(line)}" for line in block.text.splitlines())
            parts.append((subtext, False))
    if not message.blocks:
        parts.append((markdown(message.text), False))
    description = _join(parts)
    solved = "solved" in message.labels
    embed = discord.Embed(title=title, colour=SOLVED_COLOR if solved else COLOR)
    for name, value in fields[:FIELD_LIMIT]:
        embed.add_field(
            name=cut(markdown(name, times=False), FIELD_NAME_LIMIT) or "\u200b",
            value=cut(markdown(value), FIELD_VALUE_LIMIT) or "\u200b",
            inline=True,
        )
    if footer:
        embed.set_footer(text=footer)
    room = EMBED_LIMIT - len(title or "") - len(footer or "")
    room -= sum(len(f.name or "") + len(f.value or "") for f in embed.fields)
    limit = min(DESCRIPTION_LIMIT, room)
    embed.description = cut(description, limit) if description else None
    return embed, len(description) > limit


def _join(parts: list[tuple[str, bool]]) -> str:
    # A bold sub-heading sits right above what it introduces; other blocks get a blank line.
    text, after_heading = "", False
    for part, heading in parts:
        if text:
            text += "\n" if after_heading else "\n\n"
        text, after_heading = text + part, heading
    return text


__all__ = [
    "NO_PINGS",
    "Rendered",
    "code",
    "marker",
    "nonce",
    "own_topic",
    "render",
    "thread_name",
]
