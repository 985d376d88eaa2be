"""Operations (bot.runtime.operations, bot.runtime.metrics, bot.cli.logs): ``/healthz``,
``/metrics``, ``METRICS_PORT``, ``LOG_FORMAT`` and the ids every log line of a delivery carries.

Real parts throughout: the Slack adapter against the local Slack (HTTP and Socket Mode), the
Discord adapter against the local Discord, SQLite files, aiohttp over 127.0.0.1, and one real
``studybot run`` process. Clocks are the tests' own; nothing waits for a schedule.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import socket
import sqlite3
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from typer.testing import CliRunner

from bot.adapters.discord.adapter import DiscordAdapter
from bot.adapters.discord.settings import settings_from_env
from bot.adapters.memory import MemoryAdapter
from bot.adapters.slack.adapter import SlackAdapter
from bot.adapters.slack.settings import SlackSettings
from bot.cli.app import app as cli
from bot.cli.logs import structured_formatter
from bot.core.clock import FakeClock
from bot.core.errors import ConfigError
from bot.core.models import Message, Place
from bot.runtime.lifespan import App, running
from bot.runtime.metrics import LedgerState, ledger_state
from bot.runtime.settings import LogFormat, Settings

from ..conftest import CONTENT, REPO
from ..core.harness import Harness
from ..discord.harness import discord_world
from ..slack.harness import ADA, FIRST_KICKOFF, START, SlackHarness, add_people, slack_bot
from ..standins.slack_server import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, SlackStandIn
from ..standins.slack_workspace import Workspace

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def sample_key(name: str, **labels: str) -> tuple[str, frozenset[tuple[str, str]]]:
    return name, frozenset(labels.items())


async def fetch(url: str) -> tuple[int, str, str]:
    """Status, content type and body of ``GET url``."""
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, response.headers.get("Content-Type", ""), await response.text()


async def health(base: str) -> tuple[int, dict[str, Any]]:
    status, content_type, body = await fetch(f"{base}/healthz")
    assert content_type.startswith("application/json")
    return status, json.loads(body)


async def scrape(base: str) -> Samples:
    """Every sample ``/metrics`` serves, parsed as Prometheus parses it."""
    status, content_type, body = await fetch(f"{base}/metrics")
    assert status == 200 and content_type.startswith("text/plain")
    return {
        sample_key(sample.name, **sample.labels): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


def operations_url(app: App) -> str:
    assert app.operations_port is not None
    return f"http://127.0.0.1:{app.operations_port}"


def sqlite_settings(tmp_path: Path, **options: Any) -> Settings:
    return Settings(
        home=tmp_path, content=CONTENT, database_url=f"sqlite:///{tmp_path / 'bot.db'}", **options
    )


# --- /healthz -------------------------------------------------------------------------------------


async def test_healthz_is_200_when_all_holds_and_503_naming_the_database_once_it_is_gone(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    settings = Settings(
        home=tmp_path, database_url=f"sqlite:///{folder / 'studybot.db'}", metrics_port=0
    )
    async with running(
        settings=settings, adapters=[MemoryAdapter()], clock=FakeClock(START), tick_seconds=60
    ) as app:
        status, body = await health(operations_url(app))
        assert (status, body["ok"], body["failing"]) == (200, True, [])
        assert body["checks"]["database"] == {"ok": True, "detail": "reachable"}
        assert body["checks"]["sender"]["ok"] and body["checks"]["sender"]["detail"].startswith(
            "ticked"
        )
        assert body["checks"]["memory"] == {"ok": True, "detail": "connected"}

        folder.rename(tmp_path / "moved")  # the database's folder is gone...
        await app.engine.dispose()  # ...and no pooled connection still has the file open
        status, body = await health(operations_url(app))
        assert (status, body["ok"], body["failing"]) == (503, False, ["database"])
        detail = body["checks"]["database"]["detail"]
        assert detail == "not reachable: unable to open database file"


async def test_socket_mode_serves_on_metrics_port_and_a_stopped_adapter_fails_healthz(
    tmp_path: Path,
) -> None:
    standin = SlackStandIn()
    await standin.start()
    try:
        adapter = SlackAdapter(
            settings=SlackSettings(
                bot_token=BOT_TOKEN,
                signing_secret=SIGNING_SECRET,
                app_token=APP_TOKEN,
                api_url=standin.api_url,
                port=0,
            ),
            host="127.0.0.1",
        )
        async with running(
            settings=sqlite_settings(tmp_path, metrics_port=0),
            adapters=[adapter],
            clock=FakeClock(START),
            tick_seconds=60,
        ) as app:
            await standin.wait_for(lambda: standin.sockets, what="the Socket Mode connection")
            base = operations_url(app)
            status, body = await health(base)
            assert status == 200 and body["checks"]["slack"] == {"ok": True, "detail": "connected"}
            metrics = await scrape(base)
            assert metrics[sample_key("studybot_rate_limited_total", platform="slack")] == 0
            assert metrics[sample_key("studybot_queue_depth")] == 0

            await adapter.stop()  # Slack can no longer reach the bot
            status, body = await health(base)
            assert (status, body["failing"]) == (503, ["slack"])
            assert body["checks"]["slack"] == {"ok": False, "detail": "not connected"}
            assert body["checks"]["database"]["ok"] and body["checks"]["sender"]["ok"]
    finally:
        await standin.close()


# --- /metrics -------------------------------------------------------------------------------------


async def checked_in(slack: SlackHarness, user: str) -> None:
    seen = len(slack.standin.private_to(user))
    await slack.workspace.slash(user, "checkin done")
    answer = await slack.private_after(user, seen, what="the check-in's answer")
    assert "Checked in as done" in answer


async def test_the_slack_port_serves_metrics_of_a_real_delivery_a_429_and_a_command(
    tmp_path: Path,
) -> None:
    async with slack_bot(tmp_path) as slack:
        base = f"http://127.0.0.1:{slack.adapter.http_port}"  # the port Slack's requests use
        await slack.workspace.slash(ADA, "start mml")
        await slack.standin.wait_for(slack.posts, what="the announcement")
        metrics = await scrape(base)
        assert sample_key("studybot_posts_total", kind="kickoff", outcome="sent") not in metrics
        assert metrics[sample_key("studybot_queue_depth")] == 0  # the kickoff is days ahead

        # Ten minutes after the kickoff fell due, with no tick yet: the queue shows it waiting.
        slack.clock.set(FIRST_KICKOFF + timedelta(minutes=10))
        metrics = await scrape(base)
        due = metrics[sample_key("studybot_queue_depth")]
        assert due >= 1  # the kickoff and its discussion questions
        assert metrics[sample_key("studybot_oldest_due_age_seconds")] == 600

        slack.standin.rate_limits["chat.postMessage"].append(0)  # the first post gets a 429
        report = await slack.app.deliverer.tick()
        assert len(report.sent) == due
        metrics = await scrape(base)
        assert metrics[sample_key("studybot_posts_total", kind="kickoff", outcome="sent")] == 1
        assert metrics[sample_key("studybot_rate_limited_total", platform="slack")] == 1
        assert metrics[sample_key("studybot_queue_depth")] == 0
        assert metrics[sample_key("studybot_oldest_due_age_seconds")] == 0

        checkins = sample_key("studybot_command_seconds_count", command="checkin")
        before = metrics.get(checkins, 0)
        await checked_in(slack, ADA)
        metrics = await scrape(base)
        assert metrics[checkins] == before + 1
        assert metrics[sample_key("studybot_command_seconds_count", command="start")] == 1

        # This harness drives the ticks itself: no ticker, and /healthz says so.
        status, body = await health(base)
        assert (status, body["failing"]) == (503, ["sender"])
        assert body["checks"]["slack"]["ok"]


async def test_discord_serves_on_metrics_port_and_counts_its_429s(tmp_path: Path) -> None:
    async with discord_world() as world:
        settings = settings_from_env(world.server.env())
        assert settings is not None
        adapter = DiscordAdapter(settings=settings, ready_timeout=20, guild_ready_timeout=0.05)
        async with running(
            settings=sqlite_settings(tmp_path, metrics_port=0),
            adapters=[adapter],
            clock=FakeClock(START),
            tick_seconds=60,
        ) as app:
            await world.server.wait_ready()
            base = operations_url(app)
            status, body = await health(base)
            assert status == 200 and body["checks"]["discord"]["ok"]

            world.server.rate_limit("POST", "/channels/{channel_id}/messages")
            place = Place(platform="discord", workspace=world.guild.id, channel=world.text.id)
            await adapter.post(place, Message(text="A note."))  # waited out, then sent
            metrics = await scrape(base)
            assert metrics[sample_key("studybot_rate_limited_total", platform="discord")] == 1

            await adapter.stop()
            status, body = await health(base)
            assert (status, body["failing"]) == (503, ["discord"])
        assert world.server.violations == []


async def test_the_ledger_gauges_count_due_claimed_and_held_rows(harness: Harness) -> None:
    """On SQLite, and on PostgreSQL when the tests have one."""
    await harness.chat.command("plan mml-berlin-mondays", by="ada")
    kickoff = datetime(2026, 10, 5, 16, 30, tzinfo=UTC)  # that schedule's first
    harness.clock.set(kickoff + timedelta(minutes=5))
    sessionmaker, now = harness.bot.sessionmaker, harness.clock.now()
    state = await ledger_state(sessionmaker, now)
    assert state.due >= 1 and (state.oldest_due_age, state.held, state.claimed) == (300, 0, 0)

    claimed = await harness.deliverer.claim(now)  # a sender takes them, and has not sent them
    assert await ledger_state(sessionmaker, now) == LedgerState(
        due=0, oldest_due_age=0, held=0, claimed=len(claimed)
    )
    assert len(claimed) == state.due

    await harness.chat.command("pause", by="ada")  # the later weeks are held
    paused = await ledger_state(sessionmaker, now)
    assert paused.held > 0 and paused.due == 0


# --- settings -------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["abc", "0", "70000", "-1", "9100x"])
def test_a_bad_metrics_port_gets_a_sentence(value: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({"METRICS_PORT": value})
    assert str(raised.value) == (
        f"METRICS_PORT is {value!r}, which is not a port number; set it to a free TCP port "
        "between 1 and 65535 (for example METRICS_PORT=9100), or leave it unset."
    )


def test_settings_read_metrics_port_and_log_format() -> None:
    settings = Settings.from_env({"METRICS_PORT": " 9100 ", "LOG_FORMAT": "JSON"})
    assert (settings.metrics_port, settings.log_format) == (9100, LogFormat.JSON)
    assert (Settings.from_env({}).metrics_port, Settings.from_env({}).log_format) == (
        None,
        LogFormat.TEXT,
    )


def test_the_command_line_shows_the_sentence_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("METRICS_PORT", "metrics")
    result = CliRunner().invoke(cli, ["status"])
    assert result.exit_code == 1
    assert "METRICS_PORT is 'metrics', which is not a port number" in result.output
    assert "Traceback" not in result.output
    monkeypatch.delenv("METRICS_PORT")
    monkeypatch.setenv("LOG_FORMAT", "xml")
    result = CliRunner().invoke(cli, ["status"])
    assert result.exit_code == 1 and "LOG_FORMAT is 'xml'; set it to json" in result.output


async def test_a_metrics_port_in_use_is_named(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match=f"^METRICS_PORT {port} cannot be used"):
            async with running(
                settings=sqlite_settings(tmp_path, metrics_port=port),
                adapters=[MemoryAdapter()],
                clock=FakeClock(START),
                tick_seconds=None,
            ):
                pass


# --- structured logs ------------------------------------------------------------------------------


@contextmanager
def captured_logs(log_format: LogFormat) -> Iterator[io.StringIO]:
    """studybot's log lines at INFO, through the formatter ``studybot run`` uses."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(structured_formatter(log_format))
    logger = logging.getLogger("bot")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


