"""The checks files and commands share: time zones that keep daylight saving time, start dates
that are not years away, dates and times of day as people write them."""

from __future__ import annotations

from datetime import date, time

import pytest

from bot.domain.dates import check_start_date, parse_clock_time, parse_date
from bot.domain.errors import InputError, StudybotError
from bot.domain.schedule import ScheduleSpec, new_schedule
from bot.domain.zones import zone_named

from ..forbidden import library_wording_in


@pytest.mark.parametrize(
    ("name", "meant"),
    [
        ("EST", "America/New_York"),
        ("est", "America/New_York"),
        ("EDT", "America/New_York"),
        ("CET", "Europe/Berlin, Europe/Paris"),
        ("CEST", "Europe/Berlin"),
        ("PST", "America/Los_Angeles"),
        ("MST", "America/Denver"),
        ("GMT", "Europe/London or UTC"),
        ("EST5EDT", "America/New_York"),
        ("AEST", "Australia/Sydney"),
        ("IST", "Asia/Kolkata"),
    ],
)
def test_an_abbreviation_is_refused_naming_the_zones_meant(name: str, meant: str) -> None:
    with pytest.raises(InputError) as refused:
        zone_named(name)
    assert f"{name} is an abbreviation with a fixed offset and no daylight saving time" in str(
        refused.value
    )
    assert meant in str(refused.value)


@pytest.mark.parametrize(
    ("name", "offset"),
    [
        ("UTC+1", "UTC+1"),
        ("GMT+2", "UTC+2"),
        ("utc-05:00", "UTC-5"),
        ("+05:30", "UTC+5:30"),
        ("Etc/GMT-1", "UTC+1"),  # POSIX signs: Etc/GMT-1 is one hour ahead of UTC
        ("Etc/GMT+5", "UTC-5"),
    ],
)
def test_a_fixed_offset_is_refused(name: str, offset: str) -> None:
    with pytest.raises(InputError) as refused:
        zone_named(name)
    assert f"{name} is a fixed offset ({offset}) with no daylight saving time" in str(refused.value)


def test_iana_names_and_utc_are_accepted_in_any_letter_case() -> None:
    assert zone_named("Europe/Berlin").key == "Europe/Berlin"
    assert zone_named(" america/new_york ").key == "America/New_York"
    assert zone_named("UTC").key == "UTC"
    assert zone_named("utc").key == "UTC"


def test_an_unknown_zone_gets_a_suggestion() -> None:
    with pytest.raises(
        InputError, match=r"unknown time zone 'Europe/Berln' \(did you mean 'Europe/Berlin'\?\)"
    ):
        zone_named("Europe/Berln")
    with pytest.raises(InputError, match="write an IANA time zone such as Europe/Berlin"):
        zone_named("")


def test_the_refusal_is_a_studybot_error_a_command_can_answer_with() -> None:
    with pytest.raises(StudybotError) as refused:
        zone_named("CET")
    assert library_wording_in(str(refused.value)) == []


@pytest.mark.parametrize(
    ("start", "message"),
    [
        (
            date(2126, 1, 1),
            "2126-01-01 is more than 2 years ahead; a start must be on or before 2028-12-04",
        ),
        (
            date(2020, 1, 1),
            "2020-01-01 is more than 5 years ago; a start must be on or after 2021-12-04",
        ),
    ],
)
def test_a_start_years_away_is_refused(start: date, message: str) -> None:
    with pytest.raises(InputError) as refused:
        check_start_date(start, date(2026, 12, 4))
    assert str(refused.value).startswith(message)


def test_a_start_within_the_bounds_is_accepted() -> None:
    today = date(2024, 2, 29)
    check_start_date(date(2026, 2, 28), today)  # two years ahead of a leap day
    check_start_date(date(2019, 2, 28), today)
    check_start_date(today, today)
    with pytest.raises(InputError):
        check_start_date(date(2026, 3, 1), today)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-02-29", "2026-02-29 is not a date: February 2026 has 28 days"),
        ("2027-04-31", "2027-04-31 is not a date: April 2027 has 30 days"),
        ("2027-00-10", "2027-00-10 is not a date: a year has 12 months"),
        ("04/01/2027", "04/01/2027 is not a date; write it as YYYY-MM-DD, e.g. 2027-01-04"),
        (20270104, "write a date as YYYY-MM-DD, e.g. 2027-01-04"),
    ],
)
def test_dates_are_parsed_with_plain_refusals(text: object, message: str) -> None:
    with pytest.raises(InputError) as refused:
        parse_date(text)
    assert str(refused.value) == message


def test_times_of_day() -> None:
    assert parse_clock_time("9:05") == time(9, 5)
    assert parse_clock_time("18:30:00") == time(18, 30)
    with pytest.raises(InputError, match="24:00 is not a time: hours go from 00 to 23"):
        parse_clock_time("24:00")
    with pytest.raises(InputError, match="18:60 is not a time: minutes go from 00 to 59"):
        parse_clock_time("18:60")


def test_a_stored_schedule_keeps_the_zone_it_was_accepted_with() -> None:
    """Runs started before EST was refused are read back from the database unchanged; a new
    schedule (file, command) gets the strict check."""
    fields = {
        "syllabus": "mml",
        "start": "2020-01-06",
        "weekday": "monday",
        "time": "18:30:00",
        "timezone": "EST",
    }
    assert ScheduleSpec.model_validate(fields).timezone == "EST"
    with pytest.raises(ValueError, match="America/New_York"):
        ScheduleSpec.model_validate(fields, context=new_schedule(None))
    with pytest.raises(ValueError, match="more than 5 years ago"):
        ScheduleSpec.model_validate(
            {**fields, "timezone": "America/New_York"}, context=new_schedule(date(2026, 12, 4))
        )
