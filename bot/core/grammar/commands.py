"""The typed commands ``parse`` returns, one frozen dataclass each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Help:
    """``/study help [command]``."""

    topic: str | None = None


@dataclass(frozen=True)
class Join:
    """``/study join``."""


@dataclass(frozen=True)
class Leave:
    """``/study leave``."""


@dataclass(frozen=True)
class CheckIn:
    """``/study checkin done|partial|behind [note]``."""

    status: Literal["done", "partial", "behind"]
    note: str = ""


@dataclass(frozen=True)
class Ask:
    """``/study ask <question>``."""

    text: str


@dataclass(frozen=True)
class Tex:
    """``/study tex <formula>``: the formula typeset, privately, before it is posted."""

    latex: str


@dataclass(frozen=True)
class Resolve:
    """``/study resolve`` (in a question's thread)."""


@dataclass(frozen=True)
class Questions:
    """``/study questions [open|all] [unit]``."""

    scope: Literal["open", "all"] = "open"
    unit: str | None = None


@dataclass(frozen=True)
class Progress:
    """``/study progress``."""


@dataclass(frozen=True)
class Me:
    """``/study me``."""


@dataclass(frozen=True)
class ShowSchedule:
    """``/study schedule [all]``: the next sessions, or every one with the breaks and the end."""

    everything: bool = False


@dataclass(frozen=True)
class SyllabusList:
    """``/study syllabus list``."""


@dataclass(frozen=True)
class SyllabusShow:
    """``/study syllabus show <id>``."""

    syllabus_id: str


@dataclass(frozen=True)
class Faq:
    """``/study faq [unit-id]``: the resolved questions of a unit (the session's, if none);
    organizers: ``/study faq feature|hide|unmark <question-id>``."""

    unit: str | None = None
    mark: Literal["featured", "hidden", "none"] | None = None
    question_id: int | None = None


@dataclass(frozen=True)
class Reopen:
    """``/study reopen [number]``: a resolved question open again (in its thread, or by number)."""

    number: int | None = None


@dataclass(frozen=True)
class Edit:
    """``/study edit <number> <new text>``: the asker rewrites their question."""

    number: int
    text: str


@dataclass(frozen=True)
class Move:
    """``/study move <number> <unit-id>``: the asker files their question under another unit."""

    number: int
    unit: str


@dataclass(frozen=True)
class Withdraw:
    """``/study withdraw <number>``: the asker takes back a question nobody has answered."""

    number: int


@dataclass(frozen=True)
class Sharing:
    """``/study sharing on|off``: other groups on the same book may see this group's questions."""

    on: bool


@dataclass(frozen=True)
class Reminders:
    """``/study reminders dm|channel|off``."""

    mode: Literal["dm", "channel", "off"]


@dataclass(frozen=True)
class Start:
    """``/study start <syllabus> [from ...|now] [every ... at ...] [tz ...] [pace n]``."""

    syllabus_id: str
    start: str | None = None
    weekday: str | None = None
    time: str | None = None
    timezone: str | None = None
    pace: int | None = None
    now: bool = False  # the first session begins at once


@dataclass(frozen=True)
class Away:
    """``/study away until YYYY-MM-DD``: no nudges, not counted against the member."""

    until: str


@dataclass(frozen=True)
class Back:
    """``/study back``: the absence ends today."""


@dataclass(frozen=True)
class Reschedule:
    """``/study reschedule [every <weekday>] [at HH:MM] [tz <zone>]``."""

    weekday: str | None = None
    time: str | None = None
    timezone: str | None = None


@dataclass(frozen=True)
class Break:
    """``/study break <from> [<to>]``: no session on those days."""

    start: str
    end: str


@dataclass(frozen=True)
class Holidays:
    """``/study holidays <country-code>``: no session on its public holidays."""

    country: str


@dataclass(frozen=True)
class Remind:
    """``/study remind before <duration>`` or ``/study remind off``."""

    before: str | None  # None: off


@dataclass(frozen=True)
class Unskip:
    """``/study unskip``: undo the latest skip still ahead."""


@dataclass(frozen=True)
class MeetAt:
    """``/study meeting link <url>`` or ``/study meeting place <text>``."""

    what: Literal["link", "place"]
    value: str


@dataclass(frozen=True)
class Plan:
    """``/study plan <schedule-file>``."""

    name: str


@dataclass(frozen=True)
class Pause:
    """``/study pause``."""


@dataclass(frozen=True)
class Resume:
    """``/study resume``."""


@dataclass(frozen=True)
class Skip:
    """``/study skip``."""


@dataclass(frozen=True)
class Stop:
    """``/study stop [confirm]``: without ``confirm`` it only asks."""

    confirmed: bool = False


@dataclass(frozen=True)
class Organizers:
    """``/study organizers``."""


@dataclass(frozen=True)
class Organizer:
    """``/study organizer add|remove <member>``."""

    add: bool
    member: str


@dataclass(frozen=True)
class Export:
    """``/study export csv|ical``."""

    format: Literal["csv", "ical"]


Command = (
    Help
    | Join
    | Leave
    | CheckIn
    | Ask
    | Tex
    | Resolve
    | Questions
    | Faq
    | Reopen
    | Edit
    | Move
    | Withdraw
    | Sharing
    | Progress
    | Me
    | ShowSchedule
    | SyllabusList
    | SyllabusShow
    | Reminders
    | Away
    | Back
    | Start
    | Reschedule
    | Break
    | Holidays
    | Unskip
    | Remind
    | MeetAt
    | Plan
    | Pause
    | Resume
    | Skip
    | Stop
    | Organizers
    | Organizer
    | Export
)
