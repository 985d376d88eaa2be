"""How each ``/study`` command is written and what it does: the table ``/study help`` shows,
refusals quote (``usage``) and Discord declares its subcommands from."""

from __future__ import annotations

from dataclasses import dataclass


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
    "ask": Spec(
        "/study ask [unit-id] <question...>",
        "open a Q&A thread; start with a unit id (see `/study schedule`) to file it there",
    ),
    "tex": Spec(
        "/study tex <formula>",
        "see a formula typeset, privately; in questions write formulas as $...$ or $$...$$",
    ),
    "resolve": Spec("/study resolve", "in a Q&A thread: mark the question answered"),
    "questions": Spec("/study questions [open|all] [unit-id]", "list the group's questions"),
    "faq": Spec(
        "/study faq [unit-id]  (organizers: /study faq feature|hide|unmark <number>)",
        "questions asked before on a unit and their accepted answers (this session's unit, if none)",
    ),
    "reopen": Spec(
        "/study reopen [number]",
        "open a resolved question again (in its thread, or by its number); asker or organizers",
    ),
    "edit": Spec("/study edit <number> <question...>", "rewrite your question; its post follows"),
    "move": Spec("/study move <number> <unit-id>", "file your question under another unit"),
    "withdraw": Spec("/study withdraw <number>", "take back your question while nobody answered"),
    "sharing": Spec(
        "/study sharing on|off",
        "let other groups reading the same book see our questions (in their suggestions and FAQ)",
        organizer_only=True,
    ),
    "progress": Spec("/study progress", "the group this week: check-ins, streaks, who is behind"),
    "me": Spec("/study me", "your check-ins, streak and open questions"),
    "schedule": Spec(
        "/study schedule [all]",
        "the next sessions with their unit ids; `all`: every session, the breaks and the end",
    ),
    "syllabus": Spec("/study syllabus list | show <id>", "the syllabi you can start"),
    "reminders": Spec(
        "/study reminders dm|channel|off",
        "the mid-week nudge as a DM, only in the channel, or not at all",
    ),
    "away": Spec(
        "/study away until YYYY-MM-DD",
        "away until then: no nudges, not counted as behind, your streak kept",
    ),
    "back": Spec("/study back", "back from being away: from today you count again"),
    "organizers": Spec("/study organizers", "who the group's organizers are"),
    "start": Spec(
        "/study start <syllabus-id> [from YYYY-MM-DD|now] [every <weekday> at HH:MM] "
        "[tz <Area/City>] [pace <n>]",
        "start reading a syllabus in this channel (`now`: the first session begins at once)",
        organizer_only=True,
    ),
    "plan": Spec("/study plan <schedule-file-name>", "start from a file in schedules/", True),
    "reschedule": Spec(
        "/study reschedule [every <weekday>] [at HH:MM] [tz <Area/City>]",
        "move the sessions still to come to a new day, time or zone",
        True,
    ),
    "break": Spec(
        "/study break <YYYY-MM-DD> [<YYYY-MM-DD>]",
        "no session from the first day to the last; later sessions move back",
        True,
    ),
    "holidays": Spec(
        "/study holidays <country-code>",
        "no session on that country's public holidays (e.g. DE, US, IN)",
        True,
    ),
    "unskip": Spec("/study unskip", "undo the latest skip still ahead", True),
    "remind": Spec(
        "/study remind before <duration> | off",
        "a post that long before each session (e.g. `before 30m`), or none",
        True,
    ),
    "meeting": Spec(
        "/study meeting link <url> | place <where>",
        "where the group meets, shown in each kickoff and reminder",
        True,
    ),
    "pause": Spec("/study pause", "pause the run: no posts until resume", True),
    "resume": Spec("/study resume", "resume a paused run; later sessions move back", True),
    "skip": Spec("/study skip", "no session next week; the rest shifts by a week", True),
    "stop": Spec(
        "/study stop [confirm]",
        "end the run: no more scheduled posts (asks first; `confirm` stops at once)",
        True,
    ),
    "organizer": Spec("/study organizer add|remove <member>", "manage organizers", True),
    "export": Spec("/study export csv|ical", "check-ins as CSV, or the calendar as iCalendar"),
}

ORGANIZER_ONLY = frozenset(name for name, spec in SPECS.items() if spec.organizer_only)


def usage(name: str) -> str:
    """The usage line of a command, as refusals quote it."""
    return f"Usage: `{SPECS[name].usage}`"


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
