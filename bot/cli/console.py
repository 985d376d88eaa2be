"""``studybot console``: a study-group channel in your terminal."""

from __future__ import annotations

import asyncio
import fcntl
import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bot.cli.database import database_problem
from bot.cli.logs import quiet_logging
from bot.cli.paths import PathProblem, check_file, check_folder, ensure_home
from bot.cli.prompt import Session
from bot.cli.terminal import PromptState, RedrawingStream, piped_reader, run_in_terminal
from bot.domain.errors import StudybotError
from bot.runtime.settings import Settings
from bot.runtime.timeline import BadSpeed, check_speed, choose_timeline, parse_moment
from bot.runtime.timeline import reset_clock as forget_clock

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
            help="Run scheduled time N times faster, from 1 to 100000 (10080: a week per "
            "minute). The simulated time is kept in STUDYBOT_HOME/clock.json and continues "
            "where it stopped; it does not run while the console is closed.",
        ),
    ] = None,
    reset_clock: Annotated[
        bool,
        typer.Option(
            "--reset-clock",
            help="Forget the saved simulated time: --fast starts again from now.",
        ),
    ] = False,
    transcript: Annotated[
        Path | None,
        typer.Option(
            "--transcript",
            metavar="FILE",
            help="Append one JSON line per message the bot sends. Scheduled posts found there "
            "are not sent again after the console was killed.",
        ),
    ] = None,
    export_dir: Annotated[
        Path | None,
        typer.Option(
            "--export-dir",
            metavar="FOLDER",
            help="Where /study export saves its files (default: STUDYBOT_HOME).",
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
    if fast is not None:
        try:
            check_speed(fast)
        except BadSpeed as error:
            raise typer.BadParameter(str(error), param_hint="--fast") from None
    try:
        origin = parse_moment(start_at) if start_at else None
    except ValueError:
        raise typer.BadParameter(
            "use ISO 8601, e.g. 2026-03-02T09:00Z", param_hint="--start-at"
        ) from None
    quiet_logging()
    interactive = sys.stdin.isatty()
    state = PromptState()
    console = Console(
        file=RedrawingStream(sys.stdout, state) if interactive else None,
        highlight=False,
        width=None if sys.stdout.isatty() else 160,
    )
    home = settings.home
    try:
        notes: list[str] = []
        if ensure_home(home):  # studybot's own folder: made, and said so
            notes.append(f"Made the folder {home} for studybot's data (STUDYBOT_HOME).")
        if transcript is not None:
            check_file(transcript, option="--transcript", example="transcript.jsonl")
        exports = check_folder(export_dir, option="--export-dir") if export_dir else home
        with only_console(home):
            if reset_clock:
                reset = (
                    "The saved simulated time was forgotten"
                    if forget_clock(home)
                    else "There was no saved simulated time"
                )
                notes.append(f"{reset}: --fast starts from now.")
            timeline = choose_timeline(home=home, fast=fast, start_at=origin)
            session = Session(
                name=(name or _default_name(settings)).strip() or "you",
                settings=settings,
                timeline=timeline,
                console=console,
                transcript=transcript,
                export_dir=exports,
                echo=not interactive,
                notes=tuple(notes),
            )
            skipped = _run(session, state, interactive=interactive)
    except (HomeInUse, PathProblem) as error:
        console.print(str(error), markup=False)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        console.print()
        raise typer.Exit(130) from None
    except Exception as error:
        console.print(database_problem(error) or f"studybot console stopped: {error}", markup=False)
        raise typer.Exit(1) from None
    if skipped:
        shown = ", ".join(str(number) for number in skipped)
        which = f"line {shown} was" if len(skipped) == 1 else f"lines {shown} were"
        console.print(
            f"Input {which} skipped because it is not UTF-8 text; the other lines ran.",
            markup=False,
        )
        raise typer.Exit(1)


def _run(session: Session, state: PromptState, *, interactive: bool) -> list[int]:
    if not interactive:
        return asyncio.run(session.run(piped_reader(sys.stdin.buffer)))
    import readline  # line editing and history for input(), in a terminal only

    state.line_buffer = readline.get_line_buffer
    return run_in_terminal(session.run, state)
