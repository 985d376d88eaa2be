"""Runs: a group reading a syllabus on a schedule, its dated meetings and its delivery ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.services import events
from bot.domain.states import OPEN_RUN, DeliveryKind, DeliveryStatus, RunStatus
from bot.store.models import Delivery, Group, Meeting, Member, Run, StoredSyllabus
from bot.store.syllabi import save_syllabus, syllabus_of

if TYPE_CHECKING:  # the models (pydantic) load with the first syllabus or schedule read
    from bot.domain.calendar import PlannedMeeting
    from bot.domain.schedule import ScheduleSpec
    from bot.domain.syllabus import Reading, Syllabus, Unit

SKIPPED_WHILE_PAUSED = "skipped while paused"
UNSENT = (DeliveryStatus.PENDING, DeliveryStatus.HELD)  # posts a replan or a stop may still change
_SYLLABI: dict[str, Syllabus] = {}  # by content hash: stored syllabi never change


async def open_run(db: AsyncSession, group: Group) -> Run | None:
    """The group's active or paused run, if any."""
    return await db.scalar(
        select(Run)
        .where(Run.group_id == group.id, Run.status.in_(OPEN_RUN))
        .order_by(Run.id.desc())
        .limit(1)
    )


async def latest_run(db: AsyncSession, group: Group) -> Run | None:
    """The group's most recent run, finished or not: history stays readable after the end."""
    return await db.scalar(
        select(Run).where(Run.group_id == group.id).order_by(Run.id.desc()).limit(1)
    )


async def syllabus_of_run(db: AsyncSession, run: Run) -> Syllabus:
    """The syllabus exactly as it was when the run started."""
    row = await db.get(StoredSyllabus, run.syllabus_pk)
    assert row is not None
    if row.content_hash not in _SYLLABI:
        _SYLLABI[row.content_hash] = syllabus_of(row)
    return _SYLLABI[row.content_hash]


def spec_of(run: Run) -> ScheduleSpec:
    """The schedule the run was started with."""
    from bot.domain.schedule import ScheduleSpec  # pydantic: on first use, not at start

    return ScheduleSpec.model_validate(run.schedule)


async def meetings_of(db: AsyncSession, run: Run) -> list[Meeting]:
    """A run's meetings, in order."""
    return list(
        await db.scalars(select(Meeting).where(Meeting.run_id == run.id).order_by(Meeting.index))
    )


def current_meeting(meetings: list[Meeting], now: datetime) -> Meeting | None:
    """The session being read now: the last one that has started."""
    started = [s for s in meetings if s.starts_at <= now]
    return started[-1] if started else None


def upcoming(meetings: list[Meeting], now: datetime) -> list[Meeting]:
    """The meetings still to start."""
    return [s for s in meetings if s.starts_at > now]


@dataclass(frozen=True)
class MeetingContent:
    """What one stored session reads, resolved against the run's syllabus."""

    unit: Unit
    readings: tuple[Reading, ...]
    part: int
    parts: int


def content_of(meeting: Meeting, syllabus: Syllabus) -> list[MeetingContent]:
    """What one meeting reads, unit by unit."""
    contents = []
    for entry in meeting.units:
        unit = syllabus.unit(entry["unit"])
        sections = set(entry["sections"])
        readings = tuple(r for r in unit.readings if r.section in sections)
        contents.append(MeetingContent(unit, readings, entry["part"], entry["parts"]))
    return contents


def questions_of(meeting: Meeting, syllabus: Syllabus) -> list[str]:
    """Discussion questions open with the first part of each unit."""
    return [q for c in content_of(meeting, syllabus) if c.part == 1 for q in c.unit.questions]


def _meeting_row(run: Run, planned: PlannedMeeting) -> Meeting:
    return Meeting(
        run_id=run.id,
        index=planned.index,
        week=planned.week,
        starts_at=planned.starts_at,
        reminder_at=planned.reminder_at,
        summary_at=planned.summary_at,
        title=planned.title[:1000],
        units=[
            {
                "unit": p.unit.id,
                "part": p.part,
                "parts": p.parts,
                "sections": [r.section for r in p.readings],
            }
            for p in planned.parts
        ],
        readings=[
            {
                "section": r.section,
                "title": r.title,
                "pages": str(r.pages or ""),
                "book": r.book,
            }
            for r in planned.readings
        ],
    )


