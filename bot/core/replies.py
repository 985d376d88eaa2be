"""What the bot answers to the member who acted: confirmations, refusals, and the replies that
show state (progress, me, schedule, questions, syllabi). Posts to the channel are in ``posts``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from bot.core.models import (
    Block,
    Bullets,
    Fields,
    Heading,
    Links,
    Message,
    Paragraph,
    Reply,
    say,
)
from bot.core.posts import CHECKIN_LABELS, cite, local_time, plural, streak_count
from bot.core.safety import defuse, one_line
from bot.core.services.tally import Standing, WeekTally
from bot.domain.states import CheckinStatus, QuestionStatus, ReminderMode
from bot.store.models import CheckIn, Meeting, Question

if TYPE_CHECKING:  # the syllabus models (pydantic) load with the first syllabus read, not at start
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
ALREADY_PAUSED = "The group is already paused; `/study resume` starts it again."
NOT_PAUSED = "The group is not paused, so there is nothing to resume; `/study pause` holds it."
NOT_A_QUESTION_THREAD = (
    "This thread is not a studybot question. Open one with `/study ask <question>`, then "
    "`/study resolve` in its thread."
)
WRITE_A_QUESTION = "Write your question with `/study ask <question>`."
NOT_A_MEMBER = "You are not a member of this group."
NOT_JOINED = "You are not in this group yet: `/study join`."
JOIN_FIRST = "You're not in this study group yet: type `/study join` first."
COME_BACK_FIRST = "You left this study group: type `/study join` to come back first."
# What only organizers may do, by command word (or button), for the refusal that says so.
ORGANIZER_ACTIONS = {
    "start": "start a syllabus",
    "plan": "start a syllabus",
    "pause": "pause the group",
    "resume": "resume the group",
    "skip": "skip a week",
    "stop": "stop the syllabus",
    "organizer": "change organizers",
    "reschedule": "move the sessions",
    "break": "add a break",
    "holidays": "skip public holidays",
    "unskip": "undo a skip",
    "remind": "set the reminder before sessions",
    "meeting": "set where the group meets",
    "export": "export the group's check-ins",
    "sharing": "share the group's questions",
    "faq": "feature or hide FAQ entries",
}
BUTTON_NOT_VALID = (
    "That button is not valid any more: there is no such session in this group, and nothing "
    "was recorded. Check in with `/study checkin done|partial|behind`."
)
RUN_ENDED = (
    "That post belongs to a run that has ended; nothing was recorded. "
    "`/study me` shows your check-ins."
)


def nothing_running_now(*, stopped: bool, ended: str) -> str:
    """No run is open, but one ended (on ``ended``, a local date): say so, not "yet"."""
    how = "was stopped" if stopped else "finished"
    return (
        f"Nothing is being read here now: the last syllabus {how} on {ended}. An organizer "
        "starts another with `/study start <syllabus-id>` or `/study plan <schedule>`; its "
        "check-ins stay in `/study export csv` (organizers) and `/study me`."
    )


def organizers_only(action: str) -> str:
    """The refusal for a member who tried an organizer's command."""
    return f"Only organizers can {action}. `/study organizers` lists them; ask one of them."


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


REMINDER_CHOICES = {
    ReminderMode.DM: "You will get the mid-week nudge by direct message.",
    ReminderMode.CHANNEL: "You will get the mid-week nudge only in the channel.",
    ReminderMode.OFF: (
        "Mid-week nudges are off for you: no direct message, and the channel's nudge leaves you "
        "out of its count. `/study reminders dm` or `channel` turns them back on."
    ),
}


def reminders_set(mode: ReminderMode) -> Reply:
    """How the mid-week nudge will reach the member, if at all."""
    return say(REMINDER_CHOICES[mode])


def organizers(names: list[str]) -> Reply:
    """``/study organizers``: who may start, pause, skip or stop the group's reading."""
    who = f"Organizers: {', '.join(map(defuse, names))}." if names else NO_ORGANIZERS
    return say(f"{who} Workspace or server admins may act as organizers too.")


NO_ORGANIZERS = "No organizers yet: the first member to `/study start` a syllabus becomes one."


