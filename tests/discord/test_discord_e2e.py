"""The whole bot as it runs for real: `studybot run` in its own process, connected to the
Discord stand-in, on a simulated clock (`--fast`), playing tests/scenario.py in a text channel
and then in a forum channel. Everything is awaited as an event (what the stand-in receives,
what the database holds), never as a span of time."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from ..scenario import (
    EXPECTED,
    SUMMARY,
    check_pictures,
    play,
    simulated_now,
    stored_outcome,
    write_schedule,
)
from ..standins.discord_server import Seen, message_text
from .driver import DiscordDriver
from .driver import title as driver_title
from .harness import World
from .process import log_of, stop, studybot_run


async def test_a_whole_group_in_a_text_channel_and_in_a_forum_channel(
    world: World, tmp_path: Path
) -> None:
    server, home = world.server, tmp_path / "home"
    async with studybot_run(server, home) as process:
        await server.wait_for(
            lambda: (server.connected and server.commands) or process.poll() is not None,
            "the bot to connect",
        )
        assert process.poll() is None, log_of(home)
        drivers = {}
        for group in (world.text, world.forum):
            driver = DiscordDriver(
                world=world,
                group=group,
                schedules=home / "schedules",
                database=home / "studybot.db",
                now=lambda: simulated_now(home),
                let_time_pass=server.wait_for,
            )
            await play(driver)
            await check_pictures(driver)
            drivers[group.id] = driver
        assert await stop(process) == 0, log_of(home)

    for channel, driver in drivers.items():
        assert stored_outcome(home / "studybot.db", platform="discord", channel=channel) == EXPECTED
        assert driver.summary == SUMMARY
    assert server.violations == []
    assert server.denied == []
    # Members wrote @everyone and @here; nothing the bot sent could ping anyone.
    bodies = server.message_bodies()
    assert bodies
    for where, body in bodies:
        assert body.get("allowed_mentions") == {"parse": []}, (where, body)
        assert "@everyone" not in message_text(body) and "@here" not in message_text(body)
    # Each scheduled post went out once: one kickoff per group, one thread per question.
    kickoffs = [
        m
        for m in server.bot_messages(world.text.id)
        if (m["embeds"] or [{}])[0].get("title", "").startswith("Week 1")
    ]
    assert len(kickoffs) == 1
    assert len([t for t in server.threads_of(world.forum.id) if t.name.startswith("Week 1")]) == 1


CRASH_FAST = 2000  # slower than the scenario: three processes start within the grace period


def ledger(database: Path) -> list[tuple[int, str, int, str]]:
    """(run, kind, seq, status) of the first session's kickoff and discussion threads."""
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10) as db:
            return db.execute(
                "SELECT d.run_id, d.kind, d.seq, d.status FROM deliveries d "
                "JOIN sessions s ON s.id = d.session_id "
                "WHERE s.\"index\" = 0 AND d.kind IN ('kickoff', 'question')"
            ).fetchall()
    except sqlite3.OperationalError:
        return []


def discussion(number: int) -> Callable[[Seen], bool]:
    """The request that posts discussion question ``number`` (a text-channel message that will
    start a thread, or a forum post)."""

    def matches(seen: Seen) -> bool:
        body = seen.body if isinstance(seen.body, dict) else {}
        if seen.method != "POST":
            return False
        if seen.template == "/channels/{channel_id}/threads":
            return str(body.get("name", "")).startswith(f"Discussion {number}:")
        titles = [e.get("title") or "" for e in body.get("embeds") or []]
        return seen.template == "/channels/{channel_id}/messages" and any(
            t.startswith(f"Discussion {number} ") for t in titles
        )

    return matches


async def test_killed_between_posting_and_recording_each_post_still_goes_out_once(
    world: World, tmp_path: Path
) -> None:
    """SIGKILL the bot right after Discord created a discussion post and before the bot heard
    back (so the ledger does not know), in a text channel and then in a forum channel. The
    restarted bot finds each post (the embed footer's reference) instead of posting it again,
    and opens the thread the text channel's post is still missing."""
    server, home = world.server, tmp_path / "home"
    database = home / "studybot.db"
    server.hold(discussion(2))
    async with studybot_run(server, home, fast=CRASH_FAST) as first:
        await server.wait_for(lambda: server.commands or first.poll() is not None, "connect")
        text = DiscordDriver(
            world=world,
            group=world.text,
            schedules=home / "schedules",
            database=database,
            now=lambda: simulated_now(home),
            let_time_pass=server.wait_for,
        )
        forum = DiscordDriver(**{**text.__dict__, "group": world.forum, "_room": None})
        for driver, lead in ((text, 20), (forum, 40)):
            name = f"crash-{'forum' if driver.forum else 'text'}"
            write_schedule(
                driver.schedules, name, first_meeting=driver.now() + timedelta(minutes=lead)
            )
            await driver.join("ada")
            answer = await server.command(world["ada"], await driver.room(), "plan", schedule=name)
            assert "Starting" in answer.text, answer.text
        await server.wait_for(lambda: server.held, "the text channel's second discussion post")
        await stop(first, kill=True)

    server.hold(discussion(2))  # the forum's, this time
    async with studybot_run(server, home, fast=CRASH_FAST, start_at=None) as second:
        await server.wait_for(lambda: len(server.held) == 2, "the forum's second discussion post")
        await stop(second, kill=True)

    async with studybot_run(server, home, fast=CRASH_FAST, start_at=None) as third:
        await server.wait_for(
            lambda: len(ledger(database)) == 10 and all(r[3] == "sent" for r in ledger(database)),
            "every first-session post recorded as sent",
        )
        assert await stop(third) == 0, log_of(home)

    # Text channel: one message per discussion question, each with its thread.
    posts = [
        m for m in server.bot_messages(world.text.id) if driver_title(m).startswith("Discussion")
    ]
    assert sorted(driver_title(m).split(" · ")[0] for m in posts) == [
        f"Discussion {n}" for n in range(1, 5)
    ]
    assert all(server.guild.channels.get(m["id"]) for m in posts), "a discussion without thread"
    # Forum: one post per discussion question.
    names = [
        t.name[:13] for t in server.threads_of(world.forum.id) if t.name.startswith("Discussion")
    ]
    assert sorted(names) == [f"Discussion {n}:" for n in range(1, 5)]
    # The restarted bots looked (history, active threads) rather than posting again.
    assert len([s for s in server.requests if discussion(2)(s)]) == 2  # once per channel
    looked = {s.template for s in server.requests if s.method == "GET"}
    assert {"/channels/{channel_id}/messages", "/guilds/{guild_id}/threads/active"} <= looked
    assert server.violations == []
    assert server.denied == []
