"""The shipped book syllabi agree with the collected facts (titles and printed pages).

The facts live in ``content-facts.md`` (``$STUDYBOT_FACTS``, else ``../shared/content-facts.md``
next to the repository). For each book its table of contents is parsed into ordered entries:
chapters, sections, "Exercises" and the page boundaries around them (parts, back matter). From
those the readings a syllabus must have are derived with the content conventions:

- readings are section-level ("2.3"); Calculus Made Easy reads whole chapters ("XIV");
- a chapter that starts before its first section opens with a reading "<chapter>" titled as the
  chapter; an "Exercises" entry becomes a reading "Ex. <chapter>" titled "Exercises";
- a reading ends one page before the next entry starts (a single page when both start on the
  same page), unless the facts give an explicit range (MML ch. 8, the 2024 value for MML ch. 2's
  exercises); the book's last reading ends before its back matter;
- optional-section markers (``\\*``) are not part of a title; subsections are not readings.

Every reading of the syllabus must be one of these, with the same title and pages, and every one
of these must be read exactly once, in order.
"""

from __future__ import annotations

import os
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

import pytest

from bot.domain.library import Library
from bot.domain.syllabus import Syllabus

REPO = Path(__file__).resolve().parents[2]
FACTS = Path(os.environ.get("STUDYBOT_FACTS", REPO.parent / "shared" / "content-facts.md"))

if not FACTS.is_file():
    pytest.skip(
        f"content facts file not found at {FACTS}; set STUDYBOT_FACTS to its path to check "
        "the shipped syllabi against it",
        allow_module_level=True,
    )

# Book id -> (the heading of its part of the facts file, how many chapters it has).
BOOKS = {
    "mml": ("## 1. Mathematics for Machine Learning", 12),
    "strang-ila": ("### 2a. Fifth Edition", 12),
    "calculus-made-easy": ("## 3. Calculus Made Easy", 21),
    "hogg-math-stats": ("## 4. Introduction to Mathematical Statistics", 11),
}


@dataclass(frozen=True)
class Entry:
    """One line of a table of contents that starts something on a printed page."""

    kind: str  # "chapter", "section", "exercises", or "boundary" (a part or the back matter)
    number: str  # "2", "2.1", "XIV"; for exercises the chapter's number; "" for a boundary
    title: str
    start: int
    end: int | None = None  # only where the facts give an explicit range
    chapter: str = ""  # the chapter a section or exercises entry was listed under

    @property
    def section(self) -> str:
        """The ``section`` a reading of this entry has in a syllabus."""
        return f"Ex. {self.chapter}" if self.kind == "exercises" else self.number


@dataclass(frozen=True)
class Expected:
    """A reading the syllabus must contain, and why its last page is what it is."""

    section: str
    title: str
    first: int
    last: int
    why: str

    @property
    def pages(self) -> str:
        return str(self.first) if self.first == self.last else f"{self.first}-{self.last}"


# ---------------------------------------------------------------------------------------------
# Parsing the facts: one small parser per line format. Each takes a stripped list line.

CHAPTER = re.compile(r"- \*\*(?P<number>\d+) (?P<title>[^*]+)\*\*: p\. (?P<start>\d+)")
ROMAN_CHAPTER = re.compile(r"- \*\*(?P<number>[IVXL]+)\. (?P<title>[^*]+)\*\*: p\. (?P<start>\d+)")
PART = re.compile(r"- \*\*(?P<title>Part [IVX]+: [^*]+)\*\* \(p\. (?P<start>\d+)\)")
SECTION = re.compile(
    r"- (?P<number>\d+\.\d+) (?P<title>.+): (?P<start>\d+)(?:[–-](?P<end>\d+)| \(to (?P<to>\d+)\))?"
)
SECTION_LIKE = re.compile(r"- \d+\.\d+ ")  # a section, not a subsection such as 1.2.1
EXERCISES = re.compile(r"- Exercises: (?P<pages>.+)")
BACK_MATTER = re.compile(r"- (?:\*\*)?(?P<title>[^:*]+)(?:\*\*)?: (?:p\. )?(?P<start>\d+)")


