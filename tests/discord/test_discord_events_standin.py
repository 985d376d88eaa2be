"""The stand-in serves guild scheduled events as Discord does, to the real discord.py client:
created, read (with who is interested), edited, cancelled and deleted; refused by Discord's
rules (a violation each); forbidden without Create Events; another's needs Manage Events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import discord
import pytest

from ..standins.discord_guild import CANCELED, COMPLETED
from ..standins.discord_spec import discord_spec
from .harness import Recorder, World, adapter_only, discord_world

EVENTS = "/guilds/{guild_id}/scheduled-events"
LINK = "https://meet.example.org/mml"


@asynccontextmanager
async def connected(world: World) -> AsyncIterator[tuple[discord.Client, discord.Guild]]:
    """discord.py connected to the stand-in (through the adapter, which points it there), on
    the wall clock: what "now" is for an event's start."""
    world.server.now = discord.utils.utcnow
    async with adapter_only(world, Recorder()) as adapter:
        guild = adapter.client.get_guild(int(world.guild.id))
        assert guild is not None
        yield adapter.client, guild


def in_a_week() -> tuple[datetime, datetime]:
    start = discord.utils.utcnow().replace(microsecond=0) + timedelta(days=7)
    return start, start + timedelta(hours=1)


async def meeting(guild: discord.Guild, name: str = "MML session 3") -> discord.ScheduledEvent:
    start, end = in_a_week()
    return await guild.create_scheduled_event(
        name=name,
        description="Chapter 3: analytic geometry",
        start_time=start,
        end_time=end,
        entity_type=discord.EntityType.external,
        location=LINK,
        privacy_level=discord.PrivacyLevel.guild_only,
    )


def external(start: datetime, end: datetime | None) -> dict[str, Any]:
    """A create request's fields, as discord.py's HTTP client takes them."""
    body: dict[str, Any] = {
        "name": "MML session 4",
        "scheduled_start_time": start.isoformat(),
        "privacy_level": 2,
        "entity_type": 3,
        "entity_metadata": {"location": LINK},
    }
    if end is not None:
        body["scheduled_end_time"] = end.isoformat()
    return body


async def test_an_external_event_is_created_read_moved_cancelled_and_deleted() -> None:
    async with discord_world() as world, connected(world) as (client, guild):
        server = world.server
        start, end = in_a_week()
        event = await meeting(guild)

        assert (event.name, event.location, event.start_time, event.end_time) == (
            "MML session 3",
            LINK,
            start,
            end,
        )
        assert event.entity_type is discord.EntityType.external and event.channel_id is None
        assert event.status is discord.EventStatus.scheduled
        assert event.creator_id == int(world.guild.bot.id) and event.creator is not None
        stored = server.events[str(event.id)]
        assert stored["entity_metadata"] == {"location": LINK}
        assert (stored["privacy_level"], stored["entity_id"], stored["recurrence_rule"]) == (
            2,
            None,
            None,
        )
        assert "user_count" not in stored
        # Discord's shape: the spec's response schema (its user object asks fields ours lacks).
        shown = {k: v for k, v in stored.items() if k != "creator"}
        schema = {"$ref": "#/components/schemas/ExternalScheduledEventResponse"}
        assert discord_spec().validate(shown, schema, "event") == []

        server.mark_interested(event.id, [world["ada"].id, world["grace"].id])
        fetched = await guild.fetch_scheduled_event(event.id)
        assert fetched.user_count == 2
        assert server.requests[-1].query == {"with_user_count": "1"}
        listed = await guild.fetch_scheduled_events()
        assert [(e.id, e.user_count) for e in listed] == [(event.id, 2)]
        uncounted = await client.http.get_scheduled_event(guild.id, event.id, False)
        assert "user_count" not in uncounted

        later = timedelta(days=1)
        moved = await fetched.edit(
            name="MML session 3 (moved)", start_time=start + later, end_time=end + later
        )
        assert (moved.name, moved.start_time, moved.end_time) == (
            "MML session 3 (moved)",
            start + later,
            end + later,
        )
        assert stored["name"] == "MML session 3 (moved)" and stored["entity_metadata"]

        cancelled = await moved.cancel()
        assert cancelled.status is discord.EventStatus.cancelled
        assert stored["status"] == CANCELED

        other = await meeting(guild, "MML session 4")
        assert [e["id"] for e in server.events_in(world.guild.id)] == [str(event.id), str(other.id)]
        await cancelled.delete()
        assert list(server.events) == [str(other.id)]
        with pytest.raises(discord.NotFound):
            await guild.fetch_scheduled_event(event.id)

        started = await other.start()
        ended = await started.end()
        assert ended.status is discord.EventStatus.completed
        assert server.events[str(other.id)]["status"] == COMPLETED

        assert server.violations == [] and server.denied == []
        assert server.used_permissions == {"create_events"}