def already_organizer(name: str) -> str:
    """``/study organizer add`` for someone who already is one: nothing changes."""
    return f"{defuse(name)} is already an organizer; nothing changed."


def question_posted(number: int, unit: str, *, others: Sequence[str]) -> Reply:
    """``/study ask``: where the question went and which unit it is filed under."""
    switch = f" Another unit? Start with its id: `/study ask {others[0]} ...`." if others else ""
    return say(f"Your question is posted as Question {number} (unit {unit}).{switch}")


def formula_preview(latex: str) -> Message:
    """``/study tex``: the words above the picture."""
    text = f"`{one_line(latex)}` typeset (only you see this). In a question, write it as $...$."
    return Message(text=text, blocks=(Paragraph(text),))


NOT_AWAY = (
    "You are not away, so there is nothing to end. `/study away until YYYY-MM-DD` says you will be."
)
WELCOME_BACK = (
    "Welcome back! From today your check-ins count again, and you get the nudges you chose."
)


def away_until(until: date) -> str:
    """``/study away``: what it means."""
    return (
        f"Away until {until:%a %d %b %Y}: no nudges, and sessions without a check-in until then "
        "count as away, not behind; your streak is kept. `/study back` ends it sooner."
    )


def away_in_the_past(until: date) -> str:
    """``/study away`` with a day that has passed."""
    return (
        f"{until} has passed. Give the last day you will be away: `/study away until YYYY-MM-DD`."
    )


def away_too_long(latest: date) -> str:
    """``/study away`` more than a year ahead."""
    return f"That is more than a year away; give a day up to {latest}, or `/study leave` the group."


def no_such_unit(unit: str, known: Sequence[str]) -> str:
    """A unit id that the group's syllabus does not have."""
    return (
        f"There is no unit `{defuse(unit)}` in this syllabus. Its units: {', '.join(known)} "
        "(`/study schedule` shows which session reads which)."
    )


# --- replies that show state --------------------------------------------------------------------


def _plain(block: Block) -> str:
    if isinstance(block, Paragraph | Heading):
        return block.text
    if isinstance(block, Bullets):
        return "\n".join(f"• {item}" for item in block.items)
    if isinstance(block, Fields):
        return ", ".join(f"{k}: {v}" for k, v in block.pairs)
    if isinstance(block, Links):  # the plain text (a notification, a console) names the address
        return "\n".join(f"• {link.title}: {link.url}" for link in block.links)
    return ""


def titled(title: str, blocks: Sequence[Block], *, ephemeral: bool = True) -> Reply:
    """A reply with a heading; its plain text is the heading and every block's text."""
    text = title + "\n" + "\n".join(_plain(b) for b in blocks)
    return Reply(message=Message(text=text, blocks=(Heading(title), *blocks)), ephemeral=ephemeral)


def page(blocks: Sequence[Block]) -> Message:
    """A member's own page (Slack App Home): just the blocks, with their plain text."""
    return Message(text="\n".join(_plain(b) for b in blocks), blocks=tuple(blocks))


def first_meeting_ahead(meeting: Meeting, zone: str) -> Reply:
    """``/study progress`` before anything has started."""
    return say(f"The first session starts {local_time(meeting.starts_at, zone)}.")


def progress(tally: WeekTally, total: int, *, mine: Standing | None) -> Reply:
    """The group this week: counts for everyone; the names (streaks, behind, no check-in)
    only in a tally that shows them (organizers'); a member's own standing."""
    meeting = tally.meeting
    fields = tuple((CHECKIN_LABELS[s], str(n)) for s, n in tally.counts.items())
    fields += (("No check-in", str(tally.silent)),)
    if tally.away:
        fields += (("Away", str(tally.away)),)
    blocks: list[Block] = [
        Paragraph(f"Session {meeting.index + 1} of {total}: {meeting.title}"),
        Fields(fields),
    ]
    if tally.streaks:
        streaks = tuple(f"{defuse(name)}: {n}" for name, n in tally.streaks)
        blocks += [Heading("Streaks"), Bullets(streaks)]
    elif tally.on_streak:
        blocks.append(Paragraph(streak_count(tally.on_streak)))
    if tally.behind:
        names = ", ".join(defuse(n) for n in tally.behind)
        blocks += [Paragraph("Behind this week (reach out!): " + names)]
    if tally.not_checked_in:
        names = ", ".join(defuse(n) for n in tally.not_checked_in)
        blocks += [Paragraph("No check-in yet: " + names)]
    if not tally.names_shown:
        blocks.append(Paragraph("Only organizers see who has checked in."))
    if mine is not None:
        blocks.append(Paragraph(_standing(mine)))
    return titled("Group progress", blocks)


