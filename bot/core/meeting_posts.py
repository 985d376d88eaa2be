"""What the bot posts about meetings: where the group meets, a post shortly before a session,
each session as a platform event and how many marked it Interested."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from bot.core.models import EventDetails, Link, Message, Paragraph, SmallPrint
from bot.core.posts import lead_time, plural
from bot.core.safety import defuse, one_line
from bot.store.models import Meeting

if TYPE_CHECKING:
    from bot.core.services.runs import MeetingContent
    from bot.domain.syllabus import Syllabus


SESSION_LENGTH = timedelta(hours=1)  # how long a session's event or calendar entry says it lasts
WHOLE_CALENDAR = "Every session at once, for any calendar app: `/study export ical`."


def _utc_stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def add_to_calendar(meeting: Meeting, *, where: str) -> Link:
    """A link that opens a new calendar entry for ``meeting``, filled in. Google Calendar's
    template address needs no account of ours and no server of the bot's; the whole run as an
    iCalendar file (``/study export ical``) serves every other calendar."""
    query = {
        "action": "TEMPLATE",
        "text": f"Study group: {meeting.title}",
        "dates": f"{_utc_stamp(meeting.starts_at)}/"
        f"{_utc_stamp(meeting.starts_at + SESSION_LENGTH)}",
        "details": f"Session {meeting.index + 1}, week {meeting.week}.",
        **({"location": where} if where else {}),
    }
    return Link(
        title=f"Add session {meeting.index + 1} to Google Calendar",
        url=f"https://calendar.google.com/calendar/render?{urlencode(query)}",
    )


def starting_soon(*, meeting: Meeting, before: timedelta) -> Message:
    """A while before a session (``remind_before``): it is about to begin."""
    text = f"Starting in {lead_time(before)}: Session {meeting.index + 1}, “{meeting.title}”."
    return Message(text=text, blocks=(Paragraph(text),))


def session_event(
    *,
    meeting: Meeting,
    syllabus: Syllabus,
    contents: list[MeetingContent],
    location: str,
    length: timedelta,
) -> EventDetails:
    """A session as a platform event: its name, time, where, and what is read."""
    units = ", ".join(f"{c.unit.id} {c.unit.title}" for c in contents)
    return EventDetails(
        name=one_line(f"Session {meeting.index + 1}: {meeting.title}", 100),
        starts_at=meeting.starts_at,
        ends_at=meeting.starts_at + length,
        location=location or "the group's channel",
        description=one_line(f"{syllabus.title}, week {meeting.week}. Read: {units}.", 900),
    )


def with_interest(message: Message, count: int, *, not_checked_in: int | None = None) -> Message:
    """A kickoff or nudge with how many marked the session's event Interested (a nudge: and how
    many of them have not checked in; a count, never names)."""
    line = f"{plural(count, 'member')} interested in this session's event"
    if not_checked_in == 0:
        line += ", all of them checked in"
    elif not_checked_in:
        line += f", {not_checked_in} of them not checked in yet"
    line += "."
    return message.followed_by(SmallPrint(line))


def where_we_meet(message: Message, *, link: str, place: str) -> Message:
    """``message`` (a kickoff, a nudge) with where the group meets, when an organizer set it."""
    parts = [f"Where: {defuse(place)}" if place else "", f"Join: {link}" if link else ""]
    line = " · ".join(p for p in parts if p)
    if not line:
        return message
    return message.followed_by(Paragraph(line))
