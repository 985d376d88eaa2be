"""Terminal views of syllabi and calendars for the command line (rich tables)."""

from __future__ import annotations

from datetime import UTC, date, timedelta

from rich.console import Console, Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from bot.domain.calendar import PlannedMeeting
from bot.domain.datafile import DataFileError
from bot.domain.library import Library
from bot.domain.schedule_check import LoadedSchedule
from bot.domain.syllabus import Reading, Syllabus


def syllabus_table(library: Library) -> Table:
    """The syllabi in the library: id, title, units, pages, hours."""
    table = Table(title=f"Syllabi in {library.folder}", title_justify="left")
    for column in ("id", "kind", "title", "units", "pages", "hours"):
        table.add_column(
            column, justify="right" if column in {"units", "pages", "hours"} else "left"
        )
    for syllabus_id in library.ids():
        try:
            s = library.get(syllabus_id)
        except DataFileError:
            table.add_row(
                syllabus_id, "", "[red]invalid: run studybot syllabus validate[/red]", "", "", ""
            )
            continue
        table.add_row(
            s.id, s.kind, escape(s.title), str(len(s.units)), str(s.pages), f"{s.hours:g}"
        )
    return table


def describe_readings(readings: tuple[Reading, ...]) -> str:
    """``2.1-2.4 (pp. 19-39)`` style summary: first and last section and the page span."""
    first, last = readings[0], readings[-1]
    sections = first.section if first is last else f"{first.section} to {last.section}"
    book = f"{first.book}: " if first.book else ""
    pages = first.pages and last.pages
    if all(r.book == first.book for r in readings) and pages and pages.first <= last.pages.last:
        return f"{book}{sections} (pp. {first.pages.first}-{last.pages.last})"
    return ", ".join(f"{r.book + ' ' if r.book else ''}{r.section or r.title}" for r in readings)


def print_syllabus(out: Console, syllabus: Syllabus) -> None:
    """One syllabus, unit by unit, with readings, topics and questions."""
    byline = ", ".join(syllabus.authors)
    details = ", ".join(
        filter(
            None,
            [
                syllabus.edition and f"{syllabus.edition} edition"
                if syllabus.edition and not syllabus.edition.lower().endswith("edition")
                else syllabus.edition,
                syllabus.publisher,
                str(syllabus.year or ""),
            ],
        )
    )
    out.print(Text(f"{syllabus.title}", style="bold"), Text(f"  [{syllabus.id}]", style="dim"))
    out.print(Text(f"{byline}" + (f" ({details})" if details else "")))
    if syllabus.description:
        out.print(Text(syllabus.description))
    for link in syllabus.links:
        out.print(Text(f"{link.title}: {link.url}"))
    out.print(
        Text(
            f"{len(syllabus.units)} units, {syllabus.pages} pages, about {syllabus.hours:g} hours",
            style="dim",
        )
    )
    for number, unit in enumerate(syllabus.units, start=1):
        out.print()
        out.print(
            Text(f"{number}. {unit.title}", style="bold"),
            Text(f"  [{unit.id}] {unit.pages} pp., {unit.hours:g} h", style="dim"),
        )
        for reading in unit.readings:
            book = f"{reading.book} " if reading.book else ""
            where = f"p. {reading.pages}" if reading.pages else str(reading.url)
            out.print(Text(f"   {book}{reading.section or 'web'}  {reading.title}  {where}"))
        out.print(Text("   Topics: " + "; ".join(unit.topics)))
        for q, question in enumerate(unit.questions, start=1):
            out.print(Text(f"   Q{q}. {question}"))
        for resource in unit.resources:
            out.print(Text(f"   ({resource.kind}) {resource.title}: {resource.url}", style="dim"))
        for exercise in unit.exercises:
            answers = "; ".join(str(a) for a in (exercise.answers, exercise.url) if a)
            out.print(
                Text(f"   Exercises: {exercise.items}" + (f" ({answers})" if answers else ""))
            )
        if unit.requires:
            out.print(Text("   Requires: " + ", ".join(unit.requires), style="dim"))
        if unit.notes_prompt:
            out.print(Text(f"   Notes: {unit.notes_prompt}"))


