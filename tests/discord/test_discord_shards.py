"""Discord shards across processes: ``DISCORD_SHARD_COUNT`` and ``DISCORD_SHARD_IDS``.

Each process holds the gateway connections of its shards, so it hears (and answers) only the
servers on them; the ledger is shared, so any process may send any server's scheduled posts.
The stand-in routes a server's events by Discord's formula, ``(guild_id >> 22) % count``.
"""

from __future__ import annotations

import asyncio
import base64
import re
import shutil
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.adapters.discord.render import marker
from bot.adapters.discord.responder import POSTED
from bot.adapters.discord.settings import Shards, settings_from_env
from bot.adapters.registry import PlatformConfigError
from bot.core.delivery import delivery_key
from bot.core.models import CommandEvent, Message, Paragraph, Place
from bot.store.models import Delivery, Group, Meeting, Run

from ..scenario import simulated_now, write_schedule
from ..standins.discord_guild import Channel, Person
from ..standins.discord_server import shard_of
from .driver import title
from .harness import Recorder, World, adapter_only
from .process import log_of, start, stop

TOKEN = base64.urlsafe_b64encode(b"123456789012345678").decode().rstrip("=") + ".Gabc12.xyz"

FAST = 2000  # simulated seconds per real second
LEAD = timedelta(hours=1)  # from writing a schedule to its first meeting: 1.8 s of real time
NOTE = Message(text="A note.", blocks=(Paragraph("A note."),))


def footer(message: dict[str, Any]) -> str:
    embeds = message.get("embeds") or [{}]
    return str((embeds[0].get("footer") or {}).get("text") or "")


def shards(**env: str) -> Shards | None:
    settings = settings_from_env({"DISCORD_BOT_TOKEN": TOKEN, **env})
    assert settings is not None
    return settings.shards


def test_without_a_shard_count_one_connection_serves_every_server() -> None:
    assert shards() is None
    assert shards(DISCORD_SHARD_COUNT=" ", DISCORD_SHARD_IDS="") is None


def test_the_shard_count_alone_holds_every_shard_and_ids_pick_some() -> None:
    assert shards(DISCORD_SHARD_COUNT="2") == Shards(count=2, ids=None)
    assert shards(DISCORD_SHARD_COUNT="4", DISCORD_SHARD_IDS=" 3, 1 ") == Shards(
        count=4, ids=(3, 1)
    )


