"""The Slack adapter running in the test's own process against the stand-in: the real bolt app
and Web API client, a real StudyBot on SQLite, and a clock the test moves.

The end-to-end suite (tests/slack/test_slack_e2e.py) runs a real ``studybot run`` process instead;
this harness is for the many small cases (bad requests, retries, files) that need no process.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.adapters.slack.adapter import SlackAdapter
from bot.adapters.slack.settings import SlackSettings
from bot.core.clock import FakeClock
from bot.runtime.lifespan import App, running
from bot.runtime.settings import Settings

from ..standins.slack_server import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, SlackStandIn
from ..standins.slack_workspace import Workspace

ADA, BEA, CY, DEV = "U0ADA0001", "U0BEA0002", "U0CY00003", "U0DEV0004"
NAMES = {ADA: "Ada", BEA: "Bea", CY: "Cy", DEV: "Dev"}

# Thursday 1 October 2026, noon UTC; `/study start mml` then starts on Monday 5 October 18:00.
START = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
FIRST_KICKOFF = datetime(2026, 10, 5, 18, 0, tzinfo=UTC)


def add_people(standin: SlackStandIn) -> None:
    for user, name in NAMES.items():
        standin.add_user(user, name)


@dataclass
class SlackHarness:
    """The Slack stand-in and workspace, with studybot's app and adapter started against them."""

    standin: SlackStandIn
    workspace: Workspace
    adapter: SlackAdapter
    app: App
    clock: FakeClock
    database: Path

    @property
    def channel(self) -> str:
        return self.workspace.channel

    async def tick_to(self, moment: datetime) -> None:
        self.clock.set(moment)
        await self.app.deliverer.tick()

    async def advance(self, delta: timedelta) -> None:
        await self.tick_to(self.clock.now() + delta)

    async def let_time_pass(self, condition: Callable[[], Any], what: str) -> Any:
        """Move the clock an hour at a time, delivering what falls due, until ``condition``."""
        for _ in range(24 * 14):
            if found := condition():
                return found
            await self.advance(timedelta(hours=1))
        raise AssertionError(f"two simulated weeks passed without {what}")

    def posts(self) -> list[dict[str, Any]]:
        return self.standin.posts(self.channel)

    async def private_after(self, user: str, seen: int, *, what: str) -> str:
        """The text of the next ephemeral message to ``user`` after ``seen`` of them."""
        from ..standins.slack_server import visible_text

        found = await self.standin.wait_for(lambda: self.standin.private_to(user)[seen:], what=what)
        return visible_text({"blocks": found[0].blocks, "text": found[0].text})


@asynccontextmanager
async def slack_bot(
    tmp_path: Path,
    *,
    clock_start: datetime = START,
    schedules: Path | None = None,
    socket_mode: bool = False,
    channel_rate: float = 100.0,  # Slack allows about 1/s; tests that do not check pacing hurry
) -> AsyncIterator[SlackHarness]:
    standin = SlackStandIn()
    await standin.start()
    add_people(standin)
    settings = SlackSettings(
        bot_token=BOT_TOKEN,
        signing_secret=SIGNING_SECRET,
        app_token=APP_TOKEN if socket_mode else None,
        api_url=standin.api_url,
        port=0,
        channel_rate=channel_rate,
    )
    adapter = SlackAdapter(settings=settings, host="127.0.0.1")
    clock = FakeClock(clock_start)
    database = tmp_path / "slack.db"
    try:
        where = Settings(home=tmp_path, schedules=schedules, database_url=f"sqlite:///{database}")
        async with running(
            settings=where, adapters=[adapter], clock=clock, tick_seconds=None
        ) as app:
            if not socket_mode:  # else the stand-in sends envelopes over the bot's socket
                standin.bot_url = f"http://127.0.0.1:{adapter.http_port}/slack/events"
            yield SlackHarness(standin, Workspace(standin), adapter, app, clock, database)
    finally:
        await standin.close()
