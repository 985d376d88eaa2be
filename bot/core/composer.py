"""What each kind of ledger row says, and where it goes: one composer per ``DeliveryKind``,
reached through an explicit table. The ledger (``bot.core.delivery``) sends what they compose
and records it; composers only read.

A composer may also name rows to write once its post is out (the reminder writes one direct
message row per member who asked for one): they are written in the same transaction that
records the post as sent, and go out as rows of their own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import access, meeting_posts, pictures, posts
from bot.core.models import EventDetails, Message, ToDraw
from bot.core.services import checkins, events, groups, questions, runs, tally
from bot.domain.states import DeliveryKind, DeliveryStatus, ReminderMode
from bot.store.models import Answer, Delivery, Group, Meeting, Member, Question, Run

CHANNEL_HINT = "the group channel"


class ParentNotPosted(RuntimeError):
    """A row whose parent post will never exist (its kickoff or question missed or failed)."""


@dataclass(frozen=True)
class ToChannel:
    """A post in the group's channel."""

    message: Message


@dataclass(frozen=True)
class ToThread:
    """A thread under one of the bot's posts."""

    parent_ref: str
    message: Message


@dataclass(frozen=True)
class ToMember:
    """A direct message to one member."""

    user_id: str
    message: Message


@dataclass(frozen=True)
class ToReply:
    """A message in an existing thread."""

    thread_ref: str
    message: Message


@dataclass(frozen=True)
class ToEdit:
    """New text for one of the bot's posts."""

    message_ref: str
    message: Message


@dataclass(frozen=True)
class ToEvent:
    """The session's platform event, made (``ref`` None) or brought up to date."""

    ref: str | None
    event: EventDetails


@dataclass(frozen=True)
class ToCancelEvent:
    """The event of a session that will not take place, cancelled."""

    ref: str


Outgoing = ToChannel | ToThread | ToMember | ToReply | ToEdit | ToEvent | ToCancelEvent


@dataclass(frozen=True, kw_only=True)
class Composed:
    """A row's post, the rows to write once it is sent, and which ref of its question the
    platform's id becomes (``message_ref`` for a Q&A post, ``thread_ref`` for its thread)."""

    outgoing: Outgoing
    follow_ups: tuple[dict[str, Any], ...] = ()
    question_ref: Literal["message_ref", "thread_ref"] | None = None
    to_draw: ToDraw | None = None  # drawn by ``illustrated``, outside the session
    interest_in: str | None = None  # a session's event: the post says how many are interested
    not_checked_in: frozenset[str] = frozenset()  # a nudge: the user ids it is about


@dataclass(frozen=True, kw_only=True)
class Row:
    """A claimed row with what it belongs to, read once for its composer."""

    row: Delivery
    run: Run
    group: Group
    meeting: Meeting
    now: datetime


Composer = Callable[[AsyncSession, Row], Awaitable[Composed | None]]


async def _kickoff(db: AsyncSession, it: Row) -> Composed:
    syllabus = await runs.syllabus_of_run(db, it.run)
    message = posts.kickoff(
        syllabus=syllabus,
        meeting=it.meeting,
        contents=runs.content_of(it.meeting, syllabus),
        total=len(await runs.meetings_of(db, it.run)),
        zone=it.run.timezone,
    )
    interest = await events.ref_of(db, it.meeting.id)
    return Composed(outgoing=ToChannel(_with_place(message, it.run)), interest_in=interest)


def _with_place(message: Message, run: Run) -> Message:
    """A kickoff or nudge with the group's meeting link or room (``/study meeting``)."""
    spec = runs.spec_of(run)
    return meeting_posts.where_we_meet(message, link=spec.link, place=spec.place)


async def _question(db: AsyncSession, it: Row) -> Composed | None:
    """A discussion question opens a thread under its kickoff; None while the kickoff waits."""
    kickoff = await db.scalar(
        select(Delivery).where(
            Delivery.meeting_id == it.meeting.id, Delivery.kind == DeliveryKind.KICKOFF
        )
    )
    if kickoff is not None and kickoff.status in (DeliveryStatus.MISSED, DeliveryStatus.FAILED):
        raise ParentNotPosted("the kickoff was not posted")
    if kickoff is None or kickoff.status != DeliveryStatus.SENT or kickoff.message_ref is None:
        return None
    syllabus = await runs.syllabus_of_run(db, it.run)
    asked = runs.questions_of(it.meeting, syllabus)
    units = [
        c.unit
        for c in runs.content_of(it.meeting, syllabus)
        if c.part == 1
        for _ in c.unit.questions
    ]
    unit = units[it.row.seq - 1]
    message = posts.discussion_question(
        it.row.seq, asked[it.row.seq - 1], unit.title, unit_id=unit.id
    )
    to_draw = ToDraw(formulas_in=asked[it.row.seq - 1])
    return Composed(outgoing=ToThread(kickoff.message_ref, message), to_draw=to_draw)


