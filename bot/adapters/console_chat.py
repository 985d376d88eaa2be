"""Members in the console's channel: ``ConsoleChat`` plays them, like ``MemoryChat`` does for
tests (bot/adapters/memory.py), and prints what they do the way the channel would show it."""

from __future__ import annotations

import itertools
import uuid

from bot.adapters.console import ConsoleAdapter
from bot.core.bot import StudyBot
from bot.core.models import (
    ActionEvent,
    CommandEvent,
    Incoming,
    MembershipEvent,
    Person,
    Place,
    ReactionEvent,
    Reply,
    ThreadMessageEvent,
)


def user_id_of(name: str) -> str:
    """Console members are known by name; ``Alice`` and ``alice`` are the same person."""
    return name.strip().casefold()


class ConsoleChat:
    """The channel ``#study-group`` in the workspace ``local``, with members typed by name."""

    def __init__(
        self,
        *,
        bot: StudyBot,
        adapter: ConsoleAdapter,
        channel: str = "study-group",
        workspace: str = "local",
        echo_commands: bool = False,
        first_person: bool = True,
    ) -> None:
        self.bot = bot
        self.adapter = adapter
        self.channel = channel
        self.workspace = workspace
        self.echo_commands = echo_commands  # off when the person typed the command themselves
        self.first_person = first_person  # "(only you see this)" vs "(only Ben sees this)"
        # Event ids must be new across restarts too: the database remembers handled ids.
        self._run_id = uuid.uuid4().hex[:12]
        self._events = itertools.count(1)

    def place(self, thread: str | None = None) -> Place:
        return Place(
            platform=self.adapter.platform,
            workspace=self.workspace,
            channel=self.channel,
            thread=thread,
        )

    def person(self, name: str) -> Person:
        user_id = user_id_of(name)
        self.adapter.names[user_id] = name
        return Person(user_id=user_id, name=name)

    def _event_id(self) -> str:
        return f"console-{self._run_id}-{next(self._events)}"

    async def _send(self, event: Incoming) -> Reply | None:
        reply = await self.bot.handle(event)
        if reply is not None:
            audience = (
                "only you see this" if self.first_person else f"only {event.who.name} sees this"
            )
            self.adapter.show_reply(
                reply, to=event.who.user_id, audience=audience, channel=self.channel
            )
        return reply

    async def command(self, text: str, *, by: str, thread: str | None = None) -> Reply | None:
        """``text`` is what followed ``/study``."""
        if self.echo_commands:
            where = f" (in thread {thread})" if thread else ""
            self.adapter.show_command(by, f"/study {text}".rstrip() + where)
        return await self._send(
            CommandEvent(
                who=self.person(by), where=self.place(thread), event_id=self._event_id(), text=text
            )
        )

    async def reply_in_thread(self, thread: str, text: str, *, by: str) -> Reply | None:
        ref = self.adapter.show_member_message(by, thread, text)
        return await self._send(
            ThreadMessageEvent(
                who=self.person(by),
                where=self.place(thread),
                event_id=self._event_id(),
                text=text,
                message_ref=ref,
            )
        )

    async def react(self, ref: str, emoji: str, *, by: str) -> Reply | None:
        self.adapter.show_reaction(by, ref, emoji)
        return await self._send(
            ReactionEvent(
                who=self.person(by),
                where=self.place(),
                event_id=self._event_id(),
                emoji=emoji,
                message_ref=ref,
            )
        )

    async def click(self, action: str, value: str, *, by: str) -> Reply | None:
        if self.echo_commands:
            self.adapter.show_command(by, f"click {action} {value}".rstrip())
        return await self._send(
            ActionEvent(
                who=self.person(by),
                where=self.place(),
                event_id=self._event_id(),
                action=action,
                value=value,
            )
        )

    async def membership(self, name: str, *, joined: bool) -> Reply | None:
        self.adapter.show_membership(name, joined=joined, channel=self.channel)
        return await self._send(
            MembershipEvent(
                who=self.person(name), where=self.place(), event_id=self._event_id(), joined=joined
            )
        )
