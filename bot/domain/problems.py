"""Mistakes in the files people write (syllabi, schedules), and how they are reported.

Every problem is reported as ``FILE:LINE:COLUMN: field.path: what is wrong`` so that editors and
terminals can jump to it, and all problems of a file are reported at once. This module imports
neither the YAML parser nor pydantic: code that only catches or reports these errors (the bot's
handlers, the platform adapters) costs a start nothing; ``bot.domain.datafile`` reads the files.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.domain.errors import StudybotError

MAX_FILE_BYTES = 1024 * 1024


@dataclass(frozen=True, order=True)
class Problem:
    """One mistake in one file, with the place a person should look."""

    file: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.path}: {self.message}"


class DataFileError(StudybotError):
    """A file that cannot be used; carries every problem found in it."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))


def report(problems: DataFileError) -> str:
    """The problems as ``studybot syllabus validate`` prints them, with the closing count."""
    count = len(problems.problems)
    files = len({p.file for p in problems.problems})
    lines = [str(p) for p in problems.problems]
    lines.append(f"{count} problem{'s' * (count != 1)} in {files} file{'s' * (files != 1)}")
    return "\n".join(lines)
