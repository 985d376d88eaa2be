"""Changing a running group's rhythm from chat: a new day, time or zone, a break, public
holidays, a skip undone, where the group meets. Each change is written into the run's schedule
and re-dates only the sessions not yet begun (``runs.replan``); posts already out stay."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.services import runs
from bot.domain.states import DeliveryKind
from bot.store.models import Delivery, Meeting, Run

if TYPE_CHECKING:
    from bot.domain.schedule import ScheduleSpec

HOLIDAY_YEARS = 3  # public holidays are looked up this many years ahead
SETTLE_ROUNDS = 20  # a session moved off a holiday may land on another: look again


async def _store(db: AsyncSession, run: Run, spec: ScheduleSpec, now: datetime) -> None:
    run.schedule = spec.model_dump(mode="json", by_alias=True)
    run.timezone = spec.timezone
    await runs.replan(db, run, now)


async def reschedule(db: AsyncSession, run: Run, spec: ScheduleSpec, now: datetime) -> bool:
    """Sessions not yet begun move to ``spec``'s day, time and zone, the first to the first
    such slot still to come; False when every session has begun."""
    from bot.domain.calendar import plan_calendar  # pydantic: on first use, not at start

    waiting = await runs.not_begun(db, run)
    if not waiting:
        return False
    first = waiting[0].index
    syllabus = await runs.syllabus_of_run(db, run)
    skipped = {date.fromisoformat(d) for d in run.skipped}
    today = now.astimezone(spec.zone).date()
    spec = spec.model_copy(update={"start": today, "from_session": first, "first_session": None})
    for _ in range(8):  # today's slot may have passed: the next day's rhythm then
        if plan_calendar(syllabus, spec, skipped=skipped)[first].starts_at > now:
            break
        spec = spec.model_copy(update={"start": spec.start + timedelta(days=1)})
    await _store(db, run, spec, now)
    return True


async def add_break(
    db: AsyncSession, run: Run, start: date, end: date, now: datetime, *, reason: str = ""
) -> None:
    """No session from ``start`` to ``end`` (both included); later sessions move back."""
    from bot.domain.schedule import Break  # pydantic: on first use, not at start

    spec = runs.spec_of(run)
    added = Break.model_validate({"from": start, "to": end, "reason": reason})
    await _store(db, run, spec.model_copy(update={"breaks": (*spec.breaks, added)}), now)


def _holiday_meetings(
    meetings: list[Meeting], spec: ScheduleSpec, found: dict[date, str]
) -> dict[date, str]:
    return {
        day: found[day]
        for meeting in meetings
        if (day := meeting.starts_at.astimezone(spec.zone).date()) in found
    }


async def skip_holidays(
    db: AsyncSession, run: Run, country: str, now: datetime
) -> dict[date, str] | None:
    """Each session not yet begun that falls on a public holiday of ``country`` (an ISO code)
    becomes a break, and the sessions after it move back; the holidays skipped, by day, or
    None when the country is unknown."""
    import holidays  # on first use: its tables are only needed here

    from bot.domain.schedule import Break

    code = country.upper()
    if code not in holidays.list_supported_countries():
        return None
    today = now.date()
    known = dict(
        holidays.country_holidays(code, years=range(today.year, today.year + HOLIDAY_YEARS))
    )
    skipped: dict[date, str] = {}
    for _ in range(SETTLE_ROUNDS):
        spec = runs.spec_of(run)
        hit = _holiday_meetings(await runs.not_begun(db, run), spec, known)
        if not hit:
            break
        added = tuple(
            Break.model_validate({"from": day, "to": day, "reason": name})
            for day, name in sorted(hit.items())
        )
        await _store(db, run, spec.model_copy(update={"breaks": (*spec.breaks, *added)}), now)
        skipped |= hit
    return skipped


async def unskip(db: AsyncSession, run: Run, now: datetime) -> date | None:
    """Undo the latest skip still ahead (its week has a session again; later sessions move
    forward); the day given back, or None when no skip lies ahead."""
    today = now.astimezone(runs.spec_of(run).zone).date()
    ahead = sorted(d for d in run.skipped if date.fromisoformat(d) >= today)
    if not ahead:
        return None
    run.skipped = [d for d in run.skipped if d != ahead[-1]]
    await runs.replan(db, run, now)
    return date.fromisoformat(ahead[-1])


async def meet_at(
    db: AsyncSession, run: Run, now: datetime, *, link: str | None = None, place: str | None = None
) -> None:
    """Where the group meets, shown in each kickoff and reminder: a call's link, a room."""
    spec = runs.spec_of(run)
    update = {k: v for k, v in (("link", link), ("place", place)) if v is not None}
    await _store(db, run, spec.model_copy(update=update), now)


async def remind_before(
    db: AsyncSession, run: Run, before: timedelta | None, now: datetime
) -> None:
    """A "starts soon" post ``before`` each session still to come (None: none any more)."""
    spec = runs.spec_of(run).model_copy(update={"remind_before": before})
    run.schedule = spec.model_dump(mode="json", by_alias=True)
    waiting = {m.id: m for m in await runs.not_begun(db, run)}
    pending = list(
        await db.scalars(
            select(Delivery).where(
                Delivery.run_id == run.id,
                Delivery.kind == DeliveryKind.SOON,
                Delivery.status.in_(runs.UNSENT),
            )
        )
    )
    for row in pending:
        await db.delete(row)
    await db.flush()
    if before is None:
        return
    sent = set(
        await db.scalars(
            select(Delivery.meeting_id).where(
                Delivery.run_id == run.id, Delivery.kind == DeliveryKind.SOON
            )
        )
    )
    db.add_all(
        runs.soon_row(run, meeting, before)
        for meeting in waiting.values()
        if meeting.id not in sent and meeting.starts_at - before > now
    )
    await db.flush()
