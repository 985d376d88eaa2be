"""The delivery ledger: every scheduled post is claimed, sent and recorded exactly once.

A tick claims due rows in one transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two bot
processes never claim the same row), then sends them one by one and records the platform's
message id. A row whose claim expired (the process died) is claimed again; before sending it a
second time the adapter is asked whether the post already went out (``Adapter.find_post``), so
a crash after the send but before the bookkeeping does not post twice.

Posts due while the bot was down go out late within the run's grace period; older ones are
marked missed and organizers get one notice per run and tick, never a flood.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Select, case, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core import posts
from bot.core.models import Message, Place
from bot.core.ports import Adapter, Clock
from bot.core.services import checkins, groups, runs, tally
from bot.domain.states import OPEN_RUN, DeliveryKind, DeliveryStatus, Role, RunStatus
from bot.store.engine import WriteGate
from bot.store.models import Delivery, Group, Meeting, Run

log = logging.getLogger(__name__)

KIND_ORDER = case(
    {kind.value: order for order, kind in enumerate(DeliveryKind)}, value=Delivery.kind, else_=9
)
MAX_ATTEMPTS = 5


class Outcome(StrEnum):
    """What one delivery attempt came to."""

    SENT = "sent"
    MISSED = "missed"  # too late, or its run ended: never to be sent
    FAILED = "failed"  # the platform kept refusing it
    RETRY = "retry"  # held by a pause, or waiting: a later tick tries again


@dataclass
class TickReport:
    """The delivery keys a tick handled, by outcome."""

    sent: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    retry: list[str] = field(default_factory=list)

    def add(self, outcome: Outcome, key: str) -> None:
        """Record ``key`` under its outcome."""
        self.by_outcome()[outcome].append(key)

    def by_outcome(self) -> dict[Outcome, list[str]]:
        """The four lists, by outcome."""
        return {
            Outcome.SENT: self.sent,
            Outcome.MISSED: self.missed,
            Outcome.FAILED: self.failed,
            Outcome.RETRY: self.retry,
        }

    def extend(self, other: TickReport) -> None:
        """Add every key of ``other``."""
        for outcome, keys in other.by_outcome().items():
            self.by_outcome()[outcome].extend(keys)


def delivery_key(row: Delivery) -> str:
    """The key a post carries on the platform, so ``find_post`` can tell it was sent."""
    return f"studybot:run{row.run_id}:session{row.meeting_id}:{row.kind}:{row.seq}"


class Deliverer:
    """Hands due ledger rows to the group's adapter."""

    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        adapters: Mapping[str, Adapter],
        worker: str,
        lease: timedelta = timedelta(minutes=10),
        batch: int = 200,
        gate: WriteGate | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.adapters = adapters
        self.worker = worker[:64]
        self.lease = lease
        self.batch = batch
        self.gate = gate or WriteGate(serial=False)

    def due_query(self, now: datetime) -> Select[tuple[Delivery]]:
        """Due rows, oldest first, kickoffs before their question threads."""
        return (
            select(Delivery)
            .where(
                or_(
                    (Delivery.status == DeliveryStatus.PENDING) & (Delivery.due_at <= now),
                    (Delivery.status == DeliveryStatus.CLAIMED) & (Delivery.claimed_until <= now),
                )
            )
            .order_by(Delivery.due_at, KIND_ORDER, Delivery.seq)
            .limit(self.batch)
            .with_for_update(skip_locked=True)
        )

    async def claim(self, now: datetime) -> list[Delivery]:
        """Claim the due rows for this worker, in one short transaction."""
        async with self.gate, self.sessionmaker() as db, db.begin():
            await db.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
            rows = list(await db.scalars(self.due_query(now)))
            for row in rows:
                row.status, row.claimed_by = DeliveryStatus.CLAIMED, self.worker
                row.claimed_until, row.attempts = now + self.lease, row.attempts + 1
        return rows

    async def tick(self) -> TickReport:
        """Send everything due now; tell organizers once about what came too late."""
        report = TickReport()
        now = self.clock.now()
        claimed = await self.claim(now)
        missed_by_run: dict[int, list[Delivery]] = defaultdict(list)
        for row in claimed:
            outcome = await self._deliver(row, now)
            key = delivery_key(row)
            report.add(outcome, key)
            if outcome == Outcome.MISSED:
                missed_by_run[row.run_id].append(row)
        for run_id, rows in missed_by_run.items():
            await self._tell_organizers(run_id, rows)
        return report

    async def _deliver(self, row: Delivery, now: datetime) -> Outcome:
        async with self.sessionmaker() as db:
            run = await db.get(Run, row.run_id)
            meeting = await db.get(Meeting, row.meeting_id)
            assert run is not None and meeting is not None
            group = await db.get(Group, run.group_id)
            assert group is not None
            if run.status == RunStatus.PAUSED:
                return await self._finish(row, status=DeliveryStatus.HELD, outcome=Outcome.RETRY)
            if run.status not in OPEN_RUN:
                return await self._finish(
                    row,
                    status=DeliveryStatus.MISSED,
                    outcome=Outcome.MISSED,
                    error=f"run {run.status}",
                )
            if now - row.due_at > runs.spec_of(run).grace:
                return await self._finish(
                    row, status=DeliveryStatus.MISSED, outcome=Outcome.MISSED, error="too late"
                )
            adapter = self.adapters.get(group.platform)
            if adapter is None:
                return await self._finish(
                    row, status=DeliveryStatus.PENDING, outcome=Outcome.RETRY, error="no adapter"
                )
            place = Place(platform=group.platform, workspace=group.workspace, channel=group.channel)
            key = delivery_key(row)
            try:
                ref = await adapter.find_post(place, key) if row.attempts > 1 else None
                if ref is None:
                    ref = await self._send(db, adapter, place, row, run, group, meeting, key, now)
                    if ref is None:  # waits for its kickoff
                        return await self._finish(
                            row,
                            status=DeliveryStatus.PENDING,
                            outcome=Outcome.RETRY,
                            count_attempt=False,
                        )
            except Exception as error:  # a platform failure: try again next tick
                log.warning("delivery %s failed: %s", key, error)
                status = (
                    DeliveryStatus.FAILED
                    if row.attempts >= MAX_ATTEMPTS
                    else DeliveryStatus.PENDING
                )
                return await self._finish(
                    row,
                    status=status,
                    outcome=Outcome.FAILED if status == DeliveryStatus.FAILED else Outcome.RETRY,
                    error=str(error)[:1000],
                )
            await self._finish(
                row, status=DeliveryStatus.SENT, outcome=Outcome.SENT, ref=ref, now=now
            )
            if row.kind == DeliveryKind.SUMMARY:
                await self._maybe_finish_run(run, meeting, now)
            return Outcome.SENT

    async def _finish(
        self,
        row: Delivery,
        *,
        status: DeliveryStatus,
        outcome: Outcome,
        ref: str | None = None,
        error: str | None = None,
        now: datetime | None = None,
        count_attempt: bool = True,
    ) -> Outcome:
        values: dict[str, object] = {"status": status, "claimed_until": None, "error": error}
        if ref is not None:
            values |= {"message_ref": ref, "sent_at": now}
        if not count_attempt:
            values["attempts"] = Delivery.attempts - 1
        async with self.gate, self.sessionmaker.begin() as db:
            result = await db.execute(
                update(Delivery)
                .where(
                    Delivery.id == row.id,
                    Delivery.claimed_by == self.worker,
                    Delivery.status == DeliveryStatus.CLAIMED,
                )
                .values(**values)
            )
            if result.rowcount != 1:
                log.warning("lost the claim on %s before recording it", delivery_key(row))
        return outcome

    async def _send(
        self,
        db: AsyncSession,
        adapter: Adapter,
        place: Place,
        row: Delivery,
        run: Run,
        group: Group,
        meeting: Meeting,
        key: str,
        now: datetime,
    ) -> str | None:
        syllabus = await runs.syllabus_of_run(db, run)
        if row.kind == DeliveryKind.KICKOFF:
            total = len(await runs.meetings_of(db, run))
            message = posts.kickoff(
                syllabus=syllabus,
                meeting=meeting,
                contents=runs.content_of(meeting, syllabus),
                total=total,
                zone=run.timezone,
            )
            return await adapter.post(place, message, key=key)
        if row.kind == DeliveryKind.QUESTION:
            kickoff = await db.scalar(
                select(Delivery).where(
                    Delivery.meeting_id == meeting.id, Delivery.kind == DeliveryKind.KICKOFF
                )
            )
            if (
                kickoff is None
                or kickoff.status != DeliveryStatus.SENT
                or kickoff.message_ref is None
            ):
                if kickoff is not None and kickoff.status in (
                    DeliveryStatus.MISSED,
                    DeliveryStatus.FAILED,
                ):
                    raise RuntimeError("the kickoff was not posted")
                return None
            asked = runs.questions_of(meeting, syllabus)
            units = [
                c.unit
                for c in runs.content_of(meeting, syllabus)
                if c.part == 1
                for _ in c.unit.questions
            ]
            unit = units[row.seq - 1]
            message = posts.discussion_question(
                row.seq, asked[row.seq - 1], unit.title, unit_id=unit.id
            )
            return await adapter.open_thread(place, kickoff.message_ref, message, key=key)
        if row.kind == DeliveryKind.REMINDER:
            return await self._remind(db, adapter, place, group, meeting, key)
        return await self._summarize(db, adapter, place, group, run, meeting, key, now)

    async def _remind(
        self,
        db: AsyncSession,
        adapter: Adapter,
        place: Place,
        group: Group,
        meeting: Meeting,
        key: str,
    ) -> str:
        members = await groups.current_members(db, group)
        done = {c.member_id for c in await checkins.checkins_for(db, [meeting.id])}
        missing = [m for m in members if m.id not in done]
        for member in missing:
            if member.dm_reminders:
                await adapter.direct_message(
                    member.user_id,
                    posts.reminder_dm(meeting=meeting, channel_hint="the group channel"),
                    key=f"{key}:dm:{member.user_id}",
                )
        return await adapter.post(
            place,
            posts.reminder(meeting=meeting, missing=len(missing), members=len(members)),
            key=key,
        )

    async def _summarize(
        self,
        db: AsyncSession,
        adapter: Adapter,
        place: Place,
        group: Group,
        run: Run,
        meeting: Meeting,
        key: str,
        now: datetime,
    ) -> str:
        meetings = await runs.meetings_of(db, run)
        following = [m for m in meetings if m.index > meeting.index]
        message = posts.summary(
            tally=await tally.week_tally(db, group, meeting, meetings),
            open_questions=await tally.waiting_questions(db, run, now),
            next_meeting=following[0] if following else None,
            zone=run.timezone,
        )
        return await adapter.post(place, message, key=key)

    async def _maybe_finish_run(self, run: Run, meeting: Meeting, now: datetime) -> None:
        async with self.gate, self.sessionmaker.begin() as db:
            last = await db.scalar(
                select(Meeting.index)
                .where(Meeting.run_id == run.id)
                .order_by(Meeting.index.desc())
                .limit(1)
            )
            if last == meeting.index:
                await db.execute(
                    update(Run)
                    .where(Run.id == run.id, Run.status == RunStatus.ACTIVE)
                    .values(status=RunStatus.FINISHED, ended_at=now)
                )

    async def _tell_organizers(self, run_id: int, rows: list[Delivery]) -> None:
        async with self.sessionmaker() as db:
            run = await db.get(Run, run_id)
            assert run is not None
            group = await db.get(Group, run.group_id)
            assert group is not None
            organizers = [
                m for m in await groups.current_members(db, group) if m.role == Role.ORGANIZER
            ]
        adapter = self.adapters.get(group.platform)
        if adapter is None:
            return
        notice: Message = posts.missed_posts(len(rows), min(r.due_at for r in rows), run.timezone)
        for organizer in organizers:
            try:
                await adapter.direct_message(organizer.user_id, notice)
            except Exception as error:  # the notice is a courtesy; never fail a tick for it
                log.warning(
                    "could not tell organizer %s about missed posts: %s", organizer.user_id, error
                )
