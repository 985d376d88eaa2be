"""Checking a schedule file against the syllabus it names, and the calendar it implies."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot.domain.calendar import PlannedMeeting, plan_calendar
from bot.domain.datafile import DataFileError, Problem, YamlDocument, read_yaml, validate
from bot.domain.library import Library
from bot.domain.prerequisites import Prerequisite
from bot.domain.schedule import ScheduleSpec, new_schedule
from bot.domain.syllabus import Syllabus


@dataclass(frozen=True)
class LoadedSchedule:
    """A valid schedule with the syllabus it reads and the sessions it implies."""

    spec: ScheduleSpec
    syllabus: Syllabus
    meetings: tuple[PlannedMeeting, ...]
    warnings: tuple[Problem, ...] = ()  # shown, never fatal: a plan skipping a prerequisite


def load_schedule(path: Path, *, library: Library, today: date | None = None) -> LoadedSchedule:
    """Read, validate and check a schedule file against its syllabus; all problems at once."""
    return check_schedule(read_yaml(path), library=library, today=today)


def check_schedule(
    document: YamlDocument, *, library: Library, today: date | None = None
) -> LoadedSchedule:
    """A valid schedule checked against its syllabus, with its calendar; all problems at once.
    A file is a newly written schedule: its zone must keep daylight saving time, and with
    ``today`` its start must not be years away (``bot.domain.schedule.new_schedule``)."""
    spec = validate(ScheduleSpec, document, context=new_schedule(today))
    try:
        syllabus = library.get(spec.syllabus)
    except KeyError:
        hint = difflib.get_close_matches(spec.syllabus, library.ids(), n=1)
        suffix = f" (did you mean {hint[0]!r}?)" if hint else f"; known: {', '.join(library.ids())}"
        raise DataFileError(
            [document.problem(("syllabus",), f"no syllabus {spec.syllabus!r}{suffix}")]
        ) from None
    except DataFileError as exc:
        raise DataFileError(
            [
                document.problem(("syllabus",), f"syllabus {spec.syllabus!r} is invalid"),
                *exc.problems,
            ]
        ) from None

    problems = []
    known = {unit.id for unit in syllabus.units}
    for s, meeting in enumerate(spec.pace.plan or ()):
        for u, unit_id in enumerate(meeting):
            if unit_id not in known:
                hint = difflib.get_close_matches(unit_id, sorted(known), n=1)
                suffix = f" (did you mean {hint[0]!r}?)" if hint else ""
                problems.append(
                    document.problem(
                        ("pace", "plan", s, u), f"{spec.syllabus!r} has no unit {unit_id!r}{suffix}"
                    )
                )
    if problems:
        raise DataFileError(problems)

    meetings = tuple(plan_calendar(syllabus, spec))
    last_day = meetings[-1].local_start.date()
    for b, pause in enumerate(spec.breaks):
        if pause.end < spec.start:
            problems.append(
                document.problem(
                    ("breaks", b), f"the break ends before the run starts ({spec.start})"
                )
            )
        elif pause.start > last_day:
            problems.append(
                document.problem(
                    ("breaks", b), f"the break starts after the last session ({last_day})"
                )
            )
    if problems:
        raise DataFileError(problems)
    return LoadedSchedule(
        spec=spec,
        syllabus=syllabus,
        meetings=meetings,
        warnings=tuple(_plan_warnings(spec, syllabus, document)),
    )


def _plan_warnings(spec: ScheduleSpec, syllabus: Syllabus, document: YamlDocument) -> list[Problem]:
    """A ``plan:`` that reads a unit before (or without) a unit it requires."""
    if not spec.pace.plan:
        return []
    order = Prerequisite((unit.id, unit.requires) for unit in syllabus.units)
    planned = {unit_id for meeting in spec.pace.plan for unit_id in meeting}
    return [
        document.problem(
            ("pace", "plan", m, p),
            f"{spec.pace.plan[m][p]!r} requires {required!r}, which the plan "
            + ("reads only later" if required in planned else "leaves out"),
        )
        for m, p, required in order.missing_before(spec.pace.plan)
    ]
