"""What the bot posts in a channel or a DM, as neutral messages: kickoffs, discussion threads,
reminders, summaries, Q&A posts, notices. Answers to the member who acted are in ``replies``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.core.models import (
    Actions,
    Block,
    Bullets,
    Button,
    Fields,
    Heading,
    Link,
    Links,
    Message,
    Paragraph,
    SmallPrint,
)
from bot.core.moments import moment
from bot.core.safety import defuse, one_line
from bot.core.services.runs import MeetingContent
from bot.core.services.tally import (
    STREAK_WORTH_SHOWING,
    QuestionWeek,
    WaitingQuestion,
    WeekTally,
)
from bot.domain.states import CheckinStatus
from bot.store.models import Meeting

if TYPE_CHECKING:  # the syllabus models (pydantic) load with the first syllabus read, not at start
    from bot.domain.syllabus import Syllabus
    from bot.domain.units import Exercise, Reading
    from bot.render.charts import GroupChart, MemberChart

CHECKIN_LABELS = {
    CheckinStatus.DONE: "Done",
    CheckinStatus.PARTIAL: "Partly",
    CheckinStatus.BEHIND: "Behind",
}


def plural(count: int, word: str, words: str | None = None) -> str:
    """``1 session``, ``2 sessions``: every count the bot writes agrees with its noun."""
    return f"{count} {word if count == 1 else (words or word + 's')}"


def lead_time(before: timedelta) -> str:
    """How long before a session, in words: "30 minutes", "2 hours"."""
    minutes = int(before.total_seconds() // 60)
    return plural(minutes, "minute") if minutes < 120 else plural(minutes // 60, "hour")


def unit_ids(meeting: Meeting) -> tuple[str, ...]:
    """The ids of the units a stored meeting reads, in order (what ``/study ask`` and
    ``/study questions`` take)."""
    return tuple(dict.fromkeys(entry["unit"] for entry in meeting.units))


def cite(section: str | None, title: str, pages: object) -> str:
    """``§2.1 Matrices (p. 22-26)``; chapter openings and exercises read without the §, and a
    web reading (no section, no pages) is its title."""
    if not section:
        return title
    mark = "§" if section[:1].isdigit() and section != title else ""
    return f"{mark}{section} {title} (p. {pages})"


def reading_line(reading: Reading) -> str:
    """One reading of a kickoff: a book section with its pages, or a web page with its link;
    ``(optional)`` when the syllabus marks it so."""
    if reading.kind == "web":
        minutes = f", about {reading.minutes} min" if reading.minutes else ""
        line = f"{reading.title} (free online{minutes}): {reading.url}"
    else:
        book = f"{reading.book}: " if reading.book else ""
        line = book + cite(reading.section, reading.title, reading.pages)
    return f"{line} (optional)" if reading.optional else line


def exercise_line(exercise: Exercise) -> str:
    """Which exercises, and where their answers are."""
    where = "; ".join(str(part) for part in (exercise.answers, exercise.url) if part)
    return f"{exercise.items} (answers: {where})" if where else exercise.items


def local_time(at: datetime, zone: str) -> str:
    """A moment, shown in each reader's zone where the platform can, else in the group's zone
    (``Mon 05 Oct 2026, 18:30 CEST``): see ``bot.core.moments``."""
    return moment(at, zone)


def kickoff(
    *, syllabus: Syllabus, meeting: Meeting, contents: list[MeetingContent], total: int, zone: str
) -> Message:
    """The week's kickoff: readings, topics, pages and hours, companions, check-in buttons."""
    title = f"Week {meeting.week} · Session {meeting.index + 1} of {total}: {meeting.title}"
    blocks: list = [
        Heading(title),
        Paragraph(f"{syllabus.title}. Meeting {local_time(meeting.starts_at, zone)}."),
    ]
    readings = []
    topics: list[str] = []
    links: list[Link] = []
    exercises: list[str] = []
    prompts: list[str] = []
    hours = 0.0
    for content in contents:
        readings += [reading_line(reading) for reading in content.readings]
        if content.part == 1:
            topics += content.unit.topics
            links += [Link(r.title, str(r.url)) for r in content.unit.resources]
            exercises += [exercise_line(e) for e in content.unit.exercises]
            prompts += [content.unit.notes_prompt] if content.unit.notes_prompt else []
        share = sum(r.page_count for r in content.readings) / max(content.unit.pages, 1)
        hours += content.unit.hours * (share if content.parts > 1 else 1)
    blocks += [Heading("Read"), Bullets(tuple(readings))]
    units = tuple(dict.fromkeys(content.unit.id for content in contents))
    if topics:
        blocks += [Heading("Key topics"), Bullets(tuple(topics))]
    blocks.append(
        Fields(
            (
                ("Unit" if len(units) == 1 else "Units", ", ".join(units)),
                (
                    "Pages",
                    str(
                        sum(
                            (c.readings and sum(r.page_count for r in c.readings)) or 0
                            for c in contents
                        )
                    ),
                ),
                ("Estimated hours", f"{hours:.1f}"),
            )
        )
    )
    if exercises:
        blocks += [Heading("Exercises"), Bullets(tuple(exercises))]
    if prompts:
        blocks += [Heading("In your own words"), *map(Paragraph, prompts)]
        blocks.append(SmallPrint("Write it up and share your notes in the discussion threads."))
    if links:
        blocks += [Heading("Free companions"), Links(tuple(links))]
    value = str(meeting.id)
    ask_about = (
        f" Ask about one unit with `/study ask {units[-1]} <question>`." if len(units) > 1 else ""
    )
    blocks += [
        Paragraph(
            "How did the reading go? Check in with one click, or `/study checkin done|partial|behind`."
            + ask_about
        ),
        Actions(
            (
                Button("Done", "checkin", f"{value}:done", "primary"),
                Button("Partly", "checkin", f"{value}:partial"),
                Button("Behind", "checkin", f"{value}:behind"),
                Button("Ask a question", "ask", value),
            )
        ),
        SmallPrint("Discussion questions follow in threads below. Reply there; formulas in $...$."),
    ]
    text = f"{title}. Read: " + "; ".join(readings)
    return Message(text=text, blocks=tuple(blocks), labels=units)