def soon_row(run: Run, meeting: Meeting, before: timedelta) -> Delivery:
    """The "starts soon" post of ``meeting``, ``before`` its start."""
    return Delivery(
        run_id=run.id,
        meeting_id=meeting.id,
        kind=DeliveryKind.SOON,
        due_at=meeting.starts_at - before,
    )


def _deliveries(
    run: Run, meeting: Meeting, planned: PlannedMeeting, before: timedelta | None
) -> list[Delivery]:
    questions = sum(len(p.unit.questions) for p in planned.parts if p.part == 1)
    rows = [
        Delivery(
            run_id=run.id,
            meeting_id=meeting.id,
            kind=DeliveryKind.KICKOFF,
            seq=0,
            due_at=planned.starts_at,
        )
    ]
    rows += [
        Delivery(
            run_id=run.id,
            meeting_id=meeting.id,
            kind=DeliveryKind.QUESTION,
            seq=n,
            due_at=planned.starts_at,
        )
        for n in range(1, questions + 1)
    ]
    rows.append(
        Delivery(
            run_id=run.id,
            meeting_id=meeting.id,
            kind=DeliveryKind.REMINDER,
            due_at=planned.reminder_at,
        )
    )
    rows.append(
        Delivery(
            run_id=run.id,
            meeting_id=meeting.id,
            kind=DeliveryKind.SUMMARY,
            due_at=planned.summary_at,
        )
    )
    if before is not None:
        rows.append(soon_row(run, meeting, before))
    return rows


def first_future_start(syllabus: Syllabus, spec: ScheduleSpec, now: datetime) -> ScheduleSpec:
    """Move the start day forward until the first session is still to come."""
    from bot.domain.calendar import plan_calendar  # pydantic: on first use, not at start

    for _ in range(8):
        meetings = plan_calendar(syllabus, spec)
        if meetings and meetings[0].starts_at > now:
            return spec
        spec = spec.model_copy(update={"start": spec.start + timedelta(days=1)})
    return spec


async def start_run(
    db: AsyncSession,
    *,
    group: Group,
    syllabus: Syllabus,
    spec: ScheduleSpec,
    organizer: Member,
    now: datetime,
    source: str = "",
) -> tuple[Run, list[Meeting]]:
    """Store the syllabus copy, the run, its sessions and every post they imply."""
    from bot.domain.calendar import plan_calendar  # pydantic: on first use, not at start

    stored = await save_syllabus(db, syllabus, source=source)
    run = Run(
        group_id=group.id,
        syllabus_pk=stored.id,
        schedule=spec.model_dump(mode="json", by_alias=True),
        timezone=spec.timezone,
        status=RunStatus.ACTIVE,
        started_by=organizer.id,
        created_at=now,
        skipped=[],
    )
    db.add(run)
    await db.flush()
    meetings = []
    for planned in plan_calendar(syllabus, spec):
        meeting = _meeting_row(run, planned)
        db.add(meeting)
        await db.flush()
        db.add_all(_deliveries(run, meeting, planned, spec.remind_before))
        meetings.append(meeting)
    await db.flush()
    return run, meetings


async def due_posts(db: AsyncSession, meeting: Meeting, now: datetime) -> list[Delivery]:
    """The posts of ``meeting`` already due (a session begun at once: its kickoff, threads)."""
    found = await db.scalars(
        select(Delivery).where(Delivery.meeting_id == meeting.id, Delivery.due_at <= now)
    )
    return list(found)


async def not_begun(db: AsyncSession, run: Run) -> list[Meeting]:
    """The sessions whose kickoff has not gone out: the ones a change of rhythm may move."""
    return [m for m in await meetings_of(db, run) if not await _kicked_off(db, m)]


async def _kicked_off(db: AsyncSession, meeting: Meeting) -> bool:
    status = await db.scalar(
        select(Delivery.status).where(
            Delivery.meeting_id == meeting.id,
            Delivery.kind == DeliveryKind.KICKOFF,
            Delivery.seq == 0,
        )
    )
    return status is not None and status not in (DeliveryStatus.PENDING, DeliveryStatus.HELD)


