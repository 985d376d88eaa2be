"""What each kind of ledger row says, and where it goes: one composer per ``DeliveryKind``,
reached through an explicit table. The ledger (``bot.core.delivery``) sends what they compose
and records it; composers only read.

A composer may also name rows to write once its post is out (the reminder writes one direct
message row per member who asked for one): they are written in the same transaction that
records the post as sent, and go out as rows of their own.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import access, meeting_posts, pictures, posts, qa_posts
from bot.core.models import Message, ToDraw
from bot.core.outgoing import (
    Composed,
    Composer,
    ParentNotPosted,
    Row,
    ToCancelEvent,
    ToChannel,
    ToEvent,
    ToMember,
    ToThread,
    waiting_for,
)
from bot.core.qa_composer import QA_COMPOSERS
from bot.core.services import checkins, events, faq, groups, runs, tally
from bot.domain.states import DeliveryKind, DeliveryStatus, ReminderMode
from bot.store.models import Delivery, Run

CHANNEL_HINT = "the group channel"


async def _kickoff(db: AsyncSession, it: Row) -> Composed:
    syllabus = await runs.syllabus_of_run(db, it.run)
    contents = runs.content_of(it.meeting, syllabus)
    message = posts.kickoff(
        syllabus=syllabus,
        meeting=it.meeting,
        contents=contents,
        total=len(await runs.meetings_of(db, it.run)),
        zone=it.run.timezone,
    )
    units = [c.unit.id for c in contents]
    count = await faq.count(db, it.group, syllabus.id, units)
    message = qa_posts.with_faq(message, count=count, unit_id=units[0])
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
        questions=await tally.question_week(db, it.run, it.meeting.starts_at, it.now),
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


async def _soon(db: AsyncSession, it: Row) -> Composed:
    before = runs.spec_of(it.run).remind_before or (it.meeting.starts_at - it.row.due_at)
    message = meeting_posts.starting_soon(meeting=it.meeting, before=before)
    return Composed(outgoing=ToChannel(_with_place(message, it.run)))


async def _event(db: AsyncSession, it: Row) -> Composed | None:
    ref = await events.ref_of(db, it.meeting.id)
    if it.row.seq > 0 and ref is None:  # an update whose event is not made yet: it will be
        await waiting_for(db, it, DeliveryKind.EVENT)
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
    **QA_COMPOSERS,
    DeliveryKind.SOON: _soon,
    DeliveryKind.EVENT: _event,
    DeliveryKind.EVENT_CANCEL: _event_cancel,
}


async def compose(db: AsyncSession, it: Row) -> Composed | None:
    """What ``it.row`` says and where it goes; None when it must wait (for its kickoff)."""
    return await COMPOSERS[DeliveryKind(it.row.kind)](db, it)
