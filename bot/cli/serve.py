"""``studybot run``: the bot on every chat platform whose settings are present, until stopped."""

from __future__ import annotations

import asyncio
import importlib
import signal
from datetime import datetime
from typing import Annotated

import typer

from bot.adapters.registry import configured_adapters
from bot.cli.database import database_problem
from bot.cli.logs import service_logging
from bot.cli.output import say
from bot.core.errors import PlatformConfigError
from bot.core.ports import Adapter
from bot.runtime.lifespan import claim_timing, running
from bot.runtime.settings import Settings
from bot.runtime.timeline import BadSpeed, check_speed, choose_timeline, kept, parse_moment

SETTINGS = (
    ("SLACK_BOT_TOKEN", "Slack: the bot token (xoxb-...)"),
    ("SLACK_SIGNING_SECRET", "Slack: the signing secret (to check requests over HTTP)"),
    ("SLACK_APP_TOKEN", "Slack: the app-level token (xapp-..., for Socket Mode)"),
    ("DISCORD_BOT_TOKEN", "Discord: the bot token"),
    ("DATABASE_URL", "where to keep the data (default: studybot.db under STUDYBOT_HOME)"),
)
TRY_LOCALLY = (
    "Try studybot without a chat platform:\n"
    "  studybot console   a study-group channel in your terminal\n"
    "  studybot demo      a simulated cohort reading for a few weeks, in seconds"
)
SHORT_LEASE = 1.0  # real seconds; a claim that lapses sooner must not wait on an import (below)


async def serve(
    settings: Settings,
    adapters: list[Adapter],
    *,
    fast: float | None = None,
    start_at: datetime | None = None,
) -> None:
    """Run until SIGINT or SIGTERM; everything is released in order on the way out."""
    timeline = choose_timeline(home=settings.home, fast=fast, start_at=start_at)
    speed = timeline.factor or 1.0
    if claim_timing(speed)["lease"].total_seconds() / speed < SHORT_LEASE:
        # The syllabus and schedule models (pydantic, yaml) load on first use, a fraction of a
        # second on a busy machine. A --fast clock lets a post's claim lapse sooner than that,
        # so there they load now, before the first claim, and not in the middle of a post.
        importlib.import_module("bot.domain.schedule_check")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with (
        running(
            settings=settings,
            adapters=adapters,
            clock=timeline.clock,
            tick_seconds=timeline.tick_seconds,
            speed=speed,
        ),
        kept(timeline),  # a --fast timeline resumes where it stopped, as the console's does
    ):
        await stop.wait()


def _checked_speed(fast: float | None) -> float | None:
    try:
        return None if fast is None else check_speed(fast)
    except BadSpeed as error:
        raise typer.BadParameter(str(error)) from None


def run_command(
    ctx: typer.Context,
    fast: Annotated[
        float | None,
        typer.Option(
            "--fast",
            callback=_checked_speed,
            help="Run scheduled time N times faster, from 1 to 100000 (for trials).",
        ),
    ] = None,
    start_at: Annotated[str | None, typer.Option("--start-at", hidden=True)] = None,
) -> None:
    """Run the bot on Slack and/or Discord, as configured by environment variables."""
    settings: Settings = ctx.obj
    try:
        adapters = configured_adapters(settings.environ)
    except PlatformConfigError as error:
        say(str(error))
        say(TRY_LOCALLY)
        raise typer.Exit(1) from None
    if not adapters:
        say("No chat platform is configured. studybot run looks for:")
        for setting, meaning in SETTINGS:
            say(f"  {setting:<22}{meaning}")
        say(TRY_LOCALLY)
        raise typer.Exit(1)
    service_logging(settings.log_format)  # LOG_FORMAT: JSON lines or readable ones, on stderr
    try:
        asyncio.run(
            serve(
                settings,
                adapters,
                fast=fast,
                start_at=parse_moment(start_at) if start_at else None,
            )
        )
    except Exception as error:
        say(database_problem(error) or f"studybot run stopped: {error}")
        raise typer.Exit(1) from None
