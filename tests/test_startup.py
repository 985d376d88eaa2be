"""A quick start for ``studybot run``: what a Slack-only start imports, and the at-head check
that lets it skip Alembic.

The first test starts the real command (``python -m bot run``; Slack over HTTP, against the
local Slack of the tests, on a database already at the newest migration), waits until it answers
a signed request, stops it with SIGTERM, and reads the modules it had loaded, which it writes on
its way out. Nothing is timed: bench/startup.py prints the figures.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
from pathlib import Path

import aiohttp
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner

from bot.cli.app import app
from bot.store.engine import create_engine
from bot.store.migrate import (
    at_shipped_head,
    current_revision,
    head_revision,
    shipped_head,
    upgrade,
)

from .standins.slack_server import BOT_TOKEN, SIGNING_SECRET, SlackStandIn, sign

REPO = Path(__file__).resolve().parent.parent

# What a Slack-only start must not load, and where each belongs instead.
NOT_AT_A_SLACK_START = {
    "discord": "discord.py: only when DISCORD_BOT_TOKEN is set (bot/adapters/registry.py)",
    "alembic": "only when the database is not at the newest migration (bot/store/migrate.py)",
    "pydantic": "syllabus and schedule models: with the first file read (bot/domain/library.py);"
    " typer 0.29 coerces every option with pydantic (pyproject.toml keeps it below)",
    "yaml": "with the first syllabus or schedule read",
    "icalendar": "only for /study export ical (bot/core/exports.py)",
    "bot.cli.console": "each command's module loads when that command runs (bot/cli/app.py)",
    "bot.cli.demo": "each command's module loads when that command runs (bot/cli/app.py)",
    "bot.cli.content": "each command's module loads when that command runs (bot/cli/app.py)",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# ``python -m bot run``, writing its sys.modules to the file named by argv[1] as it exits.
RUN_AND_LIST_MODULES = """
import atexit, json, runpy, sys
listing = sys.argv[1]
atexit.register(lambda: open(listing, "w").write(json.dumps(sorted(sys.modules))))
sys.argv = ["studybot", "run"]
runpy.run_module("bot", run_name="__main__", alter_sys=True)
"""


async def answer_when_ready(port: int, process: asyncio.subprocess.Process) -> int:
    """Send a signed url_verification until the bot answers; the HTTP status."""
    body = json.dumps({"type": "url_verification", "challenge": "c", "token": "t"}).encode()
    deadline = time.monotonic() + 60
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            assert process.returncode is None, "studybot run exited before it was ready"
            stamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/json",
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": sign(SIGNING_SECRET, stamp, body),
            }
            try:
                async with session.post(
                    f"http://127.0.0.1:{port}/slack/events", data=body, headers=headers
                ) as response:
                    return response.status
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.05)  # not listening yet
    raise AssertionError("studybot run did not answer within 60 s")


async def test_a_slack_only_start_loads_no_heavy_module_it_does_not_use(tmp_path: Path) -> None:
    home = tmp_path / "home"
    engine = create_engine("", home=home)
    try:
        await upgrade(engine)  # as on every start after the first
    finally:
        await engine.dispose()
    standin = SlackStandIn()
    await standin.start()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env.pop("DATABASE_URL", None)
    port = free_port()
    env |= {
        "STUDYBOT_HOME": str(home),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": standin.api_url,
        "PORT": str(port),
    }
    log, listing = tmp_path / "run.log", tmp_path / "modules.json"
    try:
        with log.open("wb") as output:
            process = await asyncio.create_subprocess_exec(
                *(sys.executable, "-c", RUN_AND_LIST_MODULES, str(listing)),
                env=env,
                cwd=REPO,
                stdout=output,
                stderr=output,
            )
        try:
            assert await answer_when_ready(port, process) == 200
            await standin.wait_for(lambda: standin.called("auth.test"), what="the token check")
        finally:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), timeout=30)
    finally:
        await standin.close()
    assert process.returncode == 0, log.read_text(encoding="utf-8", errors="replace")
    modules = set(json.loads(listing.read_text(encoding="utf-8")))
    assert {"bot.cli.serve", "bot.adapters.slack.adapter", "slack_bolt"} <= modules  # it ran
    loaded = {
        name: why
        for name, why in NOT_AT_A_SLACK_START.items()
        if name in modules or any(m.startswith(f"{name}.") for m in modules)
    }
    assert loaded == {}


def test_the_head_read_from_the_scripts_is_alembics() -> None:
    assert shipped_head() is not None
    assert shipped_head() == head_revision()


def _script(folder: Path, name: str, revision: str, down: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.py").write_text(
        f'"""{name}"""\n\nrevision: str = {revision}\ndown_revision: str | None = {down}\n',
        encoding="utf-8",
    )


def test_the_scripts_name_one_head_or_alembic_decides(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    _script(versions, "a", '"a"', "None")
    _script(versions, "b", '"b"', '"a"')
    assert shipped_head(versions) == "b"
    _script(versions, "c", '"c"', '"a"')  # a branch: two heads
    assert shipped_head(versions) is None
    _script(versions, "d", '"d"', '("b", "c")')  # the merge that joins them
    assert shipped_head(versions) == "d"
    _script(versions, "e", "REVISION", '"d"')  # not a literal: not read here
    assert shipped_head(versions) is None


async def test_a_database_behind_the_scripts_is_upgraded(database_url: str) -> None:
    engine: AsyncEngine = create_engine(database_url)
    try:
        assert not await at_shipped_head(engine)  # empty: no version table yet
        await upgrade(engine, "0001")
        assert not await at_shipped_head(engine)
        await upgrade(engine)
        assert await at_shipped_head(engine)
        assert await current_revision(engine) == head_revision()
    finally:
        await engine.dispose()


def test_a_mistyped_command_still_gets_a_suggestion() -> None:
    result = CliRunner().invoke(app, ["rn"])
    assert result.exit_code == 2
    assert "Did you mean 'run'?" in result.output