def discussion_question(number: int, question: str, unit_title: str, unit_id: str = "") -> Message:
    """One discussion question, the first message of its thread."""
    text = f"Discussion {number}: {question}"
    return Message(
        text=text,
        blocks=(
            Heading(f"Discussion {number} · {unit_title}"),
            Paragraph(question),
            SmallPrint("Reply in this thread."),
        ),
        labels=(unit_id,) if unit_id else (),
    )


def reminder(
    *, meeting: Meeting, missing: int, members: int, opted_out: int = 0, away: int = 0
) -> Message:
    """The mid-week nudge in the channel: how many of the members who get it (``members``; not
    the ``opted_out`` who turned it off, nor the ``away``) have not checked in."""
    if members == 0:
        text = (
            f"Mid-week: nobody here gets the nudge for “{meeting.title}” "
            "(`/study reminders channel` turns yours back on)."
        )
    elif missing == 0:
        who = "Everyone who gets the nudge has" if opted_out else "Everyone has"
        text = f"{who} checked in for “{meeting.title}”. Nice work!"
    else:
        verb = "has" if missing == 1 else "have"
        of = "member" if members == 1 else "members"
        not_counted = (
            f" ({plural(opted_out, 'member')} with reminders off {'is' if opted_out == 1 else 'are'} not counted)"
            if opted_out
            else ""
        )
        text = (
            f"Mid-week nudge: {missing} of {members} {of} {verb} not checked in for “{meeting.title}” yet"
            f"{not_counted}. Use `/study checkin done|partial|behind`, or the buttons on this week's post."
        )
    if away:
        text += (
            f" ({plural(away, 'member')} away this week {'is' if away == 1 else 'are'} not nudged.)"
        )
    return Message(text=text, blocks=(Paragraph(text),))


def reminder_dm(*, meeting: Meeting, channel_hint: str) -> Message:
    """The mid-week nudge for a member who asked for DMs."""
    text = (
        f"A gentle nudge: how is “{meeting.title}” going? Check in with "
        f"`/study checkin done|partial|behind` in {channel_hint}."
    )
    return Message(text=text, blocks=(Paragraph(text),))


def summary(
    *,
    tally: WeekTally,
    open_questions: list[WaitingQuestion],
    next_meeting: Meeting | None,
    zone: str,
    next_in_calendar: Link | None = None,
    questions: QuestionWeek | None = None,
) -> Message:
    """The weekly summary: check-in counts, streaks, questions still waiting, what is next
    (and a link that adds it to a calendar)."""
    title = f"Weekly summary: {tally.meeting.title}"
    fields = (
        *((CHECKIN_LABELS[status], str(count)) for status, count in tally.counts.items()),
        ("No check-in", str(tally.silent)),
        *((("Away", str(tally.away)),) if tally.away else ()),
    )
    blocks: list[Block] = [Heading(title), Fields(fields)]
    if tally.streaks:  # names only in a view that shows them (bot.core.access)
        blocks += [
            Heading("On a streak"),
            Bullets(tuple(f"{defuse(name)}: {plural(n, 'week')}" for name, n in tally.streaks)),
        ]
    elif tally.on_streak:
        blocks.append(Paragraph(streak_count(tally.on_streak)))
    if open_questions:
        blocks += [Heading("Open questions"), Bullets(tuple(map(_waiting, open_questions)))]
    if next_meeting is not None:
        upshot = f"Next: {next_meeting.title}, {local_time(next_meeting.starts_at, zone)}."
    else:
        upshot = "That was the last session of this syllabus. Congratulations!"
    qa_line = ""
    if questions is not None and (questions.asked or questions.resolved):
        qa_line = f"Questions this week: {questions.asked} asked, {questions.resolved} resolved."
        if questions.helpers:
            qa_line += f" Thanks to {_names(questions.helpers)}, whose answers were accepted."
        blocks.append(Paragraph(qa_line))
    blocks += [Paragraph(upshot)]
    blocks += [Links((next_in_calendar,))] if next_in_calendar and next_meeting else []
    blocks += [SmallPrint(SHARE_NOTES)]
    counted = ", ".join(f"{label}: {value}" for label, value in fields)
    text = f"{title}. {counted}. " + (f"{qa_line} " if qa_line else "") + upshot
    return Message(text=text, blocks=tuple(blocks))


