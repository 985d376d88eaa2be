"""Calendar arithmetic: a syllabus and a schedule become dated sessions. Pure functions only.

Meeting times are wall-clock times in the group's zone: a 09:00 Monday group meets at 09:00 local
time in winter and in summer, so the UTC instant moves when daylight saving time changes. Reminder
and summary offsets are wall-clock offsets too (kickoff + 3 days at the same local time).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.domain.syllabus import Reading, Syllabus, Unit

if TYPE_CHECKING:
    from bot.domain.schedule import Pace, ScheduleSpec

MAX_MEETINGS = 1000  # a safety net; real runs have tens of sessions
FIRST_SESSION_LEAD = timedelta(days=3)  # a session begun "now" lasts at least this long


@dataclass(frozen=True)
class MeetingPart:
    """The share of one unit read in one session (the whole unit unless it was split)."""

    unit: Unit
    readings: tuple[Reading, ...]
    part: int = 1
    parts: int = 1

    @property
    def pages(self) -> int:
        """Pages of this part."""
        return sum(r.page_count for r in self.readings)

    @property
    def hours(self) -> float:
        """Estimated hours: the unit's, shared out by pages when the unit is split."""
        if self.parts == 1:
            return self.unit.hours
        return self.unit.hours * self.pages / max(self.unit.pages, 1)

    @property
    def title(self) -> str:
        """The unit's title, with ``(part 2 of 3)`` when split."""
        suffix = f" (part {self.part} of {self.parts})" if self.parts > 1 else ""
        return self.unit.title + suffix


@dataclass(frozen=True)
class PlannedMeeting:
    """One meeting: what is read, and when the kickoff, reminder and summary go out (UTC)."""

    index: int  # 0-based position in the run
    week: int  # 1-based week of the run, counting break weeks too
    local_start: datetime  # aware, in the group's zone
    starts_at: datetime  # UTC
    reminder_at: datetime  # UTC
    summary_at: datetime  # UTC
    parts: tuple[MeetingPart, ...]

    @property
    def number(self) -> int:
        """The meeting's number, counting from 1."""
        return self.index + 1

    @property
    def pages(self) -> int:
        """Pages read for this meeting."""
        return sum(p.pages for p in self.parts)

    @property
    def hours(self) -> float:
        """Estimated hours for this meeting."""
        return sum(p.hours for p in self.parts)

    @property
    def title(self) -> str:
        """The titles of what it reads, joined."""
        return " + ".join(p.title for p in self.parts)

    @property
    def readings(self) -> tuple[Reading, ...]:
        """Every reading of the meeting, in order."""
        return tuple(r for p in self.parts for r in p.readings)


def split_into_meetings(syllabus: Syllabus, pace: Pace) -> list[tuple[MeetingPart, ...]]:
    """Group the syllabus into sessions according to the pace. Order is always kept."""
    mode = pace.mode
    if mode == "units":
        size = pace.units_per_session or 1
        units = syllabus.units
        return [
            tuple(MeetingPart(u, u.readings) for u in units[i : i + size])
            for i in range(0, len(units), size)
        ]
    if mode == "plan":
        assert pace.plan is not None
        return [
            tuple(MeetingPart(syllabus.unit(uid), syllabus.unit(uid).readings) for uid in meeting)
            for meeting in pace.plan
        ]
    if mode == "pages":
        return _pack(syllabus.units, float(pace.pages_per_week or 0), _pages_of)
    return _pack(syllabus.units, float(pace.hours_per_week or 0), _hours_of)


def _pages_of(unit: Unit, reading: Reading) -> float:
    return float(reading.page_count)


def _hours_of(unit: Unit, reading: Reading) -> float:
    return unit.hours * reading.page_count / max(unit.pages, 1)


def _pack(
    units: Sequence[Unit], budget: float, cost_of: Callable[[Unit, Reading], float]
) -> list[tuple[MeetingPart, ...]]:
    """Fill weeks up to ``budget``. Whole units share a week when they fit together; a unit
    larger than the budget gets weeks of its own, split at section boundaries. A single section
    larger than the budget is never cut: it becomes a week by itself."""
    meetings: list[tuple[MeetingPart, ...]] = []
    current: list[MeetingPart] = []
    used = 0.0
    for unit in units:
        cost = sum(cost_of(unit, r) for r in unit.readings)
        if cost <= budget:
            if current and used + cost > budget:
                meetings.append(tuple(current))
                current, used = [], 0.0
            current.append(MeetingPart(unit, unit.readings))
            used += cost
            continue
        if current:
            meetings.append(tuple(current))
            current, used = [], 0.0
        chunks: list[list[Reading]] = [[]]
        chunk_cost = 0.0
        for reading in unit.readings:
            reading_cost = cost_of(unit, reading)
            if chunks[-1] and chunk_cost + reading_cost > budget:
                chunks.append([])
                chunk_cost = 0.0
            chunks[-1].append(reading)
            chunk_cost += reading_cost
        for number, chunk in enumerate(chunks, start=1):
            meetings.append((MeetingPart(unit, tuple(chunk), number, len(chunks)),))
    if current:
        meetings.append(tuple(current))
    return meetings


