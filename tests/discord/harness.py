"""The Discord server the tests play in, and studybot running against it in this process.

``World``: the stand-in with a text channel, a forum channel, a channel with no group and the
people of tests/scenario.py (ada may manage the server; mallory is nobody special).
``InProcessBot``: the real ``DiscordAdapter`` and ``StudyBot`` (``bot.runtime.lifespan.running``) on a fake
clock that the test moves from one due post to the next, ticking as the ticker would.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import discord
from sqlalchemy import func, select

from bot.adapters.discord import access
from bot.adapters.discord.adapter import DiscordAdapter
from bot.adapters.discord.guard import RequestBudget
from bot.adapters.discord.settings import settings_from_env
from bot.core.clock import FakeClock
from bot.core.models import Incoming, Reply, say
from bot.core.ports import EventHandler
from bot.runtime.lifespan import App, running
from bot.runtime.settings import Settings
from bot.store.models import Delivery

from ..bot_port import HandlerOnly
from ..conftest import CONTENT
from ..scenario import MEMBERS
from ..standins.discord_guild import FORUM, Channel, Guild, Person
from ..standins.discord_server import Answer, DiscordStandIn

START = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)  # a Thursday; the first Monday is 5 October


@dataclass
class World:
    """The Discord stand-in with its channels and the scenario's people, looked up by name."""

    server: DiscordStandIn
    text: Channel
    forum: Channel
    lobby: Channel  # a channel where no group lives
    people: dict[str, Person] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Person:
        return self.people[name]

    @property
    def guild(self) -> Guild:
        return self.server.guild

    async def members_post(self, name: str = "Start here", *, by: str = "ada") -> Channel:
        """A forum post a member opened (where forum members type their commands)."""
        post = self.guild.thread(parent=self.forum, name=name, owner=self[by].id)
        await self.server.dispatch(
            "THREAD_CREATE", {**post.payload(self.guild.id), "newly_created": True}
        )
        return post


@asynccontextmanager
async def discord_world(
    *, bot_permissions: discord.Permissions | None = None, privileged_intents: bool = True
) -> AsyncIterator[World]:
    server = DiscordStandIn(
        bot_permissions=bot_permissions if bot_permissions is not None else access.permissions(),
        privileged_intents=privileged_intents,
    )
    world = World(
        server=server,
        text=server.guild.channel("study-group"),
        forum=server.guild.channel("study-forum", kind=FORUM),
        lobby=server.guild.channel("random"),
    )
    for name in MEMBERS:
        world.people[name] = server.guild.person(name, admin=name == "ada")
    world.people["mallory"] = server.guild.person("mallory")
    await server.start()
    try:
        yield world
    finally:
        await server.close()


@dataclass
class InProcessBot:
    """studybot on Discord in the test's process: the app, its adapter and the fake clock."""

    app: App
    adapter: DiscordAdapter
    clock: FakeClock
    schedules: Path
    database: Path

    async def tick_until(self, end: datetime) -> None:
        """Let simulated time pass until ``end``: each due post is sent at its due time."""
        while True:
            async with self.app.bot.sessionmaker() as db:
                due = await db.scalar(
                    select(func.min(Delivery.due_at)).where(Delivery.status == "pending")
                )
            if due is None or due > end:
                self.clock.set(max(end, self.clock.now()))
                return
            self.clock.set(max(due, self.clock.now()))
            report = await self.app.deliverer.tick()
            if not (report.sent or report.missed or report.failed):
                return

    async def tick_until_true(self, condition: Callable[[], Any], what: str) -> Any:
        """Move the clock one due post at a time until ``condition()`` holds; its value."""
        for _ in range(200):
            if found := condition():
                return found
            async with self.app.bot.sessionmaker() as db:
                due = await db.scalar(
                    select(func.min(Delivery.due_at)).where(Delivery.status == "pending")
                )
            if due is None:
                break
            self.clock.set(max(due, self.clock.now()))
            await self.app.deliverer.tick()
        if found := condition():
            return found
        raise AssertionError(f"never happened: {what}")


@asynccontextmanager
async def bot_in_process(
    world: World,
    tmp_path: Path,
    *,
    respond_within: float = 2.0,
    budget: RequestBudget | None = None,
    env: dict[str, str] | None = None,
) -> AsyncIterator[InProcessBot]:
    settings = settings_from_env({**world.server.env(), **(env or {})})
    assert settings is not None
    adapter = DiscordAdapter(
        settings=settings,
        respond_within=respond_within,
        budget=budget,
        ready_timeout=20,
        guild_ready_timeout=0.05,  # the stand-in has one server, sent at once
    )
    clock = FakeClock(START)
    world.server.now = clock.now  # events must start after the bot's now, as Discord checks
    schedules = tmp_path / "schedules"
    schedules.mkdir(exist_ok=True)
    database = tmp_path / "discord.db"
    where = Settings(
        home=tmp_path, content=CONTENT, schedules=schedules, database_url=f"sqlite:///{database}"
    )
    async with running(settings=where, adapters=[adapter], clock=clock, tick_seconds=None) as app:
        await world.server.wait_ready()
        yield InProcessBot(app, adapter, clock, schedules, database)


@dataclass
class Recorder:
    """An event handler that records what the adapter hands the core and answers "ok"."""

    events: list[Incoming] = field(default_factory=list)
    reply: Reply | None = field(default_factory=lambda: say("ok"))
    gate: asyncio.Event | None = None  # when set, each answer waits for it: a slow core

    async def __call__(self, event: Incoming) -> Reply | None:
        self.events.append(event)
        if self.gate is not None:
            await self.gate.wait()
        return self.reply


@asynccontextmanager
async def adapter_only(
    world: World, handle: EventHandler, *, env: dict[str, str] | None = None, **options: Any
) -> AsyncIterator[DiscordAdapter]:
    """The adapter alone, connected to the stand-in, handing events to ``handle``."""
    settings = settings_from_env({**world.server.env(), **(env or {})})
    assert settings is not None
    adapter = DiscordAdapter(
        settings=settings, ready_timeout=20, guild_ready_timeout=0.05, **options
    )
    await adapter.start(HandlerOnly(handle))
    try:
        await world.server.wait_ready()
        yield adapter
    finally:
        await adapter.stop()


def custom_ids(message: dict[str, Any]) -> list[str]:
    return [
        button["custom_id"]
        for row in message.get("components") or []
        for button in row.get("components") or []
        if "custom_id" in button
    ]


def rows(database: Path, query: str, *args: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(database) as db:
        return db.execute(query, args).fetchall()


def private(answer: Answer, *phrases: str) -> None:
    assert answer.ephemeral, answer.text
    for phrase in phrases:
        assert phrase in answer.text, answer.text


async def started(world: World, studybot: InProcessBot) -> dict[str, Any]:
    """ada starts MML in the text channel, grace and mallory join, the kickoff is posted."""
    server = world.server
    for name in ("ada", "grace", "mallory"):
        await server.command(world[name], world.text, "join")
    answer = await server.command(world["ada"], world.text, "start", syllabus="mml", tz="UTC")
    assert not answer.ephemeral and "Starting" in answer.text
    return await studybot.tick_until_true(
        lambda: next((m for m in server.bot_messages(world.text.id) if custom_ids(m)), None),
        "the kickoff",
    )
