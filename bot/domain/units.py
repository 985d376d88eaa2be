"""The parts of a syllabus unit: readings (a book section or a free web page), exercises and
companion resources, and the unit itself. ``bot.domain.syllabus`` puts units together into a
syllabus; the format is documented in ``docs/syllabus-format.md``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
    PlainSerializer,
    StringConstraints,
    field_validator,
    model_validator,
)

from bot.domain.errors import InputError

Slug = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64),
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Question = Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=1000)]
Url = Annotated[HttpUrl, PlainSerializer(str, return_type=str)]

MIN_QUESTIONS = 3


def _non_empty(value: Any) -> Any:
    # Checked before item validation: pydantic's own min_length would also fire when the
    # items are merely invalid, which misleads.
    if isinstance(value, list | tuple) and not value:
        raise InputError("must list at least one entry")
    return value


NonEmpty = BeforeValidator(_non_empty)


@dataclass(frozen=True, order=True)
class PageRange:
    """Printed pages ``first``..``last``, both included."""

    first: int
    last: int

    @property
    def count(self) -> int:
        """How many pages."""
        return self.last - self.first + 1

    def __str__(self) -> str:
        return str(self.first) if self.first == self.last else f"{self.first}-{self.last}"


def _parse_pages(value: Any) -> PageRange:
    if isinstance(value, PageRange):
        return value
    if isinstance(value, bool):
        raise InputError("pages must look like 27 or 27-34")
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        raise InputError("pages must look like 27 or 27-34")
    match = re.fullmatch(r"\s*(\d{1,5})\s*(?:[-–]\s*(\d{1,5})\s*)?", value)
    if not match:
        raise InputError(f"pages must look like 27 or 27-34, not {value!r}")
    first = int(match.group(1))
    last = int(match.group(2) or first)
    if first < 1:
        raise InputError("page numbers start at 1")
    if last < first:
        raise InputError(f"page range {value!r} runs backwards")
    return PageRange(first, last)


Pages = Annotated[PageRange, BeforeValidator(_parse_pages), PlainSerializer(str, return_type=str)]
Section = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Link(_Model):
    """A free companion resource: a title and a URL."""

    title: Text
    url: Url


class Resource(_Model):
    """Free companion material: a lecture, a video, notes, a problem set."""

    title: Text
    url: Url
    kind: Literal[
        "video", "lecture", "book", "notes", "course", "notebook", "article", "exercises"
    ] = "video"


class Exercise(_Model):
    """What to work on in a week: which exercises, and where their answers are published."""

    items: Text
    answers: Text | None = None
    url: Url | None = None


class Reading(_Model):
    """One section (or chapter) of a book to read, with its printed pages; or, with
    ``kind: web``, a free outside page (a ``title`` and a ``url``, no section or pages).
    ``section`` is text: unquoted, ``2.10`` would be read as the number 2.1, so a number there
    is refused, not converted."""

    kind: Literal["book", "web"] = "book"
    section: Section | None = None
    title: Text
    pages: Pages | None = None
    book: Slug | None = Field(
        default=None, description="For tracks: the id of the book syllabus this comes from."
    )
    url: Url | None = None
    minutes: int | None = Field(default=None, gt=0, le=600, description="Web: reading time.")
    optional: bool = False

    @model_validator(mode="before")
    @classmethod
    def _fields_of_kind(cls, data: Any) -> Any:
        # Reported as a missing field at its own place, the way pydantic reports the others.
        if not isinstance(data, dict):
            return data
        if data.get("kind", "book") == "web":
            for unused in ("section", "pages", "book"):
                if data.get(unused) is not None:  # a stored copy carries None
                    raise InputError(
                        f"a reading of kind: web has no {unused!r}; give its title and url "
                        "(or make it a book reading by removing kind: web)"
                    )
            if data.get("url") is None:
                raise InputError("a reading of kind: web needs a url: the page to read")
        elif data.get("kind", "book") == "book" and (
            data.get("url") is not None or data.get("minutes") is not None
        ):
            raise InputError(
                "url and minutes are for readings of kind: web; a book reading has "
                "section, title and pages"
            )
        return data

    @model_validator(mode="after")
    def _book_fields(self) -> Reading:
        if self.kind == "book" and (self.section is None or self.pages is None):
            missing = " and ".join(
                name for name in ("section", "pages") if getattr(self, name) is None
            )
            raise InputError(f'a book reading needs {missing}, e.g. section: "2.1", pages: 19-21')
        return self

    @property
    def page_count(self) -> int:
        """Printed pages to read (a web page has none)."""
        return self.pages.count if self.pages is not None else 0


class Unit(_Model):
    """What a group reads and discusses together: a chapter or a group of sections."""

    id: Slug
    title: Text
    readings: Annotated[tuple[Reading, ...], NonEmpty]
    topics: Annotated[tuple[Text, ...], NonEmpty]
    hours: float = Field(gt=0, le=100, description="Estimated hours of reading and exercises.")
    questions: tuple[Question, ...]
    resources: tuple[Resource, ...] = ()
    exercises: tuple[Exercise, ...] = ()
    requires: tuple[Slug, ...] = Field(
        default=(), description="Ids of units of the same file that should be read first."
    )
    notes_prompt: Text | None = None

    @field_validator("questions")
    @classmethod
    def _enough_questions(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(value) < MIN_QUESTIONS:
            raise InputError(
                f"a unit needs at least {MIN_QUESTIONS} discussion questions, "
                f"this one has {len(value)}"
            )
        if len(set(value)) != len(value):
            raise InputError("the same question is listed twice")
        return value

    @field_validator("requires")
    @classmethod
    def _each_once(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise InputError("the same unit is listed twice")
        return value

    @property
    def pages(self) -> int:
        """Pages of all its readings."""
        return sum(reading.page_count for reading in self.readings)
