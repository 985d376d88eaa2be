"""Calendar arithmetic: properties (hypothesis) and worked examples."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.calendar import local_instant, plan_calendar, split_into_meetings
from bot.domain.library import Library
from bot.domain.schedule import Pace, ScheduleSpec
from bot.domain.syllabus import Syllabus

from ..conftest import CONTENT

LIBRARY = Library(CONTENT)
BOOKS = ["mml", "strang-ila", "calculus-made-easy", "hogg-math-stats"]
ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney"]
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def spec(**fields: object) -> ScheduleSpec:
    base: dict[str, object] = {
        "syllabus": "mml",
        "start": "2026-10-05",
        "weekday": "monday",
        "time": "09:00",
        "timezone": "Europe/Berlin",
    }
    return ScheduleSpec.model_validate(base | fields)


def exists(day: date, at: time, zone: str) -> bool:
    """Whether wall time ``at`` happens on ``day`` in ``zone`` (not skipped by a DST jump)."""
    aware = datetime.combine(day, at, tzinfo=ZoneInfo(zone))
    return aware.astimezone(UTC).astimezone(ZoneInfo(zone)).replace(
        tzinfo=None
    ) == datetime.combine(day, at)


paces = st.one_of(
    st.integers(1, 3).map(lambda n: {"units_per_session": n}),
    st.integers(5, 80).map(lambda n: {"pages_per_week": n}),
    st.floats(0.5, 20).map(lambda h: {"hours_per_week": round(h, 1)}),
)


@st.composite
def schedules(draw: st.DrawFn) -> tuple[Syllabus, ScheduleSpec]:
    syllabus = LIBRARY.get(draw(st.sampled_from(BOOKS)))
    start = draw(st.dates(date(2024, 1, 1), date(2030, 12, 31)))
    breaks = []
    for _ in range(draw(st.integers(0, 3))):
        first = start + timedelta(days=draw(st.integers(0, 200)))
        breaks.append(
            {
                "from": first.isoformat(),
                "to": (first + timedelta(days=draw(st.integers(0, 20)))).isoformat(),
            }
        )
    hour, minute = draw(st.integers(0, 23)), draw(st.sampled_from([0, 15, 30, 45]))
    reminder = draw(st.integers(1, 4))
    return syllabus, spec(
        syllabus=syllabus.id,
        start=start.isoformat(),
        weekday=draw(st.sampled_from(WEEKDAYS)),
        time=f"{hour:02d}:{minute:02d}",
        timezone=draw(st.sampled_from(ZONES)),
        pace=draw(paces),
        breaks=breaks,
        reminder=f"{reminder}d",
        summary=f"{reminder + draw(st.integers(1, 6 - reminder))}d" if reminder < 6 else "6d 12h",
    )


common = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@common
@given(schedules())
def test_sessions_strictly_increase(case: tuple[Syllabus, ScheduleSpec]) -> None:
    meetings = plan_calendar(*case)
    starts = [s.starts_at for s in meetings]
    assert all(a < b for a, b in itertools.pairwise(starts))
    assert [s.index for s in meetings] == list(range(len(meetings)))
    weeks = [s.week for s in meetings]
    assert weeks[0] == 1 and all(a < b for a, b in itertools.pairwise(weeks))


@common
@given(schedules())
def test_every_reading_of_every_unit_exactly_once_in_order(
    case: tuple[Syllabus, ScheduleSpec],
) -> None:
    syllabus, schedule = case
    meetings = plan_calendar(syllabus, schedule)
    read = [(part.unit.id, r.section) for s in meetings for part in s.parts for r in part.readings]
    assert read == [(u.id, r.section) for u in syllabus.units for r in u.readings]
    units_in_order = [p.unit.id for s in meetings for p in s.parts if p.part == 1]
    assert units_in_order == [u.id for u in syllabus.units]


@common
@given(schedules())
def test_no_session_falls_in_a_break(case: tuple[Syllabus, ScheduleSpec]) -> None:
    meetings = plan_calendar(*case)
    for meeting in meetings:
        day = meeting.local_start.date()
        assert not any(b.start <= day <= b.end for b in case[1].breaks)


@common
@given(schedules())
def test_meetings_keep_their_local_weekday_and_time_across_dst(
    case: tuple[Syllabus, ScheduleSpec],
) -> None:
    syllabus, schedule = case
    meetings = plan_calendar(syllabus, schedule)
    for meeting in meetings:
        local = meeting.starts_at.astimezone(ZoneInfo(schedule.timezone))
        assert local.date() == meeting.local_start.date()
        assert local.strftime("%A").lower() == schedule.weekday
        assert local.date() >= schedule.start
        if exists(local.date(), schedule.time, schedule.timezone):
            assert local.time() == schedule.time
        else:  # the wall time was skipped by clocks going forward: it moves forward by the gap
            assert (
                timedelta(0)
                < datetime.combine(local.date(), local.time())
                - datetime.combine(local.date(), schedule.time)
                <= timedelta(hours=1)
            )
        reminder = meeting.reminder_at.astimezone(ZoneInfo(schedule.timezone))
        assert reminder.date() == local.date() + timedelta(days=schedule.reminder.days)
        if exists(reminder.date(), schedule.time, schedule.timezone):
            assert reminder.time() == schedule.time
        assert meeting.starts_at < meeting.reminder_at < meeting.summary_at
        assert meeting.summary_at - meeting.starts_at < timedelta(days=7, hours=1)


@common
@given(st.sampled_from(BOOKS), st.integers(5, 80))
def test_page_budget_is_kept_unless_a_single_section_is_longer(book: str, budget: int) -> None:
    syllabus = LIBRARY.get(book)
    for parts in split_into_meetings(syllabus, Pace(pages_per_week=budget)):
        pages = sum(p.pages for p in parts)
        readings = [r for p in parts for r in p.readings]
        assert pages <= budget or len(readings) == 1


def test_a_start_that_is_not_a_meeting_day_moves_to_the_next_one() -> None:
    meetings = plan_calendar(
        LIBRARY.get("mml"), spec(start="2026-10-07", weekday="monday")
    )  # a Wednesday
    assert meetings[0].local_start.date() == date(2026, 10, 12)
    same_day = plan_calendar(LIBRARY.get("mml"), spec(start="2026-10-12", weekday="monday"))
    assert same_day[0].local_start.date() == date(2026, 10, 12)


def test_nine_oclock_berlin_stays_nine_oclock_when_summer_time_ends() -> None:
    meetings = plan_calendar(LIBRARY.get("mml"), spec(start="2026-10-12", time="09:00"))
    # 25 October 2026: CEST (UTC+2) becomes CET (UTC+1).
    assert [s.local_start.strftime("%Y-%m-%d %H:%M %Z") for s in meetings[:3]] == [
        "2026-10-12 09:00 CEST",
        "2026-10-19 09:00 CEST",
        "2026-10-26 09:00 CET",
    ]
    assert [s.starts_at.strftime("%H:%M") for s in meetings[:3]] == ["07:00", "07:00", "08:00"]


def test_sydney_and_new_york_move_the_other_way() -> None:
    sydney = plan_calendar(
        LIBRARY.get("mml"), spec(timezone="Australia/Sydney", start="2026-09-28")
    )
    # Sydney starts summer time on 4 October 2026: UTC+10 becomes UTC+11.
    assert [s.starts_at.strftime("%d %H:%M") for s in sydney[:2]] == ["27 23:00", "04 22:00"]
    new_york = plan_calendar(
        LIBRARY.get("mml"), spec(timezone="America/New_York", start="2027-03-08")
    )
    # New York starts daylight time on 14 March 2027: UTC-5 becomes UTC-4.
    assert [s.starts_at.strftime("%d %H:%M") for s in new_york[:2]] == ["08 14:00", "15 13:00"]


def test_a_break_pushes_every_later_session_back_a_week() -> None:
    without = plan_calendar(LIBRARY.get("mml"), spec())
    with_break = plan_calendar(LIBRARY.get("mml"), spec(breaks=["2026-10-19"]))
    assert len(without) == len(with_break) == 12
    # Sessions on 5 and 12 October stay; the one due on the 19th and all later ones move a week.
    assert [s.starts_at for s in with_break[:2]] == [s.starts_at for s in without[:2]]
    assert [s.local_start.date() for s in with_break[2:]] == [
        s.local_start.date() + timedelta(weeks=1) for s in without[2:]
    ]
    assert {s.local_start.time() for s in with_break} == {time(9, 0)}
    assert [s.week for s in with_break[:4]] == [1, 2, 4, 5]
    assert [s.title for s in with_break] == [s.title for s in without]


def test_reminder_and_summary_are_wall_clock_offsets() -> None:
    meetings = plan_calendar(
        LIBRARY.get("mml"), spec(start="2026-10-19", time="18:30", reminder="3d", summary="6d 12h")
    )
    first = meetings[0]  # Monday 19 October, CEST; the reminder on Thursday 22 is still CEST
    assert first.reminder_at == datetime(2026, 10, 22, 16, 30, tzinfo=UTC)
    # The summary is on Monday 26 October 06:30 local, after the switch to CET: 05:30 UTC.
    assert first.summary_at == datetime(2026, 10, 26, 5, 30, tzinfo=UTC)


def test_page_budget_splits_long_chapters_at_section_boundaries() -> None:
    mml = LIBRARY.get("mml")
    meetings = split_into_meetings(mml, Pace(pages_per_week=30))
    linear_algebra = [parts[0] for parts in meetings if parts[0].unit.id == "mml-02"]
    # 53 pages: sections 2 to 2.5 (27 pages), then 2.6 to the exercises (26 pages).
    assert [(p.part, p.parts, p.pages) for p in linear_algebra] == [(1, 2, 27), (2, 2, 26)]
    assert [r.section for p in linear_algebra for r in p.readings] == [
        r.section for r in mml.unit("mml-02").readings
    ]
    # Chapter 1 (6 pages) fits in a week; chapter 2 (53 pages) does not, so they do not share one.
    assert [p.unit.id for p in meetings[0]] == ["mml-01"]


def test_short_units_share_a_week_under_a_page_budget() -> None:
    cme = LIBRARY.get("calculus-made-easy")
    meetings = split_into_meetings(cme, Pace(pages_per_week=40))
    assert len(meetings[0]) > 1
    assert sum(p.pages for p in meetings[0]) <= 40


def test_hours_budget_uses_the_units_estimates() -> None:
    mml = LIBRARY.get("mml")
    whole = split_into_meetings(mml, Pace(hours_per_week=20))
    assert sum(p.hours for p in whole[0]) <= 20 < sum(p.hours for p in whole[0]) + whole[1][0].hours
    meetings = split_into_meetings(mml, Pace(hours_per_week=5))
    assert all(
        sum(p.hours for p in parts) <= 5 or sum(len(p.readings) for p in parts) == 1
        for parts in meetings
    )


def test_an_explicit_plan_is_followed() -> None:
    meetings = plan_calendar(
        LIBRARY.get("mml"), spec(pace={"plan": [["mml-01", "mml-02"], ["mml-03"]]})
    )
    assert [[p.unit.id for p in s.parts] for s in meetings] == [["mml-01", "mml-02"], ["mml-03"]]


def test_a_skipped_wall_time_moves_forward_by_the_gap() -> None:
    # 29 March 2026 in Berlin: 02:00 jumps to 03:00, so 02:30 does not exist.
    instant = local_instant(date(2026, 3, 29), time(2, 30), ZoneInfo("Europe/Berlin"))
    assert instant.strftime("%H:%M %Z") == "03:30 CEST"
    # 25 October 2026: 02:30 happens twice; the first one (summer time) is meant.
    instant = local_instant(date(2026, 10, 25), time(2, 30), ZoneInfo("Europe/Berlin"))
    assert instant.strftime("%H:%M %Z") == "02:30 CEST"
