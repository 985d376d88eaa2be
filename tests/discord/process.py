"""A real `studybot run` process, connected to the Discord stand-in of this test.

The stand-in serves from this test's event loop, so everything that waits for the process
(its exit included) does so without blocking that loop: a bot saying goodbye on the gateway
needs the stand-in to answer.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from ..scenario import FAST
from ..standins.discord_server import DiscordStandIn

START_AT = "2026-10-01T09:00:00+00:00"


@asynccontextmanager
async def studybot_run(
    server: DiscordStandIn, home: Path, *, fast: int = FAST, start_at: str | None = START_AT
) -> AsyncIterator[subprocess.Popen[bytes]]:
    """`studybot run --fast N` with the stand-in's settings; stopped with SIGTERM at the end
    (as a service manager would), killed if it does not stop."""
    process = await start(server, home, fast=fast, start_at=start_at)
    try:
        yield process
    finally:
        await stop(process)


async def start(
    server: DiscordStandIn,
    home: Path,
    *,
    fast: float = FAST,
    start_at: str | None = START_AT,
    env: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """`studybot run --fast N` started and left running; ``env`` adds or replaces settings
    (another DATABASE_URL, a schedules folder several processes share)."""
    environ = {
        **os.environ,
        **server.env(),
        "STUDYBOT_HOME": str(home),
        "STUDYBOT_SCHEDULES": str(home / "schedules"),
        "DATABASE_URL": "",
        **(env or {}),
    }
    environ.pop("SLACK_BOT_TOKEN", None)
    command = [sys.executable, "-m", "bot", "run", "--fast", f"{fast:g}"]
    if start_at:
        command += ["--start-at", start_at]
    return await asyncio.to_thread(_spawn, command, home, environ)


def _spawn(command: list[str], home: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    home.mkdir(parents=True, exist_ok=True)
    with (home / "studybot.log").open("ab") as log:
        return subprocess.Popen(command, stdout=log, stderr=log, env=env)


async def stop(process: subprocess.Popen[bytes], *, kill: bool = False) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
    try:
        return await asyncio.to_thread(process.wait, 30)
    except subprocess.TimeoutExpired:
        process.kill()
        return await asyncio.to_thread(process.wait, 30)


def log_of(home: Path) -> str:
    path = home / "studybot.log"
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
