"""Who may do what and who sees what (bot/core/access.py) in the console, role by role.

One group is played once for the whole module (the console adapter in this process, a real
StudyBot on SQLite, a clock the test moves): ada organizes, bea is a member, cy is the member who
writes a private note, dan never joined. Each test then checks one part of what was recorded.
"""

from __future__ import annotations

import asyncio
import io
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.console import Console

from bot.adapters.console.adapter import ConsoleAdapter, console_chat
from bot.adapters.console.transcript import Entry
from bot.core.clock import FakeClock
from bot.core.models import Reply
from bot.runtime.lifespan import running
from bot.runtime.settings import Settings

from .conftest import CONTENT

ORGANIZER, MEMBER, AUTHOR, OUTSIDER = "ada", "bea", "cy", "dan"
NOTE = "my mum is in hospital"
JOIN_FIRST = "You're not in this study group yet: type `/study join` first."
ORGANIZERS_ONLY = "Only organizers can"
START = datetime(2026, 3, 2, 9, tzinfo=UTC)  # a Monday morning
KICKOFF = datetime(2026, 3, 2, 17, 30, tzinfo=UTC)  # the 18:00 Berlin session has begun

# What each role gets for each command: a refusal, or a phrase of the answer. ``join`` comes
# last: it makes the outsider a member.
TABLE: dict[str, tuple[str, str, str]] = {
    # command: (outsider, member, organizer)
    "progress": (JOIN_FIRST, "Group progress", "Group progress"),
    "me": (JOIN_FIRST, "bea's progress", "ada's progress"),
    "export csv": (JOIN_FIRST, ORGANIZERS_ONLY, "checkins.csv"),
    "export ical": (JOIN_FIRST, ".ics", ".ics"),
    "checkin done": (JOIN_FIRST, "Checked in as done", "Checked in as done"),
    # The organizer asks after the member, in the same words: the member's is suggested first.
    "ask What is a norm?": (JOIN_FIRST, "Your question is posted", "Asked before"),
    "questions": (JOIN_FIRST, "Open questions", "Open questions"),
    "schedule": (JOIN_FIRST, "Coming up", "Coming up"),
    "reminders dm": (JOIN_FIRST, "mid-week nudge", "mid-week nudge"),
    "pause": (JOIN_FIRST, ORGANIZERS_ONLY, "Paused"),
    "resume": (JOIN_FIRST, ORGANIZERS_ONLY, "Resumed"),
    "skip": (JOIN_FIRST, ORGANIZERS_ONLY, "Skipped a week"),
    "stop": (JOIN_FIRST, ORGANIZERS_ONLY, "Stopping ends"),
    "organizer add bea": (JOIN_FIRST, ORGANIZERS_ONLY, "bea is now an organizer"),
    "help": ("studybot commands", "studybot commands", "studybot commands"),
    "syllabus list": ("Syllabi", "Syllabi", "Syllabi"),
    "join": ("Welcome to the study group", "already in this group", "already in this group"),
}
ROLES = {OUTSIDER: 0, MEMBER: 1, ORGANIZER: 2}


@dataclass
class Played:
    """What happened: each answer by (person, command), and what the database held."""

    answers: dict[tuple[str, str], Reply | None] = field(default_factory=dict)
    clicks: dict[str, Reply | None] = field(default_factory=dict)
    counts_before_outsider: tuple[int, int, int] = (0, 0, 0)
    counts_after_outsider: tuple[int, int, int] = (0, 0, 0)
    authors_own: str = ""
    sent: list[Entry] = field(default_factory=list)
    summary: str = ""


def counts(database: Path) -> tuple[int, int, int]:
    """Members, check-ins and questions in the database."""
    with sqlite3.connect(database) as db:
        return tuple(
            db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("members", "checkins", "questions")
        )  # type: ignore[return-value]


