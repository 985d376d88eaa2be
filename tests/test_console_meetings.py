"""Meetings people can attend, in the console with a simulated clock (issue "Meetings"): a run
that begins now, a group that keeps its evening from one run to the next, and a schedule file
whose start has passed that still starts, on the next session day."""

from __future__ import annotations

from pathlib import Path

from .test_console import console, flat

THURSDAY = "2026-03-05T09:00Z"  # a Thursday morning


def test_start_now_posts_the_first_kickoff_at_once_and_keeps_the_rhythm(tmp_path: Path) -> None:
    completed = console(
        tmp_path,
        "/study start mml now every monday at 18:00 tz Europe/Berlin",
        "/study schedule",
        args=("--as", "alice", "--start-at", THURSDAY),
    )
    assert completed.returncode == 0, completed.stderr
    out = flat(completed.stdout)
    # The kickoff and its threads go out with the command, dated now...
    assert "Week 1 · Session 1 of 12: Introduction and Motivation" in out
    assert "Meeting Thu 05 Mar 2026, 10:00 CET." in out
    assert "The first one is Thu 05 Mar 2026, 10:00 CET" in out
    assert "Discussion 1 · Introduction and Motivation" in out
    # ...and the second session is the next Monday at least three days on, in week 2.
    assert "Week 2: Mon 09 Mar 2026, 18:00 CET: Linear Algebra [mml-02]" in out


def test_start_now_with_a_monday_just_ahead_waits_a_week_for_the_second(tmp_path: Path) -> None:
    completed = console(
        tmp_path,
        "/study start mml now every monday at 18:00 tz Europe/Berlin",
        "/study schedule",
        args=("--as", "alice", "--start-at", "2026-03-07T09:00Z"),  # a Saturday
    )
    out = flat(completed.stdout)
    assert "Meeting Sat 07 Mar 2026, 10:00 CET." in out
    assert "Week 2: Mon 16 Mar 2026, 18:00 CET: Linear Algebra" in out  # not in two days


def test_a_new_start_keeps_the_groups_day_time_and_zone(tmp_path: Path) -> None:
    completed = console(
        tmp_path,
        "/study start mml every wednesday at 19:15 tz America/New_York",
        "/study stop confirm",
        "/study start calculus-made-easy",  # nothing said: the group's usual evening
        args=("--as", "alice", "--start-at", THURSDAY),
    )
    assert completed.returncode == 0, completed.stderr
    out = flat(completed.stdout)
    assert "Starting Calculus Made Easy" in out
    assert "every Wednesday at 19:15 (America/New_York)" in out.split("Starting Calculus")[1]
    assert "The first one is Wed 11 Mar 2026, 19:15 EDT" in out


def test_a_schedule_file_whose_start_has_passed_starts_on_the_next_session_day(
    tmp_path: Path,
) -> None:
    completed = console(
        tmp_path,
        "/study plan mml-berlin-mondays",  # the README's example: the file says 2026-10-05
        args=("--as", "alice", "--start-at", "2026-12-03T09:00Z"),
    )
    assert completed.returncode == 0, completed.stderr
    out = flat(completed.stdout)
    assert "`mml-berlin-mondays.yaml` starts on Mon 05 Oct 2026, which has passed" in out
    assert "The first one is Mon 07 Dec 2026, 18:30 CET" in out
