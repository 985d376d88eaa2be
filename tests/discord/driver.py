"""The shared scenario (tests/scenario.py) played by members of the Discord stand-in.

In a text channel members type commands in the channel, press the kickoff's buttons, answer in
the question's thread and put ✅ on the question's post. In a forum channel they type commands
in a post of their own ("Start here"), and the kickoff, the question and the summary are forum
posts of the bot.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..scenario import LEAD, write_schedule
from ..standins.discord_guild import FORUM, Channel
from ..standins.discord_server import DiscordStandIn, message_text
from .harness import World, custom_ids

Until = Callable[[Callable[[], Any], str], Awaitable[Any]]


def title(message: dict[str, Any]) -> str:
    embeds = message.get("embeds") or []
    return (embeds[0].get("title") or "") if embeds else ""


def answers_stored(database: Path) -> int:
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10) as db:
            return int(db.execute("SELECT count(*) FROM answers").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


@dataclass
class DiscordDriver:
    """The scenario's ``Driver`` on Discord: members of the stand-in play each step."""

    world: World
    group: Channel  # the text or forum channel the group lives in
    schedules: Path
    database: Path
    now: Callable[[], datetime]  # simulated time, as the bot sees it
    let_time_pass: Until  # wait while scheduled time passes (kickoff, summary)
    kickoff: tuple[Channel, dict[str, Any]] | None = None
    question: tuple[Channel, dict[str, Any], Channel] | None = None  # where, post, thread
    summary: dict[str, str] = field(default_factory=dict)
    summary_message: dict[str, Any] | None = None  # the weekly summary, as first seen
    _room: Channel | None = None

    @property
    def server(self) -> DiscordStandIn:
        return self.world.server

    @property
    def forum(self) -> bool:
        return self.group.type == FORUM

    async def room(self) -> Channel:
        """Where members type commands: the channel, or a forum post of their own."""
        if self._room is None:
            self._room = await self.world.members_post() if self.forum else self.group
        return self._room

    def posts(self) -> list[tuple[Channel, dict[str, Any]]]:
        """The bot's posts in the group: (where to click, message), oldest first."""
        guild = self.server.guild
        if not self.forum:
            return [(self.group, m) for m in self.server.bot_messages(self.group.id)]
        found = []
        for post in self.server.threads_of(self.group.id):
            first = guild.message(post.id, post.id)
            if post.owner_id == guild.bot.id and first is not None:
                found.append((post, first))
        return found

    async def wait(self, condition: Callable[[], Any], what: str) -> Any:
        return await self.server.wait_for(condition, what)

    # --- the steps ------------------------------------------------------------------------------

    async def join(self, member: str) -> None:
        answer = await self.server.command(self.world[member], await self.room(), "join")
        assert answer.ephemeral and "Welcome" in answer.text, answer.text

    async def start(self, organizer: str, schedule: str) -> None:
        write_schedule(self.schedules, schedule, first_meeting=self.now() + LEAD)
        answer = await self.server.command(
            self.world[organizer], await self.room(), "plan", schedule=schedule
        )
        if answer.type == 5:  # a slow machine: the public answer follows the deferral
            await self.wait(lambda: answer.followups, "the public answer")
        assert not answer.ephemeral and "Starting" in answer.text, answer.text

    def _kickoff(self) -> tuple[Channel, dict[str, Any]] | None:
        for where, message in self.posts():
            if any(":checkin:" in custom for custom in custom_ids(message)):
                return where, message
        return None

    async def await_kickoff(self) -> None:
        self.kickoff = await self.let_time_pass(self._kickoff, "the kickoff")

    async def check_in(self, member: str, status: str) -> None:
        assert self.kickoff is not None
        where, kickoff = self.kickoff
        button = next(c for c in custom_ids(kickoff) if c.endswith(f":{status}"))
        answer = await self.server.click(self.world[member], where, kickoff, button)
        assert answer.ephemeral and "Checked in" in answer.text, answer.text

    def _question(self) -> tuple[Channel, dict[str, Any], Channel] | None:
        guild = self.server.guild
        for where, message in reversed(self.posts()):
            name = where.name if self.forum else title(message)
            thread = guild.channels.get(message["id"])
            if name.startswith("Question") and thread is not None:
                return where, message, thread
        return None

    async def ask(self, member: str, text: str) -> None:
        assert self.kickoff is not None
        where, kickoff = self.kickoff
        person = self.world[member]
        button = next(c for c in custom_ids(kickoff) if ":ask:" in c)
        form = await self.server.click(person, where, kickoff, button)
        assert form.type == 9, form.callbacks  # the form opens
        answer = await self.server.submit(person, where, form.data["custom_id"], {"question": text})
        assert answer.ephemeral and "posted as Question" in answer.text, answer.text
        self.question = await self.wait(self._question, "the question's post and thread")

    async def answer(self, member: str, text: str) -> None:
        assert self.question is not None
        before = answers_stored(self.database)
        await self.server.say(self.world[member], self.question[2], text)
        await self.wait(lambda: answers_stored(self.database) > before, "the answer to be stored")

    async def resolve(self, member: str) -> None:
        assert self.question is not None
        where, post, thread = self.question
        await self.server.react(self.world[member], where, post["id"])

        def resolved() -> bool:
            edited = self.server.guild.message(where.id, post["id"]) or {}
            notes = [
                m for m in self.server.bot_messages(thread.id) if "Resolved by" in message_text(m)
            ]
            return "resolved" in title(edited) and bool(notes)

        await self.wait(resolved, "the question to show as resolved")

    def _summary(self) -> dict[str, Any] | None:
        for _, message in self.posts():
            if title(message).startswith("Weekly summary"):
                return message
        return None

    async def await_summary(self) -> None:
        message = await self.let_time_pass(self._summary, "the weekly summary")
        fields = message["embeds"][0].get("fields") or []
        self.summary = {f["name"]: f["value"] for f in fields}
        self.summary_message = message

    # --- what the posts show ----------------------------------------------------------------------

    async def question_pictures(self) -> list[bytes]:
        """The PNGs attached to the question's post as it stands now (after its edits)."""
        assert self.question is not None
        where, post, _ = self.question
        stored = self.server.guild_of(where.id).message(where.id, post["id"])
        assert stored is not None, "the question's post is gone"
        return self.server.pictures_of(stored)

    async def summary_pictures(self) -> list[bytes]:
        """The PNGs attached to the weekly summary as it stands now."""
        assert self.summary_message is not None
        stored = self.server.guild.find_message(self.summary_message["id"])
        assert stored is not None, "the weekly summary is gone"
        return self.server.pictures_of(stored)
