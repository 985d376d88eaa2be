"""Syllabus files: a book (or a track across books) split into units a group reads in turn.

The format is documented in ``docs/syllabus-format.md``; the models below are its single source
of truth. A syllabus is immutable once loaded and has a content hash, so a running group keeps
reading the copy it started with even when the file is edited later.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Literal, Protocol

from pydantic import Field, StringConstraints, ValidationInfo, field_validator, model_validator

from bot.domain.datafile import DataFileError, Problem, YamlDocument, read_yaml, validate
from bot.domain.errors import InputError
from bot.domain.prerequisites import order_warnings, requires_problems
from bot.domain.units import Link, NonEmpty, Reading, Slug, Text, Unit, _Model

__all__ = ["Reading", "Shelf", "Syllabus", "Unit", "check_syllabus", "load_syllabus"]


class Syllabus(_Model):
    """A book (or a track across books) split into units."""

    id: Slug
    title: Text
    kind: Literal["book", "track"] = "book"
    authors: Annotated[tuple[Text, ...], NonEmpty]
    edition: Text | None = None
    year: int | None = Field(default=None, ge=1500, le=2100)
    publisher: Text | None = None
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""
    links: tuple[Link, ...] = ()
    books: tuple[Slug, ...] = Field(
        default=(), description="For tracks: the book syllabi whose sections the units use."
    )
    units: tuple[Unit, ...]

    @field_validator("units", mode="before")
    @classmethod
    def _not_empty(cls, value: Any) -> Any:
        if value is None or value == []:
            raise InputError("the syllabus has no units; add at least one")
        return value

    @model_validator(mode="after")
    def _book_references(self, info: ValidationInfo) -> Syllabus:
        if self.kind == "book" and self.books:
            raise InputError("'books' is only for kind: track")
        if self.kind == "track" and not self.books:
            raise InputError("a track must list the book syllabi it draws on under 'books'")
        return self

    def unit(self, unit_id: str) -> Unit:
        """The unit with this id (KeyError if none)."""
        for unit in self.units:
            if unit.id == unit_id:
                return unit
        raise KeyError(unit_id)

    @property
    def pages(self) -> int:
        """Pages of every unit."""
        return sum(unit.pages for unit in self.units)

    @property
    def hours(self) -> float:
        """Estimated hours of every unit."""
        return sum(unit.hours for unit in self.units)

    def canonical_json(self) -> str:
        """The syllabus as sorted, compact JSON: the same content always gives the same text."""
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))

    @property
    def content_hash(self) -> str:
        """SHA-256 of the canonical JSON: a stored copy is found by it."""
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()


def _cross_checks(document: YamlDocument) -> list[Problem]:
    """Checks across units that pydantic's per-field validation cannot express."""
    problems = []
    data = document.data if isinstance(document.data, dict) else {}
    units = data.get("units")
    if isinstance(units, list):
        first_seen: dict[str, int] = {}
        for index, unit in enumerate(units):
            unit_id = unit.get("id") if isinstance(unit, dict) else None
            if not isinstance(unit_id, str):
                continue
            if unit_id in first_seen:
                problems.append(
                    document.problem(
                        ("units", index, "id"),
                        f"duplicate unit id {unit_id!r} "
                        f"(first used by units[{first_seen[unit_id]}])",
                    )
                )
            else:
                first_seen[unit_id] = index
    if data.get("kind") == "track" and isinstance(units, list):
        books = data.get("books") or []
        for u, unit in enumerate(units):
            for r, reading in enumerate(
                (unit or {}).get("readings") or [] if isinstance(unit, dict) else []
            ):
                if (
                    isinstance(reading, dict)
                    and reading.get("kind", "book") != "web"
                    and reading.get("book") not in books
                ):
                    problems.append(
                        document.problem(
                            ("units", u, "readings", r, "book"),
                            "each reading of a track names one of the track's books",
                        )
                    )
    return problems


def parse_syllabus(document: YamlDocument) -> Syllabus:
    """Validate a parsed YAML document as a syllabus; every problem is raised at once."""
    cross = _cross_checks(document) + requires_problems(document)
    try:
        syllabus = validate(Syllabus, document)
    except DataFileError as exc:
        raise DataFileError([*exc.problems, *cross]) from None
    if cross:
        raise DataFileError(cross)
    return syllabus


class Shelf(Protocol):
    """What a syllabus file is checked against: the folder it was found in, and the books a track
    cites (``bot.domain.library.Library``)."""

    folder: Path

    def get(self, syllabus_id: str) -> Syllabus:
        """The syllabus of that id; KeyError if there is none, DataFileError if it is broken."""
        ...


