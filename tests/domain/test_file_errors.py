"""One error language for files: every mistake in a syllabus or schedule (typed on disk or
uploaded in chat, which reads through the same parser) is ``FILE:LINE:COLUMN: field: sentence``,
with what to write instead, and never a traceback or a library's wording.

Each case is one line: the file's text and a fragment of the located message it must produce.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.app import app
from bot.core.models import FileEvent
from bot.domain.datafile import parse_yaml
from bot.domain.library import Library
from bot.domain.problems import DataFileError
from bot.domain.schedule_check import check_schedule
from bot.domain.syllabus import check_syllabus

from ..conftest import BROKEN, CONTENT
from ..core.harness import Harness
from ..forbidden import LIBRARY_WORDING, library_wording_in

TODAY = date(2026, 12, 4)

SYLLABUS = """\
id: broken
title: A small book
authors: [A. Author]
units:
  - id: vectors
    title: Vectors
    readings:
      - section: "1.1"
        title: Vectors and Linear Combinations
        pages: 2-10
    topics: [linear combinations]
    hours: 3
    questions:
      - Why is every point of the plane a combination of two independent vectors?
      - Compare adding vectors with adding the points they point to.
      - Explain a linear combination to a colleague without symbols.
"""

SCHEDULE = """\
syllabus: mml
start: 2027-01-04
weekday: monday
time: "18:30"
timezone: Europe/Berlin
"""


def syl(old: str, new: str) -> str:
    """The valid syllabus above with one piece of text replaced (which must be there)."""
    assert old in SYLLABUS, old
    return SYLLABUS.replace(old, new, 1)


def sch(old: str, new: str) -> str:
    """The valid schedule above with one piece of text replaced (which must be there)."""
    assert old in SCHEDULE, old
    return SCHEDULE.replace(old, new, 1)


READINGS = """    readings:
      - section: "1.1"
        title: Vectors and Linear Combinations
        pages: 2-10"""
DEEP_LIST = "a: " + "[" * 500 + "]" * 500 + "\n"
DEEP_MAPPING = "a: " + "{a: " * 1000 + "b" + "}" * 1000 + "\n"
NESTED = "lists and mappings are nested more than 20 levels deep here"
QUOTES = 'write it in quotes, "2.10" — unquoted, 2.10 reads as the number 2.1'
EST = "EST is an abbreviation with a fixed offset and no daylight saving time; write the zone "
EST += "where the group meets, e.g. America/New_York"
FIXED = "with no daylight saving time; write the zone where the group meets, e.g. Europe/Berlin"

CASES: list[tuple[str, str]] = [
    # YAML safety limits: refused with a place, never a RecursionError
    (DEEP_LIST, f"1:23: yaml: {NESTED}"),
    (DEEP_MAPPING, f"1:80: yaml: {NESTED}"),
    ("a: &x [1, 2]\nb: *x\n", "1:4: yaml: anchors and aliases (&name, *name) are not allowed"),
    ("base: {a: 1}\nunit:\n  <<: {b: 2}\n", "3:3: yaml: merge keys (<<) are not allowed"),
    ("a: !!python/object:os.system x\n", "1:4: yaml: tags (words starting with !, such as !!str)"),
    ("a: !custom 1\n", "1:4: yaml: tags (words starting with !, such as !!str) are not allowed"),
    ("%TAG ! tag:example.com,2000:\n---\na: !x 1\n", "3:4: yaml: tags (words starting with !"),
    ("? [a, b]\n: c\n", "1:3: yaml: a key must be a single name, not a list or mapping"),
    ("a: b\n---\nc: d\n", "2:1: yaml: holds more than one document (---); keep one per file"),
    ("a:\n\t- b\n", "2:1: yaml: a tab character; indent with spaces only"),
    ("a: 'open\n", "2:1: yaml: a quoted text is not closed: add the closing quote"),
    ("a: [1, 2\n", "2:1: yaml: a [list] is not closed: add the ]"),
    (
        syl("title: A small book", "title: A small book\n1: one"),
        "3:1: 1: unknown key '1'; allowed keys: ",
    ),
    # silent misreadings: numbers where text is meant are refused, not converted
    (syl('section: "1.1"', "section: 2.10"), f"8:18: units[0].readings[0].section: {QUOTES}"),
    (
        syl('section: "1.1"', "section: 3"),
        '8:18: units[0].readings[0].section: write it in quotes, "3"',
    ),
    (
        syl("title: A small book", "title: 2024"),
        '2:8: title: write it in quotes, "2024" — unquoted',
    ),
    (
        syl("authors: [A. Author]", "authors: [true]"),
        '3:11: authors[0]: write it in quotes, "true"',
    ),
    (
        sch('time: "18:30"', "time: 1830"),
        "4:7: time: write HH:MM, e.g. 18:30 (1830 reads as a number",
    ),
    (sch('time: "18:30"', "time: 25:00"), "4:7: time: 25:00 is not a time: hours go from 00 to 23"),
    (sch('time: "18:30"', "time: 6pm"), "4:7: time: 6pm is not a time; write HH:MM, e.g. 18:30"),
    (sch("timezone: Europe/Berlin", "timezone: EST"), f"5:11: timezone: {EST}"),
    (sch("timezone: Europe/Berlin", "timezone: CET"), "5:11: timezone: CET is an abbreviation"),
    (sch("timezone: Europe/Berlin", "timezone: PST"), "e.g. America/Los_Angeles"),
    (
        sch("timezone: Europe/Berlin", "timezone: UTC+1"),
        f"5:11: timezone: UTC+1 is a fixed offset (UTC+1) {FIXED}",
    ),
    (
        sch("timezone: Europe/Berlin", "timezone: GMT+2"),
        "5:11: timezone: GMT+2 is a fixed offset (UTC+2)",
    ),
    (
        sch("timezone: Europe/Berlin", "timezone: Etc/GMT-1"),
        "timezone: Etc/GMT-1 is a fixed offset (UTC+1)",
    ),
    (
        sch("start: 2027-01-04", "start: 2126-01-01"),
        "2:8: start: 2126-01-01 is more than 2 years ahead",
    ),
    (
        sch("start: 2027-01-04", "start: 1926-01-04"),
        "2:8: start: 1926-01-04 is more than 5 years ago",
    ),
    (
        sch("start: 2027-01-04", "start: 20270104"),
        "2:8: start: write a date as YYYY-MM-DD, e.g. 2027-01-04",
    ),
    # jargon: each sentence says what is wrong and what to write
    (
        sch("start: 2027-01-04", "start: 2026-02-30"),
        "2:8: start: 2026-02-30 is not a date: February 2026 has 28 days",
    ),
    (sch("start: 2027-01-04", "start: 2028-02-30"), "February 2028 has 29 days"),
    (
        sch("start: 2027-01-04", "start: 2O27-01-04"),
        "2:8: start: 2O27-01-04 is not a date; write it as YYYY-MM-DD",
    ),
    (
        sch("start: 2027-01-04", "start: 2027-13-01"),
        "2:8: start: 2027-13-01 is not a date: a year has 12 months",
    ),
    (
        SCHEDULE + "breaks: [2027-02-30]\n",
        "6:10: breaks[0]: 2027-02-30 is not a date: February 2027 has 28 days",
    ),
    (
        SCHEDULE + "pace: {units_per_session: 25}\n",
        "6:27: pace.units_per_session: must be at most 20 (got 25)",
    ),
    (
        SCHEDULE + "pace: {hours_per_week: -1}\n",
        "6:24: pace.hours_per_week: must be more than 0 (got -1)",
    ),
    (
        SCHEDULE + "pace: {plan: mml-01}\n",
        "6:14: pace.plan: should be a list of lists: one '- item' per line",
    ),
    (SCHEDULE + "pace: 3\n", "6:7: pace: should be a mapping of field: value (units_per_session, "),
    (
        SCHEDULE + "reminder: soon\n",
        "6:11: reminder: 'soon' is not a duration; write one like 3d, 12h",
    ),
    (
        "- a list\n- not a schedule\n",
        "1:1: (document): should be a mapping of field: value (id, title",
    ),
    (
        syl("authors: [A. Author]", "authors: A. Author"),
        "3:10: authors: should be a list of texts: one '- item' per line, or [first, second] (got a single value)",
    ),
    (
        syl("    topics: [linear combinations]", "    topics: {a: b}"),
        "11:13: units[0].topics: should be a list of texts",
    ),
    (
        syl(READINGS, '    readings: {section: "1.1", title: T, pages: 2}'),
        "7:15: units[0].readings: should be a list of entries (each a mapping of field: value)",
    ),
    (syl("    hours: 3", "    hours: 250"), "12:12: units[0].hours: must be at most 100 (got 250)"),
    (
        syl("    hours: 3", "    hours: lots"),
        "12:12: units[0].hours: should be a number, e.g. 2.5 (got lots)",
    ),
    (
        syl("title: A small book", "title: A small book\nyear: 2150"),
        "3:7: year: must be at most 2100 (got 2150)",
    ),
    (
        syl("title: A small book", "title: A small book\nyear: 19.5"),
        "3:7: year: should be a whole number, e.g. 3 (got 19.5)",
    ),
    (
        syl("title: A small book", "title: A small book\nkind: novel"),
        "3:7: kind: must be one of 'book' or 'track' (got 'novel')",
    ),
    (syl("title: A small book", 'title: ""'), "2:8: title: must not be empty"),
    (
        syl("title: A small book", "title: " + "x" * 501),
        "2:8: title: must be at most 500 characters long (got 501)",
    ),
    (
        syl("id: broken", "id: Broken Book"),
        "1:5: id: use lowercase letters, digits and hyphens, e.g. linear-algebra, not 'Broken Book'",
    ),
    (syl("title: A small book", "title:"), "2:7: title: is empty; write a value"),
    (
        syl("title: A small book", "title: A small book\nlinks: [{title: Notes, url: notes}]"),
        "3:29: links[0].url: write a full web address starting with https://",
    ),
    (
        syl("      - Why is every", "      - Why?\n      - Why is every"),
        "14:9: units[0].questions[0]: must be at least 10 characters long (got 4)",
    ),
]


def located_problems(text: str) -> list[str]:
    """The problems a file produces as printed (without the file name), via the same parser
    chat uploads use; [] if the file is valid."""
    try:
        document = parse_yaml(text.encode("utf-8"), name="f.yaml")
        data = document.data
        if isinstance(data, dict) and "syllabus" in data and "units" not in data:
            check_schedule(document, library=Library(CONTENT), today=TODAY)
        else:
            check_syllabus(document, library=Library(CONTENT))
    except DataFileError as problems:
        return [str(p).removeprefix("f.yaml:") for p in problems.problems]
    return []


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[1][:60] for c in CASES])
def test_each_mistake_gets_a_located_plain_sentence(text: str, expected: str) -> None:
    problems = located_problems(text)
    assert any(expected in problem for problem in problems), problems


def test_the_templates_are_valid() -> None:
    assert located_problems(SYLLABUS) == []
    assert located_problems(SCHEDULE) == []
    assert located_problems(sch("timezone: Europe/Berlin", "timezone: UTC")) == []
    assert located_problems(sch("timezone: Europe/Berlin", "timezone: europe/berlin")) == []


# Besides the shared list: what this issue saw reach members, and the models' class names.
SEEN_IN_THE_ISSUE = (
    "value_error",
    "yaml.org",
    "invalid character in year",
    "instance of",
    "day value is outside expected range",
    "less than or equal to",
)
CLASS_NAMES = ("ScheduleSpec", "Syllabus", "Reading", "Unit", "Pace", "Break", "PageRange")


def _every_message() -> list[str]:
    messages = [p for text, _ in CASES for p in located_problems(text)]
    runner = CliRunner()
    for path in sorted(BROKEN.glob("*.yaml")):
        result = runner.invoke(app, ["syllabus", "validate", str(path)])
        messages += result.output.splitlines()
    return messages


def test_no_message_speaks_a_library_or_names_a_class() -> None:
    assert "input should" in LIBRARY_WORDING
    messages = _every_message()
    assert len(messages) > len(CASES)
    for message in messages:
        assert library_wording_in(message) == [], message
        lowered = message.lower()
        assert not [w for w in SEEN_IN_THE_ISSUE if w in lowered], message
        text = message.split(": ", 2)[-1]  # the sentence, not the file name or field
        assert not [name for name in CLASS_NAMES if name in text], message


def test_a_file_over_one_megabyte_is_refused_before_parsing() -> None:
    text = "a: [" + "1, " * 400_000 + "1]\n"
    assert located_problems(text) == ["1:1: file: is 1.1 MiB; files larger than 1 MiB are refused"]


def test_the_pydantic_table_falls_back_to_a_plain_sentence() -> None:
    from bot.domain.explain import FALLBACK, Found, explain

    found = Found(loc=("a",), value=1, written="1", ctx={}, model=type(None))  # type: ignore[arg-type]
    assert explain("some_future_error_type", found) == FALLBACK
    assert explain("value_error", found) == FALLBACK  # a ValueError not ours: never echoed
    assert library_wording_in(FALLBACK) == []


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_one_bad_file_does_not_stop_a_folder(tmp_path: Path) -> None:
    (tmp_path / "a-deep.yaml").write_text(DEEP_LIST, encoding="utf-8")
    (tmp_path / "b-good.yaml").write_text(SYLLABUS.replace("id: broken", "id: b-good"), "utf-8")
    (tmp_path / "c-tz.yaml").write_text(sch("timezone: Europe/Berlin", "timezone: EST"), "utf-8")
    code, output = _cli("syllabus", "validate", str(tmp_path))
    assert code == 1
    assert f"{tmp_path / 'b-good.yaml'}: ok (b-good, 1 units, 9 pages)" in output
    assert f"{tmp_path / 'a-deep.yaml'}:1:23: yaml: {NESTED}" in output
    assert f"{tmp_path / 'c-tz.yaml'}:5:11: timezone: {EST}" in output
    assert "2 problems in 2 files" in output
    assert "Traceback" not in output


def test_an_empty_folder_is_a_failure_that_says_so(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a syllabus", encoding="utf-8")
    code, output = _cli("syllabus", "validate", str(tmp_path))
    assert code == 1
    assert f"{tmp_path}:1:1: folder: no syllabus or schedule files (.yaml) in {tmp_path}" in output
    code, output = _cli("schedule", "validate", str(tmp_path))
    assert code == 1
    assert f"no schedule files (.yaml) in {tmp_path}" in output


def test_a_file_of_the_wrong_kind_says_so(tmp_path: Path) -> None:
    code, output = _cli("schedule", "validate", str(CONTENT / "mml.yaml"))
    assert code == 1
    assert "mml.yaml:1:1: file: is a syllabus, not a schedule: check it with studybot " in output
    notes = tmp_path / "notes.txt"
    notes.write_text("id: x\n", encoding="utf-8")
    code, output = _cli("syllabus", "validate", str(notes))
    assert code == 1
    assert f"{notes}:1:1: file: is not a syllabus or schedule file: those end in .yaml" in output


def test_schedule_validate_still_checks_schedules(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text(SCHEDULE, encoding="utf-8")
    code, output = _cli("schedule", "validate", str(path))
    assert code == 0, output
    assert f"{path}: ok (schedule for mml, " in output


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (DEEP_LIST, f"deep.yaml:1:23: yaml: {NESTED}"),
        (DEEP_MAPPING, f"deep.yaml:1:80: yaml: {NESTED}"),
        (
            syl('section: "1.1"', "section: 2.10"),
            f"deep.yaml:8:18: units[0].readings[0].section: {QUOTES}",
        ),
    ],
)
async def test_a_chat_upload_gets_the_same_located_sentence(
    harness: Harness, content: str, expected: str
) -> None:
    """Members' uploads go through the same parser: a hostile file is a plain answer too."""
    event = FileEvent(
        who=harness.chat.person("ada"), where=harness.chat.place(), event_id="upload-1",
        filename="deep.yaml", size=len(content), content=content.encode(),
    )  # fmt: skip
    reply = await harness.bot.handle(event)
    assert reply is not None
    answer = reply.message.text
    assert expected in answer, answer
    assert library_wording_in(answer) == []