async def asked(slack: SlackHarness) -> None:
    """Ada asks a question: its post is a ledger row, sent while the command is handled."""
    await slack.workspace.slash(ADA, "ask Why is a basis linearly independent?")

    def recorded() -> bool:  # the post's row is recorded (and logged) before its thread's
        with sqlite3.connect(slack.database) as db:
            query = "SELECT status FROM deliveries WHERE kind = 'qa_thread'"
            return db.execute(query).fetchall() == [("sent",)]

    await slack.standin.wait_for(recorded, what="the question posted and recorded")


async def test_every_log_line_of_a_delivery_carries_its_ids(tmp_path: Path) -> None:
    async with slack_bot(tmp_path) as slack:
        with captured_logs(LogFormat.JSON) as stream:
            await slack.workspace.slash(ADA, "start mml")
            await slack.standin.wait_for(slack.posts, what="the announcement")
            slack.standin.lost_answers["chat.postMessage"].append("500")  # the kickoff fails once
            await slack.tick_to(FIRST_KICKOFF)
            await slack.advance(timedelta(minutes=1))  # its back-off is over: sent
            await asked(slack)
            logging.getLogger("bot.test").warning("after the deliveries")
        lines = [json.loads(line) for line in stream.getvalue().splitlines()]

    ids = {"run_id", "meeting_id", "delivery_id"}
    failed = next(line for line in lines if "failed" in line["event"])
    assert failed["level"] == "warning" and failed["logger"] == "bot.core.delivery"
    assert failed["event"].startswith("delivery studybot:run1:session1:kickoff:0 failed")
    assert ids <= failed.keys()
    sent = [line for line in lines if line["event"].endswith(": sent")]
    assert [line["event"].split(":")[3] for line in sent[:2]] == ["kickoff", "question"]
    assert all(ids <= line.keys() and line["run_id"] == 1 for line in sent)
    assert len({line["delivery_id"] for line in sent}) == len(sent)  # each line its own row
    assert failed["delivery_id"] == sent[0]["delivery_id"]  # the kickoff, failed then sent
    # The question went out while `/study ask` was handled: the line names both.
    question = next(line for line in sent if ":qa_post:" in line["event"])
    assert question["command"] == "ask" and question["event_id"] and question["timestamp"]
    assert "command" not in sent[0]  # the ticker's deliveries belong to no command
    # Nothing stays bound once a delivery is done.
    after = lines[-1]
    assert after["event"] == "after the deliveries" and not (ids | {"command"}) & after.keys()