@pytest.mark.parametrize(
    ("env", "says"),
    [
        (
            {"DISCORD_SHARD_IDS": "0"},
            "DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT as well: set DISCORD_SHARD_COUNT to the "
            "number of shards all your studybot processes share (the same in each), for example "
            "DISCORD_SHARD_COUNT=2.",
        ),
        (
            {"DISCORD_SHARD_COUNT": "two"},
            "DISCORD_SHARD_COUNT must be a whole number of shards, 1 or more, such as 2, "
            "not 'two'.",
        ),
        (
            {"DISCORD_SHARD_COUNT": "0"},
            "DISCORD_SHARD_COUNT must be a whole number of shards, 1 or more, such as 2, not '0'.",
        ),
        (
            {"DISCORD_SHARD_COUNT": "-2"},
            "DISCORD_SHARD_COUNT must be a whole number of shards, 1 or more, such as 2, not '-2'.",
        ),
        (
            {"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "0;1"},
            "DISCORD_SHARD_IDS must be shard numbers separated by commas, such as 0,1, not '0;1'.",
        ),
        (
            {"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "0,,1"},
            "DISCORD_SHARD_IDS must be shard numbers separated by commas, such as 0,1, not '0,,1'.",
        ),
        (
            {"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "1,2"},
            "DISCORD_SHARD_IDS names shard 2, but with DISCORD_SHARD_COUNT=2 the shards are "
            "0 to 1. Name shards below 2, or raise DISCORD_SHARD_COUNT in every process.",
        ),
        (
            {"DISCORD_SHARD_COUNT": "1", "DISCORD_SHARD_IDS": "1"},
            "DISCORD_SHARD_IDS names shard 1, but with DISCORD_SHARD_COUNT=1 there is only "
            "shard 0. Name shards below 1, or raise DISCORD_SHARD_COUNT in every process.",
        ),
        (
            {"DISCORD_SHARD_COUNT": "3", "DISCORD_SHARD_IDS": "0,2,0"},
            "DISCORD_SHARD_IDS names shard 0 twice; name each shard once, such as 0,2.",
        ),
    ],
)
def test_each_shard_setting_mistake_says_what_to_type_instead(
    env: dict[str, str], says: str
) -> None:
    with pytest.raises(PlatformConfigError, match=f"^{re.escape(says)}$"):
        shards(**env)


async def test_one_process_may_hold_every_shard_and_hears_every_server(world: World) -> None:
    """``DISCORD_SHARD_COUNT=2`` alone: discord.py opens both shards' connections, and each
    server's command arrives over its own shard's."""
    server, first = world.server, world.guild
    other = server.add_guild(shard=1 - shard_of(first.id, 2), of=2)
    other_room = other.channel("study-group")
    server.recommended_shards = 3
    recorder = Recorder()
    env = {"DISCORD_SHARD_COUNT": "2", "DISCORD_GUILD_ID": ""}  # commands synced globally
    async with adapter_only(world, recorder, env=env) as adapter:
        await server.wait_for(lambda: server.shards_connected == [0, 1], "both shards")
        await server.command(world["ada"], world.text, "join")
        await server.command(other.person("grace"), other_room, "join")
        count, url, _ = await adapter.client.http.get_bot_gateway()

    assert sorted(identity["shard"] for identity in server.identities) == [[0, 2], [1, 2]]
    assert [(e.where.workspace, e.who.name) for e in recorder.events] == [
        (first.id, "ada"),
        (other.id, "grace"),
    ]
    assert all(isinstance(e, CommandEvent) for e in recorder.events)
    routed = {(shard, guild) for shard, name, guild in server.routed if name != "READY"}
    assert routed == {(shard_of(first.id, 2), first.id), (shard_of(other.id, 2), other.id)}
    assert (count, url) == (3, server.gateway_url)  # GET /gateway/bot, as discord.py reads it
    assert server.violations == []


async def test_a_process_posts_in_a_server_whose_shard_it_does_not_hold(world: World) -> None:
    """The ledger is shared: a scheduled post may fall to a process that never heard of its
    server on the gateway. It looks the channel up over HTTP, posts, and finds the post again."""
    server, first = world.server, world.guild
    elsewhere = str(1 - shard_of(first.id, 2))
    env = {"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": elsewhere, "DISCORD_GUILD_ID": ""}
    place = Place(platform="discord", workspace=first.id, channel=world.text.id)
    key = "studybot:run1:session1:kickoff:0"
    async with adapter_only(world, Recorder(), env=env) as adapter:
        ref = await adapter.post(place, NOTE, key=key)
        found = await adapter.find_post(place, key)

    assert [identity["shard"] for identity in server.identities] == [[int(elsewhere), 2]]
    assert not [guild for _, name, guild in server.routed if name == "GUILD_CREATE"]
    assert [m["id"] for m in server.bot_messages(world.text.id)] == [ref] and found == ref
    assert server.violations == [] and server.denied == []


async def until(check: Callable[[], Awaitable[bool]], what: str, within: float = 60) -> None:
    """Poll ``check`` (a database, another process) until it holds."""
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def plan_soon(
    world: World, organizer: Person, room: Channel, *, schedules: Path, home: Path
) -> None:
    """``/study plan`` a run whose first meeting is ``LEAD`` ahead. On a busy machine the
    command may arrive after that moment and be refused; then it is planned further ahead."""
    server, lead = world.server, LEAD
    for attempt in range(4):
        name = f"shards-{room.id}-{attempt}"
        write_schedule(schedules, name, first_meeting=simulated_now(home) + lead)
        answer = await server.command(organizer, room, "plan", schedule=name)
        # A slow answer is deferred: "Posted in the channel." first, the public answer after.
        await server.wait_for(
            lambda answer=answer: "Starting" in answer.text or POSTED not in answer.text,
            "the plan's answer",
        )
        if "Starting" in answer.text:
            return
        lead *= 2
    raise AssertionError(f"the plan was refused each time: {answer.text}")


async def first_meeting_posts(engine: AsyncEngine) -> list[tuple[Delivery, str]]:
    """The first meeting's kickoff and discussion rows of every group, with the group's server."""
    async with AsyncSession(engine) as db:
        result = await db.execute(
            select(Delivery, Group.workspace)
            .join(Run, Run.id == Delivery.run_id)
            .join(Group, Group.id == Run.group_id)
            .join(Meeting, Meeting.id == Delivery.meeting_id)
            .where(Meeting.index == 0, Delivery.kind.in_(("kickoff", "question")))
        )
        return [(row, workspace) for row, workspace in result.all()]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_two_processes_hold_a_shard_each_and_any_sends_the_posts_once(
    world: World, engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    """Two `studybot run` on one PostgreSQL with DISCORD_SHARD_IDS 0 and 1 of 2, and two servers
    on different shards: each process answers the commands of its own server only, and the
    first meeting's posts of both servers go out exactly once, whichever process sends them."""
    server, first = world.server, world.guild
    other = server.add_guild(shard=1 - shard_of(first.id, 2), of=2)
    rooms = {first.id: world.text, other.id: other.channel("study-group")}
    organizers = {first.id: world["ada"], other.id: other.person("ada", admin=True)}
    holder = {guild: shard_of(guild, 2) for guild in rooms}
    homes = [tmp_path / "shard0", tmp_path / "shard1"]

    def env(shard: int) -> dict[str, str]:
        return {
            "DATABASE_URL": database_url,  # migrated by the `engine` fixture: no race to create
            "DISCORD_SHARD_COUNT": "2",
            "DISCORD_SHARD_IDS": str(shard),
            "DISCORD_GUILD_ID": "",  # /study for every server, synced globally
            "STUDYBOT_SCHEDULES": str(tmp_path / "schedules"),
        }

    processes = [await start(server, homes[0], fast=FAST, env=env(0))]
    try:
        # One simulated timeline for both: each reads the other's claims on the same clock.
        clock = homes[0] / "clock.json"

        async def clock_saved() -> bool:
            return clock.exists()

        await until(clock_saved, "the first process's clock")
        homes[1].mkdir()
        shutil.copy(clock, homes[1] / "clock.json")
        processes.append(await start(server, homes[1], fast=FAST, start_at=None, env=env(1)))

        def both_up() -> bool:
            synced = len([s for s in server.requests if s.method == "PUT"]) == 2
            return server.shards_connected == [0, 1] and synced

        await server.wait_for(
            lambda: both_up() or any(p.poll() is not None for p in processes),
            "both processes to connect and sync /study",
        )
        assert all(p.poll() is None for p in processes), log_of(homes[0]) + log_of(homes[1])

        for guild, room in rooms.items():
            await server.command(organizers[guild], room, "join")
            await plan_soon(
                world, organizers[guild], room, schedules=tmp_path / "schedules", home=homes[0]
            )

        async def all_sent() -> bool:
            rows = await first_meeting_posts(engine)
            return len(rows) == 10 and all(row.status == "sent" for row, _ in rows)

        await until(all_sent, "the first meeting's ten posts to be sent")
        for process, home in zip(processes, homes, strict=True):
            assert await stop(process) == 0, log_of(home)
    finally:
        for process in processes:
            await stop(process)

    # Each process heard only its own shard's server: its commands, and its GUILD_CREATE.
    assert sorted(identity["shard"] for identity in server.identities) == [[0, 2], [1, 2]]
    for event in ("GUILD_CREATE", "INTERACTION_CREATE"):
        heard = {(shard, guild) for shard, name, guild in server.routed if name == event}
        assert heard == {(holder[guild], guild) for guild in rooms}, event
    # Exactly once on the platform: each ledger row's post is there once, with its thread.
    rows = await first_meeting_posts(engine)
    senders = {str(row.claimed_by).rsplit(":", 1)[-1] for row, _ in rows}
    assert senders <= {str(p.pid) for p in processes}, senders  # "host:pid" of the sender
    for row, guild in rows:
        key = delivery_key(row)
        marks = (marker(key), marker(key, starter=True))
        posts = [m for m in server.bot_messages(rooms[guild].id) if footer(m).endswith(marks)]
        assert [m["id"] for m in posts] == [row.message_ref], (key, posts)
    for room in rooms.values():
        titles = sorted(
            title(m).split(" · ")[0]
            for m in server.bot_messages(room.id)
            if title(m).startswith(("Week", "Discussion"))
        )
        assert titles == [f"Discussion {n}" for n in range(1, 5)] + ["Week 1"], titles
        assert len(server.threads_of(room.id)) == 4
    assert server.violations == []
    assert server.denied == []
