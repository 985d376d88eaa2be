"""What the bot answers to the member who acted: confirmations, refusals, and the replies that
show state (progress, me, schedule, questions, syllabi). Posts to the channel are in ``posts``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.core.models import Block, Bullets, Fields, Heading, Message, Paragraph, Reply, say
from bot.core.posts import CHECKIN_LABELS, cite, local_time
from bot.core.safety import defuse, one_line
from bot.core.services.tally import WeekTally
from bot.domain.states import CheckinStatus, DeliveryKind, QuestionStatus
from bot.store.models import Meeting, Question

if TYPE_CHECKING:  # the syllabus models (pydantic) load with the first syllabus read, not at start
    from bot.domain.schedule import ScheduleSpec
    from bot.domain.syllabus import Syllabus

APOLOGY = "Sorry, something went wrong on my side and nothing was changed. Please try again."
BUSY = "I'm busy with many requests right now and nothing was changed. Try again in a moment."

# --- refusals shared by several commands --------------------------------------------------------

NO_GROUP = (
    "This channel has no study group yet. Join with `/study join`; an organizer starts "
    "one with `/study start <syllabus-id>` (see `/study syllabus list`)."
)
NOTHING_RUNNING = (
    "Nothing is being read here yet. An organizer starts a syllabus with "
    "`/study start <syllabus-id>` or `/study plan <schedule>`."
)
PAUSED = "The group is paused. An organizer can `/study resume`."
NOT_A_MEMBER = "You are not a member of this group."
NOT_JOINED = "You are not in this group yet: `/study join`."


def organizers_only(action: str) -> str:
    """The refusal for a member who tried an organizer's command."""
    return f"Only organizers can {action}. Ask one of them, or see `/study help`."


def no_syllabus(syllabus_id: str) -> str:
    """A syllabus id that is neither loaded here nor shipped."""
    return f"There is no syllabus `{defuse(syllabus_id)}`. See `/study syllabus list`."


# --- membership ---------------------------------------------------------------------------------


def welcome(*, new: bool, running: bool) -> Reply:
    """What a member hears on joining (or joining again)."""
    if not new:
        return say("You are already in this group. `/study me` shows your progress.")
    what = (
        "The group is reading along; `/study schedule` shows what is next."
        if running
        else "No syllabus is running yet; an organizer starts one with `/study start <syllabus-id>`."
    )
    return say(
        f"Welcome to the study group! {what} Check in each week with `/study checkin done|partial|behind`, "
        "ask with `/study ask <question>`, and `/study help` lists everything."
    )


def checked_in(status: CheckinStatus, title: str, *, thanks: bool) -> Reply:
    """A check-in was recorded for the session ``title`` (by command, with thanks, or by
    button)."""
    done = f"Checked in as {CHECKIN_LABELS[status].lower()} for “{title}”."
    return say(f"{done} Thanks!" if thanks else done)


def reminders_set(*, by_dm: bool) -> Reply:
    """Where the mid-week nudge will reach the member."""
    where = "by direct message" if by_dm else "in the channel"
    return say(f"You will get the mid-week nudge {where}.")


# --- replies that show state --------------------------------------------------------------------


def _plain(block: Block) -> str:
    if isinstance(block, Paragraph | Heading):
        return block.text
    if isinstance(block, Bullets):
        return "\n".join(f"• {item}" for item in block.items)
    if isinstance(block, Fields):
        return ", ".join(f"{k}: {v}" for k, v in block.pairs)
    return ""


def titled(title: str, blocks: Sequence[Block], *, ephemeral: bool = True) -> Reply:
    """A reply with a heading; its plain text is the heading and every block's text."""
    text = title + "\n" + "\n".join(_plain(b) for b in blocks)
    return Reply(message=Message(text=text, blocks=(Heading(title), *blocks)), ephemeral=ephemeral)


def page(blocks: Sequence[Block]) -> Message:
    """A member's own page (Slack App Home): just the blocks, with their plain text."""
    return Message(text="\n".join(_plain(b) for b in blocks), blocks=tuple(blocks))


def started(
    syllabus: Syllabus, spec: ScheduleSpec, meetings: list[Meeting], *, ephemeral: bool
) -> Reply:
    """A run has begun: when and how often the group meets."""
    first = meetings[0]
    blocks = [
        Paragraph(
            f"{syllabus.title}: {len(meetings)} sessions, every {spec.weekday.title()} at {spec.time:%H:%M} "
            f"({spec.timezone}). The first one is {local_time(first.starts_at, spec.timezone)}: {first.title}."
        ),
        Paragraph("Join with `/study join`. `/study schedule` lists the dates."),
    ]
    return titled(f"Starting {syllabus.title}", blocks, ephemeral=ephemeral)


