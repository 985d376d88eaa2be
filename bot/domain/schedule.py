"""Schedule files: when a group meets and how fast it reads (``schedules/<name>.yaml``).

Documented in ``docs/schedule-format.md``. The calendar itself is computed in ``bot.domain.calendar``.
"""

from __future__ import annotations

import calendar
import difflib
import re
import zoneinfo
from collections.abc import Mapping
from datetime import date, time, timedelta
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot.domain.dates import check_start_date, parse_clock_time, parse_date
from bot.domain.errors import InputError
from bot.domain.zones import zone_named

WEEKDAYS = [name.lower() for name in calendar.day_name]  # monday .. sunday
NEW = "new schedule"
TODAY = "today"


def new_schedule(today: date | None) -> dict[str, Any]:
    """The validation context of a schedule someone has just written (a file, a command):
    ``ScheduleSpec.model_validate(data, context=new_schedule(today))``. It adds checks a stored
    schedule must not fail later: the zone keeps daylight saving time (no EST, no UTC+1) and,
    when ``today`` is given, the start is not years away from it (``check_start_date``)."""
    return {NEW: True, TODAY: today}


def is_new(info: ValidationInfo) -> bool:
    """Whether this validation is of a newly written schedule (see ``new_schedule``)."""
    return isinstance(info.context, Mapping) and bool(info.context.get(NEW))


def _parse_duration(value: Any) -> timedelta:
    """``3d``, ``6d 12h``, ``90m``, ``1d2h30m`` or an ISO 8601 duration such as ``P3DT12H``."""
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise InputError("write a duration like 3d, 12h, 90m or 2d 6h")
    text = value.strip().lower()
    iso = re.fullmatch(r"p(?:(\d+)d)?(?:t(?:(\d+)h)?(?:(\d+)m)?)?", text)
    human = re.fullmatch(r"(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?", text)
    match = iso if text.startswith("p") else human
    if not text or not match or not any(match.groups()):
        raise InputError(f"{value!r} is not a duration; write one like 3d, 12h, 90m or 2d 6h")
    days, hours, minutes = (int(g or 0) for g in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes)


