"""The `/study ...` grammar (bot/core/grammar.py), which every chat platform shares.

`parse` turns what a member typed into a typed command, or raises `CommandError` with a message
that is shown to the member as is: it carries the usage line of the command they tried and, for
a mistyped command word, the closest valid command.
"""

from __future__ import annotations

import itertools

import pytest

from bot.core.errors import Refusal
from bot.core.grammar import (
    MAX_TEXT,
    ORGANIZER_ONLY,
    SPECS,
    Ask,
    Away,
    Back,
    Break,
    CheckIn,
    CommandError,
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
    help_text,
    parse,
    usage,
)

ORGANIZER_COMMANDS = {
    *("start", "plan", "pause", "resume", "skip", "stop", "organizer"),
    *("reschedule", "break", "holidays", "unskip", "meeting", "remind", "sharing"),
}
NO_ARGUMENT_COMMANDS = {
    "join": Join(),
    "leave": Leave(),
    "resolve": Resolve(),
    "progress": Progress(),
    "me": Me(),
    "organizers": Organizers(),
    "pause": Pause(),
    "resume": Resume(),
    "skip": Skip(),
}
# Commands that take nothing or exactly one word.
ONE_OPTIONAL_WORD = {
    "schedule": ("all", ShowSchedule(), ShowSchedule(everything=True)),
    "stop": ("confirm", Stop(), Stop(confirmed=True)),
}


def refusal(text: str) -> str:
    """The message `parse` refuses `text` with."""
    with pytest.raises(CommandError) as caught:
        parse(text)
    return str(caught.value)


# --- every command, in its plainest form ------------------------------------------------------

ONE_OF_EACH = [
    ("help", Help()),
    ("join", Join()),
    ("leave", Leave()),
    ("checkin done", CheckIn("done")),
    ("ask What is a basis?", Ask("What is a basis?")),
    (r"tex \frac{a}{b}", Tex(r"\frac{a}{b}")),
    ("reschedule at 19:00", Reschedule(time="19:00")),
    ("break 2026-12-21 2027-01-03", Break("2026-12-21", "2027-01-03")),
    ("holidays DE", Holidays("DE")),
    ("unskip", Unskip()),
    ("remind before 30m", Remind("30m")),
    ("away until 2026-10-20", Away("2026-10-20")),
    ("back", Back()),
    ("meeting place Room 4", MeetAt("place", "Room 4")),
    ("resolve", Resolve()),
    ("questions", Questions("open", None)),
    ("progress", Progress()),
    ("me", Me()),
    ("schedule", ShowSchedule()),
    ("syllabus list", SyllabusList()),
    ("reminders dm", Reminders("dm")),
    ("organizers", Organizers()),
    ("start mml", Start("mml")),
    ("plan mml-berlin-mondays", Plan("mml-berlin-mondays")),
    ("pause", Pause()),
    ("resume", Resume()),
    ("skip", Skip()),
    ("stop", Stop()),
    ("organizer add <@U123|ada>", Organizer(add=True, member="<@U123|ada>")),
    ("export csv", Export("csv")),
    ("faq mml-03", Faq("mml-03")),
    ("faq hide #12", Faq(mark="hidden", question_id=12)),
    ("sharing on", Sharing(on=True)),
    ("reopen 3", Reopen(3)),
    ("edit 3 What is rank, really?", Edit(3, "What is rank, really?")),
    ("move #3 mml-04", Move(3, "mml-04")),
    ("withdraw 3", Withdraw(3)),
]


def test_the_table_below_covers_every_command_in_specs() -> None:
    assert {text.split()[0] for text, _ in ONE_OF_EACH} == set(SPECS)


@pytest.mark.parametrize(("text", "expected"), ONE_OF_EACH, ids=[t for t, _ in ONE_OF_EACH])
def test_every_command_parses_to_its_typed_command(text: str, expected: object) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize("name", sorted(NO_ARGUMENT_COMMANDS))
def test_no_argument_commands_parse(name: str) -> None:
    assert parse(name) == NO_ARGUMENT_COMMANDS[name]