def _standing(mine: Standing) -> str:
    streak = f"your streak: {plural(mine.streak, 'week')}."
    if mine.status is None:
        return f"You have not checked in for this session yet; {streak}"
    return f"You checked in as {CHECKIN_LABELS[mine.status].lower()}; {streak}"


def me(
    name: str,
    *,
    started: list[Meeting],
    mine: dict[int, CheckIn],
    streak: int,
    own_open: list[Question],
    ended: str | None = None,
) -> Reply:
    """A member's own record: streak, check-ins (with their own notes, which nobody else
    sees) per week, their open questions; ``ended`` says when the run ended, if it has."""

    def line(m: Meeting) -> str:
        if m.id not in mine:
            return f"Week {m.week} {m.title}: no check-in"
        checkin = mine[m.id]
        note = f" (your note: {defuse(one_line(checkin.note, 100))})" if checkin.note else ""
        return f"Week {m.week} {m.title}: {CHECKIN_LABELS[CheckinStatus(checkin.status)]}{note}"

    blocks: list[Block] = [
        Fields((("Streak", plural(streak, "week")), ("Check-ins", str(len(mine)))))
    ]
    if ended:
        blocks.append(Paragraph(ended))
    if started:
        blocks += [Heading("Your check-ins"), Bullets(tuple(map(line, started)))]
    if any(c.note for c in mine.values()):
        blocks.append(Paragraph("Your notes are yours: nobody else sees them."))
    if own_open:
        open_ones = tuple(defuse(one_line(q.text, 100)) for q in own_open)
        blocks += [Heading("Your open questions"), Bullets(open_ones)]
    return titled(f"{defuse(name)}'s progress", blocks)


def run_ended(*, stopped: bool, ended: str) -> str:
    """The line ``/study me`` adds once its run has ended."""
    return f"This syllabus {'was stopped' if stopped else 'finished'} on {ended}."


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
        f"({plural(answers.get(q.id, 0), 'answer')}"
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
        Fields((("Your streak", plural(streak, "week")), ("Role", role))),
    ]


def syllabus_list(syllabi: list[Syllabus]) -> Reply:
    """The syllabi a group can start."""
    items = tuple(
        f"{s.id}: {s.title} ({plural(len(s.units), 'unit')}, about {s.hours:g} hours)"
        for s in syllabi
    )
    return titled("Syllabi", [Bullets(items), Paragraph("Start one with `/study start <id>`.")])


def syllabus_show(syllabus: Syllabus) -> Reply:
    """One syllabus, unit by unit."""
    units = tuple(f"{u.id}: {u.title} ({u.pages} pp., {u.hours:g} h)" for u in syllabus.units)
    return titled(f"{syllabus.title}, {', '.join(syllabus.authors)}", [Bullets(units)])


def syllabus_loaded(syllabus: Syllabus) -> Reply:
    """A shared syllabus file was stored for this channel."""
    return say(
        f"Loaded `{syllabus.id}`: {syllabus.title}, {plural(len(syllabus.units), 'unit')}. An organizer "
        f"starts it with `/study start {syllabus.id}`. A running group is not affected.",
        ephemeral=False,
    )


def not_started_yet(starts: str, *, first: bool = False) -> str:
    """A check-in before its session (or the run's first session) begins."""
    which = "The first session" if first else "That session"
    return (
        f"{which} has not started yet: it starts {starts}. Check in after it begins "
        "with `/study checkin done|partial|behind`."
    )


def question_too_long(length: int, limit: int) -> str:
    """A question over the limit (from the ask form: the command's grammar says it its way)."""
    return (
        f"That question is {length} characters; the limit is {limit}, and nothing was saved. "
        "Shorten it, e.g. put the details in a reply in its thread."
    )
