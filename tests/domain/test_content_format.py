"""The format additions of issue 11: exercises, requires, notes prompts, optional readings, free
web readings and the exercises resource kind. Each parses, each mistake gets a located plain
sentence, and what a file may not mean (order, a plan or a track skipping a prerequisite) is a
warning that never fails it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.app import app
from bot.core.models import Bullets, Heading, Paragraph, SmallPrint
from bot.core.posts import SHARE_NOTES, exercise_line, kickoff, reading_line, summary
from bot.core.services.runs import MeetingContent
from bot.core.services.tally import WeekTally
from bot.domain.datafile import parse_yaml
from bot.domain.library import Library
from bot.domain.problems import DataFileError
from bot.domain.schedule_check import check_schedule
from bot.domain.syllabus import check_syllabus, syllabus_warnings
from bot.store.models import Meeting

from ..conftest import CONTENT
from ..forbidden import library_wording_in

QUESTIONS = """    questions:
      - Why is every point of the plane a combination of two independent vectors?
      - Compare adding vectors with adding the points they point to.
      - Explain a linear combination to a colleague without symbols."""


def unit(unit_id: str, extra: str = "", reading: str = "") -> str:
    """One valid unit of the test book, with ``extra`` unit keys and a reading's extra keys."""
    return f"""  - id: {unit_id}
    title: Unit {unit_id}
    readings:
      - section: "1.1"
        title: Vectors and Linear Combinations
        pages: 2-10
{reading}    topics: [linear combinations]
    hours: 3
{QUESTIONS}
{extra}"""


def book(*units: str, kind: str = "book", books: str = "") -> str:
    return (
        f"id: test-book\ntitle: A small book\nkind: {kind}\nauthors: [A. Author]\n{books}units:\n"
        + "".join(units)
    )


EXERCISES = """    exercises:
      - items: "Exercises 2.1-2.10 (end of chapter 2)"
        answers: "Worked answers: none published"
        url: https://example.org/solutions.pdf
      - items: The exercises at the end of section 1.1
    notes_prompt: "In your own words: why is a linear combination still a vector?"
    resources:
      - title: Problem set 1
        url: https://example.org/ps1.pdf
        kind: exercises
"""


def check(text: str, folder: Path = CONTENT) -> tuple[object, list[str]]:
    """The syllabus and its warning lines; DataFileError when it is refused."""
    document = parse_yaml(text.encode(), name="book.yaml")
    library = Library(folder)
    syllabus = check_syllabus(document, library=library)
    return syllabus, [str(w) for w in syllabus_warnings(syllabus, document, library=library)]


def problems(text: str) -> str:
    with pytest.raises(DataFileError) as caught:
        check(text)
    message = str(caught.value)
    assert not library_wording_in(message), message
    return message


def test_the_additions_parse() -> None:
    text = book(
        unit("u1", EXERCISES, reading="        optional: true\n"),
        unit("u2", "    requires: [u1]\n"),
    )
    syllabus, warnings = check(text)
    first, second = syllabus.units  # type: ignore[attr-defined]
    assert [e.items for e in first.exercises] == [
        "Exercises 2.1-2.10 (end of chapter 2)",
        "The exercises at the end of section 1.1",
    ]
    assert first.exercises[0].answers == "Worked answers: none published"
    assert str(first.exercises[0].url) == "https://example.org/solutions.pdf"
    assert first.exercises[1].answers is None and first.exercises[1].url is None
    assert first.notes_prompt.startswith("In your own words")
    assert first.resources[0].kind == "exercises"
    assert first.readings[0].optional is True and second.readings[0].optional is False
    assert second.requires == ("u1",) and first.requires == ()
    assert warnings == []


def test_a_web_reading_parses_without_section_or_pages() -> None:
    web = """      - kind: web
        title: "Visual Information Theory"
        url: https://colah.github.io/posts/2015-09-Visual-Information/
        minutes: 40
"""
    syllabus, _ = check(book(unit("u1", reading=web)))
    reading = syllabus.units[0].readings[1]  # type: ignore[attr-defined]
    assert reading.kind == "web" and reading.section is None and reading.pages is None
    assert reading.page_count == 0 and reading.minutes == 40
    assert syllabus.units[0].pages == 9  # type: ignore[attr-defined]
    # The content hash round trip (a stored copy is read back) keeps it valid.
    again = type(syllabus).model_validate_json(syllabus.canonical_json())  # type: ignore[attr-defined]
    assert again == syllabus


