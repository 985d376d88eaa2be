"""One study group, scripted once, played on every chat platform.

The same steps (join, start MML, the kickoff, check-ins with its buttons, a question through its
form, answers in the question's thread, ✅, the weekly summary) must leave the same check-ins,
questions and answers in the database whichever platform they were played on.

A platform's end-to-end test implements ``Driver`` with its own stand-in server and the real
``studybot run`` process, then::

    write_schedule(schedules_dir, SCHEDULE_NAME, first_meeting=simulated_now(home) + LEAD)
    await play(driver)
    assert stored_outcome(home / "studybot.db", platform="slack", channel=channel_id) == EXPECTED

Names are display names: a driver gives each member of ``MEMBERS`` a user on its platform whose
display name is that name, so the stored outcome is comparable across platforms. ``Driver``
methods return when the platform has shown the bot's answer (the stand-in received it); they
never sleep on the clock. ``await_kickoff`` and ``await_summary`` wait for the scheduled posts.

The run's schedule is short on purpose (reminder 12 hours and summary one day after the kickoff)
so that a bot on ``--fast 20000`` gets from kickoff to summary in about four seconds (and
from ``start`` to the kickoff in about one); the grace period covers a slow machine.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from bot.render import worker

ORGANIZER = "ada"
MEMBERS = ("ada", "grace", "alan", "emmy")
SCHEDULE_NAME = "scenario-mml"
LEAD = timedelta(hours=6)  # simulated time from writing the schedule to the first session
FAST = 20000  # the --fast factor the drivers run `studybot run` with

QUESTION = (
    "Why does $Ax = b$ have either zero, one or infinitely many solutions, never exactly two? "
    "Take $A = \\begin{pmatrix}1&2\\\\2&4\\end{pmatrix}$. @everyone"
)
MATRIX = "A = \\begin{pmatrix}1&2\\\\2&4\\end{pmatrix}"  # the one formula drawn under it
ANSWERS = (
    (
        "grace",
        "If $x_1 \\ne x_2$ both solve it, so does $x_1 + t(x_2 - x_1)$ for every $t$: a whole "
        "line of solutions.",
    ),
    ("alan", "Picture planes: they meet in nothing, in a point, or in a line (cc @here)."),
)
CHECKINS = (("ada", "done"), ("grace", "partial"), ("alan", "behind"), ("emmy", "done"))
ASKER = "emmy"


# --- the steps ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Join:
    """``member`` joins the group."""

    member: str


@dataclass(frozen=True)
class Start:
    """``organizer`` starts the run from the schedule file ``schedule`` (``/study plan``)."""

    organizer: str
    schedule: str  # a schedule file's name, for `/study plan`


@dataclass(frozen=True)
class AwaitKickoff:
    """Wait until the bot has posted the session's kickoff."""


@dataclass(frozen=True)
class CheckIn:
    """``member`` checks in with ``status`` by pressing a kickoff button."""

    member: str
    status: str  # done, partial or behind: a button on the kickoff


@dataclass(frozen=True)
class Ask:
    """``member`` asks ``text`` through the kickoff's question form."""

    member: str
    text: str  # through the kickoff's "Ask a question" button


@dataclass(frozen=True)
class Answer:
    """``member`` answers the last question with ``text`` in its thread."""

    member: str
    text: str  # in the thread of the question asked last


@dataclass(frozen=True)
class Resolve:
    """``member`` marks the last question resolved with ✅."""

    member: str  # ✅ on the question asked last


@dataclass(frozen=True)
class AwaitSummary:
    """Wait until the bot has posted the weekly summary."""


Step = Join | Start | AwaitKickoff | CheckIn | Ask | Answer | Resolve | AwaitSummary

STEPS: tuple[Step, ...] = (
    *(Join(name) for name in MEMBERS),
    Start(ORGANIZER, SCHEDULE_NAME),
    AwaitKickoff(),
    *(CheckIn(name, status) for name, status in CHECKINS),
    Ask(ASKER, QUESTION),
    *(Answer(name, text) for name, text in ANSWERS),
    Resolve(ASKER),
    AwaitSummary(),
)

# What the weekly summary counts after these steps (label: value, as in bot.core.posts).
SUMMARY = {"Done": "2", "Partly": "1", "Behind": "1", "No check-in": "0"}


class Driver(Protocol):
    """One platform playing the steps; each method returns once the bot has answered."""

    async def join(self, member: str) -> None: ...

    async def start(self, organizer: str, schedule: str) -> None: ...

    async def await_kickoff(self) -> None: ...

    async def check_in(self, member: str, status: str) -> None: ...

    async def ask(self, member: str, text: str) -> None: ...

    async def answer(self, member: str, text: str) -> None: ...

    async def resolve(self, member: str) -> None: ...

    async def await_summary(self) -> None: ...

    async def question_pictures(self) -> list[bytes]:
        """The pictures (PNG bytes) the platform shows with the last question's post."""
        ...

    async def summary_pictures(self) -> list[bytes]:
        """The pictures (PNG bytes) the platform shows with the weekly summary."""
        ...


