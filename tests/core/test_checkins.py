"""The check-in command's two ways to the same outcome: the usual case in one statement, and the
rest (renaming, refusing) step by step. Nobody is enrolled by checking in: the access rule tells
whoever has not joined to join first.

Runs on SQLite and on PostgreSQL (when STUDYBOT_TEST_POSTGRES_URL is set)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.models import CommandEvent, Person, Reply
from bot.core.moments import as_written
from bot.store.models import CheckIn, Meeting, Member

from .harness import Harness

START = "start mml every monday at 18:30 tz Europe/Berlin"
FIRST_TITLE = "Introduction and Motivation"


def text(reply: Reply | None) -> str:
    """What the member reads, times in the group's zone (as the console shows them)."""
    assert reply is not None
    return as_written(reply.message.text)


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """The SQL statements the bot sends while inside (BEGIN and COMMIT are not statements)."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen.append(" ".join(sql.split()))

    event.listen(engine.sync_engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", note)


async def started(h: Harness) -> None:
    """ada starts MML, bob and cy join; the clock moves into the first session."""
    assert "Starting" in text(await h.chat.command(START, by="ada"))
    await h.chat.command("join", by="bob")
    await h.chat.command("join", by="cy")
    await h.run_for(timedelta(days=4, hours=7), step=timedelta(hours=6))  # Mon 5 Oct, 19:00


async def member_of(h: Harness, user_id: str) -> Member:
    async with h.bot.sessionmaker() as db:
        member = await db.scalar(select(Member).where(Member.user_id == user_id))
    assert member is not None, user_id
    return member


async def checkins_of(h: Harness, user_id: str) -> list[tuple[str, str]]:
    async with h.bot.sessionmaker() as db:
        rows = await db.execute(
            select(CheckIn.status, CheckIn.note)
            .join(Member, Member.id == CheckIn.member_id)
            .where(Member.user_id == user_id)
        )
    return [(status, note) for status, note in rows.all()]


async def test_the_usual_checkin_records_the_event_checks_access_and_checks_in_in_three_statements(
    harness: Harness,
) -> None:
    await started(harness)
    with statements(harness.engine) as sent:
        reply = await harness.chat.command("checkin partial long chapter", by="bob")
    assert text(reply) == f"Checked in as partly for “{FIRST_TITLE}”. Thanks!"
    assert reply is not None and reply.ephemeral
    assert len(sent) == 3, sent
    assert sent[0].startswith("INSERT INTO processed_events")
    assert sent[1].startswith("SELECT groups.id")  # the access rule: one look-up of the member
    assert sent[2].startswith("INSERT INTO checkins")
    assert await checkins_of(harness, "U-bob") == [("partial", "long chapter")]


async def test_a_retried_event_changes_nothing(harness: Harness) -> None:
    await started(harness)
    first = await harness.chat.command("checkin done", by="bob", event_id="same")
    assert "Checked in as done" in text(first)
    assert await harness.chat.command("checkin behind", by="bob", event_id="same") is None
    assert await checkins_of(harness, "U-bob") == [("done", "")]


async def test_someone_who_never_joined_is_told_to_join_and_not_enrolled(harness: Harness) -> None:
    await started(harness)
    refused = text(await harness.chat.command("checkin done", by="dan"))
    assert refused == "You're not in this study group yet: type `/study join` first."
    async with harness.bot.sessionmaker() as db:
        assert await db.scalar(select(Member).where(Member.user_id == "U-dan")) is None
    assert await checkins_of(harness, "U-dan") == []


async def test_a_member_who_left_is_told_to_join_again_and_nothing_changes(
    harness: Harness,
) -> None:
    await started(harness)
    await harness.chat.command("leave", by="cy")
    left_at = (await member_of(harness, "U-cy")).left_at
    assert left_at is not None
    harness.clock.advance(timedelta(minutes=5))
    refused = text(await harness.chat.command("checkin behind", by="cy"))
    assert "You left this study group: type `/study join`" in refused
    assert (await member_of(harness, "U-cy")).left_at == left_at
    assert await checkins_of(harness, "U-cy") == []


async def test_a_new_display_name_is_taken_on_checking_in(harness: Harness) -> None:
    await started(harness)
    renamed = CommandEvent(
        who=Person(user_id="U-bob", name="Robert"),
        where=harness.chat.place(),
        event_id="renamed",
        text="checkin done",
    )
    assert "Checked in as done" in text(await harness.bot.handle(renamed))
    assert (await member_of(harness, "U-bob")).display_name == "Robert"
    nameless = CommandEvent(
        who=Person(user_id="U-bob", name=""),
        where=harness.chat.place(),
        event_id="nameless",
        text="checkin behind",
    )
    assert "Checked in as behind" in text(await harness.bot.handle(nameless))
    assert (await member_of(harness, "U-bob")).display_name == "Robert"  # kept
    assert await checkins_of(harness, "U-bob") == [("behind", "")]


async def test_before_the_first_session_the_checkin_is_refused_with_its_date(
    harness: Harness,
) -> None:
    assert "Starting" in text(await harness.chat.command(START, by="ada"))
    await harness.chat.command("join", by="bob")
    refused = text(await harness.chat.command("checkin done", by="bob"))
    assert refused.startswith(
        "The first session has not started yet: it starts Mon 05 Oct 2026, 18:30 CEST"
    )
    assert await checkins_of(harness, "U-bob") == []


async def test_the_session_being_read_is_the_latest_begun(harness: Harness) -> None:
    await started(harness)
    await harness.run_for(timedelta(days=7), step=timedelta(hours=12))  # into week 2
    reply = text(await harness.chat.command("checkin done", by="bob"))
    async with harness.bot.sessionmaker() as db:
        second = await db.scalar(select(Meeting).where(Meeting.index == 1))
        sessions = (await db.scalars(select(CheckIn.meeting_id))).all()
    assert second is not None and second.starts_at <= harness.clock.now()
    assert reply == f"Checked in as done for “{second.title}”. Thanks!"
    assert sessions == [second.id]


async def test_a_paused_group_refuses_and_records_nothing(harness: Harness) -> None:
    await started(harness)
    await harness.chat.command("pause", by="ada")
    assert "paused" in text(await harness.chat.command("checkin done", by="bob"))
    assert await checkins_of(harness, "U-bob") == []