async def _reminder(db: AsyncSession, it: Row) -> Composed:
    """The channel's nudge; members who asked for DMs each get a row of their own."""
    members = await groups.current_members(db, it.group)
    done = {c.member_id for c in await checkins.checkins_for(db, [it.meeting.id])}
    day = it.meeting.starts_at.astimezone(ZoneInfo(it.run.timezone)).date()
    nudged = [  # "off": no nudge at all; a member away that week is not nudged either
        m for m in members if m.reminders != ReminderMode.OFF and not m.away_on(day)
    ]
    missing = [m for m in nudged if m.id not in done]
    direct = tuple(
        {
            "run_id": it.run.id,
            "meeting_id": it.meeting.id,
            "kind": DeliveryKind.REMINDER_DM,
            "seq": member.id,
            "target": member.user_id,
            "due_at": it.now,
        }
        for member in missing
        if member.reminders == ReminderMode.DM
    )
    message = posts.reminder(
        meeting=it.meeting,
        missing=len(missing),
        members=len(nudged),
        opted_out=sum(1 for m in members if m.reminders == ReminderMode.OFF),
        away=sum(1 for m in members if m.reminders != ReminderMode.OFF and m.away_on(day)),
    )
    return Composed(
        outgoing=ToChannel(_with_place(message, it.run)),
        follow_ups=direct,
        interest_in=await events.ref_of(db, it.meeting.id),
        not_checked_in=frozenset(m.user_id for m in missing),
    )


async def _reminder_dm(db: AsyncSession, it: Row) -> Composed:
    assert it.row.target is not None  # written with one by the reminder
    message = posts.reminder_dm(meeting=it.meeting, channel_hint=CHANNEL_HINT)
    return Composed(outgoing=ToMember(it.row.target, message))


async def _summary(db: AsyncSession, it: Row) -> Composed:
    meetings = await runs.meetings_of(db, it.run)
    following = [m for m in meetings if m.index > it.meeting.index]
    counted = await tally.week_tally(db, it.group, it.run, it.meeting, it.now)
    spec = runs.spec_of(it.run)
    message = posts.summary(
        tally=access.channel_view(counted),  # anyone in the channel reads it: counts, no names
        open_questions=await tally.waiting_questions(db, it.run, it.now),
        next_meeting=following[0] if following else None,
        zone=it.run.timezone,
        next_in_calendar=(
            meeting_posts.add_to_calendar(following[0], where=spec.link or spec.place)
            if following
            else None
        ),
    )
    # Counts only, as in the text: the chart names nobody.
    chart = pictures.group_chart(
        it.meeting.title,
        await tally.history(db, it.group, it.run, it.meeting, it.now),
        await tally.question_counts(db, it.run),
    )
    to_draw = ToDraw(chart=chart, recap=not following)  # the last: the whole run
    return Composed(outgoing=ToChannel(message), to_draw=to_draw)


async def _notice(db: AsyncSession, it: Row) -> Composed:
    assert it.row.target is not None and it.row.payload is not None
    oldest = datetime.fromisoformat(it.row.payload["oldest"])
    message = posts.missed_posts(it.row.payload["count"], oldest, it.run.timezone)
    return Composed(outgoing=ToMember(it.row.target, message))


async def _question_of(db: AsyncSession, it: Row) -> Question:
    question = await db.get(Question, it.row.seq)
    assert question is not None  # the row was written with its question
    return question


async def _waiting_for(db: AsyncSession, it: Row, kind: DeliveryKind) -> None:
    """Raise when the post this row needs will never exist; else it waits (returns)."""
    earlier = await db.scalar(
        select(Delivery.status).where(
            Delivery.run_id == it.run.id,
            Delivery.meeting_id == it.meeting.id,
            Delivery.kind == kind,
            Delivery.seq == it.row.seq,
        )
    )
    if earlier in (DeliveryStatus.MISSED, DeliveryStatus.FAILED):
        raise ParentNotPosted(f"the {kind} it belongs to was not posted")


async def _qa_parts(db: AsyncSession, it: Row, question: Question) -> dict[str, Any]:
    syllabus = await runs.syllabus_of_run(db, it.run)
    everyone = await questions.list_questions(db, it.run, scope="all", unit=None)
    asker = await db.get(Member, question.member_id)
    return {
        "number": [q.id for q in everyone].index(question.id) + 1,
        "asker": asker.display_name if asker else "someone",
        "unit_title": syllabus.unit(question.unit_id).title,
        "text": question.text,
        "unit_id": question.unit_id,
    }