async def play(driver: Driver, steps: tuple[Step, ...] = STEPS) -> None:
    for step in steps:
        match step:
            case Join(member):
                await driver.join(member)
            case Start(organizer, schedule):
                await driver.start(organizer, schedule)
            case AwaitKickoff():
                await driver.await_kickoff()
            case CheckIn(member, status):
                await driver.check_in(member, status)
            case Ask(member, text):
                await driver.ask(member, text)
            case Answer(member, text):
                await driver.answer(member, text)
            case Resolve(member):
                await driver.resolve(member)
            case AwaitSummary():
                await driver.await_summary()


def png_size(picture: bytes) -> tuple[int, int]:
    """A PNG's width and height, from its header (the test fails when it is no PNG)."""
    size = worker.png_size(picture)
    assert size is not None, picture[:16]
    return size


async def check_pictures(driver: Driver) -> None:
    """After ``play``: the question's 2x2 matrix shown typeset under its post (its only formula
    worth a picture), and the weekly summary's chart."""
    [matrix] = await driver.question_pictures()
    width, height = png_size(matrix)
    assert 60 <= width <= 600 and 40 <= height <= 300, (width, height)  # two rows, taller than text
    [chart] = await driver.summary_pictures()
    width, height = png_size(chart)
    assert 400 <= width <= 1600 and 200 <= height <= 900, (width, height)


# --- the schedule and the simulated clock ---------------------------------------------------------


def simulated_now(home: Path) -> datetime:
    """The simulated time of a `studybot run --fast` whose STUDYBOT_HOME is ``home``: the time
    it had reached when it last saved clock.json, plus the real time since then, sped up."""
    path = home / "clock.json"
    saved = json.loads(path.read_text(encoding="utf-8"))
    reached = datetime.fromisoformat(saved["reached"])
    real = datetime.now(UTC).timestamp() - path.stat().st_mtime
    return reached + timedelta(seconds=real * float(saved["factor"]))


def schedule_yaml(first_meeting: datetime) -> str:
    """A schedule for MML whose first session is at ``first_session`` (rounded up to the
    minute, in UTC)."""
    moment = first_meeting.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
    lines = [
        "syllabus: mml",
        "title: Scenario group",
        f"start: {moment:%Y-%m-%d}",
        f"weekday: {moment:%A}".lower(),
        f'time: "{moment:%H:%M}"',
        "timezone: UTC",
        "reminder: 12h",
        "summary: 1d",
        "grace: 1d",
    ]
    return "\n".join(lines) + "\n"


def write_schedule(folder: Path, name: str, *, first_meeting: datetime) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(schedule_yaml(first_meeting), encoding="utf-8")
    return path


# --- what it leaves in the database ---------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What the steps leave in the database, by display name, so platforms compare."""

    checkins: frozenset[tuple[str, str]]  # (member, status)
    questions: tuple[tuple[str, str, str], ...]  # (asker, text, status), in order
    answers: tuple[tuple[str, str], ...]  # (member, text), in order


EXPECTED = Outcome(
    checkins=frozenset(CHECKINS),
    questions=((ASKER, QUESTION, "resolved"),),
    answers=ANSWERS,
)


def stored_outcome(database: Path, *, platform: str, channel: str) -> Outcome:
    """The check-ins, questions and answers of the group in ``channel``, by display name."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10) as db:
        group = db.execute(
            "SELECT id FROM groups WHERE platform = ? AND channel = ?", (platform, channel)
        ).fetchone()
        if group is None:
            return Outcome(frozenset(), (), ())
        names = dict(db.execute("SELECT id, display_name FROM members WHERE group_id = ?", group))
        checkins = db.execute(
            "SELECT c.member_id, c.status FROM checkins c JOIN sessions s ON s.id = c.session_id "
            "JOIN runs r ON r.id = s.run_id WHERE r.group_id = ?",
            group,
        ).fetchall()
        questions = db.execute(
            "SELECT q.id, q.member_id, q.text, q.status FROM questions q "
            "JOIN runs r ON r.id = q.run_id WHERE r.group_id = ? ORDER BY q.id",
            group,
        ).fetchall()
        answers = db.execute(
            "SELECT a.member_id, a.text FROM answers a JOIN questions q ON q.id = a.question_id "
            "JOIN runs r ON r.id = q.run_id WHERE r.group_id = ? ORDER BY a.id",
            group,
        ).fetchall()
    return Outcome(
        checkins=frozenset((names[m], status) for m, status in checkins),
        questions=tuple((names[m], text, status) for _, m, text, status in questions),
        answers=tuple((names[m], text) for m, text in answers),
    )
