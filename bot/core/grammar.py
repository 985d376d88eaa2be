"""One grammar for ``/study ...``, parsed once for every platform.

``parse(text)`` returns a typed command or raises ``CommandError`` with a short usage line and,
for a mistyped command word, the closest valid command.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from bot.core.errors import CommandError

MAX_TEXT = 4000  # characters of free text (a question, a note) the bot accepts


@dataclass(frozen=True)
class Spec:
    """How a command is written, what it does, and whether only organizers may use it."""

    usage: str
    summary: str
    organizer_only: bool = False


SPECS: dict[str, Spec] = {
    "help": Spec("/study help [command]", "what each command does"),
    "join": Spec("/study join", "join this channel's study group"),
    "leave": Spec("/study leave", "leave the group (your check-ins are kept)"),
    "checkin": Spec(
        "/study checkin done|partial|behind [note...]",
        "check in for this week's reading (a new check-in replaces your earlier one)",
    ),
    "ask": Spec("/study ask <question...>", "open a Q&A thread about the current unit"),
    "resolve": Spec("/study resolve", "in a Q&A thread: mark the question answered"),
    "questions": Spec("/study questions [open|all] [unit]", "list the group's questions"),
    "progress": Spec("/study progress", "the group this week: check-ins, streaks, who is behind"),
    "me": Spec("/study me", "your check-ins, streak and open questions"),
    "schedule": Spec("/study schedule", "the next sessions, in the group's time zone"),
    "syllabus": Spec("/study syllabus list | show <id>", "the syllabi you can start"),
    "reminders": Spec("/study reminders dm|channel", "get the mid-week nudge as a DM, or not"),
    "start": Spec(
        "/study start <syllabus-id> [from YYYY-MM-DD] [every <weekday> at HH:MM] "
        "[tz <Area/City>] [pace <n>]",
        "start reading a syllabus in this channel",
        organizer_only=True,
    ),
    "plan": Spec("/study plan <schedule-file-name>", "start from a file in schedules/", True),
    "pause": Spec("/study pause", "pause the run: no posts until resume", True),
    "resume": Spec("/study resume", "resume a paused run; later sessions move back", True),
    "skip": Spec("/study skip", "no session next week; the rest shifts by a week", True),
    "stop": Spec("/study stop", "end the run: no more scheduled posts", True),
    "organizer": Spec("/study organizer add|remove <member>", "manage organizers", True),
    "export": Spec("/study export csv|ical", "check-ins as CSV, or the calendar as iCalendar"),
}

ORGANIZER_ONLY = frozenset(name for name, spec in SPECS.items() if spec.organizer_only)


# --- the typed commands ------------------------------------------------------------------------


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
    """``/study schedule``."""


@dataclass(frozen=True)
class SyllabusList:
    """``/study syllabus list``."""


@dataclass(frozen=True)
class SyllabusShow:
    """``/study syllabus show <id>``."""

    syllabus_id: str


@dataclass(frozen=True)
class Reminders:
    """``/study reminders dm|channel``."""

    mode: Literal["dm", "channel"]


@dataclass(frozen=True)
class Start:
    """``/study start <syllabus> [from ...] [every ... at ...] [tz ...] [pace n]``."""

    syllabus_id: str
    start: str | None = None
    weekday: str | None = None
    time: str | None = None
    timezone: str | None = None
    pace: int | None = None


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
    """``/study stop``."""


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
    | Resolve
    | Questions
    | Progress
    | Me
    | ShowSchedule
    | SyllabusList
    | SyllabusShow
    | Reminders
    | Start
    | Plan
    | Pause
    | Resume
    | Skip
    | Stop
    | Organizer
    | Export
)

Parser = Callable[[str, str, list[str]], Command]  # (command word, rest of line, its words)

ALIASES = {"check-in": "checkin", "ci": "checkin", "question": "ask", "q": "ask"}
CHECKIN_WORDS = {"done": "done", "partial": "partial", "partly": "partial", "behind": "behind"}


def usage(name: str) -> str:
    """The usage line of a command, as refusals quote it."""
    return f"Usage: `{SPECS[name].usage}`"


def _error(name: str, problem: str) -> CommandError:
    return CommandError(f"{problem} {usage(name)}")


def parse(text: str) -> Command:
    """Parse what followed ``/study``. Leading slash and the word ``study`` are tolerated."""
    text = text.strip()
    text = re.sub(r"^/?study\b", "", text, flags=re.IGNORECASE).strip()
    if not text:
        return Help()
    word, rest = [*text.split(None, 1), ""][:2]
    name = ALIASES.get(word.lower(), word.lower())
    rest = rest.strip()
    args = rest.split()
    if name not in SPECS:
        guess = difflib.get_close_matches(name, list(SPECS), n=1, cutoff=0.5)
        hint = f" Did you mean `{SPECS[guess[0]].usage}`?" if guess else ""
        raise CommandError(f"Unknown command `{word}`.{hint} Try `/study help`.")
    return _PARSERS[name](name, rest, args)


def _no_args(command: Command) -> Parser:
    def parse_it(name: str, rest: str, args: list[str]) -> Command:
        if args:
            raise _error(name, f"`{name}` takes no arguments.")
        return command

    return parse_it


def _help(name: str, rest: str, args: list[str]) -> Command:
    topic = ALIASES.get(args[0].lower(), args[0].lower()) if args else None
    if topic is not None and topic not in SPECS:
        raise _error(name, f"There is no command `{args[0]}`.")
    return Help(topic)


def _free_text(name: str, rest: str) -> str:
    if len(rest) > MAX_TEXT:
        raise _error(
            name,
            f"That is {len(rest)} characters; the limit is {MAX_TEXT}. Please shorten it "
            "(nothing was saved).",
        )
    return rest


def _checkin(name: str, rest: str, args: list[str]) -> Command:
    if not args or args[0].lower() not in CHECKIN_WORDS:
        raise _error(name, "Say how the reading went: done, partial or behind.")
    note = rest[len(args[0]) :].strip()
    status = CHECKIN_WORDS[args[0].lower()]
    return CheckIn(status, _free_text(name, note))  # type: ignore[arg-type]


def _ask(name: str, rest: str, args: list[str]) -> Command:
    if not rest:
        raise _error(name, "Write the question after `ask`.")
    return Ask(_free_text(name, rest))


def _questions(name: str, rest: str, args: list[str]) -> Command:
    scope: Literal["open", "all"] = "open"
    if args and args[0].lower() in ("open", "all"):
        scope = args.pop(0).lower()  # type: ignore[assignment]
    if len(args) > 1:
        raise _error(name, "Give at most one unit.")
    return Questions(scope, args[0] if args else None)


def _syllabus(name: str, rest: str, args: list[str]) -> Command:
    if not args or [a.lower() for a in args] == ["list"]:
        return SyllabusList()
    if args[0].lower() == "show" and len(args) == 2:
        return SyllabusShow(args[1])
    raise _error(name, "Use `list`, or `show` with one syllabus id.")


def _reminders(name: str, rest: str, args: list[str]) -> Command:
    if len(args) != 1 or args[0].lower() not in ("dm", "channel"):
        raise _error(name, "Choose `dm` (a direct message) or `channel`.")
    return Reminders(args[0].lower())  # type: ignore[arg-type]


def _start(name: str, rest: str, args: list[str]) -> Command:
    if not args:
        raise _error(name, "Name the syllabus to start, e.g. `/study start mml`.")
    syllabus_id, options = args[0], [a for a in args[1:]]
    found: dict[str, str] = {}
    while options:
        word = options.pop(0).lower()
        if word == "from" and options:
            found["start"] = options.pop(0)
        elif word == "every" and len(options) >= 3 and options[1].lower() == "at":
            found["weekday"], _, found["time"] = options.pop(0), options.pop(0), options.pop(0)
        elif word == "every" and options:
            found["weekday"] = options.pop(0)
        elif word == "at" and options:
            found["time"] = options.pop(0)
        elif word == "tz" and options:
            found["timezone"] = options.pop(0)
        elif word == "pace" and options:
            value = options.pop(0)
            if not re.fullmatch(r"[0-9]+", value) or int(value) < 1:
                raise _error(
                    name, f"`pace` takes a whole number of units per session, not `{value}`."
                )
            found["pace"] = value
        else:
            raise _error(name, f"I don't understand `{word}` here.")
    pace = int(found.pop("pace")) if "pace" in found else None
    return Start(syllabus_id, pace=pace, **found)


def _plan(name: str, rest: str, args: list[str]) -> Command:
    if len(args) != 1:
        raise _error(name, "Name one schedule file, e.g. `/study plan mml-berlin-mondays`.")
    return Plan(args[0])


def _organizer(name: str, rest: str, args: list[str]) -> Command:
    if len(args) < 2 or args[0].lower() not in ("add", "remove"):
        raise _error(name, "Say `add` or `remove`, then the member.")
    return Organizer(args[0].lower() == "add", " ".join(args[1:]))


def _export(name: str, rest: str, args: list[str]) -> Command:
    if len(args) != 1 or args[0].lower() not in ("csv", "ical"):
        raise _error(name, "Choose `csv` (check-ins) or `ical` (the calendar).")
    return Export(args[0].lower())  # type: ignore[arg-type]


_PARSERS: dict[str, Parser] = {
    "help": _help,
    "join": _no_args(Join()),
    "leave": _no_args(Leave()),
    "checkin": _checkin,
    "ask": _ask,
    "resolve": _no_args(Resolve()),
    "questions": _questions,
    "progress": _no_args(Progress()),
    "me": _no_args(Me()),
    "schedule": _no_args(ShowSchedule()),
    "syllabus": _syllabus,
    "reminders": _reminders,
    "start": _start,
    "plan": _plan,
    "pause": _no_args(Pause()),
    "resume": _no_args(Resume()),
    "skip": _no_args(Skip()),
    "stop": _no_args(Stop()),
    "organizer": _organizer,
    "export": _export,
}


def help_text(topic: str | None = None) -> str:
    """Every command with what it does, or one command's usage."""
    if topic:
        spec = SPECS[topic]
        who = " (organizers only)" if spec.organizer_only else ""
        return f"`{spec.usage}`: {spec.summary}{who}."
    lines = ["studybot commands:"]
    for _name, spec in SPECS.items():
        who = " (organizers)" if spec.organizer_only else ""
        lines.append(f"• `{spec.usage}`: {spec.summary}{who}")
    return "\n".join(lines)