async def replan(db: AsyncSession, run: Run, now: datetime) -> None:
    """Recompute the dates of sessions that have not started, after a skip or a pause.

    Sessions keep their index and content; only their times (and the due times of their
    posts) move. A session whose new time has already passed is skipped too, until every
    session still to come lies in the future.
    """
    from bot.domain.calendar import plan_calendar  # pydantic: on first use, not at start

    syllabus = await syllabus_of_run(db, run)
    spec = spec_of(run)
    meetings = await meetings_of(db, run)
    movable = [s for s in meetings if not await _kicked_off(db, s)]
    skipped = {date.fromisoformat(d) for d in run.skipped}
    for _ in range(200):
        planned = {p.index: p for p in plan_calendar(syllabus, spec, skipped=skipped)}
        stale = [planned[s.index] for s in movable if planned[s.index].starts_at <= now]
        if not stale:
            break
        skipped |= {p.local_start.date() for p in stale}
    run.skipped = sorted(d.isoformat() for d in skipped)
    changed = [m for m in movable if m.starts_at != planned[m.index].starts_at]
    for meeting in movable:
        new = planned[meeting.index]
        meeting.week, meeting.starts_at = new.week, new.starts_at
        meeting.reminder_at, meeting.summary_at = new.reminder_at, new.summary_at
        due = {
            DeliveryKind.KICKOFF: new.starts_at,
            DeliveryKind.QUESTION: new.starts_at,
            DeliveryKind.REMINDER: new.reminder_at,
            DeliveryKind.SUMMARY: new.summary_at,
        }
        if spec.remind_before is not None:
            due[DeliveryKind.SOON] = new.starts_at - spec.remind_before
        for kind, when in due.items():
            await db.execute(
                update(Delivery)
                .where(
                    Delivery.meeting_id == meeting.id,
                    Delivery.kind == kind,
                    Delivery.status.in_(UNSENT),
                )
                .values(due_at=when)
            )
    await events.moved(db, run, changed, now)  # their platform events follow
    await db.flush()


async def skip_next(db: AsyncSession, run: Run, now: datetime) -> Meeting | None:
    """No session next time: the next session and all after it move back a week."""
    meetings = await meetings_of(db, run)
    following = upcoming(meetings, now)
    if not following:
        return None
    nxt = following[0]
    local_day = nxt.starts_at.astimezone(spec_of(run).zone).date()
    run.skipped = sorted({*run.skipped, local_day.isoformat()})
    await replan(db, run, now)
    return nxt


async def pause(db: AsyncSession, run: Run, now: datetime) -> None:
    """Hold the run's pending posts until ``resume``."""
    run.status, run.paused_at = RunStatus.PAUSED, now
    await db.execute(
        update(Delivery)
        .where(Delivery.run_id == run.id, Delivery.status == DeliveryStatus.PENDING)
        .values(status=DeliveryStatus.HELD)
    )


async def resume(db: AsyncSession, run: Run, now: datetime) -> list[Delivery]:
    """Release held posts and move the meetings still to come after the pause.

    Meetings not yet begun move first. Of the rest, a held post whose moment passed longer ago
    than the run's grace period is not sent late:
    it is marked skipped (missed, "while paused") and returned, so the resume can say so. The
    bot was not offline, so organizers get no offline notice for it.
    """
    run.status, run.paused_at = RunStatus.ACTIVE, None
    await replan(db, run, now)  # meetings not yet begun move after the pause, posts and all
    held = Delivery.run_id == run.id, Delivery.status == DeliveryStatus.HELD
    too_old = Delivery.due_at < now - spec_of(run).grace
    skipped = list(await db.scalars(select(Delivery).where(*held, too_old).order_by(Delivery.id)))
    await db.execute(
        update(Delivery)
        .where(*held, too_old)
        .values(status=DeliveryStatus.MISSED, error=SKIPPED_WHILE_PAUSED)
    )
    await db.execute(update(Delivery).where(*held).values(status=DeliveryStatus.PENDING))
    return skipped


async def stop(db: AsyncSession, run: Run, now: datetime) -> None:
    """End the run; its unsent posts will never go out."""
    run.status, run.ended_at = RunStatus.CANCELLED, now
    await db.execute(
        update(Delivery)
        .where(Delivery.run_id == run.id, Delivery.status.in_(UNSENT))
        .values(status=DeliveryStatus.MISSED, error="run stopped")
    )
    await events.cancel_all(db, run, now)