@pytest.mark.parametrize(
    ("extra", "reading", "expected"),
    [
        (
            "    requires: [u11]\n",
            "",
            "book.yaml:30:16: units[1].requires[0]: no unit 'u11' in this file (did you mean 'u1'?)",
        ),
        ("    requires: [u2]\n", "", "units[1].requires[0]: a unit cannot require itself"),
        ("    requires: u1\n", "", "units[1].requires: should be a list of texts"),
        (
            "    exercises:\n      - answers: Appendix F\n",
            "",
            "units[1].exercises[0].items: required but missing",
        ),
        (
            "    exercises:\n      - items: Set 1\n        url: example.org/x\n",
            "",
            "units[1].exercises[0].url: write a full web address",
        ),
        ("    notes_prompt: 42\n", "", 'units[1].notes_prompt: write it in quotes, "42"'),
        ("", "        optional: maybe\n", "units[1].readings[0].optional: write true or false"),
        (
            "",
            "      - kind: web\n        title: A page\n",
            "units[1].readings[1]: a reading of kind: web needs a url",
        ),
        (
            "",
            "      - kind: web\n        title: A page\n        url: https://example.org/\n"
            "        pages: 3-4\n",
            "units[1].readings[1]: a reading of kind: web has no 'pages'",
        ),
        (
            "",
            "      - kind: blog\n        title: A page\n        url: https://example.org/\n",
            "units[1].readings[1].kind: must be one of 'book' or 'web'",
        ),
        (
            "    resources:\n      - title: Set\n        url: https://example.org/s\n"
            "        kind: homework\n",
            "",
            "units[1].resources[0].kind: must be one of",
        ),
    ],
)
def test_each_mistake_in_the_additions_gets_a_located_plain_sentence(
    extra: str, reading: str, expected: str
) -> None:
    message = problems(book(unit("u1"), unit("u2", extra, reading=reading)))
    assert expected in message
    assert message.startswith("book.yaml:")


def test_a_book_reading_without_pages_is_still_refused() -> None:
    text = book(unit("u1")).replace("        pages: 2-10\n", "", 1)
    assert "units[0].readings[0]: a book reading needs pages" in problems(text)


def test_a_cycle_is_named_at_its_first_unit() -> None:
    text = book(
        unit("u1", "    requires: [u3]\n"),
        unit("u2", "    requires: [u1]\n"),
        unit("u3", "    requires: [u2]\n"),
    )
    message = problems(text)
    assert "units[0].requires[0]: units require each other in a circle: u1 -> u3 -> u2 -> u1" in (
        message
    )
    assert message.count("circle") == 1


def test_a_unit_before_one_it_requires_is_a_warning_not_an_error(tmp_path: Path) -> None:
    text = book(unit("u1", "    requires: [u2]\n"), unit("u2"))
    _, warnings = check(text)
    assert warnings == [
        "book.yaml:18:16: units[0].requires[0]: 'u1' is listed before 'u2', which it requires; "
        "move 'u2' up or 'u1' down"
    ]
    path = tmp_path / "book.yaml"
    path.write_text(text)
    result = CliRunner().invoke(app, ["syllabus", "validate", str(path)])
    assert result.exit_code == 0, result.output
    warning = f"{path}:18:16: warning: units[0].requires[0]: 'u1' is listed before 'u2'"
    assert warning in result.output
    assert ": ok (test-book" in result.output


def test_a_plan_that_skips_a_prerequisite_warns(tmp_path: Path) -> None:
    (tmp_path / "test-book.yaml").write_text(
        book(unit("u1"), unit("u2", "    requires: [u1]\n"), unit("u3", "    requires: [u2]\n"))
    )
    schedule = """\
syllabus: test-book
start: 2027-01-04
weekday: monday
time: "18:30"
timezone: Europe/Berlin
pace:
  plan:
    - [u2]
    - [u1, u3]
"""
    document = parse_yaml(schedule.encode(), name="plan.yaml")
    loaded = check_schedule(document, library=Library(tmp_path), today=date(2026, 12, 4))
    assert [str(w) for w in loaded.warnings] == [
        "plan.yaml:8:8: pace.plan[0][0]: 'u2' requires 'u1', which the plan reads only later"
    ]
    skipping = schedule.replace("    - [u1, u3]\n", "    - [u3]\n")
    document = parse_yaml(skipping.encode(), name="plan.yaml")
    loaded = check_schedule(document, library=Library(tmp_path), today=date(2026, 12, 4))
    assert [str(w) for w in loaded.warnings] == [
        "plan.yaml:8:8: pace.plan[0][0]: 'u2' requires 'u1', which the plan leaves out"
    ]