def clean_title(title: str) -> str:
    r"""Drop the markdown ``\*`` that marks a section optional (Hogg)."""
    return title.replace("\\*", "").strip()


def parse_chapter(line: str) -> Entry | None:
    """``- **2 Linear Algebra**: p. 17 (...)`` or ``- **I. To Deliver You ...**: p. 1``."""
    match = CHAPTER.match(line) or ROMAN_CHAPTER.match(line)
    if not match:
        return None
    return Entry("chapter", match["number"], clean_title(match["title"]), int(match["start"]))


def parse_part(line: str) -> Entry | None:
    """``- **Part II: Central Machine Learning Problems** (p. 249)``: a page boundary."""
    match = PART.match(line)
    return Entry("boundary", "", match["title"], int(match["start"])) if match else None


def parse_section(line: str, chapter: str) -> Entry | None:
    """``- 2.1 Systems of Linear Equations: 19``, ``- 8.1 Data, ...: 251–257`` or
    ``- 3.10 Further Reading: 94 (to 95)``.

    Titles may contain ": " themselves, so the page is what follows the last one.
    """
    if not SECTION_LIKE.match(line):
        return None
    match = SECTION.fullmatch(line)
    if not match:
        raise ValueError(f"a section line in an unknown format: {line!r}")
    last = match["end"] or match["to"]
    end = int(last) if last else None
    title = clean_title(match["title"])
    return Entry("section", match["number"], title, int(match["start"]), end, chapter)


def parse_exercises(line: str, chapter: str) -> Entry | None:
    """``- Exercises: 95`` or ``- Exercises: 63 in the draft, 64–69 in the 2024 PDF``."""
    match = EXERCISES.fullmatch(line)
    if not match:
        return None
    pages = match["pages"]
    if single := re.fullmatch(r"(\d+)", pages):
        return Entry("exercises", chapter, "Exercises", int(single[1]), None, chapter)
    if current := re.search(r"(\d+)[–-](\d+) in the 2024 PDF", pages):
        start, end = int(current[1]), int(current[2])
        return Entry("exercises", chapter, "Exercises", start, end, chapter)
    raise ValueError(f"exercises pages in an unknown format: {line!r}")


def parse_back_matter(line: str) -> Entry:
    """``- References: 395. Index: 407.``, ``- **A Mathematical Comments**: 687``, ..."""
    match = BACK_MATTER.match(line)
    if not match:
        raise ValueError(f"back matter in an unknown format: {line!r}")
    return Entry("boundary", "", match["title"].strip(), int(match["start"]))


def book_part(markdown: str, heading: str) -> list[str]:
    """The lines under ``heading`` up to the next heading of the same or a higher level."""
    lines = markdown.splitlines()
    found = [i for i, line in enumerate(lines) if line.startswith(heading)]
    if len(found) != 1:
        raise ValueError(f"expected one heading {heading!r} in the facts, found {len(found)}")
    level = len(heading) - len(heading.lstrip("#"))
    body = []
    for line in lines[found[0] + 1 :]:
        if line.startswith("#") and len(line) - len(line.lstrip("#")) <= level:
            break
        body.append(line)
    return body


