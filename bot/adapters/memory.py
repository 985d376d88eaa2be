"""An in-memory chat platform for tests: push events as any member, pop what the bot said.

``MemoryAdapter`` implements the Adapter protocol by recording every post; ``MemoryChat`` plays
members (join, commands, thread replies, reactions, clicks) and keeps ephemeral replies apart
from what the channel sees, like a real platform.
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from bot.core.bot import StudyBot
from bot.core.models import (
    ActionEvent,
    CommandEvent,
    Incoming,
    MembershipEvent,
    Message,
    Person,
    Place,
    ReactionEvent,
    Reply,
    ThreadMessageEvent,
)
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
        return self.message.text


class MemoryAdapter:
    platform = "memory"

    def __init__(self, *, clock: Clock | None = None) -> None:
        self.said: list[Said] = []
        self.clock = clock
        self._refs = itertools.count(1)

    def record(self, said: Said) -> None:
        self.said.append(replace(said, at=self.clock.now()) if self.clock else said)

    def _ref(self) -> str:
        return f"m{next(self._refs)}"

    async def post(self, place: Place, message: Message, *, key: str | None = None) -> str:
        ref = self._ref()
        self.record(Said("post", ref, message, place.channel, key=key))
        return ref

    async def open_thread(
        self, place: Place, parent_ref: str, message: Message, *, key: str | None = None
    ) -> str:
        # Like Slack: a thread is named by its parent; each discussion question starts one.
        ref = self._ref()
        self.record(Said("thread", ref, message, place.channel, thread=parent_ref, key=key))
        return ref

    async def reply(self, place: Place, thread_ref: str, message: Message) -> str:
        ref = self._ref()
        self.record(Said("reply", ref, message, place.channel, thread=thread_ref))
        return ref

    async def direct_message(
        self, user_id: str, message: Message, *, key: str | None = None
    ) -> str:
        ref = self._ref()
        self.record(Said("dm", ref, message, to=user_id, key=key))
        return ref

    async def update(self, place: Place, message_ref: str, message: Message) -> None:
        self.record(Said("update", message_ref, message, place.channel))

    async def find_post(self, place: Place, key: str) -> str | None:
        return next((s.ref for s in self.said if s.key == key), None)

    async def start(self, bot: BotPort) -> None:
        pass  # MemoryChat pushes events itself

    async def stop(self) -> None:
        pass


@dataclass
class MemoryChat:
    """A channel with people in it, driving a StudyBot through a MemoryAdapter."""

    bot: StudyBot
    adapter: MemoryAdapter
    channel: str = "study-group"
    workspace: str = "local"
    admins: set[str] = field(default_factory=set)
    _events: itertools.count = field(default_factory=lambda: itertools.count(1))
    _seen: int = 0
    inbox: deque[Said] = field(default_factory=deque)

    def place(self, thread: str | None = None) -> Place:
        return Place(
            platform=self.adapter.platform,
            workspace=self.workspace,
            channel=self.channel,
            thread=thread,
        )

    def person(self, name: str) -> Person:
        return Person(user_id=f"U-{name}", name=name, is_admin=name in self.admins)

    async def _send(self, event: Incoming) -> Reply | None:
        reply = await self.bot.handle(event)
        if reply is not None:
            kind = "ephemeral" if reply.ephemeral else "post"
            self.adapter.record(
                Said(kind, f"r{event.event_id}", reply.message, self.channel, to=event.who.user_id)
            )
        return reply

    def _id(self, event_id: str | None) -> str:
        return event_id or f"e{next(self._events)}"

    async def command(
        self, text: str, *, by: str, thread: str | None = None, event_id: str | None = None
    ) -> Reply | None:
        return await self._send(
            CommandEvent(
                who=self.person(by),
                where=self.place(thread),
                event_id=self._id(event_id),
                text=text,
            )
        )

    async def reply_in_thread(
        self, thread: str, text: str, *, by: str, event_id: str | None = None
    ) -> Reply | None:
        event_id = self._id(event_id)
        return await self._send(
            ThreadMessageEvent(
                who=self.person(by),
                where=self.place(thread),
                event_id=event_id,
                text=text,
                message_ref=f"msg-{event_id}",
            )
        )

    async def react(
        self, message_ref: str, emoji: str, *, by: str, event_id: str | None = None
    ) -> Reply | None:
        return await self._send(
            ReactionEvent(
                who=self.person(by),
                where=self.place(),
                event_id=self._id(event_id),
                emoji=emoji,
                message_ref=message_ref,
            )
        )

    async def click(
        self, action: str, value: str, *, by: str, event_id: str | None = None
    ) -> Reply | None:
        return await self._send(
            ActionEvent(
                who=self.person(by),
                where=self.place(),
                event_id=self._id(event_id),
                action=action,
                value=value,
            )
        )

    async def join(self, name: str, *, event_id: str | None = None) -> Reply | None:
        return await self._send(
            MembershipEvent(
                who=self.person(name), where=self.place(), event_id=self._id(event_id), joined=True
            )
        )

    async def leave(self, name: str, *, event_id: str | None = None) -> Reply | None:
        return await self._send(
            MembershipEvent(
                who=self.person(name), where=self.place(), event_id=self._id(event_id), joined=False
            )
        )

    def pop_all(self) -> list[Said]:
        """Everything said since the last pop, oldest first."""
        new = self.adapter.said[self._seen :]
        self._seen = len(self.adapter.said)
        return new

    def channel_posts(self, kind: str = "post") -> list[Said]:
        return [
            s
            for s in self.adapter.said
            if s.kind == kind and s.channel == self.channel and s.to is None
        ]