def test_a_track_that_skips_a_prerequisite_of_its_book_warns(tmp_path: Path) -> None:
    (tmp_path / "test-book.yaml").write_text(
        book(
            unit("u1"),
            unit("u2", "    requires: [u1]\n").replace('"1.1"', '"1.2"').replace("2-10", "11-21"),
        )
    )
    track = f"""id: test-track
title: A track
kind: track
authors: [A. Author]
books: [test-book]
units:
  - id: t1
    title: The second section only
    readings:
      - book: test-book
        section: "1.2"
        title: Vectors and Linear Combinations
        pages: 11-21
      - kind: web
        title: A free page
        url: https://example.org/free
    topics: [linear combinations]
    hours: 3
{QUESTIONS}
"""
    _, warnings = check(track, folder=tmp_path)
    assert warnings == [
        "book.yaml:10:9: units[0].readings[0]: test-book unit 'u2' requires 'u1', "
        "which no earlier unit of this track reads"
    ]


def test_posts_show_optional_web_and_exercise_lines() -> None:
    web = """      - kind: web
        title: A free page
        url: https://example.org/free
        minutes: 20
"""
    syllabus, _ = check(book(unit("u1", EXERCISES, reading="        optional: true\n" + web)))
    first, second = syllabus.units[0].readings  # type: ignore[attr-defined]
    assert reading_line(first) == "§1.1 Vectors and Linear Combinations (p. 2-10) (optional)"
    assert (
        reading_line(second) == "A free page (free online, about 20 min): https://example.org/free"
    )
    exercises = syllabus.units[0].exercises  # type: ignore[attr-defined]
    assert exercise_line(exercises[0]) == (
        "Exercises 2.1-2.10 (end of chapter 2) (answers: Worked answers: none published; "
        "https://example.org/solutions.pdf)"
    )
    assert exercise_line(exercises[1]) == "The exercises at the end of section 1.1"


def test_the_kickoff_and_summary_carry_exercises_notes_and_web_readings() -> None:
    web = "      - kind: web\n        title: A free page\n        url: https://example.org/free\n"
    syllabus, _ = check(book(unit("u1", EXERCISES, reading="        optional: true\n" + web)))
    first = syllabus.units[0]  # type: ignore[attr-defined]
    starts = datetime(2027, 1, 4, 17, 30, tzinfo=UTC)
    meeting = Meeting(
        id=7,
        index=0,
        week=1,
        starts_at=starts,
        reminder_at=starts,
        summary_at=starts,
        title="Unit u1",
        units=[{"unit": "u1", "part": 1, "parts": 1, "sections": ["1.1", None]}],
        readings=[],
    )
    contents = [MeetingContent(first, first.readings, 1, 1)]
    post = kickoff(syllabus=syllabus, meeting=meeting, contents=contents, total=1, zone="UTC")
    blocks = list(post.blocks)
    read = blocks[blocks.index(Heading("Read")) + 1]
    assert read == Bullets(
        (
            "§1.1 Vectors and Linear Combinations (p. 2-10) (optional)",
            "A free page (free online): https://example.org/free",
        )
    )
    exercises = blocks[blocks.index(Heading("Exercises")) + 1]
    assert isinstance(exercises, Bullets) and len(exercises.items) == 2
    assert "answers: Worked answers: none published" in exercises.items[0]
    prompt = blocks[blocks.index(Heading("In your own words")) + 1]
    assert prompt == Paragraph(first.notes_prompt)
    assert ("Pages", "9") in next(b.pairs for b in blocks if hasattr(b, "pairs"))

    tally = WeekTally(meeting=meeting, members=0, counts={}, silent=0, on_streak=0, standings=())
    weekly = summary(tally=tally, open_questions=[], next_meeting=None, zone="UTC")
    assert SmallPrint(SHARE_NOTES) in weekly.blocks
    assert "notes" in SHARE_NOTES and "thread" in SHARE_NOTES