def parse_toc(lines: list[str]) -> list[Entry]:
    """The ordered entries of one book's table of contents, ending with its back matter.

    Front matter (anything before the first chapter) is ignored, and so are list lines nested
    deeper than the chapters that are neither sections nor exercises (subsections, sub-headings,
    notes). The first other line at chapter level after a chapter is the back matter.
    """
    entries: list[Entry] = []
    chapter: Entry | None = None
    chapter_indent = 0
    for raw in lines:
        line = raw.strip()
        if not line.startswith("- "):
            continue
        indent = len(raw) - len(raw.lstrip())
        if found := parse_chapter(line):
            chapter, chapter_indent = found, indent
            entries.append(found)
        elif found := parse_part(line):
            if chapter:
                entries.append(found)
        elif chapter is None:
            continue  # front matter, edition notes, sources
        elif indent <= chapter_indent:
            entries.append(parse_back_matter(line))
            return entries
        elif found := parse_section(line, chapter.number) or parse_exercises(line, chapter.number):
            entries.append(found)
    raise ValueError("no back matter after the last chapter: cannot tell where it ends")


def expected_readings(entries: list[Entry]) -> list[Expected]:
    """The readings the conventions derive from a book's entries, in reading order."""
    readings = []
    for entry, following in pairwise(entries):
        if entry.kind == "boundary":
            continue
        opens_with_section = following.kind in {"section", "exercises"}
        if entry.kind == "chapter" and opens_with_section and following.start <= entry.start:
            continue  # the chapter's first page is its first section's: no opening reading
        nxt = f"the next entry ({following.section or following.title})"
        if entry.end is not None:
            last, why = entry.end, "the facts give this range explicitly"
        elif following.start > entry.start:
            last, why = following.start - 1, f"{nxt} starts on p. {following.start}"
        else:
            last, why = entry.start, f"{nxt} starts on the same page"
        readings.append(Expected(entry.section, entry.title, entry.start, last, why))
    return readings


@cache
def facts_markdown() -> str:
    return FACTS.read_text(encoding="utf-8")


@cache
def book_entries(book_id: str) -> list[Entry]:
    heading, _ = BOOKS[book_id]
    return parse_toc(book_part(facts_markdown(), heading))


# ---------------------------------------------------------------------------------------------
# Checking a syllabus against the expected readings.


def check_syllabus(syllabus: Syllabus, expected: list[Expected]) -> list[str]:
    """Every disagreement between the syllabus's readings and the facts, as readable lines."""
    problems = []
    by_section = {e.section: e for e in expected}
    # A free outside page (``kind: web``, e.g. the book's prologue online) is no section of the
    # facts' table of contents: only the book's own sections are checked against them.
    readings = [
        (unit.id, reading)
        for unit in syllabus.units
        for reading in unit.readings
        if reading.kind == "book"
    ]
    for unit_id, reading in readings:
        where = f"{unit_id}: section {reading.section!r}"
        facts = by_section.get(reading.section)
        if facts is None:
            problems.append(
                f"{where} ({reading.title!r}, pages {reading.pages}) is not a section-level entry "
                "of the facts"
            )
            continue
        if reading.title != facts.title:
            problems.append(f"{where}: title {reading.title!r}, the facts say {facts.title!r}")
        if reading.pages.first != facts.first:
            problems.append(
                f"{where} ({facts.title}): starts on p. {reading.pages.first}, "
                f"the facts say p. {facts.first}"
            )
        if reading.pages.last != facts.last:
            problems.append(
                f"{where} ({facts.title}): pages {reading.pages}, expected {facts.pages} "
                f"because {facts.why}"
            )

    counts = Counter(reading.section for _, reading in readings)
    for e in expected:
        if counts[e.section] == 0:
            problems.append(f"section {e.section!r} ({e.title}, pages {e.pages}) is in no unit")
        elif counts[e.section] > 1:
            units = [unit_id for unit_id, r in readings if r.section == e.section]
            problems.append(f"section {e.section!r} is read {counts[e.section]} times: {units}")
    read_order = [s for s in dict.fromkeys(r.section for _, r in readings) if s in by_section]
    facts_order = [e.section for e in expected if counts[e.section]]
    if read_order != facts_order:
        i = next(i for i, (a, b) in enumerate(zip(read_order, facts_order, strict=True)) if a != b)
        problems.append(
            f"readings out of order: section {read_order[i]!r} comes where the facts have "
            f"{facts_order[i]!r} (after {facts_order[i - 1]!r})"
            if i
            else f"readings out of order: the first is {read_order[0]!r}, not {facts_order[0]!r}"
        )
    return problems