def _when(meeting: PlannedMeeting) -> tuple[str, str]:
    local = meeting.local_start
    utc = meeting.starts_at.astimezone(UTC)
    same_day = utc.date() == local.date()
    utc_text = utc.strftime("%H:%M") if same_day else utc.strftime("%a %d %b %H:%M")
    return local.strftime("%a %Y-%m-%d %H:%M %Z"), utc_text


def calendar_table(loaded: LoadedSchedule) -> Table:
    """The dated calendar a schedule implies: week, local time, UTC, unit, readings."""
    spec = loaded.spec
    table = Table(
        title=f"{spec.title or loaded.syllabus.title}: {loaded.syllabus.id} in {spec.timezone}",
        title_justify="left",
        caption=_caption(loaded),
        caption_justify="left",
    )
    table.add_column("week", justify="right")
    table.add_column("local date and time")
    table.add_column("UTC")
    table.add_column("unit")
    table.add_column("readings")
    table.add_column("pages", justify="right")
    table.add_column("hours", justify="right")
    previous: PlannedMeeting | None = None
    for meeting in loaded.meetings:
        if previous is not None and meeting.week > previous.week + 1:
            gap_start = previous.local_start.date() + timedelta(days=7)
            gap_end = meeting.local_start.date() - timedelta(days=7)
            table.add_row(
                "", Text(_gap(loaded, gap_start, gap_end), style="dim italic"), "", "", "", "", ""
            )
        local, utc = _when(meeting)
        table.add_row(
            str(meeting.week),
            local,
            utc,
            Text(meeting.title),
            Text("; ".join(describe_readings(p.readings) for p in meeting.parts)),
            str(meeting.pages),
            f"{meeting.hours:.1f}",
        )
        previous = meeting
    return table


def _gap(loaded: LoadedSchedule, first: date, last: date) -> str:
    reasons = [
        b.reason for b in loaded.spec.breaks if b.start <= last and b.end >= first and b.reason
    ]
    weeks = (last - first).days // 7 + 1
    label = f"no session for {weeks} week{'s' * (weeks != 1)}"
    return f"{label}: {', '.join(reasons)}" if reasons else f"{label} (break)"


def _caption(loaded: LoadedSchedule) -> str:
    spec, meetings = loaded.spec, loaded.meetings
    pace = spec.pace
    how = {
        "units": f"{pace.units_per_session} unit{'s' * (pace.units_per_session != 1)} per session",
        "pages": f"about {pace.pages_per_week} pages a week",
        "hours": f"about {pace.hours_per_week:g} hours a week" if pace.hours_per_week else "",
        "plan": "an explicit plan",
    }[pace.mode]
    first, last = meetings[0].local_start.date(), meetings[-1].local_start.date()
    extras = [
        f"a post {_offset(spec.remind_before)} before each session" if spec.remind_before else "",
        f"meeting at {spec.place}" if spec.place else "",
        f"joining at {spec.link}" if spec.link else "",
    ]
    said = "".join(f" Also: {e}." for e in extras if e)
    return (
        f"{len(meetings)} sessions, {first} to {last}, {how}. Every {spec.weekday.title()} at "
        f"{spec.time:%H:%M}; reminder {_offset(spec.reminder)} and summary {_offset(spec.summary)} "
        f"after each kickoff; late posts are still sent up to {_offset(spec.grace)} late.{said}"
    )


def _offset(value: timedelta) -> str:
    days, seconds = value.days, value.seconds
    hours, minutes = divmod(seconds // 60, 60)
    parts = [
        f"{n} {u}{'s' * (n != 1)}"
        for n, u in ((days, "day"), (hours, "hour"), (minutes, "minute"))
        if n
    ]
    return " ".join(parts) or "0 minutes"


def print_calendar(out: Console, loaded: LoadedSchedule) -> None:
    """Print the calendar of a schedule."""
    out.print(Group(calendar_table(loaded)))
