"""Who may do what and who sees what (bot/core/access.py), command by command and role by role.

Runs on SQLite and on PostgreSQL (when STUDYBOT_TEST_POSTGRES_URL is set)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy import func, select

from bot.core import access, grammar
from bot.core.handlers import ACTIONS, COMMANDS
from bot.core.models import Reply
from bot.core.moments import as_written
from bot.store.models import CheckIn, Member, Question

from .harness import Harness

START = "start mml every monday at 18:30 tz Europe/Berlin"
JOIN_FIRST = "You're not in this study group yet: type `/study join` first."
NOTE = "my secret note about the proofs"

# One line for every command a non-member might type, and whether they may.
EVERY_COMMAND = {
    "help": True,
    "join": True,
    "syllabus list": True,
    "syllabus show mml": True,
    "tex x^{2}": True,
    "leave": False,
    "checkin done": False,
    "ask why?": False,
    "resolve": False,
    "questions": False,
    "faq": False,
    "faq feature 1": False,
    "sharing on": False,
    "reopen 1": False,
    "edit 1 Why?": False,
    "move 1 mml-02": False,
    "withdraw 1": False,
    "progress": False,
    "me": False,
    "schedule": False,
    "reminders dm": False,
    "away until 2026-10-20": False,
    "back": False,
    "organizers": False,
    "pause": False,
    "resume": False,
    "skip": False,
    "stop": False,
    "reschedule every tuesday": False,
    "break 2026-12-21": False,
    "holidays DE": False,
    "unskip": False,
    "remind before 30m": False,
    "meeting link https://meet.example.org/x": False,
    "organizer add bob": False,
    "export csv": False,
    "export ical": False,
}


def text(reply: Reply | None) -> str:
    """What the member reads, times in the group's zone (as the console shows them)."""
    assert reply is not None
    return as_written(reply.message.text)


async def group_with_notes(h: Harness) -> None:
    """ada organizes; bob and cy check in with notes in the first session."""
    await h.chat.command(START, by="ada")
    await h.chat.command("join", by="bob")
    await h.chat.command("join", by="cy")
    await h.run_for(timedelta(days=4, hours=7), step=timedelta(hours=6))  # Mon 5 Oct, 19:00
    await h.chat.command(f"checkin behind {NOTE}", by="bob")
    await h.chat.command("checkin done cy's note", by="cy")


async def members(h: Harness) -> int:
    async with h.bot.sessionmaker() as db:
        return await db.scalar(select(func.count()).select_from(Member))


def test_every_command_and_button_has_an_audience() -> None:
    assert set(COMMANDS) <= set(access.COMMAND_AUDIENCE)
    assert set(ACTIONS) <= set(access.ACTION_AUDIENCE)
    assert set(grammar.Command.__args__) <= set(access.COMMAND_AUDIENCE)  # type: ignore[attr-defined]
    # ...and the test below tries every command word (start and plan have tests of their own).
    typed = {line.split()[0] for line in EVERY_COMMAND}
    assert typed == set(grammar.SPECS) - {"start", "plan"}


async def test_a_non_member_gets_join_first_for_all_but_help_join_and_syllabi(
    harness: Harness,
) -> None:
    await group_with_notes(harness)
    before = await members(harness)
    for command, allowed in EVERY_COMMAND.items():
        if command == "join":
            continue  # would make dan a member
        reply = text(await harness.chat.command(command, by="dan"))
        assert (reply != JOIN_FIRST) == allowed, (command, reply)
    assert await members(harness) == before  # nobody was enrolled by acting


async def test_a_non_member_cannot_start_where_a_group_has_an_organizer(harness: Harness) -> None:
    await group_with_notes(harness)
    assert text(await harness.chat.command("start strang-ila", by="dan")) == JOIN_FIRST
    assert "Only organizers can start a syllabus" in text(
        await harness.chat.command("start strang-ila", by="bob")
    )


