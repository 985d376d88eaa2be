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
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import case, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core import messages
from bot.core.models import Message, Place
from bot.core.ports import Adapter, Clock
from bot.core.services import checkins, groups, questions, runs
from bot.store.models import Delivery, Group, Member, Run, Session

log = logging.getLogger(__name__)

KIND_ORDER = case(
    {"kickoff": 0, "question": 1, "reminder": 2, "summary": 3}, value=Delivery.kind, else_=9
)
MAX_ATTEMPTS = 5


@dataclass
class TickReport:
    sent: list[str] = field(default_factory=list)  # delivery keys
    missed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    retry: list[str] = field(default_factory=list)


def delivery_key(row: Delivery) -> str:
    return f"studybot:run{row.run_id}:session{row.session_id}:{row.kind}:{row.seq}"


class Deliverer:
    """Hands due ledger rows to the group's adapter."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        adapters: Mapping[str, Adapter],
        worker: str,
        lease: timedelta = timedelta(minutes=10),
        batch: int = 200,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.adapters = adapters
        self.worker = worker[:64]
        self.lease = lease
        self.batch = batch

    def due_query(self, now: datetime):  # type: ignore[no-untyped-def]
        """Due rows, oldest first, kickoffs before their question threads."""
        return (
            select(Delivery)
            .where(
                or_(
                    (Delivery.status == "pending") & (Delivery.due_at <= now),
                    (Delivery.status == "claimed") & (Delivery.claimed_until <= now),
                )
            )
            .order_by(Delivery.due_at, KIND_ORDER, Delivery.seq)
            .limit(self.batch)
            .with_for_update(skip_locked=True)
        )

    async def claim(self, now: datetime) -> list[Delivery]:
        async with self.sessions() as db, db.begin():
            await db.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
            rows = list(await db.scalars(self.due_query(now)))
            for row in rows:
                row.status, row.claimed_by = "claimed", self.worker
                row.claimed_until, row.attempts = now + self.lease, row.attempts + 1
        return rows

    async def tick(self) -> TickReport:
        report = TickReport()
        now = self.clock.now()
        claimed = await self.claim(now)
        missed_by_run: dict[int, list[Delivery]] = defaultdict(list)
        for row in claimed:
            outcome = await self._deliver(row, now)
            key = delivery_key(row)
            getattr(report, outcome).append(key)
            if outcome == "missed":
                missed_by_run[row.run_id].append(row)
        for run_id, rows in missed_by_run.items():
            await self._tell_organizers(run_id, rows)
        return report

    async def _deliver(self, row: Delivery, now: datetime) -> str:
        async with self.sessions() as db:
            run = await db.get(Run, row.run_id)
            session = await db.get(Session, row.session_id)
            assert run is not None and session is not None
            group = await db.get(Group, run.group_id)
            assert group is not None
            if run.status == "paused":
                return await self._finish(row, status="held", outcome="retry")
            if run.status not in runs.OPEN_RUN:
                return await self._finish(
                    row, status="missed", outcome="missed", error=f"run {run.status}"
                )
            if now - row.due_at > runs.spec_of(run).grace:
                return await self._finish(row, status="missed", outcome="missed", error="too late")
            adapter = self.adapters.get(group.platform)
            if adapter is None:
                return await self._finish(
                    row, status="pending", outcome="retry", error="no adapter"
                )
            place = Place(platform=group.platform, workspace=group.workspace, channel=group.channel)
            key = delivery_key(row)
            try:
                ref = await adapter.find_post(place, key) if row.attempts > 1 else None
                if ref is None:
                    ref = await self._send(db, adapter, place, row, run, group, session, key, now)
                    if ref is None:  # waits for its kickoff
                        return await self._finish(
                            row, status="pending", outcome="retry", count_attempt=False
                        )
            except Exception as error:  # a platform failure: try again next tick
                log.warning("delivery %s failed: %s", key, error)
                status = "failed" if row.attempts >= MAX_ATTEMPTS else "pending"
                return await self._finish(
                    row,
                    status=status,
                    outcome="failed" if status == "failed" else "retry",
                    error=str(error)[:1000],
                )
            await self._finish(row, status="sent", outcome="sent", ref=ref, now=now)
            if row.kind == "summary":
                await self._maybe_finish_run(run, session, now)
            return "sent"

    async def _finish(
        self,
        row: Delivery,
        *,
        status: str,
        outcome: str,
        ref: str | None = None,
        error: str | None = None,
        now: datetime | None = None,
        count_attempt: bool = True,
    ) -> str:
        values: dict[str, object] = {"status": status, "claimed_until": None, "error": error}
        if ref is not None:
            values |= {"message_ref": ref, "sent_at": now}
        if not count_attempt:
            values["attempts"] = Delivery.attempts - 1
        async with self.sessions.begin() as db:
            result = await db.execute(
                update(Delivery)
                .where(
                    Delivery.id == row.id,
                    Delivery.claimed_by == self.worker,
                    Delivery.status == "claimed",
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
        session: Session,
        key: str,
        now: datetime,
    ) -> str | None:
        syllabus = await runs.syllabus_of_run(db, run)
        if row.kind == "kickoff":
            total = len(await runs.sessions_of(db, run))
            message = messages.kickoff(
                syllabus=syllabus,
                session=session,
                contents=runs.content_of(session, syllabus),
                total=total,
                zone=run.timezone,
            )
            return await adapter.post(place, message, key=key)
        if row.kind == "question":
            kickoff = await db.scalar(
                select(Delivery).where(
                    Delivery.session_id == session.id, Delivery.kind == "kickoff"
                )
            )
            if kickoff is None or kickoff.status != "sent" or kickoff.message_ref is None:
                if kickoff is not None and kickoff.status in ("missed", "failed"):
                    raise RuntimeError("the kickoff was not posted")
                return None
            asked = runs.questions_of(session, syllabus)
            units = [
                c.unit
                for c in runs.content_of(session, syllabus)
                if c.part == 1
                for _ in c.unit.questions
            ]
            unit = units[row.seq - 1]
            message = messages.discussion_question(
                row.seq, asked[row.seq - 1], unit.title, unit_id=unit.id
            )
            return await adapter.open_thread(place, kickoff.message_ref, message, key=key)
        if row.kind == "reminder":
            return await self._remind(db, adapter, place, group, session, key)
        return await self._summarize(db, adapter, place, group, run, session, key, now)

    async def _remind(
        self,
        db: AsyncSession,
        adapter: Adapter,
        place: Place,
        group: Group,
        session: Session,
        key: str,
    ) -> str:
        members = await groups.current_members(db, group)
        done = {c.member_id for c in await checkins.checkins_for(db, [session.id])}
        missing = [m for m in members if m.id not in done]
        for member in missing:
            if member.dm_reminders:
                await adapter.direct_message(
                    member.user_id,
                    messages.reminder_dm(session=session, channel_hint="the group channel"),
                    key=f"{key}:dm:{member.user_id}",
                )
        return await adapter.post(
            place,
            messages.reminder(session=session, missing=len(missing), members=len(members)),
            key=key,
        )

    async def _summarize(
        self,
        db: AsyncSession,
        adapter: Adapter,
        place: Place,
        group: Group,
        run: Run,
        session: Session,
        key: str,
        now: datetime,
    ) -> str:
        members = await groups.current_members(db, group)
        sessions = await runs.sessions_of(db, run)
        started = [s for s in sessions if s.index <= session.index]
        all_checkins = await checkins.checkins_for(db, [s.id for s in started])
        counts = Counter(
            c.status
            for c in all_checkins
            if c.session_id == session.id and c.member_id in {m.id for m in members}
        )
        streaks = sorted(
            ((m.display_name, checkins.streak(m.id, started, all_checkins)) for m in members),
            key=lambda p: -p[1],
        )
        # Open questions nobody has answered, and any left open for more than a few days.
        stale = now - timedelta(days=3)
        still_open = await questions.list_questions(db, run, scope="open", unit=None)
        answered = await questions.answer_counts(db, [q.id for q in still_open])
        waiting = []
        for question in still_open:
            if not answered.get(question.id) or question.created_at <= stale:
                asker = await db.get(Member, question.member_id)
                count = answered.get(question.id, 0)
                status = f"{count} answer{'s' * (count != 1)} so far" if count else "no answer yet"
                name = asker.display_name if asker else "someone"
                waiting.append((question.text, f"{name}; {status}"))
        following = [s for s in sessions if s.index > session.index]
        message = messages.summary(
            session=session,
            counts=dict(counts),
            members=len(members),
            streaks=[(name, n) for name, n in streaks if n >= 2],
            open_questions=waiting,
            next_session=following[0] if following else None,
            zone=run.timezone,
        )
        return await adapter.post(place, message, key=key)

    async def _maybe_finish_run(self, run: Run, session: Session, now: datetime) -> None:
        async with self.sessions.begin() as db:
            last = await db.scalar(
                select(Session.index)
                .where(Session.run_id == run.id)
                .order_by(Session.index.desc())
                .limit(1)
            )
            if last == session.index:
                await db.execute(
                    update(Run)
                    .where(Run.id == run.id, Run.status == "active")
                    .values(status="finished", ended_at=now)
                )

    async def _tell_organizers(self, run_id: int, rows: list[Delivery]) -> None:
        async with self.sessions() as db:
            run = await db.get(Run, run_id)
            assert run is not None
            group = await db.get(Group, run.group_id)
            assert group is not None
            organizers = [
                m for m in await groups.current_members(db, group) if m.role == "organizer"
            ]
        adapter = self.adapters.get(group.platform)
        if adapter is None:
            return
        notice: Message = messages.missed_posts(
            len(rows), min(r.due_at for r in rows), run.timezone
        )
        for organizer in organizers:
            try:
                await adapter.direct_message(organizer.user_id, notice)
            except Exception as error:  # the notice is a courtesy; never fail a tick for it
                log.warning(
                    "could not tell organizer %s about missed posts: %s", organizer.user_id, error
                )
