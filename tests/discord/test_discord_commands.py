"""`/study` as an application command group: every core command is there, each typed form
becomes the text the core's one grammar parses, and autocomplete offers what exists."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.adapters.discord.commands import UNDER_MEETING, UNDER_ORGANIZER
from bot.adapters.discord.qa_commands import UNDER_QA
from bot.core import grammar as cmd
from bot.core.models import CommandEvent, Person, Place

from ..conftest import SCHEDULES
from .harness import Recorder, World, adapter_only, bot_in_process

CASES: list[tuple[tuple[str, ...], dict[str, Any], str, type]] = [
    (("help",), {}, "help", cmd.Help),
    (("help",), {"command": "checkin"}, "help checkin", cmd.Help),
    (("join",), {}, "join", cmd.Join),
    (("leave",), {}, "leave", cmd.Leave),
    (
        ("checkin",),
        {"status": "partial", "note": "§2.3 took longer"},
        "checkin partial §2.3 took longer",
        cmd.CheckIn,
    ),
    (("ask",), {"question": "Why is $Ax = b$ linear?"}, "ask Why is $Ax = b$ linear?", cmd.Ask),
    (("resolve",), {}, "resolve", cmd.Resolve),
    (("questions",), {"scope": "all", "unit": "mml-02"}, "questions all mml-02", cmd.Questions),
    (("questions",), {"unit": "mml-02"}, "questions mml-02", cmd.Questions),
    (("progress",), {}, "progress", cmd.Progress),
    (("me",), {}, "me", cmd.Me),
    (("schedule",), {}, "schedule", cmd.ShowSchedule),
    (("schedule",), {"all": True}, "schedule all", cmd.ShowSchedule),
    (("syllabus", "list"), {}, "syllabus list", cmd.SyllabusList),
    (("syllabus", "show"), {"syllabus": "mml"}, "syllabus show mml", cmd.SyllabusShow),
    (("reminders",), {"mode": "dm"}, "reminders dm", cmd.Reminders),
    (("reminders",), {"mode": "off"}, "reminders off", cmd.Reminders),
    (("organizer", "list"), {}, "organizers", cmd.Organizers),
    (("qa", "faq"), {}, "faq", cmd.Faq),
    (("qa", "faq"), {"unit": "mml-02"}, "faq mml-02", cmd.Faq),
    (("qa", "faq"), {"mark": "hide", "number": 12}, "faq hide 12", cmd.Faq),
    (("qa", "sharing"), {"state": "on"}, "sharing on", cmd.Sharing),
    (("qa", "reopen"), {}, "reopen", cmd.Reopen),
    (("qa", "reopen"), {"number": 3}, "reopen 3", cmd.Reopen),
    (
        ("qa", "edit"),
        {"number": 3, "question": "What is $A^T$?"},
        "edit 3 What is $A^T$?",
        cmd.Edit,
    ),
    (("qa", "move"), {"number": 3, "unit": "mml-04"}, "move 3 mml-04", cmd.Move),
    (("qa", "withdraw"), {"number": 3}, "withdraw 3", cmd.Withdraw),
    (
        ("start",),
        {
            "syllabus": "mml",
            "from": "2026-10-06",
            "every": "tuesday",
            "at": "19:30",
            "tz": "Europe/Berlin",
            "pace": 2,
        },
        "start mml from 2026-10-06 every tuesday at 19:30 tz Europe/Berlin pace 2",
        cmd.Start,
    ),
    (("start",), {"syllabus": "strang-ila", "at": "07:00"}, "start strang-ila at 07:00", cmd.Start),
    (("plan",), {"schedule": "mml-berlin-mondays"}, "plan mml-berlin-mondays", cmd.Plan),
    (("pause",), {}, "pause", cmd.Pause),
    (("resume",), {}, "resume", cmd.Resume),
    (("skip",), {}, "skip", cmd.Skip),
    (("stop",), {}, "stop", cmd.Stop),
    (("stop",), {"confirm": True}, "stop confirm", cmd.Stop),
    (
        ("meeting", "reschedule"),
        {"every": "wednesday", "at": "19:30"},
        "reschedule every wednesday at 19:30",
        cmd.Reschedule,
    ),
    (("meeting", "break"), {"first": "2026-12-21"}, "break 2026-12-21", cmd.Break),
    (("meeting", "holidays"), {"country": "DE"}, "holidays DE", cmd.Holidays),
    (("meeting", "unskip"), {}, "unskip", cmd.Unskip),
    (("meeting", "remind"), {"before": "30m"}, "remind before 30m", cmd.Remind),
    (("meeting", "remind"), {"before": "off"}, "remind off", cmd.Remind),
    (
        ("meeting", "link"),
        {"url": "https://meet.example.org/x"},
        "meeting link https://meet.example.org/x",
        cmd.MeetAt,
    ),
    (("meeting", "place"), {"where": "Room 4"}, "meeting place Room 4", cmd.MeetAt),
    (("tex",), {"formula": "x^2"}, "tex x^2", cmd.Tex),
    (("away",), {"until": "2026-12-20"}, "away until 2026-12-20", cmd.Away),
    (("back",), {}, "back", cmd.Back),
    (("export",), {"format": "ical"}, "export ical", cmd.Export),
]


async def test_every_core_command_is_a_subcommand_and_each_becomes_its_text(world: World) -> None:
    recorder = Recorder()
    async with adapter_only(world, recorder):
        study = world.server.commands["study"]
        # `/study meeting` holds the changes to a group's meetings, `/study qa` the FAQ and
        # sharing, `/study organizer list` the organizers (Discord allows 25 under /study).
        nested = {*UNDER_MEETING, *UNDER_QA, *UNDER_ORGANIZER}
        top = {option["name"] for option in study["options"]}
        assert top == set(cmd.SPECS) - nested | {"qa"} and len(top) <= 25
        qa = next(o for o in study["options"] if o["name"] == "qa")
        assert {o["name"] for o in qa["options"]} == set(UNDER_QA)
        meeting = next(o for o in study["options"] if o["name"] == "meeting")
        assert {o["name"] for o in meeting["options"]} == {*UNDER_MEETING, "link", "place"}
        assert world.server.synced_to == "guild"  # DISCORD_GUILD_ID: instant, for trials

        ada, alan = world["ada"], world["alan"]
        for path, options, text, kind in CASES:
            answer = await world.server.command(alan, world.text, *path, **options)
            assert answer.ephemeral and answer.text == "ok"
            event = recorder.events[-1]
            assert isinstance(event, CommandEvent) and event.text == text, path
            assert isinstance(cmd.parse(event.text), kind)

        await world.server.command(ada, world.text, "organizer", "add", member=alan)
        event = recorder.events[-1]
        assert isinstance(event, CommandEvent)
        assert event.text == f"organizer add <@{alan.id}>"
        assert cmd.parse(event.text) == cmd.Organizer(add=True, member=f"<@{alan.id}>")
        assert event.who == Person(user_id=ada.id, name="ada", is_admin=True)  # Manage Server
        assert event.where == Place(
            platform="discord", workspace=world.guild.id, channel=world.text.id
        )
        assert event.event_id == max(world.server.answers, key=int)
    assert world.server.violations == []


async def test_a_command_in_a_thread_belongs_to_the_parent_channel(world: World) -> None:
    recorder = Recorder()
    async with adapter_only(world, recorder):
        thread = world.guild.thread(parent=world.text, name="Question 1", owner=world.guild.bot.id)
        await world.server.command(world["grace"], thread, "resolve")
    (event,) = recorder.events
    assert event.who.is_admin is False
    assert event.where == Place(
        platform="discord", workspace=world.guild.id, channel=world.text.id, thread=thread.id
    )


async def test_without_a_server_id_commands_are_synced_globally(world: World) -> None:
    recorder = Recorder()
    async with adapter_only(world, recorder, env={"DISCORD_GUILD_ID": ""}):
        assert world.server.synced_to == "global"
        await world.server.command(world["emmy"], world.text, "me")
    assert [e.text for e in recorder.events if isinstance(e, CommandEvent)] == ["me"]


@pytest.mark.parametrize(
    ("path", "focused", "typed", "expected"),
    [
        (
            ("start",),
            "syllabus",
            "ml",
            ["ml-engineer", "ml-math-path", "mml"],
        ),  # starts with, then contains
        (("syllabus", "show"), "syllabus", "strang", ["strang-ila"]),
        (("plan",), "schedule", "mml", ["mml-berlin-mondays"]),
        (("start",), "tz", "Europe/Berl", ["Europe/Berlin"]),
    ],
)
async def test_autocomplete_offers_syllabi_schedules_and_zones(
    world: World,
    tmp_path: Path,
    path: tuple[str, ...],
    focused: str,
    typed: str,
    expected: list[str],
) -> None:
    async with bot_in_process(world, tmp_path) as studybot:
        for schedule in SCHEDULES.glob("*.yaml"):
            (studybot.schedules / schedule.name).write_text(schedule.read_text())
        choices = await world.server.autocomplete(
            world["ada"], world.text, *path, focused=focused, **{focused: typed}
        )
    assert [c["value"] for c in choices][: len(expected)] == expected
    assert all(len(c["name"]) <= 100 for c in choices) and len(choices) <= 25


async def test_autocomplete_offers_the_units_of_the_groups_syllabus(
    world: World, tmp_path: Path
) -> None:
    async with bot_in_process(world, tmp_path):
        ada = world["ada"]
        nothing = await world.server.autocomplete(
            ada, world.text, "questions", focused="unit", unit=""
        )
        await world.server.command(ada, world.text, "start", syllabus="mml", tz="UTC")
        choices = await world.server.autocomplete(
            ada, world.text, "questions", focused="unit", unit="mml-0"
        )
    assert nothing == []
    assert choices[1] == {"name": "mml-02: Linear Algebra", "value": "mml-02"}
    assert [c["value"] for c in choices] == [f"mml-0{n}" for n in range(1, 10)]
    assert world.server.violations == []


async def test_a_first_start_asks_for_the_zone_and_the_next_start_keeps_it(
    world: World, tmp_path: Path
) -> None:
    ada = world["ada"]
    async with bot_in_process(world, tmp_path):
        await world.server.command(ada, world.text, "join")
        # Discord does not tell a member's zone: a first start without one asks and starts nothing.
        asked = await world.server.command(ada, world.text, "start", syllabus="mml")
        assert asked.ephemeral
        assert "Which time zone does the group meet in?" in asked.text
        assert "`/study start mml tz Europe/Berlin`" in asked.text
        schedule = await world.server.command(ada, world.text, "schedule")
        assert "Starting" not in schedule.text and "/study start" in schedule.text

        started = await world.server.command(
            ada, world.text, "start", syllabus="mml", every="wednesday", tz="America/Chicago"
        )
        assert "Starting" in started.text and "America/Chicago" in started.text
        await world.server.command(ada, world.text, "stop", confirm=True)
        # The next book: day, time and zone of the last run, without asking again.
        again = await world.server.command(ada, world.text, "start", syllabus="strang-ila")
        assert "Starting" in again.text and "America/Chicago" in again.text
        assert "Wednesday" in again.text
    assert world.server.violations == []