# --- help ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["", "   ", "\n", "\t \n", "/study", "study", "  /study  ", "/study\t"]
)
def test_empty_input_means_help(text: str) -> None:
    assert parse(text) == Help()


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("help", None),
        ("help join", "join"),
        ("help checkin", "checkin"),
        ("help organizer", "organizer"),
        ("help CHECKIN", "checkin"),
        ("help ci", "checkin"),
        ("help check-in", "checkin"),
        ("help q", "ask"),
        ("help question", "ask"),
    ],
)
def test_help_takes_an_optional_command_or_alias(text: str, topic: str | None) -> None:
    assert parse(text) == Help(topic)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_help_on_every_command(name: str) -> None:
    assert parse(f"help {name}") == Help(name)


def test_help_on_a_command_that_does_not_exist_is_refused() -> None:
    message = refusal("help nonsense")
    assert "`nonsense`" in message
    assert usage("help") in message


# --- checkin ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("checkin done", CheckIn("done", "")),
        ("checkin partial", CheckIn("partial", "")),
        ("checkin partly", CheckIn("partial", "")),
        ("checkin behind", CheckIn("behind", "")),
        ("checkin DONE", CheckIn("done", "")),
        ("checkin Partly", CheckIn("partial", "")),
        ("ci done", CheckIn("done", "")),
        ("check-in behind", CheckIn("behind", "")),
        ("checkin done finished chapter 2", CheckIn("done", "finished chapter 2")),
        ("checkin partly skipped the proofs", CheckIn("partial", "skipped the proofs")),
        ("ci behind sick this week", CheckIn("behind", "sick this week")),
    ],
)
def test_checkin_statuses_aliases_and_notes(text: str, expected: CheckIn) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    "note",
    [
        "didn't get past §2.3 (Bayes' rule), will catch up!",
        'done -- but "eigen" what?? ¯\\_(ツ)_/¯',
        "read pp. 12–40; ex. 3.1, 3.4 & 3.7 :)",
        "two  spaces   kept  as  typed",
        "it's $\\det(A) = 0$, isn't it?",
        "line one\nline two",
    ],
)
def test_checkin_notes_are_kept_verbatim(note: str) -> None:
    assert parse(f"checkin done {note}") == CheckIn("done", note)
    assert parse(f"/study checkin partly {note}") == CheckIn("partial", note)


@pytest.mark.parametrize(
    "text",
    ["checkin", "ci", "checkin finished", "checkin donee", "checkin 100%", "checkin ok thanks"],
)
def test_checkin_without_a_valid_status_is_refused(text: str) -> None:
    message = refusal(text)
    assert "done, partial or behind" in message
    assert usage("checkin") in message


# --- ask -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "What is a basis?",
        "Why is $\\nabla_x (x^\\top A x) = (A + A^\\top) x$?",
        "Is $$\\sum_{i=1}^n i = \\frac{n(n+1)}{2}$$ proven by induction in the book?",
        "Doesn't the author's proof of Thm 2.4 assume `A` is square?",
        "What's the difference between $p(x|y)$ and $p(y|x)$? (ch. 6, p. 180)",
        "spaces   inside   are   kept",
        "first line\nsecond line",
        "ask about ask?",
        "study tips, anyone?",
    ],
)
def test_ask_keeps_the_question_verbatim(question: str) -> None:
    assert parse(f"ask {question}") == Ask(question)


@pytest.mark.parametrize("alias", ["ask", "q", "question", "ASK", "Q"])
def test_ask_and_its_aliases(alias: str) -> None:
    assert parse(f"{alias} Why $e^{{i\\pi}} = -1$?") == Ask("Why $e^{i\\pi} = -1$?")


@pytest.mark.parametrize("text", ["ask", "ask   ", "q", "question", "/study ask"])
def test_ask_without_a_question_is_refused(text: str) -> None:
    message = refusal(text)
    assert "Write the question" in message
    assert usage("ask") in message


# --- the length limit on free text -----------------------------------------------------------


def test_the_limit_is_well_below_ten_thousand_characters() -> None:
    assert MAX_TEXT < 10_000


