"""The delivery ledger: every post is claimed, sent and recorded exactly once.

A tick claims due rows in one transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two bot
processes never claim the same row), then sends them one by one and records the platform's
message id. A row whose claim expired (the process died) is claimed again; before sending it a
second time the adapter is asked whether the post already went out (``Adapter.find_post``), so
a crash after the send but before the bookkeeping does not post twice.

Posts due while the bot was down go out late within the run's grace period; older ones are
marked missed and each organizer gets one notice row per run and meeting, never a flood. What a
row says is the composer's (``bot.core.composer``); this module claims, sends and records.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Mapping, Set
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.composer import compose
from bot.core.outcomes import Outcome, TickReport
from bot.core.outgoing import Row
from bot.core.pacing import Pacer
from bot.core.ports import NO_METER, Adapter, Clock, Meter
from bot.core.sending import look_up, prepared, send
from bot.core.services import groups, runs
from bot.core.services.ledger import write_notices, write_rows
from bot.domain.states import OPEN_RUN, DeliveryKind, DeliveryStatus, RunStatus
from bot.store.engine import WriteGate
from bot.store.models import Delivery, Group, Meeting, Question, Run

log = logging.getLogger(__name__)

KIND_ORDER = case(
    {kind.value: order for order, kind in enumerate(DeliveryKind)}, value=Delivery.kind, else_=9
)
MAX_ATTEMPTS = 8  # with the back-off below, about 18 minutes of a platform refusing
FIRST_BACK_OFF = timedelta(seconds=15)  # doubled after each failed attempt...
LONGEST_BACK_OFF = timedelta(minutes=5)  # ...up to this
KICKOFF_WAIT = timedelta(seconds=1)  # a thread whose kickoff is not out yet looks again after this
DIRECT = (DeliveryKind.REMINDER_DM, DeliveryKind.NOTICE)  # rows that go to one member
# Late rows organizers are not told about: a member's own, a moot "starts soon" or event.
UNNOTICED = (*DIRECT, DeliveryKind.SOON, DeliveryKind.EVENT, DeliveryKind.EVENT_CANCEL)
NO_LEAD = timedelta(0)  # a "starts soon" post whose schedule no longer says how soon


def back_off(attempts: int) -> timedelta:
    """How long a row waits after its ``attempts``-th failed attempt."""
    return min(FIRST_BACK_OFF * 2 ** (attempts - 1), LONGEST_BACK_OFF)


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
        lease: timedelta = timedelta(seconds=30),
        heartbeat_seconds: float = 10.0,
        batch: int = 200,
        in_flight: int = 100,
        pace_channels: bool = True,
        gate: WriteGate | None = None,
        meter: Meter = NO_METER,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.meter = meter  # told every outcome, in ``_finish``
        self.clock = clock
        self.adapters = adapters
        self.worker = worker[:64]
        self.lease = lease  # a dead process's claims are taken over once this has passed
        self.heartbeat_seconds = heartbeat_seconds  # real seconds between renewals of a claim
        self.batch = batch
        self.in_flight = in_flight  # channels sending at the same time (most wait their turn)
        self.gate = gate or WriteGate(serial=False)
        self.pacer = Pacer(sessionmaker=sessionmaker, gate=self.gate, enabled=pace_channels)
        self.stopping = asyncio.Event()  # set by ``stop``: claim nothing more, release the rest

    def due_query(
        self, now: datetime, *, done: Set[int] = frozenset(), only: Set[int] | None = None
    ) -> Select[tuple[Delivery]]:
        """Due rows, oldest first, kickoffs before their question threads; not those in
        ``done`` (handled already in this tick), and only those in ``only`` when given."""
        query = select(Delivery).where(
            or_(
                (Delivery.status == DeliveryStatus.PENDING)
                & (Delivery.due_at <= now)
                & or_(Delivery.retry_at.is_(None), Delivery.retry_at <= now),
                (Delivery.status == DeliveryStatus.CLAIMED) & (Delivery.claimed_until <= now),
            )
        )
        if done:
            query = query.where(Delivery.id.not_in(done))
        if only is not None:
            query = query.where(Delivery.id.in_(only))
        return (
            query.order_by(Delivery.due_at, KIND_ORDER, Delivery.seq)
            .limit(self.batch)
            .with_for_update(skip_locked=True)
        )

    async def claim(
        self, now: datetime, *, done: Set[int] = frozenset(), only: Set[int] | None = None
    ) -> list[Delivery]:
        """Claim the due rows for this worker, in one short transaction."""
        async with self.gate, self.sessionmaker() as db, db.begin():
            await db.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
            rows = list(await db.scalars(self.due_query(now, done=done, only=only)))
            for row in rows:
                row.status, row.claimed_by = DeliveryStatus.CLAIMED, self.worker
                row.claimed_until, row.attempts = now + self.lease, row.attempts + 1
        return rows

    def stop(self) -> None:
        """Claim nothing more; posts not yet on their way are released for any process to send
        (a post already with the platform is finished and recorded)."""
        self.stopping.set()

    async def tick(self, *, only: Set[int] | None = None) -> TickReport:
        """Send everything due now, batch after batch, including the rows that sending writes
        (a reminder's DMs, notices to organizers); each row at most once per tick. ``only``
        limits it to those rows (the ones a command just wrote, sent right after its commit)."""
        report = TickReport()
        claimed = await self.claim(self.clock.now(), only=only)
        if not claimed:  # the idle tick: one query, nothing else started
            return report
        done: set[int] = set()
        async with self._heartbeat():
            while claimed:
                done.update(row.id for row in claimed)
                await self._deliver_batch(claimed, report)
                if self.stopping.is_set():
                    break
                claimed = await self.claim(self.clock.now(), done=done, only=only)
        return report

    async def _deliver_batch(self, claimed: list[Delivery], report: TickReport) -> None:
        """Each run's rows in order (a kickoff before its threads), runs side by side: a slow
        or rate-limited channel holds up only itself."""
        now = self.clock.now()
        by_run: dict[int, list[Delivery]] = defaultdict(list)
        for row in claimed:
            by_run[row.run_id].append(row)
        in_flight = asyncio.Semaphore(self.in_flight)

        async def deliver_run(rows: list[Delivery]) -> list[tuple[Delivery, Outcome]]:
            async with in_flight:
                return [(row, await self._deliver(row, now)) for row in rows]

        if len(by_run) == 1:  # one channel: nothing to run side by side
            outcomes = [await deliver_run(claimed)]
        else:
            outcomes = await asyncio.gather(*(deliver_run(rows) for rows in by_run.values()))
        late_by_run: dict[int, list[Delivery]] = defaultdict(list)
        for row, outcome in (pair for run in outcomes for pair in run):
            report.add(outcome, delivery_key(row))
            if outcome == Outcome.LATE and row.kind not in UNNOTICED:
                late_by_run[row.run_id].append(row)
        for run_id, rows in late_by_run.items():
            async with self.gate, self.sessionmaker.begin() as db:
                await write_notices(db, run_id=run_id, missed=rows, now=now)

    @asynccontextmanager
    async def _heartbeat(self) -> AsyncIterator[None]:
        """While a tick runs, keep renewing this worker's claims: only a dead worker's lapse."""

        async def renew() -> None:
            while True:
                await asyncio.sleep(self.heartbeat_seconds)
                async with self.gate, self.sessionmaker.begin() as db:
                    await db.execute(
                        update(Delivery)
                        .where(
                            Delivery.claimed_by == self.worker,
                            Delivery.status == DeliveryStatus.CLAIMED,
                        )
                        .values(claimed_until=self.clock.now() + self.lease)
                    )

        beating = asyncio.create_task(renew())
        try:
            yield
        finally:
            beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beating

    async def next_wake(self) -> datetime | None:
        """When the next tick has work: the first pending post falls due, a failed one's back-off
        ends, or a claim lapses. Each is one walk of an index."""
        pending = Delivery.status == DeliveryStatus.PENDING
        async with self.sessionmaker() as db:
            due = await db.scalar(
                select(func.min(Delivery.due_at)).where(pending, Delivery.retry_at.is_(None))
            )
            retry = await db.scalar(
                select(func.min(Delivery.retry_at)).where(pending, Delivery.retry_at.is_not(None))
            )
            lapse = await db.scalar(
                select(func.min(Delivery.claimed_until)).where(
                    Delivery.status == DeliveryStatus.CLAIMED
                )
            )
        return min((t for t in (due, retry, lapse) if t is not None), default=None)

    async def _deliver(self, row: Delivery, now: datetime) -> Outcome:
        """``_send_row``, every log line on the way naming the row, its run and its meeting."""
        from structlog.contextvars import bound_contextvars  # not at import: see bot.cli.logs

        with bound_contextvars(run_id=row.run_id, meeting_id=row.meeting_id, delivery_id=row.id):
            return await self._send_row(row, now)

    async def _send_row(self, row: Delivery, now: datetime) -> Outcome:
        """Check, look up, compose, send, record: no database session stays open across a
        platform call (or while a channel waits its turn)."""
        if self.stopping.is_set():
            return await self._release(row)
        async with self.sessionmaker() as db:
            run = await db.get(Run, row.run_id)
            meeting = await db.get(Meeting, row.meeting_id)
            assert run is not None and meeting is not None
            group = await db.get(Group, run.group_id)
            assert group is not None
        # A row claimed before (its sender died, or the answer was lost) may be out already: it
        # is looked for first, and when found it is recorded as sent, however late it is now.
        # A DM cannot be looked for in the channel; its own row keeps a repeat to one.
        looked_up = row.attempts > 1 and row.target is None
        stop = self._stop(row, run, meeting, now)
        if stop is not None and not looked_up:
            return await self._finish(row, **stop)
        adapter = self.adapters.get(group.platform)
        if adapter is None:
            return await self._finish(
                row, status=DeliveryStatus.PENDING, outcome=Outcome.RETRY, error="no adapter"
            )
        place = groups.place_of(group)
        key = delivery_key(row)
        try:
            ref = await look_up(adapter, place, DeliveryKind(row.kind), key) if looked_up else None
            if ref is None and stop is not None:
                return await self._finish(row, **stop)
            # Composed for a found post too: what sending it writes (a reminder's DMs, a Q&A
            # question's ref) is still to be written.
            async with self.sessionmaker() as db:
                it = Row(row=row, run=run, group=group, meeting=meeting, now=now)
                composed = await compose(db, it)
            if composed is None and ref is None:  # waits for its kickoff
                return await self._finish(
                    row,
                    status=DeliveryStatus.PENDING,
                    outcome=Outcome.RETRY,
                    count_attempt=False,
                    retry_at=now + KICKOFF_WAIT,
                )
            if ref is None and composed is not None:
                direct = row.target is not None
                if not await self.pacer.wait_unless(self.stopping, adapter, place, direct=direct):
                    return await self._release(row)
                # Drawn and counted once the session is closed (follow-ups: interested first).
                composed = await prepared(adapter, place, composed)
                ref = await send(adapter, place, composed, key)
        except Exception as error:  # a platform failure: try again next tick
            log.warning("delivery %s failed: %s", key, error)
            failed = row.attempts >= MAX_ATTEMPTS
            return await self._finish(
                row,
                status=DeliveryStatus.FAILED if failed else DeliveryStatus.PENDING,
                outcome=Outcome.FAILED if failed else Outcome.RETRY,
                error=str(error)[:1000],
                retry_at=None if failed else now + back_off(row.attempts),
            )
        follow_ups = composed.follow_ups if composed is not None else ()
        question_ref = composed.question_ref if composed is not None else None
        await self._finish(
            row,
            status=DeliveryStatus.SENT,
            outcome=Outcome.SENT,
            ref=ref,
            now=now,
            follow_ups=follow_ups,
            question_ref=question_ref,
        )
        if row.kind == DeliveryKind.SUMMARY:
            await self._maybe_finish_run(run, meeting, now)
        return Outcome.SENT

    async def _release(self, row: Delivery) -> Outcome:
        """Give an unsent row back (stopping): pending again, as if never claimed."""
        return await self._finish(
            row, status=DeliveryStatus.PENDING, outcome=Outcome.RETRY, count_attempt=False
        )

    def _stop(
        self, row: Delivery, run: Run, meeting: Meeting, now: datetime
    ) -> dict[str, Any] | None:
        """Why ``row`` is not to be sent now (how to record it), or None to send it."""
        # A notice is about the run, and a cancelled event follows its end: they go out anyway.
        if row.kind not in (DeliveryKind.NOTICE, DeliveryKind.EVENT_CANCEL):
            if run.status == RunStatus.PAUSED:
                return {"status": DeliveryStatus.HELD, "outcome": Outcome.RETRY}
            if run.status not in OPEN_RUN:
                return {
                    "status": DeliveryStatus.MISSED,
                    "outcome": Outcome.MISSED,
                    "error": f"run {run.status}",
                }
        spec = runs.spec_of(run)
        if row.kind in (DeliveryKind.EVENT, DeliveryKind.EVENT_CANCEL):
            # An event is still worth making (or cancelling) late, until its session begins.
            late = now >= meeting.starts_at
            return {"status": DeliveryStatus.MISSED, "outcome": Outcome.LATE} if late else None
        if now - row.due_at > spec.grace:
            return {"status": DeliveryStatus.MISSED, "outcome": Outcome.LATE, "error": "too late"}
        # "Starts in 30 minutes" once the session has begun would be wrong, not just late.
        if row.kind == DeliveryKind.SOON and now - row.due_at >= (spec.remind_before or NO_LEAD):
            return {"status": DeliveryStatus.MISSED, "outcome": Outcome.LATE, "error": "too late"}
        return None

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
        follow_ups: tuple[dict[str, Any], ...] = (),
        question_ref: str | None = None,
        retry_at: datetime | None = None,
    ) -> Outcome:
        values: dict[str, object] = {
            "status": status,
            "claimed_until": None,
            "error": error,
            "retry_at": retry_at,
        }
        if ref is not None:
            values |= {"message_ref": ref, "sent_at": now}
        if status == DeliveryStatus.PENDING:  # back in the queue: no one's claim
            values["claimed_by"] = None
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
            else:
                await write_rows(db, list(follow_ups))
                if question_ref is not None and ref is not None:
                    # Recorded with the row: the thread of a Q&A question is known from now on.
                    await db.execute(
                        update(Question).where(Question.id == row.seq).values({question_ref: ref})
                    )
        shown = DeliveryStatus.HELD if status == DeliveryStatus.HELD else outcome  # a pause
        self.meter.delivered(row.kind, shown)
        log.info("delivery %s: %s", delivery_key(row), shown)
        return outcome

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