def _names(names: Sequence[str]) -> str:
    shown = [defuse(n) for n in names]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


SHARE_NOTES = (
    "Share your notes from this week in this thread: a few lines in your own words help everyone."
)


def streak_count(members: int) -> str:
    """How many members are on a streak, without naming them."""
    return f"On a streak of {STREAK_WORTH_SHOWING} weeks or more: {plural(members, 'member')}."


def _waiting(question: WaitingQuestion) -> str:
    n = question.answers
    status = f"{plural(n, 'answer')} so far" if n else "no answer yet"
    return f"{defuse(one_line(question.text, 120))} (asked by {defuse(question.asker)}; {status})"


def question_post(
    *, number: int, asker: str, unit_title: str, text: str, unit_id: str = ""
) -> Message:
    """A Q&A question as posted in the channel."""
    body = defuse(text)
    return Message(
        text=f"Question {number} from {defuse(asker)}: {one_line(body)}",
        blocks=(
            Heading(f"Question {number} · {unit_title}"),
            Paragraph(body),
            SmallPrint(
                f"Asked by {defuse(asker)}. Answer in the thread; the asker or an organizer resolves it with ✅ or `/study resolve`."
            ),
        ),
        labels=(*((unit_id,) if unit_id else ()), "unanswered"),
    )


def question_resolved_post(
    *, number: int, asker: str, unit_title: str, text: str, resolver: str, unit_id: str = ""
) -> Message:
    """The same question after it was resolved."""
    body = defuse(text)
    return Message(
        text=f"✅ Question {number} (resolved): {one_line(body)}",
        blocks=(
            Heading(f"✅ Question {number} · {unit_title} (resolved)"),
            Paragraph(body),
            SmallPrint(f"Asked by {defuse(asker)}, resolved by {defuse(resolver)}."),
        ),
        labels=(*((unit_id,) if unit_id else ()), "solved"),
    )


ANSWERS_GO_HERE = Message(
    text="Answers go in this thread.",
    blocks=(Paragraph("Answers go in this thread. ✅ or `/study resolve` when it is answered."),),
)


def resolved_note(resolver: str) -> Message:
    """Said in a question's thread when it is resolved."""
    note = f"✅ Resolved by {defuse(resolver)}."
    return Message(text=note, blocks=(Paragraph(note),))


def missed_posts(count: int, oldest: datetime, zone: str) -> Message:
    """The one notice organizers get about posts that came too late to send."""
    which = "due" if count == 1 else "the oldest due"
    skipped = "It was" if count == 1 else "They were"
    text = (
        f"Heads-up for organizers: the bot was offline and {plural(count, 'scheduled post')} "
        f"({which} {local_time(oldest, zone)}) came too late to send. "
        f"{skipped} skipped rather than flooding the channel."
    )
    return Message(text=text, blocks=(Paragraph(text),))


# --- pictures (bot.core.pictures) ----------------------------------------------------------------


def formula_not_drawn(problem: str) -> str:
    """Under a post whose formula could not be drawn: why, and that the text is as typed."""
    return f"{problem} It is shown as typed; `/study tex <formula>` checks one before you post."


def formula_refused(problem: str) -> str:
    """``/study tex`` with a formula that cannot be drawn."""
    return f"{problem} Try again with `/study tex <formula>`, e.g. `/study tex \\frac{{a}}{{b}}`."


def answer_formulas(author: str) -> Message:
    """In a Q&A thread, above the pictures of an answer's formulas."""
    text = f"The formulas in {defuse(author)}'s answer, typeset:"
    return Message(text=text, blocks=(SmallPrint(text),))


def member_chart_alt(chart: MemberChart) -> str:
    """``/study me``'s chart in words."""
    weeks = ", ".join(f"{label}: {status}" for label, status in chart.weeks[-52:])
    return f"Your check-in for each session ({weeks or 'none yet'})."


def chart_alt(chart: GroupChart) -> str:
    """The summary chart in words, for screen readers and clients that show no pictures."""
    weeks = "; ".join(
        f"{w.label}: {w.done} done, {w.partial} partly, {w.behind} behind, "
        f"{w.no_checkin} no check-in"
        for w in chart.weeks[-12:]
    )
    questions = f"questions: {chart.open_questions} open, {chart.resolved_questions} resolved"
    return f"Check-ins per session ({weeks or 'none yet'}); {questions}."
