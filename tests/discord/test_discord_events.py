"""Each session as a Discord scheduled event: made a few weeks ahead, moved when the sessions
move, cancelled when the run stops, and its Interested count shown on the kickoff. Real
discord.py against the Discord stand-in, a real StudyBot on SQLite and a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.store.models import Delivery

from .harness import InProcessBot, World, bot_in_process, discord_world

START = "start mml every monday at 18:30 tz Europe/Berlin"  # from Monday 5 October
BERLIN = ZoneInfo("Europe/Berlin")
FIRST = datetime(2026, 10, 5, 16, 30, tzinfo=UTC)
WEEK = timedelta(days=7)


def monday(n: int) -> datetime:
    """The n-th Monday from 5 October at 18:30 in Berlin (summer time ends on 25 October)."""
    return datetime(2026, 10, 5, 18, 30, tzinfo=BERLIN) + n * WEEK


def starts(events: list[dict[str, Any]]) -> list[datetime]:
    return sorted(datetime.fromisoformat(e["scheduled_start_time"]) for e in events)


def ours(world: World) -> list[dict[str, Any]]:
    return [e for e in world.server.events.values() if e["guild_id"] == world.guild.id]


async def sent_events(studybot: InProcessBot) -> int:
    async with studybot.app.bot.sessionmaker() as db:
        return await db.scalar(
            select(func.count()).where(Delivery.kind == "event", Delivery.status == "sent")
        )


async def test_an_event_whose_answer_was_lost_is_found_not_made_twice(
    world: World, studybot: InProcessBot
) -> None:
    server = world.server
    server.lost_answers[("POST", "/guilds/{guild_id}/scheduled-events")].append("500")
    await server.command(world["ada"], world.text, "join")
    await server.command(world["ada"], world.text, "start", syllabus="mml", tz="Europe/Berlin")
    for _ in range(4):  # the first attempt's answer is lost; a later one finds the event
        studybot.clock.advance(timedelta(minutes=1))  # past the back-off
        await studybot.app.deliverer.tick()
    assert len(ours(world)) == 4  # the four sessions of the next four weeks, each once
    assert await sent_events(studybot) == 4
    assert server.violations == []


async def test_sessions_become_events_that_follow_the_schedule(
    world: World, studybot: InProcessBot
) -> None:
    server = world.server
    await server.command(world["ada"], world.text, "join")
    await server.command(
        world["ada"],
        world.text,
        "start",
        syllabus="mml",
        every="monday",
        at="18:30",
        tz="Europe/Berlin",
    )
    await studybot.tick_until(studybot.clock.now())
    # The sessions of the next four weeks (from Thursday 1 October: 5, 12, 19, 26 October).
    made = ours(world)
    assert starts(made) == [monday(n) for n in range(4)]
    first = next(e for e in made if e["name"] == "Session 1: Introduction and Motivation")
    assert first["entity_type"] == 3 and first["status"] == 1
    assert first["entity_metadata"]["location"] == "the group's channel"
    assert "Mathematics for Machine Learning, week 1" in first["description"]

    # A week skipped: the sessions still to come move back a week, and so do their events.
    await server.command(world["ada"], world.text, "skip")
    await studybot.tick_until(studybot.clock.now())
    assert starts(ours(world)) == [monday(n) for n in range(1, 5)]
    assert len(ours(world)) == 4  # moved, not made again

    # Two members mark the first session's event Interested; its kickoff says so.
    server.mark_interested(first["id"], [world["ada"].id, world["grace"].id])
    await studybot.tick_until(FIRST + WEEK + timedelta(minutes=1))
    kickoff = next(m for m in server.bot_messages(world.text.id) if "Session 1 of" in str(m))
    assert "2 members interested in this session's event" in str(kickoff)

    # The run stops: the events of the sessions still to come are cancelled.
    await server.command(world["ada"], world.text, "stop", confirm=True)
    await studybot.tick_until(studybot.clock.now())
    status = {e["name"]: e["status"] for e in ours(world)}
    assert status["Session 1: Introduction and Motivation"] == 1  # begun: left as it is
    # Sessions 2 to 4; the fifth's event was not due yet (four weeks before it, at 17:30 UTC).
    assert sorted(s for name, s in status.items() if not name.startswith("Session 1:")) == [4] * 3
    async with studybot.app.bot.sessionmaker() as db:
        unmade = await db.scalar(
            select(func.count()).where(Delivery.kind == "event", Delivery.status == "missed")
        )
    assert unmade == 8  # sessions 5 to 12: never made once the run stopped
    assert server.violations == [] and server.denied == []


async def test_without_create_events_the_group_runs_without_events(tmp_path: Path) -> None:
    async with discord_world() as world:
        world.guild.revoke("create_events")  # before the bot connects: its cache knows it
        async with bot_in_process(world, tmp_path) as studybot:
            server = world.server
            await server.command(world["ada"], world.text, "join")
            await server.command(
                world["ada"], world.text, "start", syllabus="mml", tz="Europe/Berlin"
            )
            await studybot.tick_until(FIRST + timedelta(minutes=1))
            assert ours(world) == [] and server.denied == []  # nothing Discord would refuse
            assert any("Session 1 of" in str(m) for m in server.bot_messages(world.text.id))
            assert await sent_events(studybot) == 4  # done without an event, not retried


async def test_a_reschedule_moves_the_events_to_the_new_day(
    world: World, studybot: InProcessBot
) -> None:
    server = world.server
    await server.command(world["ada"], world.text, "join")
    await server.command(world["ada"], world.text, "start", syllabus="mml", tz="Europe/Berlin")
    await studybot.tick_until(studybot.clock.now())
    assert len(ours(world)) == 4
    await server.command(
        world["ada"], world.text, "meeting", "reschedule", every="tuesday", at="19:15"
    )
    await studybot.tick_until(studybot.clock.now())
    tuesdays = [datetime(2026, 10, 6, 19, 15, tzinfo=BERLIN) + n * WEEK for n in range(4)]
    assert starts(ours(world)) == tuesdays and len(ours(world)) == 4  # moved, not made again
    assert server.violations == [] and server.denied == []


async def test_the_nudge_counts_the_interested_and_messages_them_first(
    world: World, studybot: InProcessBot
) -> None:
    server = world.server
    for name in ("ada", "grace", "alan", "emmy"):
        await server.command(world[name], world.text, "join")
    for name in ("grace", "alan", "emmy"):  # nudged by direct message, in the order they joined
        await server.command(world[name], world.text, "reminders", mode="dm")
    await server.command(world["ada"], world.text, "start", syllabus="mml", tz="Europe/Berlin")
    await studybot.tick_until(studybot.clock.now())
    first = next(e for e in ours(world) if e["name"].startswith("Session 1:"))
    # Ada and Emmy (who joined last) mark the session Interested; Ada checks in.
    server.mark_interested(first["id"], [world["ada"].id, world["emmy"].id])
    await studybot.tick_until(FIRST + timedelta(minutes=1))
    await server.command(world["ada"], world.text, "checkin", status="done")

    await studybot.tick_until(FIRST + timedelta(days=3, minutes=1))  # the mid-week nudge
    nudge = next(m for m in server.bot_messages(world.text.id) if "Mid-week nudge" in str(m))
    assert "3 of 4 members have not checked in" in str(nudge)
    assert "2 members interested in this session's event, 1 of them not checked in yet." in str(
        nudge
    )
    opened = [
        str(seen.body["recipient_id"])
        for seen in server.requests
        if seen.template == "/users/@me/channels" and seen.status == 200
    ]
    # Emmy said she is coming and has not checked in: her nudge goes out before the others'.
    assert opened[-3:] == [world["emmy"].id, world["grace"].id, world["alan"].id]
    assert server.violations == []
