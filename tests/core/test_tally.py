"""The one tally (bot/core/services/tally.py): progress, the weekly summary, `me` and the home
page count check-ins and streaks by the same rule, so they always agree.

Runs on SQLite and on PostgreSQL (when STUDYBOT_TEST_POSTGRES_URL is set)."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.core.models import Reply
from bot.core.moments import as_written
from bot.core.services.tally import streak
from bot.domain.states import CheckinStatus

from .harness import Harness

START = "start mml every monday at 18:30 tz Europe/Berlin"
WEEK = timedelta(days=7)
DONE, PARTIAL, BEHIND = CheckinStatus.DONE, CheckinStatus.PARTIAL, CheckinStatus.BEHIND


def text(reply: Reply | None) -> str:
    """What the member reads, times in the group's zone (as the console shows them)."""
    assert reply is not None
    return as_written(reply.message.text)


def my_streak(me: str) -> int:
    found = re.search(r"Streak: (\d+) week", me)
    assert found, me
    return int(found.group(1))


async def started(h: Harness) -> None:
    """ada organizes; bob and cy join; the clock moves into the first session (Mon 5 Oct)."""
    await h.chat.command(START, by="ada")
    await h.chat.command("join", by="bob")
    await h.chat.command("join", by="cy")
    await h.run_for(timedelta(days=4, hours=7), step=timedelta(hours=6))


async def next_week(h: Harness) -> None:
    await h.run_for(WEEK, step=timedelta(hours=6))


def test_the_streak_rule() -> None:
    assert streak([DONE, PARTIAL, DONE], last_open=True) == 3
    assert streak([DONE, DONE, None], last_open=True) == 2  # the open week can still count
    assert streak([DONE, DONE, None], last_open=False) == 0  # an ended week without one ends it
    assert streak([DONE, DONE, BEHIND], last_open=True) == 0  # behind ends it at once
    assert streak([DONE, BEHIND, DONE], last_open=True) == 1
    assert streak([], last_open=True) == 0


async def test_behind_this_week_is_not_on_a_streak_in_progress_or_summary(harness: Harness) -> None:
    await started(harness)
    for _ in range(2):
        await harness.chat.command("checkin done", by="bob")
        await harness.chat.command("checkin done", by="cy")
        await next_week(harness)
    await harness.chat.command("checkin behind", by="bob")
    await harness.chat.command("checkin partial", by="cy")
    progress = text(await harness.chat.command("progress", by="ada"))
    assert "Behind this week (reach out!): bob" in progress
    assert "• cy: 3" in progress and "bob:" not in progress
    await next_week(harness)
    summary = [p for p in harness.chat.channel_posts() if p.text.startswith("Weekly summary")][-1]
    assert "Analytic Geometry" in summary.text
    shown = " ".join(str(b) for b in summary.message.blocks)
    assert "On a streak of 2 weeks or more: 1 member." in shown  # cy, not bob


async def test_checking_in_done_never_loses_a_streak(harness: Harness) -> None:
    await started(harness)
    for _ in range(2):
        await harness.chat.command("checkin done", by="bob")
        await next_week(harness)
    await harness.chat.command("checkin behind", by="bob")
    shown_while_behind = my_streak(text(await harness.chat.command("me", by="bob")))
    await next_week(harness)
    await harness.chat.command("checkin done", by="bob")
    after_done = my_streak(text(await harness.chat.command("me", by="bob")))
    assert (shown_while_behind, after_done) == (0, 1)


async def test_progress_me_and_home_agree(harness: Harness) -> None:
    await started(harness)
    for status in ("done", "partial", "done"):
        await harness.chat.command(f"checkin {status}", by="cy")
        await next_week(harness)
    progress = text(await harness.chat.command("progress", by="ada"))
    me = my_streak(text(await harness.chat.command("me", by="cy")))
    home = await harness.bot.home(platform="memory", workspace="local", user_id="U-cy")
    assert me == 3 and "• cy: 3" in progress
    assert "Your streak: 3 weeks" in home.text
    member_view = text(await harness.chat.command("progress", by="cy"))
    assert "your streak: 3 weeks" in member_view


async def test_a_stopped_run_counts_only_the_sessions_held_before_it_stopped(
    harness: Harness,
) -> None:
    await started(harness)
    await harness.chat.command("checkin done", by="bob")
    await next_week(harness)
    await harness.chat.command("checkin done", by="bob")
    await harness.chat.command("stop confirm", by="ada")
    await harness.run_for(3 * WEEK, step=timedelta(hours=6))
    me = text(await harness.chat.command("me", by="bob"))
    assert my_streak(me) == 2 and "Week 3" not in me
    assert "This syllabus was stopped on" in me


def test_a_week_away_without_a_check_in_is_passed_over() -> None:
    assert streak([DONE, None, DONE], last_open=False, away=frozenset({1})) == 2
    assert streak([DONE, None, None], last_open=False, away=frozenset({1})) == 0
    assert streak([DONE, BEHIND, DONE], last_open=True, away=frozenset({1})) == 1  # said behind


async def test_away_members_are_not_nudged_not_behind_and_keep_their_streak(
    harness: Harness,
) -> None:
    await started(harness)  # Mon 5 Oct, 19:00 in Berlin
    for name in ("bob", "cy"):
        await harness.chat.command("checkin done", by=name)
    await next_week(harness)  # the second session
    assert "Away until Mon 26 Oct 2026" in text(
        await harness.chat.command("away until 2026-10-26", by="bob")
    )
    assert "has passed" in text(await harness.chat.command("away until 2026-10-01", by="cy"))
    await harness.chat.command("checkin done", by="cy")
    progress = text(await harness.chat.command("progress", by="ada"))
    assert "Away: 1" in progress and "No check-in: 1" in progress  # bob away, ada silent
    await harness.run_for(timedelta(days=3), step=timedelta(hours=6))  # the mid-week nudge
    nudge = [p.text for p in harness.chat.channel_posts() if "Mid-week" in p.text][-1]
    assert "1 member away this week is not nudged" in nudge
    assert my_streak(text(await harness.chat.command("me", by="bob"))) == 1  # kept, not lost
    await next_week(harness)  # the third session: still away (until the 26th)
    assert "Welcome back" in text(await harness.chat.command("back", by="bob"))
    assert "not away" in text(await harness.chat.command("back", by="bob"))
    await harness.chat.command("checkin done", by="bob")
    assert my_streak(text(await harness.chat.command("me", by="bob"))) == 2  # weeks 1 and 3
    summaries = [p.text for p in harness.chat.channel_posts() if "Weekly summary" in p.text]
    assert "Away: 1" in summaries[1]  # week 2's summary counts bob as away
