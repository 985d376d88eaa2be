"""A local chat channel played by typed names: the one driver behind the tests' in-memory chat,
``studybot console`` and ``studybot demo``.

``Chat`` turns what a member does (a command, a thread reply, a reaction, a click, joining)
into the core's events, hands them to the bot, and lets its ``ChatScreen`` show the member's
action and the bot's answer: ``MemoryAdapter`` records them, ``ConsoleAdapter`` prints them.
"""

from __future__ import annotations

import itertools
from typing import Protocol

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
from bot.core.ports import BotPort


class ChatScreen(Protocol):
    """Where a local chat shows what happens; also who a typed name is."""

    platform: str

    def person(self, name: str) -> Person:
        """The member a typed name stands for."""
        ...

    def show_reply(self, reply: Reply, *, event: Incoming, channel: str) -> None:
        """The bot's answer to ``event`` (only its author sees an ephemeral one)."""
        ...

    def show_command(self, name: str, text: str) -> None:
        """A command as the member typed it (the demo and piped input show them)."""
        ...

    def show_member_message(self, name: str, thread: str, text: str, *, event_id: str) -> str:
        """A member's message in a thread; returns its ref (reactions need one)."""
        ...

    def show_reaction(self, name: str, ref: str, emoji: str) -> None:
        """A member reacted to a message."""
        ...

    def show_membership(self, name: str, *, joined: bool, channel: str) -> None:
        """A member joined or left the channel."""
        ...


class Chat:
    """One channel with members typed by name, driving a bot through a ``ChatScreen``."""

    def __init__(
        self,
        *,
        bot: BotPort,
        screen: ChatScreen,
        channel: str = "study-group",
        workspace: str = "local",
        event_prefix: str = "e",
        echo_commands: bool = False,
    ) -> None:
        self.bot = bot
        self.screen = screen
        self.channel = channel
        self.workspace = workspace
        # Event ids must be new for the database's whole life: it remembers handled ids.
        self.event_prefix = event_prefix
        self.echo_commands = echo_commands  # off when the person typed the command themselves
        self._events = itertools.count(1)

    def place(self, thread: str | None = None) -> Place:
        """The channel, or a thread in it."""
        return Place(
            platform=self.screen.platform,
            workspace=self.workspace,
            channel=self.channel,
            thread=thread,
        )

    def person(self, name: str) -> Person:
        """The member a typed name stands for."""
        return self.screen.person(name)

    def _id(self, given: str | None) -> str:
        return given or f"{self.event_prefix}{next(self._events)}"

    async def _send(self, event: Incoming) -> Reply | None:
        reply = await self.bot.handle(event)
        if reply is not None:
            self.screen.show_reply(reply, event=event, channel=self.channel)
        return reply

    async def command(
        self, text: str, *, by: str, thread: str | None = None, event_id: str | None = None
    ) -> Reply | None:
        """``text`` is what followed ``/study``."""
        if self.echo_commands:
            where = f" (in thread {thread})" if thread else ""
            self.screen.show_command(by, f"/study {text}".rstrip() + where)
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
        """A message in a thread (an answer, when the thread is a question's)."""
        event_id = self._id(event_id)
        ref = self.screen.show_member_message(by, thread, text, event_id=event_id)
        return await self._send(
            ThreadMessageEvent(
                who=self.person(by),
                where=self.place(thread),
                event_id=event_id,
                text=text,
                message_ref=ref,
            )
        )

    async def react(
        self,
        message_ref: str,
        emoji: str,
        *,
        by: str,
        event_id: str | None = None,
        thread: str | None = None,
    ) -> Reply | None:
        """A reaction on a message (``thread``: the thread it is a reply in, as platforms say)."""
        self.screen.show_reaction(by, message_ref, emoji)
        return await self._send(
            ReactionEvent(
                who=self.person(by),
                where=self.place(),
                event_id=self._id(event_id),
                emoji=emoji,
                message_ref=thread or message_ref,
                reply_ref=message_ref if thread else None,
            )
        )

    async def click(
        self, action: str, value: str, *, by: str, event_id: str | None = None
    ) -> Reply | None:
        """A button press (or a submitted form: ``value`` is what was written)."""
        if self.echo_commands:
            self.screen.show_command(by, f"click {action} {value}".rstrip())
        return await self._send(
            ActionEvent(
                who=self.person(by),
                where=self.place(),
                event_id=self._id(event_id),
                action=action,
                value=value,
            )
        )

    async def membership(
        self, name: str, *, joined: bool, event_id: str | None = None
    ) -> Reply | None:
        """``name`` joins or leaves the channel."""
        self.screen.show_membership(name, joined=joined, channel=self.channel)
        return await self._send(
            MembershipEvent(
                who=self.person(name),
                where=self.place(),
                event_id=self._id(event_id),
                joined=joined,
            )
        )

    async def join(self, name: str, *, event_id: str | None = None) -> Reply | None:
        """``name`` joins the channel."""
        return await self.membership(name, joined=True, event_id=event_id)

    async def leave(self, name: str, *, event_id: str | None = None) -> Reply | None:
        """``name`` leaves the channel."""
        return await self.membership(name, joined=False, event_id=event_id)