def first_meeting_day(start: date, weekday: int) -> date:
    """The first ``weekday`` on or after ``start`` (a start that is not a meeting day moves on)."""
    return start + timedelta(days=(weekday - start.weekday()) % 7)


def meeting_days(spec: ScheduleSpec, *, skipped: Iterable[date] = ()) -> Iterator[date]:
    """Every meeting day from the start on, leaving out breaks and skipped weeks."""
    skipped_days = set(skipped)
    day = first_meeting_day(spec.start, spec.weekday_number)
    for _ in range(MAX_MEETINGS * 10):
        if day not in skipped_days and not any(day in b for b in spec.breaks):
            yield day
        day += timedelta(days=7)


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """``day`` at wall-clock ``at`` in ``zone``. A time that does not exist that day (the hour
    skipped when clocks go forward) moves forward by the gap, as calendars do; a time that
    happens twice (clocks going back) means its first occurrence."""
    naive = datetime.combine(day, at)
    return naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)


def _shifted(meeting: datetime, offset: timedelta, zone: ZoneInfo) -> datetime:
    """Wall-clock arithmetic from the nominal meeting time (even one a DST jump skipped):
    the same local time ``offset`` later, as a UTC instant."""
    naive = meeting + offset
    return local_instant(naive.date(), naive.time(), zone).astimezone(UTC)


def _started_now(spec: ScheduleSpec, days: Iterator[date]) -> Iterator[date]:
    """The days of a run begun at ``spec.first_session``: that day, then the rhythm's days
    from the first slot at least ``FIRST_SESSION_LEAD`` later."""
    assert spec.first_session is not None
    begun = spec.first_session
    yield begun.astimezone(spec.zone).date()
    for day in days:
        if local_instant(day, spec.time, spec.zone) >= begun + FIRST_SESSION_LEAD:
            yield day


def _rhythm_from(spec: ScheduleSpec, days: Iterator[date]) -> Iterator[date]:
    """Days for a rescheduled run: the rhythm's days from ``start`` carry the sessions from
    ``spec.from_session`` on; the sessions before it (already held, never moved again) get the
    weeks before, so that week numbers run on."""
    upcoming = list(islice(days, MAX_MEETINGS))
    first = upcoming[0] if upcoming else spec.start
    for back in range(spec.from_session, 0, -1):
        yield first - timedelta(days=7 * back)
    yield from upcoming


def _first_session(spec: ScheduleSpec, following: datetime | None) -> dict[str, datetime]:
    """The times of a session begun at once: its reminder and summary at their usual offsets
    from now, each before the next session (and the reminder before the summary)."""
    assert spec.first_session is not None
    begun = spec.first_session.astimezone(UTC)
    summary = begun + spec.summary
    if following is not None:
        summary = min(summary, following - timedelta(hours=1))
    reminder = min(begun + spec.reminder, summary - timedelta(hours=1))
    return {"starts_at": begun, "reminder_at": reminder, "summary_at": summary}


def plan_calendar(
    syllabus: Syllabus, spec: ScheduleSpec, *, skipped: Iterable[date] = ()
) -> list[PlannedMeeting]:
    """The dated sessions of a run: syllabus + schedule (+ weeks skipped by organizers)."""
    zone = spec.zone
    contents = split_into_meetings(syllabus, spec.pace)
    days = meeting_days(spec, skipped=skipped)
    if spec.first_session is not None:
        days = _started_now(spec, days)
    if spec.from_session:  # rescheduled: earlier sessions were held on an earlier rhythm
        days = _rhythm_from(spec, days)
    meetings = []
    first: date | None = None
    for index, (parts, day) in enumerate(zip(contents[:MAX_MEETINGS], days, strict=False)):
        first = first or day
        local_start = local_instant(day, spec.time, zone)
        meetings.append(
            PlannedMeeting(
                index=index,
                week=(day - first).days // 7 + 1,
                local_start=local_start,
                starts_at=local_start.astimezone(UTC),
                reminder_at=_shifted(datetime.combine(day, spec.time), spec.reminder, zone),
                summary_at=_shifted(datetime.combine(day, spec.time), spec.summary, zone),
                parts=parts,
            )
        )
    if spec.first_session is not None and meetings:
        following = meetings[1].starts_at if len(meetings) > 1 else None
        times = _first_session(spec, following)
        local = times["starts_at"].astimezone(zone)
        meetings[0] = replace(meetings[0], local_start=local, **times)
        if len(meetings) > 1:  # week 2 is the rhythm's first; week 1 the one begun now
            second = meetings[1].local_start.date()
            meetings[1:] = [
                replace(m, week=(m.local_start.date() - second).days // 7 + 2) for m in meetings[1:]
            ]
    return meetings
