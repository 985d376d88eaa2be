"""A whole study group on Slack, end to end: the real ``studybot run`` process against the local
Slack stand-in, once over HTTP and once over Socket Mode.

Over HTTP the group is played the Slack way from the first step: members join the channel and
are greeted, the organizer types `/study start mml`, a member gets the reminder by DM, and the
requests Slack would never send are refused. The process runs a simulated day per second
(``--fast 86400``), so the week passes in seven seconds. Over Socket Mode the process plays the
scenario every platform plays (tests/scenario.py), and must store the same outcome.

Every step waits for what it causes (the stand-in receiving a call, a row in the database),
never for the schedule. Afterwards every Web API call the bot made must be valid against
Slack's own Web API description, and must be one the manifest has scopes for.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.slack.manifest import METHOD_SCOPES

from .. import scenario
from ..standins.slack_server import (
    APP_TOKEN,
    BOT_TOKEN,
    SIGNING_SECRET,
    SlackStandIn,
    sign,
    visible_text,
)
from ..standins.slack_workspace import Workspace
from .driver import SCENARIO_USERS, SlackDriver, add_scenario_people
from .harness import ADA, BEA, CY, DEV, add_people

REPO = Path(__file__).resolve().parents[2]
FAST = "86400"  # a simulated day per real second
START_AT = "2026-10-09T18:00:00+00:00"  # a Friday: `/study start mml` lands on Monday the 12th


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
    except OSError:
        return False
    return True


@dataclass
class BotProcess:
    """A running ``studybot run``: its home, its log, and read-only queries on its database."""

    process: asyncio.subprocess.Process
    home: Path
    log: Path

    @property
    def database(self) -> Path:
        return self.home / "studybot.db"

    def alive(self) -> bool:
        if self.process.returncode is not None:
            raise AssertionError(f"studybot run exited {self.process.returncode}:\n{self.output()}")
        return True

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def rows(self, query: str, *parameters: Any) -> list[tuple[Any, ...]]:
        if not self.database.exists():
            return []
        with sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=5) as db:
            try:
                return db.execute(query, parameters).fetchall()
            except sqlite3.OperationalError:
                return []  # tables not there yet

    async def stop(self) -> int:
        """SIGTERM, as a service manager stops it; the stand-in keeps answering meanwhile."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), timeout=20)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        return self.process.returncode if self.process.returncode is not None else -1


@asynccontextmanager
async def studybot_run(
    tmp_path: Path,
    standin: SlackStandIn,
    *,
    socket_mode: bool,
    fast: str = FAST,
    start_at: str | None = START_AT,
) -> AsyncIterator[BotProcess]:
    home = tmp_path / "home"
    (home / "schedules").mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env.pop("DATABASE_URL", None)
    env |= {
        "STUDYBOT_HOME": str(home),
        "STUDYBOT_SCHEDULES": str(home / "schedules"),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": standin.api_url,
    }
    port = free_port()
    if socket_mode:
        env["SLACK_APP_TOKEN"] = APP_TOKEN
    else:
        env["PORT"] = str(port)
    log = tmp_path / "studybot-run.log"
    with log.open("wb") as output:
        clock = ("--fast", fast, *(("--start-at", start_at) if start_at else ()))
        process = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "bot", "run", *clock),
            stdout=output,
            stderr=asyncio.subprocess.STDOUT,
            env=env,
            cwd=REPO,
        )
    bot = BotProcess(process, home, log)
    try:
        if socket_mode:
            await standin.wait_for(lambda: bot.alive() and standin.sockets, what="Socket Mode")
        else:
            await standin.wait_for(lambda: bot.alive() and port_open(port), what="the HTTP port")
            standin.bot_url = f"http://127.0.0.1:{port}/slack/events"
        yield bot
    finally:
        await bot.stop()


def keyed(standin: SlackStandIn, channel: str, suffix: str) -> dict[str, Any] | None:
    """The channel post whose delivery key ends with ``suffix`` (e.g. ``:kickoff:0``)."""
    for message in standin.posts(channel):
        key = ((message.get("metadata") or {}).get("event_payload") or {}).get("key", "")
        if key.endswith(suffix):
            return message
    return None


async def wait_row(
    bot: BotProcess,
    standin: SlackStandIn,
    query: str,
    check: Callable[[list[Any]], bool],
    what: str,
) -> list[Any]:
    return await standin.wait_for(
        lambda: bot.alive() and (rows := bot.rows(query)) and check(rows) and rows, what=what
    )


