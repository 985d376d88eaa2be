"""Who may do what and who sees what (bot/core/access.py) on Slack, role by role.

Real bolt and slack_sdk against the Slack stand-in, a real StudyBot on SQLite, the test's clock.
One group is played once for the whole module: Ada organizes, Bea is a member, Cy is the member
who writes a private note, Dev never joined. Each test then checks one part of what was recorded:
the private answers, the channel's posts and threads, and the export shown inline.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ..standins.slack_server import visible_text
from .harness import ADA, BEA, CY, DEV, FIRST_KICKOFF, NAMES, SlackHarness, slack_bot

ORGANIZER, MEMBER, AUTHOR, OUTSIDER = ADA, BEA, CY, DEV
NOTE = "my mum is in hospital"
JOIN_FIRST = "You're not in this study group yet: type `/study join` first."
ORGANIZERS_ONLY = "Only organizers can"

# What each role gets for each command: a refusal, or a phrase of the answer. ``join`` comes
# last: it makes the outsider a member.
TABLE: dict[str, tuple[str, str, str]] = {
    # command: (outsider, member, organizer)
    "progress": (JOIN_FIRST, "Group progress", "Group progress"),
    "me": (JOIN_FIRST, "Bea's progress", "Ada's progress"),
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
    f"organizer add <@{BEA}>": (JOIN_FIRST, ORGANIZERS_ONLY, "is now an organizer"),
    "help": ("studybot commands", "studybot commands", "studybot commands"),
    "syllabus list": ("Syllabi", "Syllabi", "Syllabi"),
    "join": ("Welcome to the study group", "already in this group", "already in this group"),
}
ROLES = {"outsider": OUTSIDER, "member": MEMBER, "organizer": ORGANIZER}


@dataclass
class Played:
    """What happened: what each person saw after each command, and what the database held."""

    answers: dict[tuple[str, str], str] = field(default_factory=dict)
    clicks: dict[str, str] = field(default_factory=dict)
    counts_before_outsider: tuple[int, ...] = ()
    counts_after_outsider: tuple[int, ...] = ()
    authors_own: str = ""
    received_by_others: list[str] = field(default_factory=list)
    summary: str = ""
    violations: list[str] = field(default_factory=list)


def counts(h: SlackHarness) -> tuple[int, ...]:
    """Members, check-ins and questions in the database."""
    with sqlite3.connect(h.database) as db:
        return tuple(
            db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("members", "checkins", "questions")
        )


async def seen_after(h: SlackHarness, user: str, act: Any) -> str:
    """Do ``act``; what ``user`` then saw: their new private answers and the new posts."""
    private, posts = len(h.standin.private_to(user)), len(h.posts())
    await act()
    await h.standin.wait_for(
        lambda: h.standin.private_to(user)[private:] or h.posts()[posts:], what=f"{user}'s answer"
    )
    await h.adapter.listeners.drain(5)  # whatever else the command sends, sent
    shown = [
        visible_text({"blocks": p.blocks, "text": p.text})
        for p in h.standin.private_to(user)[private:]
    ]
    return "\n".join(shown + [visible_text(m) for m in h.posts()[posts:]])


def everything_sent_to_others(h: SlackHarness) -> list[str]:
    """Every post, thread reply and view, and every private answer to anyone but the author."""
    found = [visible_text(m) for messages in h.standin.channels.values() for m in messages]
    found += [visible_text(m) for messages in h.standin.threads.values() for m in messages]
    found += [
        visible_text({"blocks": p.blocks, "text": p.text})
        for p in h.standin.private
        if p.user != AUTHOR
    ]
    found += [visible_text(v) for v in h.standin.views_opened]
    return found


async def play(tmp_path: Path) -> Played:
    played = Played()
    async with slack_bot(tmp_path) as h:
        await seen_after(h, ORGANIZER, lambda: h.workspace.slash(ORGANIZER, "start mml"))
        for user in (MEMBER, AUTHOR):
            await seen_after(h, user, lambda user=user: h.workspace.slash(user, "join"))
        await h.tick_to(FIRST_KICKOFF)
        kickoff = next(m for m in h.posts() if "Week 1" in visible_text(m))
        await seen_after(h, AUTHOR, lambda: h.workspace.slash(AUTHOR, f"checkin behind {NOTE}"))
        played.authors_own = await seen_after(h, AUTHOR, lambda: h.workspace.slash(AUTHOR, "me"))

        # The kickoff's buttons pressed by someone who never joined.
        played.counts_before_outsider = counts(h)
        played.clicks["Done"] = await seen_after(
            h, OUTSIDER, lambda: h.workspace.click(OUTSIDER, kickoff, "Done")
        )
        opened = len(h.standin.views_opened)
        await h.workspace.click(OUTSIDER, kickoff, "Ask a question")
        views = await h.standin.wait_for(lambda: h.standin.views_opened[opened:], what="the form")
        played.clicks["Ask"] = await seen_after(
            h,
            OUTSIDER,
            lambda: h.workspace.submit(OUTSIDER, views[0], {"question": {"text": "Why?"}}),
        )

        for role, user in ROLES.items():
            for command in TABLE:
                if (user, command) == (OUTSIDER, "join"):
                    played.counts_after_outsider = counts(h)
                played.answers[role, command] = await seen_after(
                    h, user, lambda user=user, command=command: h.workspace.slash(user, command)
                )
        played.clicks["member's Done"] = await seen_after(
            h, MEMBER, lambda: h.workspace.click(MEMBER, kickoff, "Done")
        )

        summary = await h.let_time_pass(
            lambda: [m for m in h.posts() if visible_text(m).startswith("Weekly summary")],
            "the weekly summary",
        )
        played.summary = visible_text(summary[0])
        played.received_by_others = everything_sent_to_others(h)
        played.violations = list(h.standin.violations)
    return played


def names(text: str, *people: str) -> list[str]:
    """Which of ``people`` ``text`` names (as a word: "cy" is not in "policy")."""
    return [name for name in people if re.search(rf"\b{re.escape(name)}\b", text)]


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> Played:
    return asyncio.run(play(tmp_path_factory.mktemp("slack-privacy")))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("command", TABLE)
def test_who_gets_what(played: Played, role: str, command: str) -> None:
    expected = TABLE[command][list(ROLES).index(role)]
    shown = played.answers[role, command]
    if expected == JOIN_FIRST:
        assert shown == JOIN_FIRST
    elif expected == ORGANIZERS_ONLY:
        assert shown.startswith(ORGANIZERS_ONLY), shown
    else:
        assert expected in shown, shown
        assert JOIN_FIRST not in shown and ORGANIZERS_ONLY not in shown


def test_an_outsider_is_enrolled_by_nothing_but_join(played: Played) -> None:
    assert played.counts_after_outsider == played.counts_before_outsider


def test_the_kickoff_buttons_refuse_an_outsider(played: Played) -> None:
    assert played.clicks["Done"] == JOIN_FIRST
    assert played.clicks["Ask"] == JOIN_FIRST
    # The same button works for a member: the refusal was about who pressed it.
    assert "Checked in as done" in played.clicks["member's Done"]


def test_only_organizers_see_names_in_progress(played: Played) -> None:
    organizer, member = (
        played.answers["organizer", "progress"],
        played.answers["member", "progress"],
    )
    assert f"Behind this week (reach out!): {NAMES[AUTHOR]}" in organizer
    assert names(member, NAMES[AUTHOR], NAMES[ORGANIZER]) == []
    assert "Only organizers see who has checked in." in member


def test_a_note_reaches_nobody_but_its_author(played: Played) -> None:
    assert NOTE in played.authors_own  # the author reads it: the search below can find it
    export = played.answers["organizer", "export csv"]
    assert f"{NAMES[AUTHOR]},{AUTHOR},behind" in export  # the CSV itself, shown inline
    assert export in played.received_by_others
    assert not [text for text in played.received_by_others if NOTE in text]


def test_the_weekly_summary_shows_counts_only(played: Played) -> None:
    counted = "*Done*\n2\n*Partly*\n0\n*Behind*\n1\n*No check-in*\n1"
    assert counted in played.summary, played.summary
    # Names appear only as the askers of open questions (public posts already), never by
    # how someone checked in.
    standings = [line for line in played.summary.splitlines() if "(asked by" not in line]
    assert names("\n".join(standings), *NAMES.values()) == [], played.summary
    assert NOTE not in played.summary


def test_every_call_was_one_slack_accepts(played: Played) -> None:
    assert played.violations == []
