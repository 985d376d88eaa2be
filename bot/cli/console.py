"""``studybot console``: a study-group channel in your terminal."""

from __future__ import annotations

import asyncio
import fcntl
import getpass
import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bot.cli.database import database_problem
from bot.cli.logs import quiet_logging
from bot.cli.prompt import run_console
from bot.domain.errors import StudybotError
from bot.runtime.settings import Settings
from bot.runtime.timeline import choose_timeline, parse_moment

LOCK_FILE = "console.lock"


class HomeInUse(StudybotError):
    """Another console holds this STUDYBOT_HOME."""


@contextmanager
def only_console(home: Path) -> Iterator[None]:
    """Hold STUDYBOT_HOME for this console: two consoles on one home would hand out the same
    refs and each send what the other already sent. The kernel lets go of the lock when the
    process ends, however it ends."""
    with (home / LOCK_FILE).open("a+") as file:
        try:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise HomeInUse(
                f"Another studybot console is running on {home.resolve()}. Quit it first, or "
                "give this one a home of its own: STUDYBOT_HOME=/some/folder studybot console"
            ) from None
        yield


def _default_name(settings: Settings) -> str:
    try:
        return settings.environ.get("USER") or getpass.getuser() or "you"
    except Exception:  # getpass raises when no user name can be found at all
        return "you"


def console_command(
    ctx: typer.Context,
    name: Annotated[
        str | None,
        typer.Option("--as", help="Who you are in the chat (default: $USER, else 'you')."),
    ] = None,
    fast: Annotated[
        float | None,
        typer.Option(
            "--fast",
            metavar="N",
            help="Run scheduled time N times faster (10080: a week per minute). The simulated "
            "timeline is kept in STUDYBOT_HOME/clock.json and continues after a restart.",
        ),
    ] = None,
    transcript: Annotated[
        Path | None,
        typer.Option(
            "--transcript",
            metavar="FILE",
            help="Append one JSON line per message the bot sends. Scheduled posts found there "
            "are not sent again after the console was killed.",
        ),
    ] = None,
    start_at: Annotated[
        str | None,
        typer.Option("--start-at", hidden=True, help="Simulated origin (ISO 8601), for tests."),
    ] = None,
) -> None:
    r"""Chat with studybot in your terminal: one group channel, you as its first organizer.

    Type /study commands, and `as NAME`, `reply #12 TEXT`, `react #12 ✅`, `click ACTION VALUE`
    (`help` lists them all). Piped input is read to its end, so this works in scripts:
    printf '/study join\n/study checkin done\n' | studybot console --as alice
    """
    settings: Settings = ctx.obj
    if fast is not None and not (math.isfinite(fast) and fast > 0):
        raise typer.BadParameter("must be a positive number", param_hint="--fast")
    try:
        origin = parse_moment(start_at) if start_at else None
    except ValueError:
        raise typer.BadParameter(
            "use ISO 8601, e.g. 2026-03-02T09:00Z", param_hint="--start-at"
        ) from None
    quiet_logging()
    interactive = sys.stdin.isatty()
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
    home = settings.home
    try:
        home.mkdir(parents=True, exist_ok=True)
        with only_console(home):
            timeline = choose_timeline(home=home, fast=fast, start_at=origin)
            asyncio.run(
                run_console(
                    name=(name or _default_name(settings)).strip() or "you",
                    settings=settings,
                    timeline=timeline,
                    console=console,
                    transcript=transcript,
                    interactive=interactive,
                )
            )
    except HomeInUse as error:
        console.print(str(error), markup=False)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        console.print()
        raise typer.Exit(130) from None
    except Exception as error:
        console.print(
            database_problem(error) or f"studybot console stopped: {error!r}", markup=False
        )
        raise typer.Exit(1) from None
