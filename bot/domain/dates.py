"""Dates and times of day as people write them (``2027-01-04``, ``18:30``), with plain answers.

Shared by schedule files and by ``/study start ... from ... at ...``: each mistake gets a sentence
saying what is wrong and how to write it instead.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, time

from bot.domain.errors import InputError

MAX_YEARS_AHEAD = 2  # a start further ahead is almost always a typo (2126 for 2026)
MAX_YEARS_BEHIND = 5  # a schedule file may describe a run that started a while ago

_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")


def parse_date(value: object) -> date:
    """``2027-01-04`` as a date; InputError saying what is wrong (and how to write it) if not."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise InputError("write a date as YYYY-MM-DD, e.g. 2027-01-04")
    text = value.strip()
    match = _DATE.fullmatch(text)
    if not match:
        raise InputError(f"{text} is not a date; write it as YYYY-MM-DD, e.g. 2027-01-04")
    year, month, day = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        raise InputError(f"{text} is not a date: a year has 12 months")
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        month_name = calendar.month_name[month]
        raise InputError(f"{text} is not a date: {month_name} {year} has {days} days")
    return date(year, month, day)


def parse_clock_time(value: object) -> time:
    """``18:30`` (or ``9:05``, ``18:30:00``) as a time of day; InputError if not."""
    if isinstance(value, time):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise InputError(f'write HH:MM, e.g. 18:30 ({value} reads as a number; "18:30" is a time)')
    if not isinstance(value, str):
        raise InputError("write HH:MM, e.g. 18:30")
    text = value.strip()
    match = _TIME.fullmatch(text)
    if not match:
        raise InputError(f"{text} is not a time; write HH:MM, e.g. 18:30")
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    if hours > 23:
        raise InputError(f"{text} is not a time: hours go from 00 to 23; write HH:MM, e.g. 18:30")
    if minutes > 59 or seconds > 59:
        raise InputError(f"{text} is not a time: minutes go from 00 to 59; write HH:MM")
    return time(hours, minutes, seconds)


def check_start_date(start: date, today: date) -> None:
    """Refuse a start date so far ahead or behind ``today`` that it is surely a typo
    (more than MAX_YEARS_AHEAD years ahead, or more than MAX_YEARS_BEHIND years ago)."""
    latest = _years_from(today, MAX_YEARS_AHEAD)
    earliest = _years_from(today, -MAX_YEARS_BEHIND)
    if start > latest:
        raise InputError(
            f"{start} is more than {MAX_YEARS_AHEAD} years ahead; "
            f"a start must be on or before {latest} (a typo in the year?)"
        )
    if start < earliest:
        raise InputError(
            f"{start} is more than {MAX_YEARS_BEHIND} years ago; "
            f"a start must be on or after {earliest} (a typo in the year?)"
        )


def _years_from(day: date, years: int) -> date:
    year = day.year + years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))
