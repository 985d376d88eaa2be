"""Scheduled posts: each exactly once, at the right local time, through DST, breaks, downtime
and failures. Time is a fake clock; weeks pass in milliseconds."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.engine import Connection, ExecutionContext
from sqlalchemy.engine.interfaces import DBAPICursor

from bot.adapters.memory import Said
from bot.core.delivery import Deliverer
from bot.core.models import Message, Place
from bot.core.outcomes import TickReport
from bot.store.models import Delivery, Run

from .harness import Harness

BERLIN = ZoneInfo("Europe/Berlin")


async def ledger(h: Harness) -> list[Delivery]:
    async with h.bot.sessionmaker() as db:
        return list(await db.scalars(select(Delivery).order_by(Delivery.id)))


def local(said: Said) -> datetime:
    return said.at.astimezone(BERLIN)


async def test_a_twelve_week_run_posts_everything_once_at_local_time(harness: Harness) -> None:
    """MML from schedules/mml-berlin-mondays.yaml: 12 Mondays at 18:30 Berlin time, across the
    end of summer time (25 October) and a winter break (21 December to 3 January)."""
    chat = harness.chat
    await chat.command("plan mml-berlin-mondays", by="ada")
    await chat.join("bob")
    report = await harness.run_until(datetime(2027, 1, 12, tzinfo=UTC))
    assert report.missed == [] and report.failed == []

    keys = [s.key for s in harness.chat.adapter.said if s.key]
    assert len(keys) == len(set(keys)), "a post went out twice"
    rows = await ledger(harness)
    assert {r.status for r in rows} == {"sent"}
    assert sorted(keys) == sorted(
        f"studybot:run{r.run_id}:session{r.meeting_id}:{r.kind}:{r.seq}" for r in rows
    )

    kickoffs = [s for s in chat.channel_posts() if s.text.startswith("Week ")]
    assert len(kickoffs) == 12
    assert all((local(k).strftime("%a %H:%M")) == "Mon 18:30" for k in kickoffs)
    assert [local(k).date().isoformat() for k in kickoffs] == [
        "2026-10-05", "2026-10-12", "2026-10-19", "2026-10-26", "2026-11-02", "2026-11-09",
        "2026-11-16", "2026-11-23", "2026-11-30", "2026-12-07", "2026-12-14", "2027-01-04",
    ]  # fmt: skip
    # Summer time ends between the third and fourth Monday: same local time, new UTC hour.
    assert [k.at.hour for k in kickoffs[2:4]] == [16, 17]
    assert "Week 14 · Session 12 of 12" in kickoffs[-1].text  # two break weeks, no session

    threads = [s for s in harness.chat.adapter.said if s.kind == "thread"]
    by_parent = Counter(t.thread for t in threads)
    assert [by_parent[k.ref] for k in kickoffs] == [4, *[5] * 11]  # every question, once each
    assert all(t.at == next(k.at for k in kickoffs if k.ref == t.thread) for t in threads)

    reminders = [s for s in chat.channel_posts() if "Mid-week nudge" in s.text]
    summaries = [s for s in chat.channel_posts() if s.text.startswith("Weekly summary")]
    assert len(reminders) == len(summaries) == 12
    assert {local(r).strftime("%a %H:%M") for r in reminders} == {"Thu 18:30"}
    assert {local(s).strftime("%a %H:%M") for s in summaries} == {"Sun 18:30"}
    break_start, break_end = (
        datetime(2026, 12, 21, tzinfo=BERLIN),
        datetime(2027, 1, 4, tzinfo=BERLIN),
    )
    assert not [
        s
        for s in harness.chat.adapter.said
        if s.at
        and break_start <= s.at < break_end
        and s.kind == "post"
        and s.text.startswith("Week")
    ]
    assert "last session" in summaries[-1].text
    async with harness.bot.sessionmaker() as db:
        assert await db.scalar(select(Run.status)) == "finished"


async def test_a_second_tick_sends_nothing_again(harness: Harness) -> None:
    await harness.chat.command("plan mml-berlin-mondays", by="ada")
    await harness.run_until(datetime(2026, 10, 6, tzinfo=UTC))
    before = len(harness.chat.adapter.said)
    for _ in range(3):
        report = await harness.deliverer.tick()
        assert report.sent == []
    assert len(harness.chat.adapter.said) == before


async def test_posts_due_while_down_go_late_within_grace_else_are_missed(harness: Harness) -> None:
    await harness.chat.command("plan mml-berlin-mondays", by="ada")  # grace: 6 hours
    # Down from before the first kickoff until 3 hours after it: sent late.
    harness.clock.set(datetime(2026, 10, 5, 16, 30, tzinfo=UTC) + timedelta(hours=3))
    report = await harness.deliverer.tick()
    assert len(report.sent) == 5 and report.missed == []
    # Down for ten days: the reminder, summary and the next kickoff are too old, but nothing
    # floods the channel, and the organizer hears about it once.
    harness.clock.set(datetime(2026, 10, 15, 12, tzinfo=UTC))
    posts_before = len(harness.chat.channel_posts())
    report = await harness.deliverer.tick()
    assert len(report.missed) == 2 + 1 + 5  # reminder, summary, week 2
    assert [key.split(":")[-2] for key in report.sent] == ["notice"]  # a ledger row of its own
    assert len(harness.chat.channel_posts()) == posts_before
    notices = [s for s in harness.chat.adapter.said if s.kind == "dm"]
    assert len(notices) == 1 and notices[0].to == "U-ada" and "8 scheduled posts" in notices[0].text
    assert {r.status for r in await ledger(harness) if r.kind == "kickoff"} >= {"sent", "missed"}


async def test_a_platform_failure_is_retried_and_nothing_is_lost_or_doubled(
    harness: Harness,
) -> None:
    await harness.chat.command("plan mml-berlin-mondays", by="ada")
    adapter = harness.chat.adapter
    real_post = adapter.post
    failures = iter([ConnectionError("429 ratelimited"), ConnectionError("timeout")])

    async def flaky(*args: Any, **kwargs: Any) -> str:
        error = next(failures, None)
        if error:
            raise error
        return await real_post(*args, **kwargs)

    adapter.post = flaky  # type: ignore[method-assign]
    harness.clock.set(datetime(2026, 10, 5, 16, 30, tzinfo=UTC))
    first = await harness.deliverer.tick()
    assert first.sent == []  # the kickoff failed; its threads wait for it
    harness.clock.advance(timedelta(minutes=1))
    await harness.deliverer.tick()
    harness.clock.advance(timedelta(minutes=1))
    third = await harness.deliverer.tick()
    assert len(third.sent) == 5
    keys = [s.key for s in adapter.said if s.key]
    assert len(keys) == len(set(keys)) == 5


async def test_a_crash_after_sending_does_not_send_twice(harness: Harness) -> None:
    """The post went out, then the process died before recording it: the row's claim expires,
    the next tick finds the post by its key instead of posting again."""
    await harness.chat.command("plan mml-berlin-mondays", by="ada")
    harness.clock.set(datetime(2026, 10, 5, 16, 30, tzinfo=UTC))
    crashed = Deliverer(
        sessionmaker=harness.bot.sessionmaker,
        clock=harness.clock,
        adapters={"memory": harness.chat.adapter},
        worker="dead",
    )

    async def die(*args: object, **kwargs: object) -> str:
        raise SystemExit("killed")  # not an Exception: nothing catches it, like a SIGKILL

    crashed._finish = die  # type: ignore[method-assign]
    with pytest.raises(SystemExit):
        await crashed.tick()
    assert len(harness.chat.channel_posts()) == 1  # the kickoff went out
    rows = await ledger(harness)
    assert next(r.status for r in rows if r.kind == "kickoff") == "claimed"

    harness.clock.advance(timedelta(seconds=20))
    assert (await harness.deliverer.tick()).sent == []  # the dead worker's claim still holds
    lapse = await harness.deliverer.next_wake()
    assert lapse == datetime(2026, 10, 5, 16, 30, 30, tzinfo=UTC)  # the ticker wakes for it
    harness.clock.advance(timedelta(seconds=11))  # 31 s after the claim: taken over
    report = await harness.deliverer.tick()
    assert len(report.sent) == 5
    assert len(harness.chat.channel_posts()) == 1
    assert Counter(s.key for s in harness.chat.adapter.said if s.key).most_common(1)[0][1] == 1


async def test_two_deliverers_never_send_the_same_post(harness: Harness) -> None:
    """Two bot processes sharing one database tick at the same moment."""
    await harness.chat.command("plan mml-berlin-mondays", by="ada")
    other = Deliverer(
        sessionmaker=harness.bot.sessionmaker,
        clock=harness.clock,
        adapters={"memory": harness.chat.adapter},
        worker="other",
    )
    harness.clock.set(datetime(2026, 10, 5, 16, 30, tzinfo=UTC))
    reports = await asyncio.gather(harness.deliverer.tick(), other.tick(), return_exceptions=True)
    sent = [key for r in reports if not isinstance(r, BaseException) for key in r.sent]
    keys = [s.key for s in harness.chat.adapter.said if s.key]
    assert len(keys) == len(set(keys))
    if not all(isinstance(r, BaseException) for r in reports):
        assert len(sent) == len(keys)
    await harness.deliverer.tick()  # whatever one of them could not take is sent now
    keys = [s.key for s in harness.chat.adapter.said if s.key]
    assert len(keys) == len(set(keys)) == 5  # the kickoff and its 4 discussion threads


async def test_a_paused_run_posts_nothing_until_resumed(harness: Harness) -> None:
    await harness.chat.command("plan mml-berlin-mondays", by="ada")
    await harness.chat.command("pause", by="ada")
    report = await harness.run_for(timedelta(days=10), step=timedelta(hours=3))
    assert report.sent == [] and harness.chat.channel_posts() == []
    await harness.chat.command("resume", by="ada")
    await harness.run_until(datetime(2026, 10, 20, tzinfo=UTC))
    kickoffs = [s for s in harness.chat.channel_posts() if s.text.startswith("Week ")]
    assert [local(k).date().isoformat() for k in kickoffs] == ["2026-10-12", "2026-10-19"]
    assert "Introduction and Motivation" in kickoffs[0].text


async def test_a_tick_with_nothing_due_is_one_indexed_query(harness: Harness) -> None:
    for channel in ("a", "b", "c"):
        harness.chat.channel = channel
        await harness.chat.command("plan mml-berlin-mondays", by="ada")
    engine = harness.engine
    statements: list[str] = []

    def record(
        conn: Connection,
        cursor: DBAPICursor,
        statement: str,
        parameters: object,
        context: ExecutionContext | None,
        executemany: bool,
    ) -> None:
        if not statement.strip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")):
            statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        report = await harness.deliverer.tick()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    assert report.sent == []
    assert len(statements) == 1 and statements[0].lstrip().upper().startswith("SELECT")
    if engine.dialect.name == "sqlite":
        compiled = harness.deliverer.due_query(harness.clock.now()).compile(
            engine.sync_engine, compile_kwargs={"literal_binds": True}
        )
        async with engine.connect() as connection:
            plan = (await connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))).all()
        assert any("ix_deliveries_status_due_at" in str(row) for row in plan), plan


async def test_the_summary_lists_unanswered_and_long_open_questions(harness: Harness) -> None:
    await harness.chat.command("plan mml-berlin-mondays", by="ada")
    await harness.chat.join("bob")
    await harness.run_until(datetime(2026, 10, 5, 17, tzinfo=UTC))
    await harness.chat.command("ask Why is a basis a minimal spanning set?", by="bob")
    await harness.chat.command("ask Is every subspace a span?", by="ada")
    answered = [s for s in harness.chat.adapter.said if s.kind == "thread"][-1]
    await harness.chat.reply_in_thread(answered.ref, "Yes, of any basis of it.", by="bob")
    await harness.run_until(datetime(2026, 10, 12, tzinfo=UTC))
    summary = next(s for s in harness.chat.channel_posts() if s.text.startswith("Weekly summary"))
    items = [b for b in summary.message.blocks if hasattr(b, "items")][-1].items
    assert any("minimal spanning set" in i and "no answer yet" in i for i in items)
    # Answered but still open after six days: listed too, with its answer count.
    assert any("every subspace a span" in i and "1 answer so far" in i for i in items)


async def test_resuming_says_what_the_pause_skipped_and_no_one_hears_offline(
    harness: Harness,
) -> None:
    await harness.chat.command("plan mml-berlin-mondays", by="ada")
    await harness.run_until(datetime(2026, 10, 5, 17, 0, tzinfo=UTC))  # week 1 has begun
    assert [s.text.startswith("Week 1") for s in harness.chat.channel_posts()] == [True]
    await harness.chat.command("pause", by="ada")
    await harness.run_for(timedelta(days=10), step=timedelta(hours=6))
    harness.chat.pop_all()
    reply = await harness.chat.command("resume", by="ada")
    assert reply is not None
    assert "were skipped: the reminder and summary of “Introduction and Motivation”" in (
        reply.message.text
    )
    await harness.run_for(timedelta(hours=2))
    said = harness.chat.pop_all()
    assert not [s for s in said if s.kind == "dm" and "offline" in s.text]
    rows = await ledger(harness)
    skipped = [
        (r.kind, r.status, r.error)
        for r in rows
        if r.meeting_id == 1 and r.kind in ("reminder", "summary")
    ]
    assert skipped == [
        ("reminder", "missed", "skipped while paused"),
        ("summary", "missed", "skipped while paused"),
    ]


async def test_each_reminder_dm_is_a_row_of_its_own_and_one_failure_repeats_none(
    harness: Harness,
) -> None:
    await harness.chat.command("plan mml-berlin-mondays", by="ada")
    for name in ("bob", "cy", "dee"):
        await harness.chat.command("join", by=name)
        await harness.chat.command("reminders dm", by=name)
    adapter = harness.chat.adapter
    real_dm = adapter.direct_message
    refused = {"U-cy"}

    async def closed_dms(user_id: str, message: Message, *, key: str | None = None) -> str:
        if user_id in refused:
            refused.discard(user_id)  # cy's DMs are closed once, then open again
            raise ConnectionError("cannot send messages to this user")
        return await real_dm(user_id, message, key=key)

    adapter.direct_message = closed_dms  # type: ignore[method-assign]
    await harness.run_until(datetime(2026, 10, 8, 17, 0, tzinfo=UTC))  # past Thursday's reminder
    rows = {r.target: r for r in await ledger(harness) if r.kind == "reminder_dm"}
    assert {t: (r.status, r.attempts) for t, r in rows.items()} == {
        "U-bob": ("sent", 1),
        "U-cy": ("sent", 2),  # refused once, sent by the next tick, on its own
        "U-dee": ("sent", 1),
    }
    dms = Counter(s.to for s in adapter.said if s.kind == "dm" and "nudge" in s.text)
    assert dms == {"U-bob": 1, "U-cy": 1, "U-dee": 1}


async def test_a_live_worker_keeps_its_claims_while_a_send_takes_long(harness: Harness) -> None:
    """Claims are short (30 s) and renewed by a heartbeat: only a dead worker's lapse."""
    await harness.chat.command("plan mml-berlin-mondays", by="ada")
    harness.clock.set(datetime(2026, 10, 5, 16, 30, tzinfo=UTC))
    adapter = harness.chat.adapter
    slow = Deliverer(
        sessionmaker=harness.bot.sessionmaker,
        clock=harness.clock,
        adapters={"memory": adapter},
        worker="slow",
        heartbeat_seconds=0.01,
    )
    other = Deliverer(
        sessionmaker=harness.bot.sessionmaker,
        clock=harness.clock,
        adapters={"memory": adapter},
        worker="other",
    )
    real_post = adapter.post
    stolen: list[TickReport] = []

    async def slow_post(place: Place, message: Message, *, key: str | None = None) -> str:
        harness.clock.advance(timedelta(seconds=40))  # longer than the lease itself
        await asyncio.sleep(0.1)  # a slow platform; the heartbeat renews meanwhile
        stolen.append(await other.tick())  # another process looks for lapsed claims
        adapter.post = real_post  # type: ignore[method-assign]
        return await real_post(place, message, key=key)

    adapter.post = slow_post  # type: ignore[method-assign]
    report = await slow.tick()
    assert stolen[0].sent == []  # nothing was taken from the live worker
    assert len(report.sent) == 5
    keys = [s.key for s in adapter.said if s.key]
    assert len(keys) == len(set(keys)) == 5
