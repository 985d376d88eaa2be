"""The ``studybot`` command."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bot import report
from bot.datafile import DataFileError, read_yaml
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

# Piped output (files, CI logs) gets a wide page instead of rich's default of 80 columns.
out = Console(highlight=False, width=None if sys.stdout.isatty() else 160)


def _fail(problems: DataFileError) -> None:
    for problem in problems.problems:
        out.print(str(problem), markup=False, soft_wrap=True)
    files = len({p.file for p in problems.problems})
    count = len(problems.problems)
    out.print(
        f"{count} problem{'s' * (count != 1)} in {files} file{'s' * (files != 1)}", style="red"
    )


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


def main() -> None:
    app()


__all__ = ["app", "main", "parse_syllabus"]
