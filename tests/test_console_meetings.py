"""Meetings people can attend, in the console with a simulated clock (issue "Meetings"): a run
that begins now, a group that keeps its evening from one run to the next, and a schedule file
whose start has passed that still starts, on the next session day."""

from __future__ import annotations

from pathlib import Path

from bot.adapters.console.adapter import PROMPT_MARK

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


MONDAYS = "/study start mml every monday at 18:00 tz Europe/Berlin"


def test_reschedule_moves_the_sessions_to_come_and_tells_the_group(tmp_path: Path) -> None:
    completed = console(
        tmp_path,
        MONDAYS,
        "/study reschedule every wednesday at 19:30",
        "/study reschedule tz Mars/Olympus",
        "/study reschedule",
        "/study schedule",
        args=("--as", "alice", "--start-at", THURSDAY),
    )
    assert completed.returncode == 0, completed.stderr
    out = flat(completed.stdout)
    notice, schedule = out.split("New time:", 1)[1].split(f"alice {PROMPT_MARK} /study schedule")
    assert "Add session" not in notice  # the channel's notice stays short
    assert "→ Add session 1 to Google Calendar" in schedule  # the member's own list links them
    assert "New time: every Wednesday at 19:30 (Europe/Berlin)" in out
    assert "Week 1: Wed 11 Mar 2026, 19:30 CET: Introduction and Motivation [mml-01]" in out
    assert "Week 4: Wed 01 Apr 2026, 19:30 CEST: Matrix Decompositions [mml-04]" in out
    assert "unknown time zone 'Mars/Olympus'" in out  # refused, plainly
    assert "Say what changes" in out


def test_a_break_and_public_holidays_move_later_sessions_back(tmp_path: Path) -> None:
    completed = console(
        tmp_path,
        MONDAYS,  # Mondays from 9 March; 6 April 2026 is Easter Monday in Germany
        "/study break 2026-03-16 2026-03-23",
        "/study holidays DE",
        "/study holidays XX",
        "/study break 2026-03-01 2026-03-02",
        args=("--as", "alice", "--start-at", THURSDAY),
    )
    assert completed.returncode == 0, completed.stderr
    out = flat(completed.stdout)
    assert "A break from Mon 16 Mar to Mon 23 Mar 2026" in out
    assert "Week 4: Mon 30 Mar 2026, 18:00 CEST: Linear Algebra [mml-02]" in out
    assert "No session on public holidays in DE: Mon 06 Apr 2026 (Easter Monday)" in out
    assert "Mon 13 Apr 2026, 18:00 CEST: Analytic Geometry [mml-03]" in out
    assert "I know no public holidays for `XX`" in out
    assert "That break ended on 2026-03-02, which has passed" in out


def test_unskip_gives_a_skipped_week_its_session_back(tmp_path: Path) -> None:
    completed = console(
        tmp_path,
        MONDAYS,
        "/study skip",
        "/study unskip",
        "/study unskip",
        args=("--as", "alice", "--start-at", THURSDAY),
    )
    assert completed.returncode == 0, completed.stderr
    out = flat(completed.stdout)
    assert "Skipped a week" in out
    assert "The week of Mon 09 Mar 2026 has its session again" in out
    back = out.split("has its session again")[1]
    assert "Week 1: Mon 09 Mar 2026, 18:00 CET: Introduction and Motivation" in back
    assert "No skipped week lies ahead, so there is nothing to undo." in out


def test_a_member_says_they_are_away_and_back(tmp_path: Path) -> None:
    completed = console(
        tmp_path,
        MONDAYS,
        "as bob",
        "/study join",
        "/study away until 2026-03-20",
        "/study away until 2026-03-01",
        "/study away 2027-12-01",
        "/study back",
        "/study back",
        args=("--as", "alice", "--start-at", THURSDAY),
    )
    assert completed.returncode == 0, completed.stderr
    out = flat(completed.stdout)
    assert "Away until Fri 20 Mar 2026: no nudges" in out and "your streak is kept" in out
    assert "2026-03-01 has passed" in out
    assert "more than a year away" in out
    assert "Welcome back!" in out and "You are not away" in out