async def play(home: Path) -> Played:
    played = Played()
    clock = FakeClock(START)
    adapter = ConsoleAdapter(console=Console(file=io.StringIO(), width=120))
    settings = Settings(home=home, content=CONTENT)
    async with running(
        settings=settings, adapters=[adapter], clock=clock, tick_seconds=None
    ) as app:
        chat = console_chat(bot=app.bot, adapter=adapter)
        await chat.command("start mml every monday at 18:00 tz Europe/Berlin", by=ORGANIZER)
        await chat.command("join", by=MEMBER)
        await chat.command("join", by=AUTHOR)
        clock.set(KICKOFF)
        await app.deliverer.tick()
        await chat.command(f"checkin behind {NOTE}", by=AUTHOR)
        own = await chat.command("me", by=AUTHOR)
        played.authors_own = own.message.text if own else ""
        database = home / "studybot.db"

        # The kickoff's buttons ("click checkin 1:done" and the Ask form) pressed by an outsider.
        played.counts_before_outsider = counts(database)
        played.clicks["checkin"] = await chat.click("checkin", "1:done", by=OUTSIDER)
        played.clicks["ask"] = await chat.click("ask", "What is a norm?", by=OUTSIDER)
        for who in (OUTSIDER, MEMBER, ORGANIZER):
            for command in TABLE:
                if (who, command) == (OUTSIDER, "join"):
                    played.counts_after_outsider = counts(database)
                played.answers[who, command] = await chat.command(command, by=who)
        played.clicks["member checkin"] = await chat.click("checkin", "1:done", by=MEMBER)

        for _ in range(4 * 14):  # six hours at a time, until the weekly summary is posted
            summaries = [e for e in adapter.sent if e.text.startswith("Weekly summary")]
            if summaries:
                played.summary = summaries[0].text
                break
            clock.advance(timedelta(hours=6))
            await app.deliverer.tick()
        played.sent = list(adapter.sent)
    return played


def names(text: str, *people: str) -> list[str]:
    """Which of ``people`` ``text`` names (as a word: "cy" is not in "policy")."""
    return [name for name in people if re.search(rf"\b{re.escape(name)}\b", text)]


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> Played:
    return asyncio.run(play(tmp_path_factory.mktemp("console-privacy")))


def text_of(reply: Reply | None) -> str:
    assert reply is not None, "no answer"
    return reply.message.text


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("command", TABLE)
def test_who_gets_what(played: Played, who: str, command: str) -> None:
    expected = TABLE[command][ROLES[who]]
    reply = played.answers[who, command]
    shown = text_of(reply) + "".join(a.filename for a in reply.message.attachments)  # type: ignore[union-attr]
    if expected == JOIN_FIRST:
        assert shown == JOIN_FIRST and reply.ephemeral  # type: ignore[union-attr]
    elif expected == ORGANIZERS_ONLY:
        assert shown.startswith(ORGANIZERS_ONLY), shown
    else:
        assert expected in shown, shown
        assert JOIN_FIRST not in shown and ORGANIZERS_ONLY not in shown


def test_an_outsider_is_enrolled_by_nothing_but_join(played: Played) -> None:
    assert played.counts_after_outsider == played.counts_before_outsider


def test_the_kickoff_buttons_refuse_an_outsider(played: Played) -> None:
    assert text_of(played.clicks["checkin"]) == JOIN_FIRST
    assert text_of(played.clicks["ask"]) == JOIN_FIRST
    # The same button works for a member: the refusal was about who pressed it.
    assert "Checked in as done" in text_of(played.clicks["member checkin"])


def test_only_organizers_see_names_in_progress(played: Played) -> None:
    organizer = text_of(played.answers[ORGANIZER, "progress"])
    member = text_of(played.answers[MEMBER, "progress"])
    assert f"Behind this week (reach out!): {AUTHOR}" in organizer
    assert names(member, AUTHOR, ORGANIZER) == []
    assert "Only organizers see who has checked in." in member


def test_a_note_reaches_nobody_but_its_author(played: Played) -> None:
    assert NOTE in played.authors_own  # the author reads it: the search below can find it
    export = played.answers[ORGANIZER, "export csv"]
    assert export is not None
    (csv_file,) = export.message.attachments
    assert f"{AUTHOR},{AUTHOR},behind" in csv_file.content.decode()  # the real export
    received = [e.text for e in played.sent if e.to != AUTHOR]
    for (who, _), reply in played.answers.items():
        if reply is not None and who != AUTHOR:
            received.append(reply.message.text)
            received += [a.content.decode(errors="replace") for a in reply.message.attachments]
    assert received and not [text for text in received if NOTE in text]


def test_the_weekly_summary_shows_counts_only(played: Played) -> None:
    assert "Done: 2, Partly: 0, Behind: 1, No check-in: 1" in played.summary
    assert names(played.summary, ORGANIZER, MEMBER, AUTHOR, OUTSIDER) == [], played.summary
    assert NOTE not in played.summary