async def test_anyone_may_start_a_channel_that_has_no_group_yet(harness: Harness) -> None:
    assert "Starting" in text(await harness.chat.command(START, by="zed"))
    async with harness.bot.sessionmaker() as db:
        assert await db.scalar(select(Member.role).where(Member.user_id == "U-zed")) == "organizer"


async def test_non_member_buttons_are_refused_and_enrol_nobody(harness: Harness) -> None:
    await group_with_notes(harness)
    kickoff = harness.chat.channel_posts()[0]
    buttons = [
        b for block in kickoff.message.blocks if hasattr(block, "buttons") for b in block.buttons
    ]
    before = await members(harness)
    assert text(await harness.chat.click("checkin", buttons[0].value, by="dan")) == JOIN_FIRST
    assert text(await harness.chat.click("ask", "What is a norm?", by="dan")) == JOIN_FIRST
    assert await members(harness) == before
    async with harness.bot.sessionmaker() as db:
        assert await db.scalar(select(func.count()).select_from(Question)) == 0
        assert await db.scalar(select(func.count()).select_from(CheckIn)) == 2
    assert "Checked in as done" in text(
        await harness.chat.click("checkin", buttons[0].value, by="bob")
    )


async def test_reminders_by_a_non_member_are_refused_and_enrol_nobody(harness: Harness) -> None:
    await group_with_notes(harness)
    assert text(await harness.chat.command("reminders dm", by="dan")) == JOIN_FIRST
    async with harness.bot.sessionmaker() as db:
        assert await db.scalar(select(Member).where(Member.user_id == "U-dan")) is None


async def test_a_member_sees_counts_and_their_own_standing_only(harness: Harness) -> None:
    await group_with_notes(harness)
    progress = text(await harness.chat.command("progress", by="cy"))
    assert "Done: 1, Partly: 0, Behind: 1, No check-in: 1" in progress
    assert "You checked in as done" in progress
    assert "bob" not in progress and "ada" not in progress and NOTE not in progress
    assert "Only organizers see who has checked in." in progress


async def test_an_organizer_sees_who_has_and_has_not_checked_in_but_no_note(
    harness: Harness,
) -> None:
    await group_with_notes(harness)
    progress = text(await harness.chat.command("progress", by="ada"))
    assert "Behind this week (reach out!): bob" in progress
    assert "No check-in yet: ada" in progress
    assert NOTE not in progress and "cy's note" not in progress


async def test_the_export_is_the_organizers_and_has_no_notes(harness: Harness) -> None:
    await group_with_notes(harness)
    assert "Only organizers can export the group's check-ins" in text(
        await harness.chat.command("export csv", by="bob")
    )
    assert (await harness.chat.command("export ical", by="bob")).message.attachments
    exported = (await harness.chat.command("export csv", by="ada")).message.attachments[0]
    content = exported.content.decode()
    rows = list(csv.DictReader(io.StringIO(content)))
    assert [(r["member"], r["status"]) for r in rows] == [("bob", "behind"), ("cy", "done")]
    assert "note" not in rows[0] and NOTE not in content and "cy's note" not in content


async def test_a_member_reads_their_own_note_and_nobody_elses(harness: Harness) -> None:
    await group_with_notes(harness)
    mine = text(await harness.chat.command("me", by="bob"))
    assert f"your note: {NOTE}" in mine and "cy's note" not in mine
    assert NOTE not in text(await harness.chat.command("me", by="cy"))


async def test_the_weekly_summary_shows_counts_and_no_names_or_notes(harness: Harness) -> None:
    await group_with_notes(harness)
    await harness.run_for(timedelta(days=7), step=timedelta(hours=6))
    summary = next(p for p in harness.chat.channel_posts() if p.text.startswith("Weekly summary"))
    assert "Done: 1, Partly: 0, Behind: 1, No check-in: 1" in summary.text
    shown = " ".join(str(b) for b in summary.message.blocks)
    assert "bob" not in shown and "cy" not in shown and NOTE not in shown