@pytest.mark.parametrize(
    ("prefix", "name"),
    [("ask ", "ask"), ("q ", "ask"), ("checkin done ", "checkin"), ("checkin partly ", "checkin")],
)
def test_a_10000_character_question_or_note_is_refused(prefix: str, name: str) -> None:
    long_text = ("A very long thought. " * 500)[:10_000]
    assert len(long_text) == 10_000
    message = refusal(prefix + long_text)
    assert "10000 characters" in message
    assert f"the limit is {MAX_TEXT}" in message
    assert "nothing was saved" in message
    assert usage(name) in message


@pytest.mark.parametrize(("prefix", "name"), [("ask ", "ask"), ("checkin behind ", "checkin")])
def test_text_of_exactly_the_limit_is_accepted_and_one_more_character_is_not(
    prefix: str, name: str
) -> None:
    at_limit = "x" * MAX_TEXT
    parsed = parse(prefix + at_limit)
    assert (parsed.text if isinstance(parsed, Ask) else parsed.note) == at_limit
    message = refusal(prefix + at_limit + "x")
    assert f"{MAX_TEXT + 1} characters" in message
    assert usage(name) in message


# --- questions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("questions", Questions("open", None)),
        ("questions open", Questions("open", None)),
        ("questions all", Questions("all", None)),
        ("questions ALL", Questions("all", None)),
        ("questions Open", Questions("open", None)),
        ("questions 2", Questions("open", "2")),
        ("questions 2.1", Questions("open", "2.1")),
        ("questions open 2.1", Questions("open", "2.1")),
        ("questions all 2.1", Questions("all", "2.1")),
        ("questions all ch-3", Questions("all", "ch-3")),
    ],
)
def test_questions_scope_and_unit(text: str, expected: Questions) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    "text",
    ["questions 2.1 2.2", "questions all 2.1 2.2", "questions open 1 2 3", "questions 1 all"],
)
def test_questions_with_more_than_one_unit_is_refused(text: str) -> None:
    message = refusal(text)
    assert "at most one unit" in message
    assert usage("questions") in message


# --- syllabus --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("syllabus", SyllabusList()),
        ("syllabus list", SyllabusList()),
        ("syllabus show mml", SyllabusShow("mml")),
        ("syllabus show strang-ila", SyllabusShow("strang-ila")),
        ("syllabus SHOW deep-learning", SyllabusShow("deep-learning")),
    ],
)
def test_syllabus_list_and_show(text: str, expected: object) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "syllabus show",
        "syllabus show mml strang-ila",
        "syllabus list mml",
        "syllabus delete mml",
        "syllabus mml",
    ],
)
def test_syllabus_mistakes_are_refused(text: str) -> None:
    message = refusal(text)
    assert "`list`, or `show`" in message
    assert usage("syllabus") in message


# --- reminders and export ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("reminders dm", Reminders("dm")),
        ("reminders channel", Reminders("channel")),
        ("reminders DM", Reminders("dm")),
        ("reminders Channel", Reminders("channel")),
        ("reminders off", Reminders("off")),
        ("reminders OFF", Reminders("off")),
        ("export csv", Export("csv")),
        ("export ical", Export("ical")),
        ("export CSV", Export("csv")),
        ("export iCal", Export("ical")),
    ],
)
def test_reminders_and_export_choices(text: str, expected: object) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "name", "hint"),
    [
        ("reminders", "reminders", "`dm`"),
        ("reminders email", "reminders", "`dm`"),
        ("reminders dm channel", "reminders", "`dm`"),
        ("reminders none", "reminders", "`off`"),
        ("export", "export", "`csv`"),
        ("export pdf", "export", "`csv`"),
        ("export csv ical", "export", "`csv`"),
        ("export ics", "export", "`ical`"),
    ],
)
def test_reminders_and_export_mistakes_are_refused(text: str, name: str, hint: str) -> None:
    message = refusal(text)
    assert hint in message
    assert usage(name) in message


# --- start -----------------------------------------------------------------------------------

START_OPTIONS = {
    "from": ("from 2026-10-05", {"start": "2026-10-05"}),
    "every": ("every monday at 18:30", {"weekday": "monday", "time": "18:30"}),
    "tz": ("tz Europe/Berlin", {"timezone": "Europe/Berlin"}),
    "pace": ("pace 2", {"pace": 2}),
}
OPTION_SUBSETS = [
    subset
    for size in range(len(START_OPTIONS) + 1)
    for subset in itertools.combinations(START_OPTIONS, size)
]