async def _qa_post(db: AsyncSession, it: Row) -> Composed:
    question = await _question_of(db, it)
    message = posts.question_post(**await _qa_parts(db, it, question))
    to_draw = ToDraw(formulas_in=question.text)
    return Composed(outgoing=ToChannel(message), question_ref="message_ref", to_draw=to_draw)


async def _qa_thread(db: AsyncSession, it: Row) -> Composed | None:
    question = await _question_of(db, it)
    if question.message_ref is None:
        await _waiting_for(db, it, DeliveryKind.QA_POST)
        return None
    outgoing = ToThread(question.message_ref, posts.ANSWERS_GO_HERE)
    return Composed(outgoing=outgoing, question_ref="thread_ref")


async def _qa_edit(db: AsyncSession, it: Row) -> Composed | None:
    question = await _question_of(db, it)
    if question.message_ref is None:
        await _waiting_for(db, it, DeliveryKind.QA_POST)
        return None
    resolver = await db.get(Member, question.resolved_by) if question.resolved_by else None
    message = posts.question_resolved_post(
        **await _qa_parts(db, it, question),
        resolver=resolver.display_name if resolver else "an organizer",
    )
    to_draw = ToDraw(formulas_in=question.text)  # an edit replaces the pictures too
    return Composed(outgoing=ToEdit(question.message_ref, message), to_draw=to_draw)


async def _qa_note(db: AsyncSession, it: Row) -> Composed | None:
    question = await _question_of(db, it)
    if question.thread_ref is None:
        await _waiting_for(db, it, DeliveryKind.QA_THREAD)
        return None
    resolver = await db.get(Member, question.resolved_by) if question.resolved_by else None
    note = posts.resolved_note(resolver.display_name if resolver else "an organizer")
    return Composed(outgoing=ToReply(question.thread_ref, note))


async def _qa_formulas(db: AsyncSession, it: Row) -> Composed | None:
    answer = await db.get(Answer, it.row.seq)
    assert answer is not None  # the row was written with its answer
    question = await db.get(Question, answer.question_id)
    assert question is not None
    if question.thread_ref is None:
        await _waiting_for(db, it, DeliveryKind.QA_THREAD)
        return None
    author = await db.get(Member, answer.member_id)
    message = posts.answer_formulas(author.display_name if author else "someone")
    to_draw = ToDraw(formulas_in=answer.text)
    return Composed(outgoing=ToReply(question.thread_ref, message), to_draw=to_draw)


async def _soon(db: AsyncSession, it: Row) -> Composed:
    before = runs.spec_of(it.run).remind_before or (it.meeting.starts_at - it.row.due_at)
    message = meeting_posts.starting_soon(meeting=it.meeting, before=before)
    return Composed(outgoing=ToChannel(_with_place(message, it.run)))


async def _event(db: AsyncSession, it: Row) -> Composed | None:
    ref = await events.ref_of(db, it.meeting.id)
    if it.row.seq > 0 and ref is None:  # an update whose event is not made yet: it will be
        await _waiting_for(db, it, DeliveryKind.EVENT)
        return None
    spec = runs.spec_of(it.run)
    syllabus = await runs.syllabus_of_run(db, it.run)
    details = meeting_posts.session_event(
        meeting=it.meeting,
        syllabus=syllabus,
        contents=runs.content_of(it.meeting, syllabus),
        location=spec.link or spec.place,
        length=meeting_posts.SESSION_LENGTH,
    )
    return Composed(outgoing=ToEvent(ref, details))


async def _event_cancel(db: AsyncSession, it: Row) -> Composed | None:
    ref = await events.ref_of(db, it.meeting.id)
    return Composed(outgoing=ToCancelEvent(ref)) if ref else None


COMPOSERS: dict[DeliveryKind, Composer] = {
    DeliveryKind.KICKOFF: _kickoff,
    DeliveryKind.QUESTION: _question,
    DeliveryKind.REMINDER: _reminder,
    DeliveryKind.SUMMARY: _summary,
    DeliveryKind.REMINDER_DM: _reminder_dm,
    DeliveryKind.NOTICE: _notice,
    DeliveryKind.QA_POST: _qa_post,
    DeliveryKind.QA_THREAD: _qa_thread,
    DeliveryKind.QA_EDIT: _qa_edit,
    DeliveryKind.QA_NOTE: _qa_note,
    DeliveryKind.QA_FORMULAS: _qa_formulas,
    DeliveryKind.SOON: _soon,
    DeliveryKind.EVENT: _event,
    DeliveryKind.EVENT_CANCEL: _event_cancel,
}


async def compose(db: AsyncSession, it: Row) -> Composed | None:
    """What ``it.row`` says and where it goes; None when it must wait (for its kickoff)."""
    return await COMPOSERS[DeliveryKind(it.row.kind)](db, it)