def _format_duration(value: timedelta) -> str:
    minutes = int(value.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{n}{u}" for n, u in ((days, "d"), (hours, "h"), (minutes, "m")) if n]
    return " ".join(parts) or "0m"


Duration = Annotated[
    timedelta, BeforeValidator(_parse_duration), PlainSerializer(_format_duration, return_type=str)
]


def _parse_zone(value: Any, info: ValidationInfo) -> str:
    """An IANA zone name (canonical spelling). New schedules (files, commands) are also refused
    abbreviations and fixed offsets such as EST or UTC+1 (``zone_named``); a stored schedule
    keeps the zone it was accepted with."""
    try:
        return zone_named(value).key
    except InputError:
        if not is_new(info) and isinstance(value, str) and value in _zone_names():
            return value
        raise


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


TimeZoneName = Annotated[str, BeforeValidator(_parse_zone)]
Day = Annotated[date, BeforeValidator(parse_date)]
ClockTime = Annotated[time, BeforeValidator(parse_clock_time)]


def _parse_weekday(value: Any) -> str:
    if isinstance(value, str):
        name = value.strip().lower()
        for day in WEEKDAYS:
            if name in (day, day[:3]):
                return day
        hint = difflib.get_close_matches(name, WEEKDAYS, n=1)
        suffix = f" (did you mean {hint[0]!r}?)" if hint else ""
        raise InputError(f"unknown weekday {value!r}{suffix}")
    raise InputError("write a weekday such as monday")


Weekday = Annotated[str, BeforeValidator(_parse_weekday)]
UnitId = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Pace(_Model):
    """How much a group reads per session. Exactly one of the four ways."""

    units_per_session: int | None = Field(default=None, gt=0, le=20)
    pages_per_week: int | None = Field(default=None, gt=0, le=2000)
    hours_per_week: float | None = Field(default=None, gt=0, le=80)
    plan: tuple[tuple[UnitId, ...], ...] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Pace:
        given = [name for name in type(self).model_fields if getattr(self, name) is not None]
        if len(given) != 1:
            raise InputError(
                "give exactly one of units_per_session, pages_per_week, hours_per_week or plan"
                + (f" (found {', '.join(given)})" if given else "")
            )
        if self.plan is not None:
            if not self.plan or any(not meeting for meeting in self.plan):
                raise InputError("every session in the plan needs at least one unit id")
            flat = [unit for meeting in self.plan for unit in meeting]
            twice = sorted({unit for unit in flat if flat.count(unit) > 1})
            if twice:
                raise InputError(f"the plan lists {', '.join(twice)} more than once")
        return self

    @property
    def mode(self) -> Literal["units", "pages", "hours", "plan"]:
        """Which of the pace settings this schedule uses."""
        if self.pages_per_week is not None:
            return "pages"
        if self.hours_per_week is not None:
            return "hours"
        if self.plan is not None:
            return "plan"
        return "units"


class Break(_Model):
    """Dates with no session: one day or an inclusive range."""

    start: Day = Field(alias="from")
    end: Day = Field(alias="to")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""

    @model_validator(mode="before")
    @classmethod
    def _single_day(cls, value: Any) -> Any:
        if isinstance(value, str | date | int):
            day = parse_date(value)  # one day: one sentence, not one for "from" and one for "to"
            return {"from": day, "to": day}
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Break:
        if self.end < self.start:
            raise InputError(f"the break ends ({self.end}) before it starts ({self.start})")
        return self

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end


class ScheduleSpec(_Model):
    """A group's rhythm: start, weekday and time, time zone, pace, breaks and offsets."""

    syllabus: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]
    title: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    start: Day
    weekday: Weekday
    time: ClockTime
    timezone: TimeZoneName
    pace: Pace = Pace(units_per_session=1)
    breaks: tuple[Break, ...] = ()
    reminder: Duration = Field(default=timedelta(days=3), description="after the kickoff")
    summary: Duration = Field(default=timedelta(days=6), description="after the kickoff")
    grace: Duration = Field(default=timedelta(hours=6), description="how late a post may still go")
    # `/study start ... now`: the first session begins at this instant (its kickoff at once);
    # the others keep the weekly rhythm, from the first slot at least FIRST_SESSION_LEAD later.
    first_session: AwareDatetime | None = None
    # `/study reschedule`: the rhythm above begins at `start` with this session (0-based);
    # the ones before it were held on an earlier rhythm.
    from_session: int = Field(default=0, ge=0, le=1000)
    link: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""
    remind_before: Duration | None = Field(default=None, description="before each session")
    place: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""

    @field_validator("start")
    @classmethod
    def _plausible_start(cls, value: date, info: ValidationInfo) -> date:
        today = info.context.get(TODAY) if is_new(info) else None
        if isinstance(today, date):
            check_start_date(value, today)
        return value

    @field_validator("reminder", "summary")
    @classmethod
    def _within_week(cls, value: timedelta) -> timedelta:
        if not timedelta(0) < value < timedelta(days=7):
            raise InputError("must be more than 0 and less than 7 days after the kickoff")
        return value

    @field_validator("link")
    @classmethod
    def _web_link(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://")):
            raise InputError("a meeting link starts with https://")
        return value

    @field_validator("remind_before")
    @classmethod
    def _before_within_a_day(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and not timedelta(0) < value <= timedelta(days=1):
            raise InputError("must be more than 0 and at most 1 day before the session")
        return value

    @field_validator("grace")
    @classmethod
    def _grace_bounds(cls, value: timedelta) -> timedelta:
        if value > timedelta(days=7):
            raise InputError("a grace period longer than a week would replay stale posts")
        return value

    @model_validator(mode="after")
    def _reminder_before_summary(self) -> ScheduleSpec:
        if self.reminder >= self.summary:
            raise InputError("the reminder must come before the summary")
        return self

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The group's time zone."""
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def weekday_number(self) -> int:
        """Monday is 0."""
        return WEEKDAYS.index(self.weekday)
