"""The syllabi of one folder, by id: what a group can start, and the books tracks cite.

Listing the folder reads file names only. A syllabus is read and validated the first time it is
asked for, and kept; that is also when the YAML parser and pydantic are imported. So a bot starts
without reading a syllabus or loading either library (``studybot run`` is ready sooner and
smaller), and a command that needs a syllabus pays for them once.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.domain.datafile import YamlDocument
    from bot.domain.problems import Problem
    from bot.domain.syllabus import Syllabus


class Library:
    """The syllabi in one folder (the shipped ``content/`` by default), by id."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._cache: dict[str, Syllabus] = {}

    def paths(self) -> list[Path]:
        """The YAML files in the folder."""
        if not self.folder.is_dir():
            return []
        return sorted(p for p in self.folder.iterdir() if p.suffix in {".yaml", ".yml"})

    def ids(self) -> list[str]:
        """The syllabus ids: the files' names."""
        return [p.stem for p in self.paths()]

    def path_of(self, syllabus_id: str) -> Path:
        """The file of a syllabus id (KeyError if none)."""
        for path in self.paths():
            if path.stem == syllabus_id:
                return path
        raise KeyError(syllabus_id)

    def get(self, syllabus_id: str) -> Syllabus:
        """Load a syllabus by id; KeyError if there is none, DataFileError if it is broken."""
        if syllabus_id not in self._cache:
            from bot.domain.syllabus import load_syllabus  # yaml and pydantic: see the docstring

            path = self.path_of(syllabus_id)
            self._cache[syllabus_id] = load_syllabus(path, library=self)
        return self._cache[syllabus_id]

    def __iter__(self) -> Iterator[Syllabus]:
        for syllabus_id in self.ids():
            yield self.get(syllabus_id)

    def check_track(self, track: Syllabus, document: YamlDocument) -> list[Problem]:
        """Every reading of a track must match its book's section: number, title and pages."""
        from bot.domain.syllabus import check_track  # loaded already: a track was just parsed

        return check_track(track, document, library=self)