def start_with(options: tuple[str, ...]) -> tuple[str, Start]:
    text = " ".join(["start mml", *(START_OPTIONS[o][0] for o in options)])
    fields: dict = {}
    for option in options:
        fields.update(START_OPTIONS[option][1])
    return text, Start("mml", **fields)


@pytest.mark.parametrize(
    "options", OPTION_SUBSETS, ids=["+".join(s) or "bare" for s in OPTION_SUBSETS]
)
def test_start_with_every_combination_of_options(options: tuple[str, ...]) -> None:
    text, expected = start_with(options)
    assert parse(text) == expected


ALL_ORDERS = list(itertools.permutations(START_OPTIONS))


@pytest.mark.parametrize("options", ALL_ORDERS, ids=["+".join(o) for o in ALL_ORDERS])
def test_start_options_may_come_in_any_order(options: tuple[str, ...]) -> None:
    text, _ = start_with(options)
    assert parse(text) == Start(
        "mml", start="2026-10-05", weekday="monday", time="18:30", timezone="Europe/Berlin", pace=2
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("start mml every monday", Start("mml", weekday="monday")),
        ("start mml at 18:30", Start("mml", time="18:30")),
        (
            "start mml every monday tz America/New_York at 07:00",
            Start("mml", weekday="monday", time="07:00", timezone="America/New_York"),
        ),
        ("start mml pace 10", Start("mml", pace=10)),
        ("start mml pace 01", Start("mml", pace=1)),
        ("start strang-ila tz UTC", Start("strang-ila", timezone="UTC")),
        (
            "start mml FROM 2026-10-05 EVERY thursday AT 19:00 TZ Australia/Sydney PACE 3",
            Start(
                "mml",
                start="2026-10-05",
                weekday="thursday",
                time="19:00",
                timezone="Australia/Sydney",
                pace=3,
            ),
        ),
    ],
)
def test_start_option_forms(text: str, expected: Start) -> None:
    assert parse(text) == expected


def test_start_keeps_the_time_zone_as_typed() -> None:
    assert parse("start mml tz America/Argentina/Buenos_Aires").timezone == (
        "America/Argentina/Buenos_Aires"
    )


@pytest.mark.parametrize(
    "text",
    [
        "start",
        "start mml tomorrow",
        "start mml from",
        "start mml every",
        "start mml every monday at",
        "start mml at",
        "start mml tz",
        "start mml pace",
        "start mml weekly",
        "start mml every monday at 18:30 sharp",
    ],
)
def test_start_mistakes_are_refused(text: str) -> None:
    assert usage("start") in refusal(text)


@pytest.mark.parametrize("pace", ["0", "00", "x", "two", "-1", "1.5", "+2", "²"])
def test_start_refuses_a_pace_that_is_not_a_positive_whole_number(pace: str) -> None:
    # "²" counts as a digit for str.isdigit() but int() cannot read it: it must still be a
    # CommandError for the member, not a ValueError that escapes the bot's error handling.
    message = refusal(f"start mml pace {pace}")
    assert f"`pace` takes a whole number of units per session, not `{pace}`" in message
    assert usage("start") in message


# --- plan and organizer ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["mml-berlin-mondays", "deep-learning-sydney", "strang-nyc-30-pages"]
)
def test_plan_names_one_schedule_file(name: str) -> None:
    assert parse(f"plan {name}") == Plan(name)


