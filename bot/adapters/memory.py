"""An in-memory chat platform for tests: push events as any member, pop what the bot said.

``MemoryAdapter`` implements the Adapter protocol by recording every post; ``MemoryChat`` (the
shared ``Chat`` driver on it) plays members and keeps ephemeral replies apart from what the
channel sees, like a real platform.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from bot.adapters.chat import Chat
from bot.core import moments
from bot.core.models import Incoming, Message, Person, Place, Reply
from bot.core.ports import BotPort, Clock


@dataclass(frozen=True)
class Said:
    """One thing the bot did on the platform."""

    kind: Literal["post", "thread", "reply", "dm", "update", "ephemeral"]
    ref: str
    message: Message
    channel: str = ""
    thread: str | None = None  # the thread a reply or thread-start belongs to
    to: str | None = None  # the user a DM or ephemeral reply went to
    key: str | None = None
    at: datetime | None = None  # when, by the bot's clock

    @property
    def text(self) -> str:
        """The plain text of what was said, moments in the group's zone."""
        return moments.as_written(self.message.text)


class MemoryAdapter:
    """The ``memory`` platform: every post, thread, reply, DM and edit is kept in ``said``."""

    platform = "memory"
    channel_rate: float | None = None  # nothing limits a local chat
    workspace_rate: float | None = None
    connected = True  # a local chat: nothing to connect to

    def __init__(self, *, clock: Clock | None = None) -> None:
        self.said: list[Said] = []
        self.clock = clock
        self.admins: set[str] = set()  # names the platform calls admins
        # The zone of each member's profile, as Slack tells it; "" for a platform that does
        # not (Discord). Unlisted members are in UTC.
        self.zones: dict[str, str] = {}
        self._refs = itertools.count(1)

    def record(self, said: Said) -> None:
        """Keep ``said``, stamped with the clock's time when there is a clock."""
        self.said.append(replace(said, at=self.clock.now()) if self.clock else said)

    def _ref(self) -> str:
        return f"m{next(self._refs)}"

    async def post(self, place: Place, message: Message, *, key: str | None = None) -> str:
        """Record a channel post."""
        ref = self._ref()
        self.record(Said("post", ref, message, place.channel, key=key))
        return ref

    async def open_thread(
        self, place: Place, parent_ref: str, message: Message, *, key: str | None = None
    ) -> str:
        # Like Slack: a thread is named by its parent; each discussion question starts one.
        """Record a thread's first message under ``parent_ref``."""
        ref = self._ref()
        self.record(Said("thread", ref, message, place.channel, thread=parent_ref, key=key))
        return ref

    async def reply(self, place: Place, thread_ref: str, message: Message) -> str:
        """Record a message in a thread."""
        ref = self._ref()
        self.record(Said("reply", ref, message, place.channel, thread=thread_ref))
        return ref

    async def direct_message(
        self, user_id: str, message: Message, *, key: str | None = None
    ) -> str:
        """Record a direct message."""
        ref = self._ref()
        self.record(Said("dm", ref, message, to=user_id, key=key))
        return ref

    async def update(self, place: Place, message_ref: str, message: Message) -> None:
        """Record an edit of a post."""
        self.record(Said("update", message_ref, message, place.channel))

    def link_to(self, place: Place, ref: str) -> str | None:
        """A made-up address, enough to see which post a link names."""
        return f"https://chat.example/{place.channel}/{ref}"

    async def find_post(self, place: Place, key: str) -> str | None:
        """The ref of the post recorded with ``key``."""
        return next((s.ref for s in self.said if s.key == key), None)

    async def start(self, bot: BotPort) -> None:
        """Nothing to connect: ``MemoryChat`` pushes events itself."""

    async def stop(self) -> None:
        """Nothing to release."""

    # --- the ChatScreen protocol: members are played by ``MemoryChat`` --------------------------

    def person(self, name: str) -> Person:
        """``ada`` is the user ``U-ada``."""
        zone = self.zones.get(name, "UTC")
        return Person(user_id=f"U-{name}", name=name, is_admin=name in self.admins, timezone=zone)

    def show_reply(self, reply: Reply, *, event: Incoming, channel: str) -> None:
        """Recorded as ``ephemeral`` (to the member) or as a channel ``post``."""
        kind = "ephemeral" if reply.ephemeral else "post"
        self.record(Said(kind, f"r{event.event_id}", reply.message, channel, to=event.who.user_id))

    def show_command(self, name: str, text: str) -> None:
        """Not recorded: tests know what they typed."""

    def show_member_message(self, name: str, thread: str, text: str, *, event_id: str) -> str:
        """A member's message is named after its event."""
        return f"msg-{event_id}"

    def show_reaction(self, name: str, ref: str, emoji: str) -> None:
        """Not recorded."""

    def show_membership(self, name: str, *, joined: bool, channel: str) -> None:
        """Not recorded."""


class MemoryChat(Chat):
    """The chat the core tests drive: a ``Chat`` on a ``MemoryAdapter``, plus what they read."""

    def __init__(self, *, bot: BotPort, adapter: MemoryAdapter, **options: str) -> None:
        super().__init__(bot=bot, screen=adapter, **options)
        self.adapter = adapter
        self._seen = 0

    @property
    def admins(self) -> set[str]:
        """Names the platform calls admins (they count as organizers)."""
        return self.adapter.admins

    def pop_all(self) -> list[Said]:
        """Everything said since the last pop, oldest first."""
        new = self.adapter.said[self._seen :]
        self._seen = len(self.adapter.said)
        return new

    def channel_posts(self, kind: str = "post") -> list[Said]:
        """What the whole channel saw, of one kind."""
        return [
            s
            for s in self.adapter.said
            if s.kind == kind and s.channel == self.channel and s.to is None
        ]