async def test_what_discord_refuses_is_refused_and_a_violation() -> None:
    async with discord_world() as world, connected(world) as (client, guild):
        server = world.server
        start, end = in_a_week()
        http = client.http

        with pytest.raises(discord.HTTPException) as no_end:
            await http.create_guild_scheduled_event(guild.id, **external(start, None))
        assert (no_end.value.status, no_end.value.code) == (400, 50035)
        assert "scheduled_end_time" in no_end.value.text
        assert server.violations == [f"POST {EVENTS}: scheduled_end_time: This field is required"]

        with pytest.raises(discord.HTTPException, match="in the past"):
            await http.create_guild_scheduled_event(
                guild.id, **external(start - timedelta(days=8), end - timedelta(days=8))
            )
        with pytest.raises(discord.HTTPException, match="end before starting"):
            await http.create_guild_scheduled_event(guild.id, **external(end, start))
        assert len(server.violations) == 3 and server.events == {}
        server.now = None  # a test that says nothing of time: a start in the past passes
        passed = await http.create_guild_scheduled_event(
            guild.id, **external(start - timedelta(days=8), end - timedelta(days=8))
        )
        del world.guild.events[passed["id"]]
        server.now = discord.utils.utcnow

        event = await meeting(guild)
        with pytest.raises(discord.HTTPException, match="end before starting"):
            await event.edit(start_time=end + timedelta(minutes=5))  # the end stays
        with pytest.raises(discord.HTTPException, match="from 1 to 3"):
            await event.edit(status=discord.EventStatus.completed)  # never started
        assert server.events[str(event.id)]["status"] == 1
        assert server.events[str(event.id)]["scheduled_start_time"] == start.isoformat()

        cancelled = await event.cancel()
        with pytest.raises(discord.HTTPException) as finished:
            await cancelled.edit(status=discord.EventStatus.active)
        assert (finished.value.status, finished.value.code) == (400, 180000)
        assert len(server.violations) == 6
        assert server.denied == []


async def test_without_create_events_the_bot_is_forbidden() -> None:
    async with discord_world() as world, connected(world) as (_, guild):
        server = world.server
        event = await meeting(guild)
        world.guild.revoke("create_events")
        with pytest.raises(discord.Forbidden) as denied:
            await meeting(guild, "MML session 4")
        assert denied.value.code == 50013
        with pytest.raises(discord.Forbidden):
            await event.edit(name="renamed")
        with pytest.raises(discord.Forbidden):
            await event.delete()
        path = f"/guilds/{guild.id}/scheduled-events"
        assert server.denied == [
            f"POST {path}: ['create_events']",
            f"PATCH {path}/{event.id}: ['create_events']",
            f"DELETE {path}/{event.id}: ['create_events']",
        ]
        assert list(server.events) == [str(event.id)] and server.violations == []
        # Reading them needs no permission.
        assert [e.id for e in await guild.fetch_scheduled_events()] == [event.id]


async def test_another_members_event_needs_manage_events() -> None:
    async with discord_world() as world, connected(world) as (_, guild):
        server = world.server
        start, end = in_a_week()
        theirs = world.guild.new_event(
            external(start, end), creator=world["ada"], now=discord.utils.utcnow()
        )
        ada_event = await guild.fetch_scheduled_event(int(theirs["id"]))
        with pytest.raises(discord.Forbidden):
            await ada_event.edit(name="renamed")
        assert server.denied == [
            f"PATCH /guilds/{guild.id}/scheduled-events/{ada_event.id}: ['manage_events']"
        ]

        world.guild.grant("manage_events")
        renamed = await ada_event.edit(name="renamed")
        assert renamed.name == "renamed" and renamed.creator_id == int(world["ada"].id)
        await renamed.delete()
        assert server.events == {} and server.violations == []
        assert "manage_events" in server.used_permissions