def roman(number: int) -> str:
    digits = ((50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    out = ""
    for value, letters in digits:
        count, number = divmod(number, value)
        out += letters * count
    return out


# ---------------------------------------------------------------------------------------------
# Tests


def test_the_parser_reads_every_format_in_the_facts() -> None:
    toc = """
Front matter: Foreword p. 1
- Preface: xi
- **Part I: Foundations** (p. 9)
  - **2 Linear Algebra**: p. 17 (≈53 pp.)
    - 2.1 Systems of Linear Equations: 19
      - 2.1.1 A Subsection: 20
    - 2.2 The Nullspace of A: Solving Ax = 0: 22
    - 2.3 \\*Optional Things: 27
    - Exercises: 28 in the draft, 29–30 in the 2024 PDF
  - **3 Analytic Geometry**: p. 31
    - Exercises: 31
- **Part II: Problems** (p. 33)
  - **8 When Models Meet Data**: p. 35 (≈38 pp.). Current text:
    - 8.1 Data, Models, and Learning: 35–37
    - No "Exercises" section in Part II chapters.
- **IV. Simplest Cases**: p. 38
  - Note: How to read Differentials (p. 39)
- References: 40. Index: 41.
- **B R Primer**: 45
"""
    entries = parse_toc(toc.splitlines())
    assert entries == [
        Entry("chapter", "2", "Linear Algebra", 17),
        Entry("section", "2.1", "Systems of Linear Equations", 19, None, "2"),
        Entry("section", "2.2", "The Nullspace of A: Solving Ax = 0", 22, None, "2"),
        Entry("section", "2.3", "Optional Things", 27, None, "2"),
        Entry("exercises", "2", "Exercises", 29, 30, "2"),
        Entry("chapter", "3", "Analytic Geometry", 31),
        Entry("exercises", "3", "Exercises", 31, None, "3"),
        Entry("boundary", "", "Part II: Problems", 33),
        Entry("chapter", "8", "When Models Meet Data", 35),
        Entry("section", "8.1", "Data, Models, and Learning", 35, 37, "8"),
        Entry("chapter", "IV", "Simplest Cases", 38),
        Entry("boundary", "", "References", 40),
    ]
    assert [(e.section, e.title, e.pages) for e in expected_readings(entries)] == [
        ("2", "Linear Algebra", "17-18"),
        ("2.1", "Systems of Linear Equations", "19-21"),
        ("2.2", "The Nullspace of A: Solving Ax = 0", "22-26"),
        ("2.3", "Optional Things", "27-28"),
        ("Ex. 2", "Exercises", "29-30"),
        ("Ex. 3", "Exercises", "31-32"),  # ch. 3 opens with its exercises: no opening reading
        ("8.1", "Data, Models, and Learning", "35-37"),  # explicit range
        ("IV", "Simplest Cases", "38-39"),  # ends before the back matter
    ]


@pytest.mark.parametrize("book_id", BOOKS)
def test_the_facts_parse_into_a_complete_table_of_contents(book_id: str) -> None:
    """Guards the parser: no chapter or section may be silently skipped."""
    entries = book_entries(book_id)
    _, chapter_count = BOOKS[book_id]
    chapters = [e.number for e in entries if e.kind == "chapter"]
    numerals = [str(n) for n in range(1, chapter_count + 1)]
    if book_id == "calculus-made-easy":
        numerals = [roman(n) for n in range(1, chapter_count + 1)]
    assert chapters == numerals, f"{book_id}: chapters parsed from {FACTS}"
    for chapter in chapters:
        sections = [e.number for e in entries if e.kind == "section" and e.chapter == chapter]
        numbered = [f"{chapter}.{n}" for n in range(1, len(sections) + 1)]
        assert sections == numbered, f"{book_id}: sections of chapter {chapter}"
    starts = [e.start for e in entries]
    assert starts == sorted(starts), f"{book_id}: start pages go backwards: {starts}"
    assert entries[-1].kind == "boundary", f"{book_id}: no back matter found"


@pytest.mark.parametrize("book_id", BOOKS)
def test_syllabus_readings_match_the_facts(book_id: str) -> None:
    syllabus = Library(REPO / "content").get(book_id)
    expected = expected_readings(book_entries(book_id))
    problems = check_syllabus(syllabus, expected)
    checked = sum(1 for unit in syllabus.units for r in unit.readings if r.kind == "book")
    if problems:
        pytest.fail(
            f"content/{book_id}.yaml disagrees with {FACTS} ({checked} readings checked "
            f"against {len(expected)} entries):\n  " + "\n  ".join(problems),
            pytrace=False,
        )
    assert checked == len(expected)


def reading_yaml(section: str, title: str, pages: str) -> str:
    """A reading as the shipped files write it."""
    return f'      - section: "{section}"\n        title: {title}\n        pages: {pages}\n'


CME_II = reading_yaml("II", "On Different Degrees of Smallness", "3-8")
STRANG_11_1 = reading_yaml("11.1", "Gaussian Elimination in Practice", "508-517")
STRANG_11_2 = reading_yaml("11.2", "Norms and Condition Numbers", "518-523")

# (book, text in the shipped file, its replacement, every problem the checker must then report)
MUTATIONS = [
    ("mml", "pages: 22-26\n", "pages: 22-27\n", ["section '2.2' (Matrices): pages 22-27"]),
    (
        "hogg-math-stats",
        "pages: 78-84\n",
        "pages: 79-84\n",
        ["'1.10' (Important Inequalities): starts"],
    ),
    (
        "strang-ila",
        "title: Lengths and Dot Products\n",
        "title: Lengths and Dot Product\n",
        ["section '1.2': title 'Lengths and Dot Product'"],
    ),
    (
        "calculus-made-easy",
        CME_II,
        "",
        ["section 'II' (On Different Degrees of Smallness, pages 3-8) is in no unit"],
    ),
    (
        "strang-ila",
        STRANG_11_1 + STRANG_11_2,
        STRANG_11_2 + STRANG_11_1,
        ["out of order: section '11.2' comes where the facts have '11.1'"],
    ),
    (
        "strang-ila",
        STRANG_11_1 + STRANG_11_2,
        STRANG_11_1 + STRANG_11_1 + STRANG_11_2,
        ["section '11.1' is read 2 times: ['strang-11', 'strang-11']"],
    ),
    (
        "mml",
        'section: "1.3"\n',
        'section: "1.3.1"\n',
        ["section '1.3.1' ('Exercises and Feedback', pages 16) is not", "section '1.3' (Exercises"],
    ),
]


@pytest.mark.parametrize(("book_id", "old", "new", "reports"), MUTATIONS)
def test_the_checker_catches_an_edited_copy(
    book_id: str, old: str, new: str, reports: list[str], tmp_path: Path
) -> None:
    """Edit a copy of the content; the checker must report exactly what the edit broke."""
    content = tmp_path / "content"
    shutil.copytree(REPO / "content", content)
    path = content / f"{book_id}.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{path.name} no longer contains {old!r} exactly once"
    path.write_text(text.replace(old, new), encoding="utf-8")

    expected = expected_readings(book_entries(book_id))
    before = check_syllabus(Library(REPO / "content").get(book_id), expected)
    after = check_syllabus(Library(content).get(book_id), expected)
    new_problems = [p for p in after if p not in before]
    assert len(new_problems) == len(reports), new_problems
    for report in reports:
        assert any(report in problem for problem in new_problems), (report, new_problems)
