"""Exports: check-ins as CSV, the run's calendar as iCalendar (icalendar)."""

from __future__ import annotations

import csv
import hashlib
import io
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.meeting_posts import SESSION_LENGTH
from bot.core.models import Attachment
from bot.core.posts import cite
from bot.core.services import runs
from bot.store.models import CheckIn, Group, Meeting, Member, Run

if TYPE_CHECKING:  # the syllabus models (pydantic) load with the first syllabus read, not at start
    from bot.domain.syllabus import Syllabus


async def checkins_csv(db: AsyncSession, run: Run) -> Attachment:
    """The run's check-ins, one row per member and meeting, for its organizers. Notes are
    not in it: a note is for its author alone (``bot.core.access``)."""
    rows = await db.execute(
        select(
            Meeting.index,
            Meeting.week,
            Meeting.starts_at,
            Meeting.title,
            Member.display_name,
            Member.user_id,
            CheckIn.status,
            CheckIn.updated_at,
        )
        .join(CheckIn, CheckIn.meeting_id == Meeting.id)
        .join(Member, Member.id == CheckIn.member_id)
        .where(Meeting.run_id == run.id)
        .order_by(Meeting.index, Member.display_name)
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "session",
            "week",
            "starts_at_utc",
            "unit",
            "member",
            "member_id",
            "status",
            "checked_in_at_utc",
        ]
    )
    for index, week, starts_at, title, name, user_id, status, updated in rows.all():
        writer.writerow(
            [
                index + 1,
                week,
                starts_at.isoformat(),
                title,
                _cell(name),
                user_id,
                status,
                updated.isoformat(),
            ]
        )
    return Attachment(
        filename=f"studybot-run-{run.id}-checkins.csv",
        content=buffer.getvalue().encode(),
        mime_type="text/csv",
    )


def _cell(text: str) -> str:
    # Spreadsheets execute cells that start with = + - @: keep member text inert.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


async def _uid_token(db: AsyncSession, run: Run) -> str:
    # Run ids start at 1 in every database: without this, two installations' calendars share
    # UIDs and a calendar app merges or replaces one group's meetings with another's. The
    # group's platform ids and the run's creation instant tell installations apart and stay
    # the same for every export of the run.
    group = await db.get(Group, run.group_id)
    where = f"{group.platform}/{group.workspace}/{group.channel}" if group else ""
    seed = f"{where}/{run.id}/{run.created_at.isoformat()}"
    return hashlib.sha256(seed.encode()).hexdigest()[:16]


async def calendar_ics(db: AsyncSession, run: Run, syllabus: Syllabus) -> Attachment:
    """The run's meetings as an iCalendar file."""
    from icalendar import Calendar, Event  # 3 MB, for a rare command: not loaded at start

    calendar = Calendar()
    calendar.add("prodid", "-//studybot//study group calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{syllabus.title} study group")
    token = await _uid_token(db, run)
    spec = runs.spec_of(run)
    for meeting in await runs.meetings_of(db, run):
        event = Event()
        event.add("uid", f"studybot-run{run.id}-session{meeting.index + 1}-{token}@studybot")
        event.add("summary", f"Study group: {meeting.title}")
        event.add("dtstart", meeting.starts_at)
        event.add("duration", SESSION_LENGTH)
        if spec.link or spec.place:
            event.add("location", spec.link or spec.place)
        event.add("dtstamp", run.created_at)
        readings = "; ".join(cite(r["section"], r["title"], r["pages"]) for r in meeting.readings)
        event.add("description", f"{syllabus.title}. Read: {readings}")
        calendar.add_component(event)
    return Attachment(
        filename=f"studybot-run-{run.id}.ics", content=calendar.to_ical(), mime_type="text/calendar"
    )
