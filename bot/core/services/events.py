"""Each session as a platform event members can mark themselves interested in (Discord's
scheduled events), kept in step with the schedule through the ledger: an ``EVENT`` row with
seq 0 creates it a few weeks ahead, a later ``EVENT`` row brings it up to date after the session
moved, an ``EVENT_CANCEL`` row cancels it when the run stops. Groups on platforms without
events (``bot.core.ports.Calendar``) get no such rows."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.states import DeliveryKind, DeliveryStatus
from bot.store.models import Delivery, Meeting, Run

AHEAD = timedelta(days=28)  # an event is created this long before its session
WAITING = (DeliveryStatus.PENDING, DeliveryStatus.HELD)


def _due(meeting: Meeting, now: datetime) -> datetime:
    return max(now, meeting.starts_at - AHEAD)


def add_rows(db: AsyncSession, run: Run, meetings: Iterable[Meeting], now: datetime) -> None:
    """An event for each session, created a few weeks before it (at once when sooner)."""
    db.add_all(
        Delivery(
            run_id=run.id,
            meeting_id=meeting.id,
            kind=DeliveryKind.EVENT,
            seq=0,
            due_at=_due(meeting, now),
        )
        for meeting in meetings
    )


async def _rows(db: AsyncSession, run: Run, kind: DeliveryKind) -> list[Delivery]:
    found = await db.scalars(
        select(Delivery).where(Delivery.run_id == run.id, Delivery.kind == kind)
    )
    return list(found)


async def moved(db: AsyncSession, run: Run, meetings: Iterable[Meeting], now: datetime) -> None:
    """Sessions re-dated: an event not yet made is made in time for the new date; one already
    made gets a row that updates it."""
    rows = await _rows(db, run, DeliveryKind.EVENT)
    if not rows:
        return
    by_meeting: dict[int, list[Delivery]] = {}
    for row in rows:
        by_meeting.setdefault(row.meeting_id, []).append(row)
    for meeting in meetings:
        mine = by_meeting.get(meeting.id, [])
        if any(r.status == DeliveryStatus.SENT and r.message_ref for r in mine):
            db.add(
                Delivery(
                    run_id=run.id,
                    meeting_id=meeting.id,
                    kind=DeliveryKind.EVENT,
                    seq=max(r.seq for r in mine) + 1,
                    due_at=now,
                )
            )
        for row in mine:
            if row.status in WAITING and row.seq == 0:
                row.due_at = _due(meeting, now)


async def cancel_all(db: AsyncSession, run: Run, now: datetime) -> None:
    """The run stopped: the events of sessions still to come are cancelled."""
    made = {
        row.meeting_id
        for row in await _rows(db, run, DeliveryKind.EVENT)
        if row.status == DeliveryStatus.SENT and row.message_ref
    }
    begun = select(Meeting.id).where(Meeting.run_id == run.id, Meeting.starts_at <= now)
    started = set(await db.scalars(begun))
    db.add_all(
        Delivery(run_id=run.id, meeting_id=meeting_id, kind=DeliveryKind.EVENT_CANCEL, due_at=now)
        for meeting_id in sorted(made - started)
    )


async def ref_of(db: AsyncSession, meeting_id: int) -> str | None:
    """The platform's id of the session's event, once made (the newest row that made or
    updated it)."""
    return await db.scalar(
        select(Delivery.message_ref)
        .where(
            Delivery.meeting_id == meeting_id,
            Delivery.kind == DeliveryKind.EVENT,
            Delivery.status == DeliveryStatus.SENT,
            Delivery.message_ref.is_not(None),
            Delivery.message_ref != "",
        )
        .order_by(Delivery.id.desc())
        .limit(1)
    )
