"""What the bot answers about a run's life and calendar: starting, skipping, stopping, the
schedule. Kept apart from ``replies`` (which holds every other answer) only for size."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING

from bot.core import meeting_posts
from bot.core.models import (
    Actions,
    Block,
    Bullets,
    Button,
    Heading,
    Links,
    Message,
    Paragraph,
    Reply,
    SmallPrint,
)
from bot.core.posts import lead_time, local_time, plural, unit_ids
from bot.core.replies import titled
from bot.core.safety import defuse
from bot.domain.states import DeliveryKind
from bot.store.models import Meeting

if TYPE_CHECKING:  # the syllabus models (pydantic) load with the first syllabus read, not at start
    from bot.domain.schedule import Break, ScheduleSpec
    from bot.domain.syllabus import Syllabus

ALREADY_RUNNING = (
    "A syllabus is already running here, and a group reads one at a time. To read another, "
    "end this one with `/study stop` (it asks you to confirm), then `/study start` the new one."
)
SKIP_WHILE_PAUSED = (
    "The group is paused, so there is no next session to skip: nothing changed. "
    "`/study resume` first (sessions still to come move back), then `/study skip` if you "
    "want a week off."
)
STOP_GONE = "That run is no longer running; nothing was stopped. `/study schedule` shows what is."


def confirm_stop(title: str, *, sessions_left: int, run_id: int) -> Reply:
    """``/study stop``: what stopping would do, and the button that does it."""
    text = (
        f"Stopping ends “{title}” for good: {plural(sessions_left, 'session')} still to come "
        "will not be posted, and a stopped run cannot be resumed (check-ins and questions are "
        "kept). To only take a break, use `/study pause`. Press *Stop the run*, or type "
        "`/study stop confirm`."
    )
    button = Button("Stop the run", "stop", str(run_id), "danger")
    return Reply(message=Message(text=text, blocks=(Paragraph(text), Actions((button,)))))


STOPPED = "Stopped. No more scheduled posts; an organizer can `/study start` another syllabus."


def start_date_refused(start: date, *, latest: date | None = None) -> str:
    """``from DATE`` in the past, or (``latest`` given) more than two years ahead."""
    when = f"more than two years ahead (the latest is {latest})" if latest else "in the past"
    return (
        f"The start date {start} is {when}. Give another `from YYYY-MM-DD`, or leave `from` "
        "out to start on the next meeting day."
    )


def zone_refused(problem: str) -> str:
    """``tz EST``, ``tz UTC+2``, ``tz Mars/Olympus``: the zone's problem and what to type."""
    return f"That time zone won't do: {defuse(problem)}. Give it as `tz <Area/City>`, e.g. `tz Europe/Berlin`."


def zone_wanted(syllabus_id: str) -> str:
    """A first start without ``tz`` where the platform does not tell the organizer's zone."""
    return (
        "Which time zone does the group meet in? Start again with it, for example "
        f"`/study start {syllabus_id} tz Europe/Berlin` (`tz` suggests zones as you type; "
        "`tz UTC` suits a group spread around the world). Later starts keep it."
    )


def started(
    syllabus: Syllabus,
    spec: ScheduleSpec,
    meetings: list[Meeting],
    *,
    ephemeral: bool,
    moved_from: tuple[str, date] | None = None,
) -> Reply:
    """A run has begun: when and how often the group meets. ``moved_from``: the schedule file
    and the start it gave, which had passed (the run starts on the next session day)."""
    first = meetings[0]
    moved = []
    if moved_from is not None:
        name, given = moved_from
        moved = [
            Paragraph(
                f"`{name}` starts on {given:%a %d %b %Y}, which has passed, so the run starts "
                "on the next session day instead. Edit its `start:` to choose another."
            )
        ]
    blocks = [
        *moved,
        Paragraph(
            f"{syllabus.title}: {plural(len(meetings), 'session')}, every {spec.weekday.title()} at {spec.time:%H:%M} "
            f"({spec.timezone}). The first one is {local_time(first.starts_at, spec.timezone)}: {first.title}."
        ),
        Paragraph("Join with `/study join`. `/study schedule` lists the dates."),
        Links((meeting_posts.add_to_calendar(first, where=spec.link or spec.place),)),
    ]
    return titled(f"Starting {syllabus.title}", blocks, ephemeral=ephemeral)


def schedule(
    following: list[Meeting],
    zone: str,
    *,
    heading: str,
    paused: bool,
    ephemeral: bool,
    where: str | None = None,
) -> Reply:
    """The next meetings (at most five), in the group's zone; given ``where`` (the meeting
    link or place, "" for none), each with a link that adds it to a calendar at that location
    (not while paused: the dates will move)."""
    if paused:
        heading = "Paused. When it resumes, sessions move back. Planned so far:"
    if not following:
        return titled(heading, [Paragraph("No sessions left in this run.")], ephemeral=ephemeral)
    blocks: list[Block] = [Bullets(tuple(_dated(m, zone) for m in following))]
    if where is not None and not paused:
        links = tuple(meeting_posts.add_to_calendar(m, where=where) for m in following)
        blocks += [Links(links), SmallPrint(meeting_posts.WHOLE_CALENDAR)]
    return titled(heading, blocks, ephemeral=ephemeral)


