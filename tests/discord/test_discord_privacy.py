"""Who may do what and who sees what (bot/core/access.py) on Discord, role by role.

Real discord.py against the Discord stand-in, a real StudyBot on SQLite, the test's clock. One
group is played once for the whole module in the text channel: ada organizes (she may also
manage the server), grace is a member, alan is the member who writes a private note, mallory
never joined. Each test then checks one part of what was recorded: the interaction answers, the
channels' messages and the files the bot uploaded.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ..standins.discord_server import Answer, message_text
from .harness import World, bot_in_process, custom_ids, discord_world, rows

ORGANIZER, MEMBER, AUTHOR, OUTSIDER = "ada", "grace", "alan", "mallory"
NOTE = "my mum is in hospital"
JOIN_FIRST = "You're not in this study group yet: type `/study join` first."
ORGANIZERS_ONLY = "Only organizers can"

# What each role gets for each command: a refusal, or a phrase of the answer. ``join`` comes
# last: it makes the outsider a member. Options naming a person are resolved in the server.
TABLE: dict[str, tuple[tuple[str, ...], dict[str, str], tuple[str, str, str]]] = {
    # label: (subcommand, options, (outsider, member, organizer))
    "progress": (("progress",), {}, (JOIN_FIRST, "Group progress", "Group progress")),
    "me": (("me",), {}, (JOIN_FIRST, "grace's progress", "ada's progress")),
    "export csv": (("export",), {"format": "csv"}, (JOIN_FIRST, ORGANIZERS_ONLY, "Here is")),
    "export ical": (("export",), {"format": "ical"}, (JOIN_FIRST, "Here is", "Here is")),
    "checkin": (
        ("checkin",),
        {"status": "done"},
        (JOIN_FIRST, "Checked in as done", "Checked in as done"),
    ),
    "ask": (
        ("ask",),
        {"question": "What is a norm?"},
        # The organizer asks after the member, in the same words: the member's comes first.
        (JOIN_FIRST, "Your question is posted", "Asked before"),
    ),
    "questions": (("questions",), {}, (JOIN_FIRST, "Open questions", "Open questions")),
    "schedule": (("schedule",), {}, (JOIN_FIRST, "Coming up", "Coming up")),
    "reminders": (("reminders",), {"mode": "dm"}, (JOIN_FIRST, "mid-week nudge", "mid-week nudge")),
    "pause": (("pause",), {}, (JOIN_FIRST, ORGANIZERS_ONLY, "Paused")),
    "resume": (("resume",), {}, (JOIN_FIRST, ORGANIZERS_ONLY, "Resumed")),
    "skip": (("skip",), {}, (JOIN_FIRST, ORGANIZERS_ONLY, "Skipped a week")),
    "stop": (("stop",), {}, (JOIN_FIRST, ORGANIZERS_ONLY, "Stopping ends")),
    "organizer add": (
        ("organizer", "add"),
        {"member": MEMBER},
        (JOIN_FIRST, ORGANIZERS_ONLY, "is now an organizer"),
    ),
    "help": (("help",), {}, ("studybot commands", "studybot commands", "studybot commands")),
    "syllabus list": (("syllabus", "list"), {}, ("Syllabi", "Syllabi", "Syllabi")),
    "join": (
        ("join",),
        {},
        ("Welcome to the study group", "already in this group", "already in this group"),
    ),
}
ROLES = {"outsider": OUTSIDER, "member": MEMBER, "organizer": ORGANIZER}


@dataclass
class Played:
    """What happened: each answer by (role, command), what the database held, what was sent."""

    answers: dict[tuple[str, str], str] = field(default_factory=dict)
    private: dict[tuple[str, str], bool] = field(default_factory=dict)
    clicks: dict[str, str] = field(default_factory=dict)
    counts_before_outsider: tuple[int, ...] = ()
    counts_after_outsider: tuple[int, ...] = ()
    authors_own: str = ""
    author_id: str = ""
    export: str = ""
    received_by_others: list[str] = field(default_factory=list)
    summary: str = ""
    violations: list[str] = field(default_factory=list)


def counts(database: Path) -> tuple[int, ...]:
    """Members, check-ins and questions in the database."""
    return tuple(
        rows(database, f"SELECT count(*) FROM {table}")[0][0]
        for table in ("members", "checkins", "questions")
    )


async def settled(world: World, answer: Answer) -> Answer:
    """The answer with its public follow-up, when the bot deferred it on a slow machine."""
    if answer.type == 5:
        await world.server.wait_for(lambda: answer.edits or answer.followups, "the answer")
    return answer


async def play(tmp_path: Path) -> Played:
    played = Played()
    async with discord_world() as world, bot_in_process(world, tmp_path) as studybot:
        server, channel = world.server, world.text

        async def command(name: str, *path: str, **options: Any) -> Answer:
            return await settled(
                world, await server.command(world[name], channel, *path, **options)
            )

        await command(ORGANIZER, "start", syllabus="mml", tz="UTC")
        for name in (MEMBER, AUTHOR):
            await command(name, "join")
        kickoff = await studybot.tick_until_true(
            lambda: next((m for m in server.bot_messages(channel.id) if custom_ids(m)), None),
            "the kickoff",
        )
        await command(AUTHOR, "checkin", status="behind", note=NOTE)
        played.authors_own = (await command(AUTHOR, "me")).text
        played.author_id = world[AUTHOR].id

        # The kickoff's buttons pressed by someone who never joined.
        played.counts_before_outsider = counts(studybot.database)
        done = next(c for c in custom_ids(kickoff) if c.endswith(":done"))
        ask = next(c for c in custom_ids(kickoff) if ":ask:" in c)
        outsider = world[OUTSIDER]
        played.clicks["Done"] = (await server.click(outsider, channel, kickoff, done)).text
        form = await server.click(outsider, channel, kickoff, ask)
        submitted = await server.submit(
            outsider, channel, form.data["custom_id"], {"question": "?"}
        )
        played.clicks["Ask"] = submitted.text

        others: list[Answer] = [form, submitted]
        for role, name in ROLES.items():
            for label, (path, options, _) in TABLE.items():
                if (name, label) == (OUTSIDER, "join"):
                    played.counts_after_outsider = counts(studybot.database)
                people = {k: world[v] if k == "member" else v for k, v in options.items()}
                answer = await command(name, *path, **people)
                played.answers[role, label] = answer.text
                played.private[role, label] = answer.ephemeral
                others.append(answer)
        member_done = await server.click(world[MEMBER], channel, kickoff, done)
        played.clicks["member's Done"] = member_done.text

        summary = await studybot.tick_until_true(
            lambda: [
                m
                for m in server.bot_messages(channel.id)
                if message_text(m).startswith("Weekly summary")
            ],
            "the weekly summary",
        )
        played.summary = message_text(summary[0])
        uploads = [s for s in server.requests if s.files]
        played.export = "\n".join(
            content.decode()
            for s in uploads
            for content in s.files.values()
            if b"status" in content
        )
        played.received_by_others = [
            *(message_text(m) for messages in world.guild.messages.values() for m in messages),
            *(message_text(m) for answer in others for m in answer.messages),
            # Files as text; a picture (a chart) decodes to noise the note cannot hide in.
            *(content.decode(errors="replace") for s in uploads for content in s.files.values()),
        ]
        played.violations = list(server.violations)
    return played


def names(text: str, *people: str) -> list[str]:
    """Which of ``people`` ``text`` names (as a word: "cy" is not in "policy")."""
    return [name for name in people if re.search(rf"\b{re.escape(name)}\b", text)]


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> Played:
    return asyncio.run(play(tmp_path_factory.mktemp("discord-privacy")))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("command", TABLE)
def test_who_gets_what(played: Played, role: str, command: str) -> None:
    expected = TABLE[command][2][list(ROLES).index(role)]
    shown = played.answers[role, command]
    if expected == JOIN_FIRST:
        assert shown == JOIN_FIRST and played.private[role, command]
    elif expected == ORGANIZERS_ONLY:
        assert shown.startswith(ORGANIZERS_ONLY) and played.private[role, command], shown
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
    assert f"Behind this week (reach out!): {AUTHOR}" in organizer
    assert names(member, AUTHOR, ORGANIZER) == []
    assert "Only organizers see who has checked in." in member


def test_a_note_reaches_nobody_but_its_author(played: Played) -> None:
    assert NOTE in played.authors_own  # the author reads it: the search below can find it
    assert f"{AUTHOR},{played.author_id},behind" in played.export  # the real CSV
    assert played.export in "\n".join(played.received_by_others)
    assert not [text for text in played.received_by_others if NOTE in text]


def test_the_weekly_summary_shows_counts_only(played: Played) -> None:
    for counted in ("Done: 2", "Partly: 0", "Behind: 1", "No check-in: 1"):
        assert counted in played.summary, played.summary
    # Names appear only as the askers of open questions (public posts already), never by
    # how someone checked in.
    standings = [line for line in played.summary.splitlines() if "asked by" not in line]
    assert names("\n".join(standings), ORGANIZER, MEMBER, AUTHOR, OUTSIDER) == [], played.summary
    assert NOTE not in played.summary


def test_every_request_was_one_discord_accepts(played: Played) -> None:
    assert played.violations == []