@pytest.mark.parametrize("text", ["plan", "plan mml-berlin-mondays strang-nyc-30-pages"])
def test_plan_needs_exactly_one_file(text: str) -> None:
    message = refusal(text)
    assert "Name one schedule file" in message
    assert usage("plan") in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("organizer add <@U123|ada>", Organizer(True, "<@U123|ada>")),
        ("organizer remove <@U123|ada>", Organizer(False, "<@U123|ada>")),
        ("organizer add <@U0G9QF9C6>", Organizer(True, "<@U0G9QF9C6>")),
        ("organizer add <@!80351110224678912>", Organizer(True, "<@!80351110224678912>")),
        ("organizer add @ada", Organizer(True, "@ada")),
        ("organizer ADD ada", Organizer(True, "ada")),
        ("organizer Remove bob", Organizer(False, "bob")),
        ("organizer add Ada Lovelace", Organizer(True, "Ada Lovelace")),
        ("organizer add <@U123|Ada Lovelace>", Organizer(True, "<@U123|Ada Lovelace>")),
    ],
)
def test_organizer_add_and_remove_keep_the_member_as_given(text: str, expected: Organizer) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    "text",
    ["organizer", "organizer add", "organizer remove", "organizer promote ada", "organizer ada"],
)
def test_organizer_mistakes_are_refused(text: str) -> None:
    message = refusal(text)
    assert "`add` or `remove`" in message
    assert usage("organizer") in message


# --- commands that take no arguments, or one word -------------------------------------------


@pytest.mark.parametrize("name", sorted(ONE_OPTIONAL_WORD))
def test_one_optional_word_commands_parse_with_and_without_it(name: str) -> None:
    word, bare, with_word = ONE_OPTIONAL_WORD[name]
    assert parse(name) == bare
    assert parse(f"{name} {word}") == with_word
    assert parse(f"{name} {word.upper()}") == with_word


@pytest.mark.parametrize("name", sorted(ONE_OPTIONAL_WORD))
@pytest.mark.parametrize("extra", ["now", "please", "mml", "<@U123|ada>"])
def test_other_words_after_a_one_optional_word_command_are_refused(name: str, extra: str) -> None:
    word = ONE_OPTIONAL_WORD[name][0]
    for text in (f"{name} {extra}", f"{name} {word} {extra}"):
        message = refusal(text)
        assert f"`{name}` takes nothing, or only `{word}`." in message
        assert usage(name) in message


@pytest.mark.parametrize("name", sorted(NO_ARGUMENT_COMMANDS))
@pytest.mark.parametrize("extra", ["now", "please", "mml", "<@U123|ada>"])
def test_arguments_to_a_no_argument_command_are_refused(name: str, extra: str) -> None:
    message = refusal(f"{name} {extra}")
    assert f"`{name}` takes no arguments." in message
    assert usage(name) in message


# --- what surrounds the command: /study, whitespace, case --------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "checkin done on time",
        "/study checkin done on time",
        "study checkin done on time",
        "   /study    checkin   done on time   ",
        "\t/study\tcheckin done on time\n",
        "CHECKIN DONE on time",
        "/study Checkin Done on time",
    ],
)
def test_prefix_whitespace_and_case_around_a_checkin(text: str) -> None:
    assert parse(text) == CheckIn("done", "on time")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("JOIN", Join()),
        ("Join", Join()),
        ("/study LEAVE", Leave()),
        ("study Progress", Progress()),
        ("  me  ", Me()),
        ("/study   schedule   ", ShowSchedule()),
        ("HELP Ask", Help("ask")),
        ("CI partly", CheckIn("partial")),
        ("Q Why $A^{-1}$?", Ask("Why $A^{-1}$?")),
        ("/study   ask    Why  $x$?  ", Ask("Why  $x$?")),
        ("QUESTIONS ALL 2.1", Questions("all", "2.1")),
        ("questions    all     2.1", Questions("all", "2.1")),
        ("Syllabus Show mml", SyllabusShow("mml")),
        ("REMINDERS DM", Reminders("dm")),
        ("study export ICAL", Export("ical")),
        ("ORGANIZER REMOVE <@U123|ada>", Organizer(False, "<@U123|ada>")),
        ("organizer   add    <@U123|ada>", Organizer(True, "<@U123|ada>")),
        ("Plan mml-berlin-mondays", Plan("mml-berlin-mondays")),
        ("STOP", Stop()),
        (
            "/study  Start   mml   Every  monday  At  18:30   Tz  Europe/Berlin",
            Start("mml", weekday="monday", time="18:30", timezone="Europe/Berlin"),
        ),
    ],
)
def test_prefix_whitespace_and_case_are_tolerated(text: str, expected: object) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("syllabus LIST", SyllabusList()),
        ("syllabus List", SyllabusList()),
    ],
)
def test_upper_case_syllabus_list_is_tolerated_like_syllabus_show(
    text: str, expected: object
) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/Study join", Join()),
        ("Study checkin done", CheckIn("done")),  # phones capitalise the first word
        ("STUDY JOIN", Join()),
    ],
)
def test_the_leading_study_word_is_tolerated_in_any_case(text: str, expected: object) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ask\nWhy is $x^2 \\ge 0$?", Ask("Why is $x^2 \\ge 0$?")),
        ("checkin\tdone", CheckIn("done")),
        ("/study join\t", Join()),
        ("/study\tstop", Stop()),
        ("checkin\ndone read it twice", CheckIn("done", "read it twice")),
    ],
)
def test_any_whitespace_may_follow_the_command_word(text: str, expected: object) -> None:
    assert parse(text) == expected