async def test_readable_lines_end_with_the_ids_as_key_value(tmp_path: Path) -> None:
    async with slack_bot(tmp_path) as slack:
        await slack.workspace.slash(ADA, "start mml")
        await slack.standin.wait_for(slack.posts, what="the announcement")
        await slack.tick_to(FIRST_KICKOFF)
        with captured_logs(LogFormat.TEXT) as stream:
            await asked(slack)
    line = next(line for line in stream.getvalue().splitlines() if ":qa_post:" in line)
    assert "[info" in line and ": sent" in line and not line.lstrip().startswith("{")
    assert "delivery_id=" in line and "run_id=1" in line and "command=ask" in line


# --- the real process ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def studybot_run(tmp_path: Path, env: dict[str, str]) -> AsyncIterator[Path]:
    """``studybot run --fast`` as a process with ``env``; its log file, stopped with SIGTERM."""
    log = tmp_path / "run.log"
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    base.pop("DATABASE_URL", None)
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "bot", "run", "--fast", "600"),
            stdout=output,
            stderr=asyncio.subprocess.STDOUT,
            env={**base, "STUDYBOT_HOME": str(tmp_path / "home"), **env},
            cwd=REPO,
        )
    try:
        yield log
    finally:
        if process.returncode is None:
            process.terminate()
        try:
            await asyncio.wait_for(process.wait(), timeout=20)
        except TimeoutError:
            process.kill()
            await process.wait()