def load_syllabus(path: Path, *, library: Shelf) -> Syllabus:
    """Load and validate one syllabus file. A track is checked against the books it uses, and
    a file in the library's folder must be named after its id (that is how it is found)."""
    return check_syllabus(read_yaml(path), library=library, path=path)


def check_syllabus(document: YamlDocument, *, library: Shelf, path: Path | None = None) -> Syllabus:
    """A parsed syllabus file validated, a track checked against its books, and (given the
    file's ``path``) a file in the library's folder checked to be named after its id."""
    syllabus = parse_syllabus(document)
    problems = check_track(syllabus, document, library=library) if syllabus.kind == "track" else []
    in_library = path is not None and path.resolve().parent == library.folder.resolve()
    if path is not None and in_library and syllabus.id != path.stem:
        problems.append(
            document.problem(("id",), f"the id must match the file name: {path.stem!r}")
        )
    if problems:
        raise DataFileError(problems)
    return syllabus


def check_track(track: Syllabus, document: YamlDocument, *, library: Shelf) -> list[Problem]:
    """Every reading of a track must match its book's section: number, title and pages."""
    problems = []
    books: dict[str, dict[str, Reading]] = {}
    for b, book_id in enumerate(track.books):
        try:
            book = library.get(book_id)
        except KeyError:
            problems.append(
                document.problem(("books", b), f"no book syllabus {book_id!r} in {library.folder}")
            )
            continue
        except DataFileError:
            problems.append(document.problem(("books", b), f"book syllabus {book_id!r} is invalid"))
            continue
        books[book_id] = {r.section: r for unit in book.units for r in unit.readings}
    for u, unit in enumerate(track.units):
        for r, reading in enumerate(unit.readings):
            sections = books.get(reading.book or "")
            if sections is None:
                continue
            loc = ("units", u, "readings", r)
            original = sections.get(reading.section)
            if original is None:
                problems.append(
                    document.problem(
                        (*loc, "section"),
                        f"book {reading.book!r} has no section {reading.section!r}",
                    )
                )
                continue
            if original.title != reading.title:
                problems.append(
                    document.problem(
                        (*loc, "title"),
                        f"the book calls section {reading.section} {original.title!r}",
                    )
                )
            if original.pages != reading.pages:
                problems.append(
                    document.problem(
                        (*loc, "pages"),
                        f"section {reading.section} of {reading.book!r} "
                        f"is on pages {original.pages}",
                    )
                )
    return problems


def syllabus_warnings(
    syllabus: Syllabus, document: YamlDocument, *, library: Shelf
) -> list[Problem]:
    """What a valid syllabus may not mean: a unit listed before one it requires, and (tracks) a
    book section read before the sections its book says come first. Warnings never fail a file."""
    warnings = order_warnings(syllabus.units, document)
    if syllabus.kind == "track":
        warnings += _skipped_by_track(syllabus, document, library=library)
    return warnings


def _skipped_by_track(track: Syllabus, document: YamlDocument, *, library: Shelf) -> list[Problem]:
    """A track reading from a book unit whose ``requires`` the track has not read before."""
    unit_of: dict[tuple[str, str], Unit] = {}
    for book_id in track.books:
        try:
            book = library.get(book_id)
        except (KeyError, DataFileError):
            continue  # reported by check_track
        for unit in book.units:
            for reading in unit.readings:
                unit_of[(book_id, reading.section or "")] = unit
    read: set[tuple[str, str]] = set()  # (book, book unit id) the track has read so far
    warnings = []
    for u, unit in enumerate(track.units):
        here = [
            (r, reading.book, unit_of.get((reading.book, reading.section or "")))
            for r, reading in enumerate(unit.readings)
            if reading.book is not None
        ]
        read |= {(book_id, source.id) for _, book_id, source in here if source and book_id}
        warned: set[tuple[str, str]] = set()
        for r, book_id, source in here:
            if source is None or book_id is None:
                continue
            for required in source.requires:
                if (book_id, required) in read | warned:
                    continue
                warned.add((book_id, required))
                warnings.append(
                    document.problem(
                        ("units", u, "readings", r),
                        f"{book_id} unit {source.id!r} requires {required!r}, "
                        "which no earlier unit of this track reads",
                    )
                )
    return warnings


def all_readings(units: Iterable[Unit]) -> list[tuple[Unit, Reading]]:
    """Every reading with its unit, in order."""
    return [(unit, reading) for unit in units for reading in unit.readings]
