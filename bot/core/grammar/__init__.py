"""One grammar for ``/study ...``, parsed once for every platform.

``parse(text)`` (``parser``) returns a typed command (``commands``) or raises ``CommandError``; ``SPECS``
(``specs``) says how each command is written and what it does, for ``/study help`` and the
usage line every refusal quotes.
"""

from __future__ import annotations

from bot.core.errors import CommandError
from bot.core.grammar.commands import (
    Ask,
    CheckIn,
    Command,
    Export,
    Help,
    Join,
    Leave,
    Me,
    Organizer,
    Organizers,
    Pause,
    Plan,
    Progress,
    Questions,
    Reminders,
    Resolve,
    Resume,
    ShowSchedule,
    Skip,
    Start,
    Stop,
    SyllabusList,
    SyllabusShow,
    Tex,
)
from bot.core.grammar.parser import (
    ALIASES,
    CHECKIN_WORDS,
    MAX_TEXT,
    REMINDER_MODES,
    Parser,
    parse,
    visible,
)
from bot.core.grammar.specs import ORGANIZER_ONLY, SPECS, Spec, help_text, usage

__all__ = [
    "ALIASES",
    "CHECKIN_WORDS",
    "MAX_TEXT",
    "ORGANIZER_ONLY",
    "REMINDER_MODES",
    "SPECS",
    "Ask",
    "CheckIn",
    "Command",
    "CommandError",
    "Export",
    "Help",
    "Join",
    "Leave",
    "Me",
    "Organizer",
    "Organizers",
    "Parser",
    "Pause",
    "Plan",
    "Progress",
    "Questions",
    "Reminders",
    "Resolve",
    "Resume",
    "ShowSchedule",
    "Skip",
    "Spec",
    "Start",
    "Stop",
    "SyllabusList",
    "SyllabusShow",
    "Tex",
    "help_text",
    "parse",
    "usage",
    "visible",
]
