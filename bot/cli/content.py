"""``studybot syllabus ...`` and ``studybot schedule ...``: list, show, validate, preview."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

import typer

from bot.cli import tables
from bot.cli.formula_check import formula_problems
from bot.cli.output import out, say
from bot.domain.datafile import DataFileError, Problem, YamlDocument, read_yaml
from bot.domain.datafile import report as problem_report
from bot.domain.library import Library
from bot.domain.schedule_check import check_schedule
from bot.domain.syllabus import check_syllabus, syllabus_warnings
from bot.runtime.settings import Settings

logger = logging.getLogger(__name__)

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


YAML_SUFFIXES = {".yaml", ".yml"}
Kind = Literal["syllabus", "schedule"]


def _files_of(path: Path, wanted: str) -> tuple[list[Path], list[Problem]]:
    """The YAML files a path names (a folder's, or the file itself), or why there are none."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in YAML_SUFFIXES and p.is_file())
        if not files:
            return [], [Problem(str(path), 1, 1, "folder", f"no {wanted} files (.yaml) in {path}")]
        return files, []
    if path.exists() and path.suffix not in YAML_SUFFIXES:
        message = f"is not a {wanted} file: those end in .yaml or .yml"
        return [], [Problem(str(path), 1, 1, "file", message)]
    return [path], []


def _kind_of(document: YamlDocument) -> Kind:
    """A schedule names a syllabus and has no units of its own."""
    data = document.data
    is_schedule = isinstance(data, dict) and "syllabus" in data and "units" not in data
    return "schedule" if is_schedule else "syllabus"


def warning_line(problem: Problem) -> str:
    """``FILE:LINE:COLUMN: warning: field: ...``: shown, but the file still passes."""
    return f"{problem.file}:{problem.line}:{problem.column}: warning: {problem.path}: {problem.message}"


def _check_one(path: Path, library: Library, *, only: Kind | None) -> tuple[str, list[Problem]]:
    """Check one file; its ``ok`` line and warnings, or DataFileError with every problem."""
    document = read_yaml(path)
    kind = _kind_of(document)
    if only is not None and kind != only:
        wrong = f"is a {kind}, not a {only}: check it with studybot {kind} validate"
        raise DataFileError([Problem(str(path), 1, 1, "file", wrong)])
    if kind == "schedule":
        loaded = check_schedule(document, library=library, today=date.today())
        ok = f"{path}: ok (schedule for {loaded.syllabus.id}, {len(loaded.meetings)} sessions)"
        return ok, list(loaded.warnings)
    syllabus = check_syllabus(document, library=library, path=path)
    if unreadable := formula_problems(document):
        raise DataFileError(unreadable)
    ok = f"{path}: ok ({syllabus.id}, {len(syllabus.units)} units, {syllabus.pages} pages)"
    return ok, syllabus_warnings(syllabus, document, library=library)


def _validate(ctx: typer.Context, paths: list[Path], *, only: Kind | None) -> None:
    """Check every file named; one file's problems never stop the others being checked."""
    library = _library(ctx)
    wanted = "schedule" if only == "schedule" else "syllabus or schedule"
    found: list[Problem] = []
    for given in paths:
        files, problems = _files_of(given, wanted)
        found += problems
        for path in files:
            try:
                ok, warnings = _check_one(path, library, only=only)
                out.print(ok, markup=False)
                for warning in sorted(warnings):
                    say(warning_line(warning), style="yellow")
            except DataFileError as problems_of_file:
                found += problems_of_file.problems
            except Exception:  # a fault of ours must not cost the other files their check
                logger.debug("checking %s failed", path, exc_info=True)
                found.append(Problem(str(path), 1, 1, "file", UNCHECKED))
    if found:
        _fail(DataFileError(found))
        raise typer.Exit(1)


UNCHECKED = "could not be checked because of a fault in studybot; please report it with the file"


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
    _validate(ctx, paths, only=None)


@schedule_app.command("preview")
def schedule_preview(
    ctx: typer.Context, path: Annotated[Path, typer.Argument(help="A schedule file")]
) -> None:
    """Print the calendar a schedule file implies: week, local time, UTC, unit, readings."""
    with _problems_end_the_command():
        loaded = check_schedule(read_yaml(path), library=_library(ctx), today=date.today())
    for warning in loaded.warnings:
        say(warning_line(warning), style="yellow")
    tables.print_calendar(out, loaded)


@schedule_app.command("validate")
def schedule_validate(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Schedule files or folders")],
) -> None:
    """Check schedule files against their syllabi; list every problem."""
    _validate(ctx, paths, only="schedule")
