"""``parse(text)``: what followed ``/study``, as a typed command, or a ``CommandError`` with a
short usage line and, for a mistyped command word, the closest valid command."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable
from typing import Literal

from bot.core.errors import CommandError
from bot.core.grammar.commands import (
    Ask,
    Away,
    Back,
    Break,
    CheckIn,
    Command,
    Edit,
    Export,
    Faq,
    Help,
    Holidays,
    Join,
    Leave,
    Me,
    MeetAt,
    Move,
    Organizer,
    Organizers,
    Pause,
    Plan,
    Progress,
    Questions,
    Remind,
    Reminders,
    Reopen,
    Reschedule,
    Resolve,
    Resume,
    Sharing,
    ShowSchedule,
    Skip,
    Start,
    Stop,
    SyllabusList,
    SyllabusShow,
    Tex,
    Unskip,
    Withdraw,
)
from bot.core.grammar.specs import SPECS, usage

MAX_TEXT = 4000  # characters of free text (a question, a note) the bot accepts
# Unicode categories nobody sees: control, format (zero-width), surrogate, private use, unassigned.
INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})

Parser = Callable[[str, str, list[str]], Command]  # (command word, rest of line, its words)

ALIASES = {"check-in": "checkin", "ci": "checkin", "question": "ask", "q": "ask"}
CHECKIN_WORDS = {"done": "done", "partial": "partial", "partly": "partial", "behind": "behind"}
REMINDER_MODES = ("dm", "channel", "off")


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


def _one_optional_word(word: str, bare: Command, with_word: Command) -> Parser:
    """A command that takes nothing, or exactly ``word`` (``schedule all``, ``stop confirm``)."""

    def parse_it(name: str, rest: str, args: list[str]) -> Command:
        if not args:
            return bare
        if len(args) == 1 and args[0].lower() == word:
            return with_word
        raise _error(name, f"`{name}` takes nothing, or only `{word}`.")

    return parse_it


def _help(name: str, rest: str, args: list[str]) -> Command:
    topic = ALIASES.get(args[0].lower(), args[0].lower()) if args else None
    if topic is not None and topic not in SPECS:
        raise _error(name, f"There is no command `{args[0]}`.")
    return Help(topic)


def visible(text: str) -> str:
    """``text`` without the characters nobody sees (zero-width spaces, control characters,
    byte-order marks); line breaks and tabs stay."""
    return "".join(
        c for c in text if c in "\n\t" or unicodedata.category(c) not in INVISIBLE
    ).strip()


def _free_text(name: str, rest: str) -> str:
    rest = visible(rest)
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
    text = _free_text(name, rest)
    if not text:
        raise _error(name, "Write the question after `ask`.")
    return Ask(text)


def _tex(name: str, rest: str, args: list[str]) -> Command:
    latex = _free_text(name, rest)
    if not latex:
        raise _error(name, "Write the formula after `tex`, e.g. `/study tex \\frac{a}{b}`.")
    return Tex(latex)


def _questions(name: str, rest: str, args: list[str]) -> Command:
    scope: Literal["open", "all"] = "open"
    if args and args[0].lower() in ("open", "all"):
        scope = args.pop(0).lower()  # type: ignore[assignment]
    if len(args) > 1:
        raise _error(name, "Give at most one unit.")
    return Questions(scope, args[0] if args else None)


FAQ_MARKS = {"feature": "featured", "hide": "hidden", "unmark": "none"}


def _faq(name: str, rest: str, args: list[str]) -> Command:
    if args and args[0].lower() in FAQ_MARKS:
        number = args[1].lstrip("#") if len(args) == 2 else ""
        if not number.isdigit():
            raise _error(
                name,
                f"Name the question by the number the FAQ shows, e.g. `/study faq {args[0].lower()} 12`.",
            )
        return Faq(mark=FAQ_MARKS[args[0].lower()], question_id=int(number))  # type: ignore[arg-type]
    if len(args) > 1:
        raise _error(name, "Give at most one unit, e.g. `/study faq mml-03`.")
    return Faq(args[0] if args else None)


def _number(name: str, args: list[str], example: str) -> int:
    """The question number a command starts with (``3`` or ``#3``)."""
    typed = args[0].lstrip("#") if args else ""
    if not typed.isdigit():
        raise _error(name, f"Start with the question's number, e.g. `/study {name} {example}`.")
    return int(typed)


def _reopen(name: str, rest: str, args: list[str]) -> Command:
    if len(args) > 1:
        raise _error(name, "Give the question's number, or nothing inside its thread.")
    return Reopen(_number(name, args, "3") if args else None)


def _edit(name: str, rest: str, args: list[str]) -> Command:
    number = _number(name, args, "3 <the question, as it should read>")
    text = _free_text(name, rest.strip().split(maxsplit=1)[1] if len(args) > 1 else "")
    if not text:
        raise _error(name, "Write the question as it should read after its number.")
    return Edit(number, text)


def _move(name: str, rest: str, args: list[str]) -> Command:
    if len(args) != 2:
        raise _error(name, "Give the question's number and a unit id, e.g. `/study move 3 mml-04`.")
    return Move(_number(name, args, "3 mml-04"), args[1])


def _withdraw(name: str, rest: str, args: list[str]) -> Command:
    if len(args) != 1:
        raise _error(name, "Give the question's number only, e.g. `/study withdraw 3`.")
    return Withdraw(_number(name, args, "3"))


def _sharing(name: str, rest: str, args: list[str]) -> Command:
    if len(args) != 1 or args[0].lower() not in ("on", "off"):
        raise _error(
            name, "Choose `on` (other groups reading this book see our questions) or `off`."
        )
    return Sharing(on=args[0].lower() == "on")


def _syllabus(name: str, rest: str, args: list[str]) -> Command:
    if not args or [a.lower() for a in args] == ["list"]:
        return SyllabusList()
    if args[0].lower() == "show" and len(args) == 2:
        return SyllabusShow(args[1])
    raise _error(name, "Use `list`, or `show` with one syllabus id.")


def _reminders(name: str, rest: str, args: list[str]) -> Command:
    if len(args) != 1 or args[0].lower() not in REMINDER_MODES:
        raise _error(
            name, "Choose `dm` (a direct message), `channel` (only the channel's post) or `off`."
        )
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
        elif word == "now":
            found["now"] = "yes"
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
    now = found.pop("now", "") == "yes"
    if now and "start" in found:
        raise _error(name, "Say `from YYYY-MM-DD` or `now`, not both.")
    return Start(syllabus_id, pace=pace, now=now, **found)


def _away(name: str, rest: str, args: list[str]) -> Command:
    words = args[1:] if args and args[0].lower() == "until" else args
    if len(words) != 1:
        raise _error(name, "Say until when, e.g. `/study away until 2026-12-20`.")
    return Away(words[0])


def _reschedule(name: str, rest: str, args: list[str]) -> Command:
    found: dict[str, str] = {}
    options = list(args)
    while options:
        word = options.pop(0).lower()
        key = {"every": "weekday", "at": "time", "tz": "timezone"}.get(word)
        if key is None or not options:
            raise _error(name, f"I don't understand `{word}` here.")
        found[key] = options.pop(0)
    if not found:
        raise _error(name, "Say what changes: `every <weekday>`, `at HH:MM` or `tz <Area/City>`.")
    return Reschedule(**found)


def _break(name: str, rest: str, args: list[str]) -> Command:
    if len(args) not in (1, 2):
        raise _error(
            name, "Give the first and last day, e.g. `/study break 2026-12-21 2027-01-03`."
        )
    return Break(args[0], args[-1])


def _holidays(name: str, rest: str, args: list[str]) -> Command:
    if len(args) != 1:
        raise _error(name, "Give one country code, e.g. `/study holidays DE`.")
    return Holidays(args[0])


def _remind(name: str, rest: str, args: list[str]) -> Command:
    if [a.lower() for a in args] == ["off"]:
        return Remind(None)
    if len(args) < 2 or args[0].lower() != "before":
        raise _error(name, "Say `before 30m` (any time up to 1d), or `off`.")
    return Remind(" ".join(args[1:]))


def _meeting(name: str, rest: str, args: list[str]) -> Command:
    if len(args) < 2 or args[0].lower() not in ("link", "place"):
        raise _error(name, "Say `link <url>` or `place <where>`.")
    what = args[0].lower()
    return MeetAt(what, _free_text(name, rest.strip()[len(what) :].strip()))  # type: ignore[arg-type]


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
    "tex": _tex,
    "resolve": _no_args(Resolve()),
    "questions": _questions,
    "faq": _faq,
    "reopen": _reopen,
    "edit": _edit,
    "move": _move,
    "withdraw": _withdraw,
    "sharing": _sharing,
    "progress": _no_args(Progress()),
    "me": _no_args(Me()),
    "schedule": _one_optional_word("all", ShowSchedule(), ShowSchedule(everything=True)),
    "syllabus": _syllabus,
    "reminders": _reminders,
    "organizers": _no_args(Organizers()),
    "start": _start,
    "plan": _plan,
    "reschedule": _reschedule,
    "away": _away,
    "back": _no_args(Back()),
    "break": _break,
    "holidays": _holidays,
    "unskip": _no_args(Unskip()),
    "remind": _remind,
    "meeting": _meeting,
    "pause": _no_args(Pause()),
    "resume": _no_args(Resume()),
    "skip": _no_args(Skip()),
    "stop": _one_optional_word("confirm", Stop(), Stop(confirmed=True)),
    "organizer": _organizer,
    "export": _export,
}