async def play_a_whole_group(standin: SlackStandIn, bot: BotProcess) -> None:
    slack = Workspace(standin)
    channel = slack.channel

    # An organizer opens the group; members join the channel and are greeted privately.
    await slack.slash(ADA, "join")
    await standin.wait_for(lambda: standin.private_to(ADA), what="Ada's welcome")
    for member in (BEA, CY, DEV):
        await slack.join(member)
    await standin.wait_for(
        lambda: all(standin.private_to(m) for m in (BEA, CY, DEV)), what="greetings"
    )
    assert "Welcome to the study group" in standin.private_to(BEA)[0].text
    assert standin.private_to(BEA)[0].via == "chat.postEphemeral"
    await slack.slash(DEV, "reminders dm")
    await standin.wait_for(lambda: len(standin.private_to(DEV)) == 2, what="Dev's DM setting")

    # The organizer starts MML: announced in the channel for everyone.
    await slack.slash(ADA, "start mml")
    started = await standin.wait_for(lambda: standin.posts(channel), what="the announcement")
    assert "Starting Mathematics for Machine Learning" in visible_text(started[0])

    # The simulated clock reaches Monday 18:00: the kickoff, with its discussion questions as
    # replies in its thread.
    kickoff = await standin.wait_for(
        lambda: bot.alive() and keyed(standin, channel, ":kickoff:0"),
        what="the kickoff",
        within=40,
    )
    assert "Week 1" in visible_text(kickoff)
    await standin.wait_for(
        lambda: len(standin.thread(channel, kickoff["ts"])) == 4, what="four discussion threads"
    )

    # One click each; the confirmation is for the clicker only.
    for member, label in ((BEA, "Done"), (CY, "Partly"), (ADA, "Behind")):
        seen = len(standin.private_to(member))
        delivered = await slack.click(member, kickoff, label)
        assert delivered.status == 200
        await standin.wait_for(lambda m=member, n=seen: standin.private_to(m)[n:], what=label)
        assert "Checked in as" in standin.private_to(member)[-1].text

    # Bea asks in the modal; the question is posted with a thread for answers.
    await slack.click(BEA, kickoff, "Ask a question")
    view = await standin.wait_for(lambda: standin.views_opened, what="the ask modal")
    question_text = "Why is $A^T A$ symmetric for every <matrix> A? @here"
    answer = await slack.submit(BEA, view[0], {"question": {"text": question_text}})
    assert answer.status == 200
    question = await standin.wait_for(
        lambda: next((m for m in standin.posts(channel) if "Question 1" in visible_text(m)), None),
        what="the question post",
    )
    shown = visible_text(question)
    assert "&lt;matrix&gt;" in shown and "`$A^T A$`" in shown  # escaped; the formula as code
    assert "<!here>" not in question["text"] and "@\u200bhere" in shown  # pings nobody
    await standin.wait_for(
        lambda: standin.thread(channel, question["ts"]), what="the question's thread"
    )
    await wait_row(  # and recorded: answers count from here on
        bot,
        standin,
        "SELECT thread_ref FROM questions WHERE thread_ref IS NOT NULL",
        lambda r: len(r) == 1,
        "the question's thread recorded",
    )

    # Cy answers in the thread; Bea marks the answer with ✅, which resolves the question.
    answer_ts, _ = await slack.reply(
        CY, question["ts"], "Because $(A^T A)^T = A^T (A^T)^T = A^T A$."
    )
    await wait_row(bot, standin, "SELECT text FROM answers", lambda r: len(r) == 1, "the answer")
    await slack.react(BEA, answer_ts)
    await standin.wait_for(
        lambda: "(resolved)" in visible_text(standin.find(channel, question["ts"]) or {}),
        what="the resolved question",
    )

    # Dev never checked in and asked for DMs: the mid-week nudge arrives privately.
    await standin.wait_for(
        lambda: standin.posts("D" + DEV[1:]), what="Dev's reminder DM", within=30
    )

    # Saturday: the weekly summary.
    summary = await standin.wait_for(
        lambda: bot.alive() and keyed(standin, channel, ":summary:0"),
        what="the summary",
        within=30,
    )
    text = visible_text(summary)
    for label in ("*Done*\n1", "*Partly*\n1", "*Behind*\n1", "*No check-in*\n1"):
        assert label in text, text

    # Bea's App Home shows her group and her streak.
    await slack.open_home(BEA)
    home = await standin.wait_for(lambda: standin.views_published.get(BEA), what="Bea's home")
    assert "<#C0GROUP01>" in visible_text(home[-1]) and "Your streak" in visible_text(home[-1])


def check_database(bot: BotProcess) -> None:
    members = dict(bot.rows("SELECT user_id, role FROM members"))
    assert members == {ADA: "organizer", BEA: "member", CY: "member", DEV: "member"}
    checkins = dict(
        bot.rows("SELECT m.user_id, c.status FROM checkins c JOIN members m ON m.id = c.member_id")
    )
    assert checkins == {BEA: "done", CY: "partial", ADA: "behind"}
    assert bot.rows("SELECT status FROM questions") == [("resolved",)]
    assert len(bot.rows("SELECT id FROM answers")) == 1
    sent = bot.rows(
        "SELECT kind, status, message_ref FROM deliveries WHERE session_id = 1 AND status = 'sent'"
    )
    kinds = {"kickoff", "question", "reminder", "reminder_dm", "summary"}  # a DM: its own row
    kinds |= {"qa_post", "qa_thread", "qa_edit", "qa_note"}  # the question, asked and resolved
    kinds |= {"qa_formulas"}  # the answer's formula, typeset under it
    assert {kind for kind, *_ in sent} == kinds
    assert all(ref for *_, ref in sent)