def _dated(meeting: Meeting, zone: str) -> str:
    units = ", ".join(unit_ids(meeting))
    return f"Week {meeting.week}: {local_time(meeting.starts_at, zone)}: {meeting.title} [{units}]"


def _break(item: Break) -> str:
    days = f"{item.start}" if item.start == item.end else f"{item.start} to {item.end}"
    return f"{days}{f' ({item.reason})' if item.reason else ''}"


def schedule_all(
    meetings: list[Meeting],
    zone: str,
    *,
    breaks: Sequence[Break],
    skipped: Sequence[str],
    paused: bool,
) -> Reply:
    """``/study schedule all``: every session (with its unit ids), the breaks, the weeks
    organizers skipped, and when the run ends."""
    last = meetings[-1]
    heading = f"All {plural(len(meetings), 'session')}" + (
        " (paused: sessions still to come move back when it resumes)" if paused else ""
    )
    blocks: list[Block] = [Bullets(tuple(_dated(m, zone) for m in meetings))]
    blocks += [Heading("Breaks"), Bullets(tuple(map(_break, breaks)))] if breaks else []
    blocks += [Heading("Weeks skipped"), Bullets(tuple(skipped))] if skipped else []
    ends = local_time(last.summary_at, zone)
    blocks.append(
        Paragraph(
            f"The last session is {local_time(last.starts_at, zone)}; the run ends with its "
            f"weekly summary, {ends}."
        )
    )
    return titled(heading, blocks)


SKIPPABLE = {
    DeliveryKind.KICKOFF: "kickoff",
    DeliveryKind.QUESTION: "discussion questions",
    DeliveryKind.REMINDER: "reminder",
    DeliveryKind.SUMMARY: "summary",
}


def resumed(skipped: list[tuple[str, Meeting]]) -> str:
    """The heading after ``/study resume``: what the pause skipped, if anything, and why."""
    if not skipped:
        return "Resumed. The next sessions:"
    by_meeting: dict[str, list[str]] = {}
    for kind, meeting in skipped:
        names = by_meeting.setdefault(meeting.title, [])
        if SKIPPABLE[DeliveryKind(kind)] not in names:
            names.append(SKIPPABLE[DeliveryKind(kind)])
    what = "; ".join(f"the {' and '.join(n)} of “{t}”" for t, n in by_meeting.items())
    return f"Resumed. These came due while the group was paused and were skipped: {what}. The next sessions:"


# --- changing a running group's meetings (bot.core.handlers.meetings) ---------------------------

NOTHING_TO_MOVE = "Every session of this run has begun: there is nothing left to move."
NOTHING_TO_UNSKIP = "No skipped week lies ahead, so there is nothing to undo."
LINK_REFUSED = (
    "A meeting link starts with https://, e.g. "
    "`/study meeting link https://meet.example.org/linear-algebra`."
)


def rescheduled(spec: ScheduleSpec) -> str:
    """The notice's heading after ``/study reschedule``."""
    return (
        f"New time: every {spec.weekday.title()} at {spec.time:%H:%M} ({spec.timezone}). "
        "Sessions already begun stay as they were. The next sessions:"
    )


def break_added(start: date, end: date) -> str:
    """The notice's heading after ``/study break``."""
    days = (
        f"on {start:%a %d %b %Y}" if start == end else f"from {start:%a %d %b} to {end:%a %d %b %Y}"
    )
    return f"A break {days}: no session then, and later sessions move back. The next sessions:"


def break_backwards(start: date, end: date) -> str:
    """``/study break`` with its days the wrong way round."""
    return (
        f"The break would end ({end}) before it starts ({start}). Give the first day, then the "
        f"last: `/study break {end} {start}`."
    )


def break_past(end: date) -> str:
    """``/study break`` entirely in the past."""
    return f"That break ended on {end}, which has passed; give days still to come."


def unknown_country(code: str) -> str:
    """``/study holidays`` with a code the holidays tables do not know."""
    return (
        f"I know no public holidays for `{code}`. Give a two-letter country code, e.g. "
        "`/study holidays DE`, `/study holidays US` or `/study holidays IN`."
    )


def no_holiday_hit(code: str) -> str:
    """``/study holidays``: no session falls on one."""
    return f"No session still to come falls on a public holiday in {code}; nothing changed."


def holidays_skipped(code: str, skipped: dict[date, str]) -> str:
    """The notice's heading after ``/study holidays``."""
    days = "; ".join(f"{day:%a %d %b %Y} ({name})" for day, name in sorted(skipped.items()))
    return f"No session on public holidays in {code}: {days}. Later sessions move back. Next:"


def unskipped(day: date) -> str:
    """The notice's heading after ``/study unskip``."""
    return (
        f"The week of {day:%a %d %b %Y} has its session again; later sessions move forward. Next:"
    )


def meeting_set(what: str, value: str) -> str:
    """The notice after ``/study meeting link|place``."""
    shown = value if what == "link" else f"“{defuse(value)}”"
    return f"We meet at {shown} from now on: each kickoff and reminder shows it."


def reminder_before(before: timedelta | None) -> str:
    """The notice after ``/study remind``."""
    if before is None:
        return "No more “starting soon” posts before sessions."
    return f"From now on, a post {lead_time(before)} before each session says it is about to begin."
