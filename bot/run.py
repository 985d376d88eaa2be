"""`studybot run`: start every chat platform whose settings are present, until stopped.

Each platform module offers ``from_env(env) -> Adapter | None``: None when its settings are
absent, ``PlatformConfigError`` when they are present but unusable. Modules are imported only
when their token is set, so a Slack-only install never loads discord.py and vice versa.
"""

from __future__ import annotations

import asyncio
import importlib
import signal
from collections.abc import Mapping
from pathlib import Path

from bot.app import running
from bot.core.ports import Adapter
from bot.paths import studybot_home
from bot.terminal.timeline import choose_timeline

PLATFORMS = {
    "Slack": ("SLACK_BOT_TOKEN", "bot.adapters.slack"),
    "Discord": ("DISCORD_BOT_TOKEN", "bot.adapters.discord"),
}


class PlatformConfigError(ValueError):
    """Settings for a platform are present but cannot work; the message says what to fix."""


def configured_adapters(env: Mapping[str, str]) -> list[Adapter]:
    adapters = []
    for name, (token, module_name) in PLATFORMS.items():
        if not env.get(token, "").strip():
            continue
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
            raise PlatformConfigError(
                f"{token} is set, but the {name} adapter is not available in this version of "
                "studybot yet."
            ) from None
        adapter = module.from_env(env)
        if adapter is not None:
            adapters.append(adapter)
    return adapters


async def serve(
    adapters: list[Adapter], *, home: Path | None = None, fast: float | None = None, start_at=None
) -> None:  # type: ignore[no-untyped-def]
    """Run until SIGINT or SIGTERM; everything is released in order on the way out."""
    timeline = choose_timeline(home=home or studybot_home(), fast=fast, start_at=start_at)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with running(adapters=adapters, clock=timeline.clock, tick_seconds=timeline.tick_seconds):
        await stop.wait()