def check_calls(standin: SlackStandIn) -> None:
    assert standin.violations == []
    called = {call.method for call in standin.calls}
    assert called <= set(METHOD_SCOPES), called - set(METHOD_SCOPES)


async def test_a_whole_group_over_http(tmp_path: Path) -> None:
    standin = SlackStandIn()
    await standin.start()
    add_people(standin)
    try:
        async with studybot_run(tmp_path, standin, socket_mode=False) as bot:
            await play_a_whole_group(standin, bot)
            check_database(bot)
            slack = Workspace(standin)
            question = next(
                m for m in standin.posts(slack.channel) if "Question 1" in visible_text(m)
            )

            # Requests that are not Slack's change nothing: a wrong signature, a stale one.
            event = slack.message_event(DEV, "I answer too.", thread_ts=question["ts"])
            body, content_type = standin.encode("events_api", slack.event_body(event))
            forged = await standin.post_signed(body, content_type, signature="v0=" + "0" * 64)
            stale_stamp = str(int(time.time()) - 6 * 60)
            stale = await standin.post_signed(
                body,
                content_type,
                timestamp=stale_stamp,
                signature=sign(SIGNING_SECRET, stale_stamp, body),
            )
            assert (forged.status, stale.status) == (401, 401)

            # Slack retries an event it thinks was lost: same event_id, X-Slack-Retry-Num: 1.
            event = slack.message_event(DEV, "Or transpose both sides.", thread_ts=question["ts"])
            first = await slack.event(event, event_id="EvRETRIED01")
            again = await slack.event(event, event_id="EvRETRIED01", retry=1)
            assert first.status == again.status == 200
            await wait_row(bot, standin, "SELECT id FROM answers", lambda r: len(r) == 2, "answer")
            running_log = bot.output()
            assert await bot.stop() == 0  # SIGTERM: work under way finishes first
        assert bot.rows("SELECT text FROM answers ORDER BY id")[1:] == [
            ("Or transpose both sides.",)
        ]
        check_calls(standin)
        # Nothing failed while the group played. (At SIGTERM the scheduler may log the tick it
        # cancelled; that is the scheduler's shutdown, not a failure of the Slack adapter.)
        assert "Traceback" not in running_log
        assert "adapters/slack" not in bot.output()
    finally:
        await standin.close()


async def test_the_shared_scenario_over_socket_mode(tmp_path: Path) -> None:
    """The scenario every platform plays (tests/scenario.py), then Slack's extras."""
    standin = SlackStandIn()
    await standin.start()
    add_scenario_people(standin)
    try:
        async with studybot_run(
            tmp_path, standin, socket_mode=True, fast=str(scenario.FAST), start_at=None
        ) as bot:

            async def let_time_pass(condition: Callable[[], Any], what: str) -> Any:
                return await standin.wait_for(
                    lambda: bot.alive() and condition(), what=what, within=30
                )

            slack = Workspace(standin)
            driver = SlackDriver(
                standin=standin,
                workspace=slack,
                schedules=bot.home / "schedules",
                database=bot.database,
                now=lambda: scenario.simulated_now(bot.home),
                let_time_pass=let_time_pass,
            )
            await scenario.play(driver)
            await scenario.check_pictures(driver)
            outcome = scenario.stored_outcome(bot.database, platform="slack", channel=slack.channel)
            assert outcome == scenario.EXPECTED
            assert driver.summary == scenario.SUMMARY

            # A redelivered envelope (retry_attempt 1, the same event_id) records nothing twice.
            assert driver.question is not None
            grace = SCENARIO_USERS["grace"]
            event = slack.message_event(
                grace, "Or: solutions form an affine subspace.", thread_ts=driver.question["ts"]
            )
            body = slack.event_body(event, event_id="EvRETRIED02")
            first = await standin.send_envelope("events_api", body)
            again = await standin.send_envelope("events_api", body, retry=1)
            assert first.status == again.status == 200
            await wait_row(bot, standin, "SELECT id FROM answers", lambda r: len(r) == 3, "answer")

            # The App Home over the socket too.
            emmy = SCENARIO_USERS["emmy"]
            await slack.open_home(emmy)
            home = await standin.wait_for(lambda: standin.views_published.get(emmy), what="home")
            assert "Your streak" in visible_text(home[-1])
            running_log = bot.output()
            assert await bot.stop() == 0
        assert len(bot.rows("SELECT id FROM answers")) == 3
        assert standin.called("apps.connections.open")
        check_calls(standin)
        # Nothing failed while the group played. (At SIGTERM the scheduler may log the tick it
        # cancelled; that is the scheduler's shutdown, not a failure of the Slack adapter.)
        assert "Traceback" not in running_log
        assert "adapters/slack" not in bot.output()
    finally:
        await standin.close()


@pytest.fixture(autouse=True)
def _no_slack_settings_leak(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL"):
        monkeypatch.delenv(name, raising=False)
