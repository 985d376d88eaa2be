"""The ``studybot`` command."""

from __future__ import annotations

import asyncio
import getpass
import math
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bot import report
from bot.adapters.discord.cli import app as discord_app
from bot.adapters.slack.cli import slack_app
from bot.datafile import DataFileError, read_yaml
from bot.datafile import report as problem_report
from bot.paths import studybot_home
from bot.schedule_spec import check_schedule
from bot.store.engine import DatabaseConfigError, create_engine, database_url
from bot.syllabus import Library, load_syllabus, parse_syllabus

app = typer.Typer(
    help="studybot: run a textbook study group on Slack or Discord, week by week.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
syllabus_app = typer.Typer(help="List, show and validate syllabi (content/).", no_args_is_help=True)
schedule_app = typer.Typer(
    help="Preview and validate schedules (schedules/).", no_args_is_help=True
)
db_app = typer.Typer(help="Create or upgrade the database (DATABASE_URL).", no_args_is_help=True)
app.add_typer(syllabus_app, name="syllabus")
app.add_typer(schedule_app, name="schedule")
app.add_typer(db_app, name="db")
# Platform command groups (`studybot slack ...`, `studybot discord ...`) register below.
app.add_typer(discord_app, name="discord")
app.add_typer(slack_app, name="slack")

# Piped output (files, CI logs) gets a wide page instead of rich's default of 80 columns.
out = Console(highlight=False, width=None if sys.stdout.isatty() else 160)


def _fail(problems: DataFileError) -> None:
    *lines, total = problem_report(problems).splitlines()
    for line in lines:
        out.print(line, markup=False, soft_wrap=True)
    out.print(total, style="red", markup=False)


def _expand(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix in {".yaml", ".yml"})
        else:
            files.append(path)
    return files


def _is_schedule(path: Path) -> bool:
    """A schedule names a syllabus and has no units of its own."""
    try:
        data = read_yaml(path).data
    except DataFileError:
        return False
    return isinstance(data, dict) and "syllabus" in data and "units" not in data


@syllabus_app.command("list")
def syllabus_list() -> None:
    """List the syllabi in the content folder."""
    library = Library.default()
    out.print(report.syllabus_table(library))


@syllabus_app.command("show")
def syllabus_show(
    syllabus_id: Annotated[str, typer.Argument(help="A syllabus id, e.g. mml")],
) -> None:
    """Show one syllabus: its units, readings, topics and discussion questions."""
    library = Library.default()
    try:
        syllabus = library.get(syllabus_id)
    except KeyError:
        known = ", ".join(library.ids()) or "none"
        out.print(f"No syllabus {syllabus_id!r} in {library.folder}. Known: {known}.", markup=False)
        raise typer.Exit(1) from None
    except DataFileError as problems:
        _fail(problems)
        raise typer.Exit(1) from None
    report.print_syllabus(out, syllabus)


@syllabus_app.command("validate")
def syllabus_validate(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of syllabi and schedules")],
) -> None:
    """Check syllabus (and schedule) files; list every problem as FILE:LINE:COLUMN."""
    library = Library.default()
    found: list[DataFileError] = []
    for path in _expand(paths):
        try:
            if _is_schedule(path):
                loaded = check_schedule(read_yaml(path), library=library)
                out.print(
                    f"{path}: ok (schedule for {loaded.syllabus.id}, "
                    f"{len(loaded.sessions)} sessions)",
                    markup=False,
                )
            else:
                syllabus = load_syllabus(path, library=library)
                out.print(
                    f"{path}: ok ({syllabus.id}, {len(syllabus.units)} units, "
                    f"{syllabus.pages} pages)",
                    markup=False,
                )
        except DataFileError as problems:
            found.append(problems)
    if found:
        _fail(DataFileError(p for problems in found for p in problems.problems))
        raise typer.Exit(1)


@schedule_app.command("preview")
def schedule_preview(path: Annotated[Path, typer.Argument(help="A schedule file")]) -> None:
    """Print the calendar a schedule file implies: week, local time, UTC, unit, readings."""
    try:
        loaded = check_schedule(read_yaml(path), library=Library.default())
    except DataFileError as problems:
        _fail(problems)
        raise typer.Exit(1) from None
    report.print_calendar(out, loaded)


@schedule_app.command("validate")
def schedule_validate(
    paths: Annotated[list[Path], typer.Argument(help="Schedule files or folders")],
) -> None:
    """Check schedule files against their syllabi; list every problem."""
    syllabus_validate(paths)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the tables, or bring them up to date (safe to run again)."""
    from bot.store.migrate import current_revision, upgrade

    async def run() -> str | None:
        engine = create_engine()
        try:
            await upgrade(engine)
            return await current_revision(engine)
        finally:
            await engine.dispose()

    try:
        url = database_url()
        revision = asyncio.run(run())
    except DatabaseConfigError as exc:
        out.print(str(exc), markup=False)
        raise typer.Exit(1) from None
    except (OSError, ConnectionError) as exc:
        out.print(f"Cannot reach the database: {exc}", markup=False)
        raise typer.Exit(1) from None
    except Exception as exc:  # a driver's own errors: say what failed, never a traceback
        if type(exc).__module__.split(".")[0] not in {
            "sqlalchemy",
            "asyncpg",
            "sqlite3",
            "aiosqlite",
        }:
            raise
        out.print(f"Cannot upgrade the database: {exc.__class__.__name__}: {exc}", markup=False)
        raise typer.Exit(1) from None
    shown = url.split("@")[-1] if "@" in url else url
    out.print(f"Database is at revision {revision} ({shown})", markup=False)


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


def _database_problem(error: Exception) -> str | None:
    """A sentence for errors that mean "the database is unusable", else None."""
    if isinstance(error, DatabaseConfigError):
        return str(error)
    if isinstance(error, (OSError, ConnectionError)):
        return f"Cannot reach the database: {error}"
    if type(error).__module__.split(".")[0] in {"sqlalchemy", "asyncpg", "sqlite3", "aiosqlite"}:
        return f"Database error: {error.__class__.__name__}: {error}"
    return None


def _default_name() -> str:
    try:
        return os.environ.get("USER") or getpass.getuser() or "you"
    except Exception:  # getpass raises when no user name can be found at all
        return "you"


@app.command("console")
def console_command(
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
    from bot.terminal.quiet_logging import quiet_logging
    from bot.terminal.session import run_console
    from bot.terminal.timeline import choose_timeline, parse_moment

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
    home = studybot_home()
    try:
        home.mkdir(parents=True, exist_ok=True)
        timeline = choose_timeline(home=home, fast=fast, start_at=origin)
        asyncio.run(
            run_console(
                name=(name or _default_name()).strip() or "you",
                timeline=timeline,
                home=home,
                console=console,
                transcript=transcript,
                interactive=interactive,
            )
        )
    except KeyboardInterrupt:
        console.print()
        raise typer.Exit(130) from None
    except Exception as error:
        console.print(
            _database_problem(error) or f"studybot console stopped: {error!r}", markup=False
        )
        raise typer.Exit(1) from None


@app.command("demo")
def demo_command(
    weeks: Annotated[int, typer.Option("--weeks", min=1, help="How many weeks to simulate.")] = 4,
    syllabus: Annotated[
        str, typer.Option("--syllabus", help="The syllabus the cohort reads (an id).")
    ] = "mml",
) -> None:
    """Watch a simulated cohort read a syllabus for a few weeks, in seconds.

    Uses a throwaway database (never your studybot.db) and a fake clock: kickoffs, discussion
    threads, check-ins, a question with its answer, reminders and weekly summaries.
    """
    from bot.demo import DemoError, run_demo
    from bot.terminal.quiet_logging import quiet_logging

    quiet_logging()
    try:
        asyncio.run(run_demo(weeks=weeks, syllabus_id=syllabus, console=out))
    except DemoError as error:
        out.print(str(error), markup=False)
        raise typer.Exit(1) from None


@app.command("run")
def run_command(
    fast: Annotated[
        float | None,
        typer.Option("--fast", min=1, help="Run scheduled time N times faster (for trials)."),
    ] = None,
    start_at: Annotated[str | None, typer.Option("--start-at", hidden=True)] = None,
) -> None:
    """Run the bot on Slack and/or Discord, as configured by environment variables."""
    from bot.run import PlatformConfigError, configured_adapters, serve
    from bot.terminal.timeline import parse_moment

    try:
        adapters = configured_adapters(os.environ)
    except PlatformConfigError as error:
        out.print(str(error), markup=False)
        out.print(TRY_LOCALLY, markup=False)
        raise typer.Exit(1) from None
    if not adapters:
        out.print("No chat platform is configured. studybot run looks for:", markup=False)
        for setting, meaning in SETTINGS:
            out.print(f"  {setting:<22}{meaning}", markup=False)
        out.print(TRY_LOCALLY, markup=False)
        raise typer.Exit(1)
    try:
        asyncio.run(
            serve(adapters, fast=fast, start_at=parse_moment(start_at) if start_at else None)
        )
    except Exception as error:
        out.print(_database_problem(error) or f"studybot run stopped: {error}", markup=False)
        raise typer.Exit(1) from None


def main() -> None:
    app()


__all__ = ["app", "main", "parse_syllabus"]