def schedule(
    following: list[Meeting], zone: str, *, heading: str, paused: bool, ephemeral: bool
) -> Reply:
    """The next meetings (at most five), in the group's zone."""
    if paused:
        heading = "Paused. When it resumes, sessions move back. Planned so far:"
    if not following:
        return titled(heading, [Paragraph("No sessions left in this run.")], ephemeral=ephemeral)
    items = tuple(f"Week {m.week}: {local_time(m.starts_at, zone)}: {m.title}" for m in following)
    return titled(heading, [Bullets(items)], ephemeral=ephemeral)


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


def first_meeting_ahead(meeting: Meeting, zone: str) -> Reply:
    """``/study progress`` before anything has started."""
    return say(f"The first session starts {local_time(meeting.starts_at, zone)}.")


def progress(tally: WeekTally, total: int) -> Reply:
    """The group this week: counts, streaks, who is behind."""
    meeting = tally.meeting
    fields = tuple((CHECKIN_LABELS[s], str(n)) for s, n in tally.counts.items())
    fields += (("No check-in", str(tally.silent)),)
    blocks: list[Block] = [
        Paragraph(f"Session {meeting.index + 1} of {total}: {meeting.title}"),
        Fields(fields),
    ]
    if tally.streaks:
        streaks = tuple(f"{defuse(name)}: {n}" for name, n in tally.streaks)
        blocks += [Heading("Streaks"), Bullets(streaks)]
    if tally.behind:
        names = ", ".join(defuse(n) for n in tally.behind)
        blocks += [Paragraph("Behind this week (reach out!): " + names)]
    return titled("Group progress", blocks)


def me(
    name: str,
    *,
    started: list[Meeting],
    mine: dict[int, CheckinStatus],
    streak: int,
    own_open: list[Question],
) -> Reply:
    """A member's own record: streak, check-ins per week, their open questions."""
    lines = tuple(
        f"Week {m.week} {m.title}: {CHECKIN_LABELS[mine[m.id]] if m.id in mine else 'no check-in'}"
        for m in started
    )
    blocks: list[Block] = [
        Fields((("Streak", f"{streak} week{'s' * (streak != 1)}"), ("Check-ins", str(len(mine)))))
    ]
    if lines:
        blocks += [Heading("Your check-ins"), Bullets(lines)]
    if own_open:
        open_ones = tuple(defuse(one_line(q.text, 100)) for q in own_open)
        blocks += [Heading("Your open questions"), Bullets(open_ones)]
    return titled(f"{defuse(name)}'s progress", blocks)


def question_list(
    found: list[Question],
    *,
    numbers: dict[int, int],
    answers: dict[int, int],
    scope: str,
    unit: str | None,
) -> Reply:
    """``/study questions``: each with its number, unit, answers and whether it is resolved."""
    title = f"{'Open' if scope == 'open' else 'All'} questions" + (f" on {unit}" if unit else "")
    if not found:
        return say(f"{title}: none.")
    items = tuple(
        f"Q{numbers[q.id]} [{q.unit_id}] {defuse(one_line(q.text, 120))} "
        f"({answers.get(q.id, 0)} answer{'s' * (answers.get(q.id, 0) != 1)}"
        f"{', resolved' if q.status == QuestionStatus.RESOLVED else ''})"
        for q in found
    )
    return titled(title, [Bullets(items)])


def home_group(
    channel: str, *, current: Meeting | None, first: Meeting, zone: str, streak: int, role: str
) -> list[Block]:
    """One group on a member's page: this week's reading, streak, role."""
    reading = (
        "; ".join(cite(r["section"], r["title"], r["pages"]) for r in current.readings)
        if current
        else f"starts {local_time(first.starts_at, zone)}"
    )
    title = current.title if current else first.title
    return [
        Heading(f"#{channel}: {title}"),
        Paragraph(f"This week: {reading}"),
        Fields((("Your streak", f"{streak} week{'s' * (streak != 1)}"), ("Role", role))),
    ]


def syllabus_list(syllabi: list[Syllabus]) -> Reply:
    """The syllabi a group can start."""
    items = tuple(
        f"{s.id}: {s.title} ({len(s.units)} units, about {s.hours:g} hours)" for s in syllabi
    )
    return titled("Syllabi", [Bullets(items), Paragraph("Start one with `/study start <id>`.")])


def syllabus_show(syllabus: Syllabus) -> Reply:
    """One syllabus, unit by unit."""
    units = tuple(f"{u.id}: {u.title} ({u.pages} pp., {u.hours:g} h)" for u in syllabus.units)
    return titled(f"{syllabus.title}, {', '.join(syllabus.authors)}", [Bullets(units)])


def syllabus_loaded(syllabus: Syllabus) -> Reply:
    """A shared syllabus file was stored for this channel."""
    return say(
        f"Loaded `{syllabus.id}`: {syllabus.title}, {len(syllabus.units)} units. An organizer "
        f"starts it with `/study start {syllabus.id}`. A running group is not affected.",
        ephemeral=False,
    )
