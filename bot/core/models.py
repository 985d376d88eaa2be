"""Value types that cross the boundary between the core and the platform adapters.

Adapters turn platform events into these and render ``Message`` their own way. Text that members
typed is carried as plain text; every renderer escapes it for its platform, and the core
additionally defuses mass mentions (see ``bot.core.safety``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from bot.render.charts import GroupChart, MemberChart


@dataclass(frozen=True, kw_only=True)
class Place:
    """A channel (and optionally a thread in it) in one workspace of one platform."""

    platform: str
    workspace: str
    channel: str
    thread: str | None = None

    def in_thread(self, thread: str) -> Place:
        """The same channel, inside ``thread``."""
        return Place(
            platform=self.platform, workspace=self.workspace, channel=self.channel, thread=thread
        )

    @property
    def channel_only(self) -> Place:
        """The channel itself, outside any thread."""
        return Place(platform=self.platform, workspace=self.workspace, channel=self.channel)


@dataclass(frozen=True, kw_only=True)
class Person:
    """Who acted. ``is_admin`` is the platform's own say (Discord: Manage Server/Channels)."""

    user_id: str
    name: str
    is_admin: bool = False
    timezone: str = ""  # the zone of their profile, where the platform tells it (Slack)


# A reaction with one of these on a Q&A question (or in its thread) resolves it.
RESOLVE_EMOJI = frozenset({"white_check_mark", "heavy_check_mark", "✅", "✔️", "☑️"})


# --- incoming -----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Incoming:
    """Anything a platform tells the bot. ``event_id`` is the platform's id for this delivery
    attempt's *content*: the same event retried carries the same id, and is handled once."""

    who: Person
    where: Place
    event_id: str
    extras: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class CommandEvent(Incoming):
    """A ``/study`` command."""

    text: str  # what followed "/study"


@dataclass(frozen=True, kw_only=True)
class ThreadMessageEvent(Incoming):
    """A message posted in a thread (``where.thread`` is set)."""

    text: str
    message_ref: str


@dataclass(frozen=True, kw_only=True)
class ReactionEvent(Incoming):
    """A reaction added to a message."""

    emoji: str  # a name such as "white_check_mark" or the character itself
    message_ref: str  # the message, or the thread it is in (a ✅ there counts for its question)
    reply_ref: str | None = None  # the reply inside that thread, when it was one (an answer)


@dataclass(frozen=True, kw_only=True)
class MembershipEvent(Incoming):
    """Someone joined or left the channel."""

    joined: bool


@dataclass(frozen=True, kw_only=True)
class FileEvent(Incoming):
    """A file shared with the bot (a syllabus to load). ``size`` is what the platform says,
    so an oversized file is refused before it is downloaded (``content`` is then empty)."""

    filename: str
    size: int
    content: bytes = b""


@dataclass(frozen=True, kw_only=True)
class ActionEvent(Incoming):
    """A button click: ``action`` is a Button's action, ``value`` its value."""

    action: str
    value: str = ""


# --- outgoing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    """A short bold line."""

    text: str


@dataclass(frozen=True)
class Paragraph:
    """Plain text; ``$...$`` marks a formula, which renderers may show as code or an image."""

    text: str


@dataclass(frozen=True)
class Bullets:
    """A list."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class Link:
    """A titled link."""

    title: str
    url: str


@dataclass(frozen=True)
class Links:
    """Links shown together."""

    links: tuple[Link, ...]


@dataclass(frozen=True)
class Fields:
    """Short label/value pairs (shown side by side where the platform can)."""

    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Button:
    """A button; pressing it sends an ``ActionEvent`` with its action and value."""

    label: str
    action: str
    value: str = ""
    style: Literal["default", "primary", "danger"] = "default"


@dataclass(frozen=True)
class Actions:
    """A row of buttons."""

    buttons: tuple[Button, ...]


@dataclass(frozen=True)
class SmallPrint:
    """Small print under a message."""

    text: str


Block = Heading | Paragraph | Bullets | Links | Fields | Actions | SmallPrint


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message: an export, or a picture (a formula, a chart) shown under it.
    ``alt`` describes a picture for screen readers and wherever pictures are not shown."""

    filename: str
    content: bytes
    mime_type: str
    alt: str = ""

    @property
    def is_picture(self) -> bool:
        """A PNG to show in the message, not a file to download."""
        return self.mime_type == "image/png"


@dataclass(frozen=True, kw_only=True)
class Message:
    """A neutral message. ``text`` is the plain fallback (notifications, screen readers)."""

    text: str
    blocks: tuple[Block, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    # Short names a platform may file the post under (Discord forum tags): the ids of the units
    # it is about and, for a Q&A question, its state ("unanswered" or "solved").
    labels: tuple[str, ...] = ()

    def followed_by(self, block: Paragraph | SmallPrint) -> Message:
        """This message with one more line at its end, in its blocks and its plain text."""
        return replace(self, text=f"{self.text} {block.text}", blocks=(*self.blocks, block))


@dataclass(frozen=True, kw_only=True)
class EventDetails:
    """A session as a calendar event on the platform (a Discord scheduled event)."""

    name: str
    starts_at: datetime
    ends_at: datetime
    location: str  # the call's link, the room, or the group's channel
    description: str


@dataclass(frozen=True, kw_only=True)
class ToDraw:
    """Pictures a message will carry, drawn once no database session is open (drawing runs in
    a worker process): the formulas written in ``formulas_in``, and a chart (a
    ``bot.render.charts.GroupChart``) of the run so far, or of all of it for a ``recap``.
    ``alone``: the message is the picture (``/study tex``); a formula that cannot be drawn
    replaces it with the sentence saying why."""

    formulas_in: str = ""
    chart: GroupChart | None = None
    recap: bool = False
    alone: bool = False
    member_chart: MemberChart | None = None  # ``/study me``: the member's own sessions


@dataclass(frozen=True, kw_only=True)
class Reply:
    """What the bot answers to a command or a click. Ephemeral replies are seen only by the
    member who acted (Slack ephemeral message, Discord ephemeral interaction response)."""

    message: Message
    ephemeral: bool = True
    to_draw: ToDraw | None = None


def say(text: str, *, ephemeral: bool = True) -> Reply:
    """A one-paragraph reply."""
    return Reply(message=Message(text=text, blocks=(Paragraph(text),)), ephemeral=ephemeral)
