"""``studybot syllabus ...`` and ``studybot schedule ...``: list, show, validate, preview."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from bot.cli import tables
from bot.cli.output import out, say
from bot.domain.datafile import DataFileError, read_yaml
from bot.domain.datafile import report as problem_report
from bot.domain.library import Library
from bot.domain.schedule_check import check_schedule
from bot.domain.syllabus import load_syllabus
from bot.runtime.settings import Settings

syllabus_app = typer.Typer(help="List, show and validate syllabi (content/).", no_args_is_help=True)
schedule_app = typer.Typer(
    help="Preview and validate schedules (schedules/).", no_args_is_help=True
)


def _library(ctx: typer.Context) -> Library:
    settings: Settings = ctx.obj
    return Library(settings.content)


def _fail(problems: DataFileError) -> None:
    *lines, total = problem_report(problems).splitlines()
    for line in lines:
        say(line)
    say(total, style="red")


@contextmanager
def _problems_end_the_command() -> Iterator[None]:
    """A file's problems are printed as ``FILE:LINE:COLUMN: ...`` lines; the exit status is 1."""
    try:
        yield
    except DataFileError as problems:
        _fail(problems)
        raise typer.Exit(1) from None


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
def syllabus_list(ctx: typer.Context) -> None:
    """List the syllabi in the content folder."""
    library = _library(ctx)
    out.print(tables.syllabus_table(library))


@syllabus_app.command("show")
def syllabus_show(
    ctx: typer.Context,
    syllabus_id: Annotated[str, typer.Argument(help="A syllabus id, e.g. mml")],
) -> None:
    """Show one syllabus: its units, readings, topics and discussion questions."""
    library = _library(ctx)
    if syllabus_id not in library.ids():
        known = ", ".join(library.ids()) or "none"
        say(f"No syllabus {syllabus_id!r} in {library.folder}. Known: {known}.")
        raise typer.Exit(1)
    with _problems_end_the_command():
        syllabus = library.get(syllabus_id)
    tables.print_syllabus(out, syllabus)


@syllabus_app.command("validate")
def syllabus_validate(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of syllabi and schedules")],
) -> None:
    """Check syllabus (and schedule) files; list every problem as FILE:LINE:COLUMN."""
    library = _library(ctx)
    found: list[DataFileError] = []
    for path in _expand(paths):
        try:
            if _is_schedule(path):
                loaded = check_schedule(read_yaml(path), library=library)
                out.print(
                    f"{path}: ok (schedule for {loaded.syllabus.id}, "
                    f"{len(loaded.meetings)} sessions)",
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
def schedule_preview(
    ctx: typer.Context, path: Annotated[Path, typer.Argument(help="A schedule file")]
) -> None:
    """Print the calendar a schedule file implies: week, local time, UTC, unit, readings."""
    with _problems_end_the_command():
        loaded = check_schedule(read_yaml(path), library=_library(ctx))
    tables.print_calendar(out, loaded)


@schedule_app.command("validate")
def schedule_validate(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Schedule files or folders")],
) -> None:
    """Check schedule files against their syllabi; list every problem."""
    syllabus_validate(ctx, paths)
