"""Kill a real `studybot` process with SIGKILL in the middle of its work, start it again, and
find every due post sent exactly once.

The process is `studybot console` on a fast simulated clock (100 000 times real time, so a week
passes in six seconds); its adapter appends every post, with its delivery key, to a transcript
file. The test waits for posts to appear in that file (events), never for a schedule.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

SCHEDULE = """\
syllabus: mml
start: 2026-10-05
weekday: monday
time: "18:30"
timezone: Europe/Berlin
reminder: 2d
summary: 5d
grace: 7d     # the restart takes a few real seconds: several simulated days
"""
WEEK_ONE = {"kickoff:0", *(f"question:{n}" for n in range(1, 5)), "reminder:0", "summary:0"}
WEEK_TWO_KICKOFF = {"kickoff:0", *(f"question:{n}" for n in range(1, 6))}


def transcript_keys(path: Path) -> list[str]:
    if not path.exists():
        return []
    keys = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut off by the kill
        if entry.get("key"):
            keys.append(entry["key"])
    return keys


def wait_for(condition: Callable[[], bool], *, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.005)  # polling a file for an event, not waiting on the schedule


def start_console(home: Path, transcript: Path, *extra: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "STUDYBOT_HOME": str(home),
        "STUDYBOT_SCHEDULES": str(home / "schedules"),
        "DATABASE_URL": "",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot",
            "console",
            "--as",
            "ada",
            "--fast",
            "100000",
            "--transcript",
            str(transcript),
            *extra,
        ],
        stdin=subprocess.PIPE,
        stdout=(home / "console.out").open("a"),
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


ROWS_CHECKED = [(1, k) for k in WEEK_ONE] + [(2, k) for k in WEEK_TWO_KICKOFF]


def ledger(home: Path) -> list[tuple[int, str, int, str, str | None]]:
    """The ledger rows of week one and of week two's kickoff, read while the bot runs."""
    database = home / "studybot.db"
    if not database.exists():
        return []
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as db:
            return db.execute(
                "SELECT session_id, kind, seq, status, message_ref FROM deliveries "
                "WHERE session_id = 1 OR (session_id = 2 AND kind IN ('kickoff', 'question'))"
            ).fetchall()
    except sqlite3.OperationalError:
        return []  # the tables are not there yet


def meeting_of(key: str) -> tuple[int, str]:
    _, _run, meeting, kind, seq = key.split(":")
    return int(meeting.removeprefix("session")), f"{kind}:{seq}"


def test_sigkill_mid_tick_then_restart_sends_every_due_post_exactly_once(tmp_path: Path) -> None:
    home, transcript = tmp_path / "home", tmp_path / "transcript.jsonl"
    (home / "schedules").mkdir(parents=True)
    (home / "schedules" / "crash.yaml").write_text(SCHEDULE, encoding="utf-8")

    # Four simulated days (about three real seconds) before the first kickoff: time to start up.
    first = start_console(home, transcript, "--start-at", "2026-10-01T16:30:00+00:00")
    assert first.stdin is not None
    first.stdin.write("/study plan crash\n")
    first.stdin.flush()  # stdin stays open: the console keeps ticking
    try:
        wait_for(lambda: len(transcript_keys(transcript)) >= 2, what="the first posts")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    sent_before_kill = transcript_keys(transcript)
    assert len(sent_before_kill) >= 2

    second = start_console(home, transcript)
    try:

        def week_two_recorded() -> bool:
            return len([row for row in ledger(home) if row[3] == "sent"]) == len(ROWS_CHECKED)

        wait_for(week_two_recorded, what="week two's kickoff and threads after the restart")
    finally:
        second.send_signal(signal.SIGKILL)
        second.wait(timeout=30)

    keys = transcript_keys(transcript)
    twice = [key for key, n in Counter(keys).items() if n > 1]
    assert not twice, f"sent twice: {twice}"
    meetings = Counter(meeting_of(k) for k in keys)
    assert {k for (s, k) in meetings if s == 1} == WEEK_ONE
    assert {k for (s, k) in meetings if s == 2} >= WEEK_TWO_KICKOFF

    rows = ledger(home)
    assert len(rows) == len(ROWS_CHECKED)
    assert rows and all(status == "sent" and ref for *_, status, ref in rows), rows
    recorded = {f"studybot:run1:session{s}:{kind}:{seq}" for s, kind, seq, *_ in rows}
    assert recorded <= set(keys)