async def test_studybot_run_serves_metrics_port_and_logs_json(tmp_path: Path) -> None:
    standin = SlackStandIn()
    await standin.start()
    add_people(standin)
    port = free_port()
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_API_URL": standin.api_url,
        "METRICS_PORT": str(port),
        "LOG_FORMAT": "json",
    }
    try:
        async with studybot_run(tmp_path, env) as log:

            async def healthy() -> dict[str, Any] | None:
                try:
                    status, body = await health(f"http://127.0.0.1:{port}")
                except aiohttp.ClientConnectionError:
                    return None  # not listening yet
                return body if status == 200 else None

            body = None
            for _ in range(200):  # polls for the process to come up, at most 20 s
                if body := await healthy():
                    break
                await asyncio.sleep(0.1)
            assert body is not None, log.read_text()
            assert body["failing"] == [] and body["checks"]["slack"]["ok"]
            await Workspace(standin).slash(ADA, "join")
            await standin.wait_for(lambda: standin.private_to(ADA), what="Ada's welcome")
            metrics = await scrape(f"http://127.0.0.1:{port}")
            assert metrics[sample_key("studybot_command_seconds_count", command="join")] == 1
        lines = [line for line in log.read_text().splitlines() if line.strip()]
        assert lines, "studybot run logged nothing"
        records = [json.loads(line) for line in lines]  # every line, libraries' too, is JSON
        assert any(r["logger"] == "bot.runtime.operations" for r in records)
        assert all({"event", "level", "timestamp"} <= r.keys() for r in records)
    finally:
        await standin.close()
