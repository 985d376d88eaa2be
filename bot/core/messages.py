"""The bot's posts, as neutral messages. Wording lives here, in one place."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.models import (
    Actions,
    Bullets,
    Button,
    Context,
    Fields,
    Heading,
    Link,
    Links,
    Message,
    Paragraph,
)
from bot.core.safety import defuse, one_line
from bot.core.services.runs import SessionContent
from bot.store.models import Session
from bot.syllabus import Syllabus

CHECKIN_LABELS = {"done": "Done", "partial": "Partly", "behind": "Behind"}


def cite(section: str, title: str, pages: object) -> str:
    """``§2.1 Matrices (p. 22-26)``; chapter openings and exercises read without the §."""
    mark = "§" if section[:1].isdigit() and section != title else ""
    return f"{mark}{section} {title} (p. {pages})"


def local_time(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%a %d %b %Y, %H:%M %Z")


def kickoff(
    *, syllabus: Syllabus, session: Session, contents: list[SessionContent], total: int, zone: str
) -> Message:
    title = f"Week {session.week} · Session {session.index + 1} of {total}: {session.title}"
    blocks: list = [
        Heading(title),
        Paragraph(f"{syllabus.title}. Meeting {local_time(session.starts_at, zone)}."),
    ]
    readings = []
    topics: list[str] = []
    links: list[Link] = []
    hours = 0.0
    for content in contents:
        for reading in content.readings:
            book = f"{reading.book}: " if reading.book else ""
            readings.append(book + cite(reading.section, reading.title, reading.pages))
        if content.part == 1:
            topics += content.unit.topics
            links += [Link(r.title, str(r.url)) for r in content.unit.resources]
        share = sum(r.pages.count for r in content.readings) / max(content.unit.pages, 1)
        hours += content.unit.hours * (share if content.parts > 1 else 1)
    blocks += [Heading("Read"), Bullets(tuple(readings))]
    if topics:
        blocks += [Heading("Key topics"), Bullets(tuple(topics))]
    blocks.append(
        Fields(
            (
                (
                    "Pages",
                    str(
                        sum(
                            (c.readings and sum(r.pages.count for r in c.readings)) or 0
                            for c in contents
                        )
                    ),
                ),
                ("Estimated hours", f"{hours:.1f}"),
            )
        )
    )
    if links:
        blocks += [Heading("Free companions"), Links(tuple(links))]
    value = str(session.id)
    blocks += [
        Paragraph(
            "How did the reading go? Check in with one click, or `/study checkin done|partial|behind`."
        ),
        Actions(
            (
                Button("Done", "checkin", f"{value}:done", "primary"),
                Button("Partly", "checkin", f"{value}:partial"),
                Button("Behind", "checkin", f"{value}:behind"),
                Button("Ask a question", "ask", value),
            )
        ),
        Context("Discussion questions follow in threads below. Reply there; formulas in $...$."),
    ]
    text = f"{title}. Read: " + "; ".join(readings)
    units = tuple(dict.fromkeys(content.unit.id for content in contents))
    return Message(text=text, blocks=tuple(blocks), labels=units)


def discussion_question(number: int, question: str, unit_title: str, unit_id: str = "") -> Message:
    text = f"Discussion {number}: {question}"
    return Message(
        text=text,
        blocks=(
            Heading(f"Discussion {number} · {unit_title}"),
            Paragraph(question),
            Context("Reply in this thread."),
        ),
        labels=(unit_id,) if unit_id else (),
    )


def reminder(*, session: Session, missing: int, members: int) -> Message:
    if missing == 0:
        text = f"Everyone has checked in for “{session.title}”. Nice work!"
    else:
        verb = "has" if missing == 1 else "have"
        text = (
            f"Mid-week nudge: {missing} of {members} members {verb} not checked in for “{session.title}” yet. "
            "Use `/study checkin done|partial|behind`, or the buttons on this week's post."
        )
    return Message(text=text, blocks=(Paragraph(text),))


def reminder_dm(*, session: Session, channel_hint: str) -> Message:
    text = (
        f"A gentle nudge: how is “{session.title}” going? Check in with "
        f"`/study checkin done|partial|behind` in {channel_hint}."
    )
    return Message(text=text, blocks=(Paragraph(text),))


def summary(
    *,
    session: Session,
    counts: dict[str, int],
    members: int,
    streaks: list[tuple[str, int]],
    open_questions: list[tuple[str, str]],
    next_session: Session | None,
    zone: str,
) -> Message:
    title = f"Weekly summary: {session.title}"
    silent = members - sum(counts.values())
    fields = (
        *tuple((CHECKIN_LABELS[k], str(counts.get(k, 0))) for k in CHECKIN_LABELS),
        ("No check-in", str(max(silent, 0))),
    )
    blocks: list = [Heading(title), Fields(fields)]
    if streaks:
        blocks += [
            Heading("On a streak"),
            Bullets(tuple(f"{defuse(name)}: {n} weeks" for name, n in streaks)),
        ]
    if open_questions:
        blocks += [
            Heading("Open questions"),
            Bullets(
                tuple(
                    f"{defuse(one_line(q, 120))} (asked by {defuse(who)})"
                    for q, who in open_questions
                )
            ),
        ]
    if next_session is not None:
        upshot = f"Next: {next_session.title}, {local_time(next_session.starts_at, zone)}."
    else:
        upshot = "That was the last session of this syllabus. Congratulations!"
    blocks.append(Paragraph(upshot))
    text = f"{title}. " + ", ".join(f"{label}: {value}" for label, value in fields) + ". " + upshot
    return Message(text=text, blocks=tuple(blocks))


def question_post(
    *, number: int, asker: str, unit_title: str, text: str, unit_id: str = ""
) -> Message:
    body = defuse(text)
    return Message(
        text=f"Question {number} from {defuse(asker)}: {one_line(body)}",
        blocks=(
            Heading(f"Question {number} · {unit_title}"),
            Paragraph(body),
            Context(
                f"Asked by {defuse(asker)}. Answer in the thread; the asker or an organizer resolves it with ✅ or `/study resolve`."
            ),
        ),
        labels=(*((unit_id,) if unit_id else ()), "unanswered"),
    )


def question_resolved_post(
    *, number: int, asker: str, unit_title: str, text: str, resolver: str, unit_id: str = ""
) -> Message:
    body = defuse(text)
    return Message(
        text=f"✅ Question {number} (resolved): {one_line(body)}",
        blocks=(
            Heading(f"✅ Question {number} · {unit_title} (resolved)"),
            Paragraph(body),
            Context(f"Asked by {defuse(asker)}, resolved by {defuse(resolver)}."),
        ),
        labels=(*((unit_id,) if unit_id else ()), "solved"),
    )


def missed_posts(count: int, oldest: datetime, zone: str) -> Message:
    text = (
        f"Heads-up for organizers: the bot was offline and {count} scheduled "
        f"post{'s' if count != 1 else ''} (the oldest due {local_time(oldest, zone)}) came too late to send. "
        "They were skipped rather than flooding the channel."
    )
    return Message(text=text, blocks=(Paragraph(text),))