# --- mistyped and unknown command words ------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("jion", "join"),
        ("JION", "join"),
        ("joni", "join"),
        ("chekin", "checkin"),
        ("checkins", "checkin"),
        ("quesitons", "questions"),
        ("levae", "leave"),
        ("resovle", "resolve"),
        ("progres", "progress"),
        ("schedual", "schedule"),
        ("syllabi", "syllabus"),
        ("remiders", "reminders"),
        ("strat", "start"),
        ("plna", "plan"),
        ("puase", "pause"),
        ("resmue", "resume"),
        ("skpi", "skip"),
        ("stpo", "stop"),
        ("orgnaizer", "organizer"),
        ("exprot", "export"),
        ("hlep", "help"),
    ],
)
def test_a_mistyped_command_word_suggests_the_closest_command(typed: str, meant: str) -> None:
    message = refusal(f"{typed} something")
    assert f"Unknown command `{typed}`." in message
    assert f"Did you mean `{SPECS[meant].usage}`?" in message
    assert "`/study help`" in message


@pytest.mark.parametrize("typed", ["xyzzy", "zzz", "42", "🙂"])
def test_an_unknown_command_word_points_to_help(typed: str) -> None:
    message = refusal(typed)
    assert f"Unknown command `{typed}`." in message
    assert "Did you mean" not in message
    assert "`/study help`" in message


# --- usage, help_text and CommandError ---------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SPECS))
def test_usage_quotes_the_usage_line(name: str) -> None:
    assert usage(name) == f"Usage: `{SPECS[name].usage}`"
    assert SPECS[name].usage.startswith(f"/study {name}")


def test_command_error_is_a_refusal_whose_text_is_the_message() -> None:
    error = CommandError("Say how the reading went.")
    assert isinstance(error, Refusal)
    assert str(error) == "Say how the reading went."


def test_organizer_only_commands() -> None:
    assert ORGANIZER_ONLY == ORGANIZER_COMMANDS
    assert {name for name, spec in SPECS.items() if spec.organizer_only} == ORGANIZER_COMMANDS


def test_help_text_lists_every_command_once_in_order() -> None:
    lines = help_text().splitlines()
    assert lines[0] == "studybot commands:"
    assert len(lines) == 1 + len(SPECS)
    for line, spec in zip(lines[1:], SPECS.values(), strict=True):
        assert line.startswith(f"• `{spec.usage}`: {spec.summary}")


@pytest.mark.parametrize("name", sorted(SPECS))
def test_help_text_marks_exactly_the_organizer_only_commands(name: str) -> None:
    (line,) = [line for line in help_text().splitlines() if f"`{SPECS[name].usage}`" in line]
    assert line.endswith("(organizers)") == (name in ORGANIZER_COMMANDS)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_help_text_on_one_command(name: str) -> None:
    spec = SPECS[name]
    text = help_text(name)
    assert text.startswith(f"`{spec.usage}`: {spec.summary}")
    assert ("(organizers only)" in text) == (name in ORGANIZER_COMMANDS)
    assert text.endswith(".")


@pytest.mark.parametrize("text", ["help", "", "/study help", "help skip", "help ci"])
def test_parsed_help_topics_are_ones_help_text_can_explain(text: str) -> None:
    command = parse(text)
    assert isinstance(command, Help)
    assert help_text(command.topic)
