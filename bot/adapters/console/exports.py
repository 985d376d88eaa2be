"""Files the bot attaches (``/study export csv|ical``), saved whole where the person asked.

The terminal shows an attachment's first lines only; the file itself is what an export is for.
A file never overwrites another: a second export of the same run gets ``-2``, ``-3``, ...
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.text import Text

from bot.adapters.console.render import plain
from bot.core.models import Attachment


@dataclass(frozen=True)
class Exports:
    """Saves attachments in ``folder``."""

    folder: Path

    def _free_path(self, filename: str) -> Path:
        name = Path(filename).name or "attachment"  # a file name, never a path elsewhere
        path = self.folder / name
        stem, suffix = path.stem, path.suffix
        number = 1
        while path.exists():
            number += 1
            path = self.folder / f"{stem}-{number}{suffix}"
        return path

    def save(self, attachment: Attachment) -> Text:
        """Write ``attachment`` to a new file; the line saying where (or why it could not)."""
        path = self._free_path(attachment.filename)
        try:
            with path.open("xb") as file:
                file.write(attachment.content)
        except OSError as error:
            return Text(
                f"Could not save {plain(attachment.filename)} in {self.folder}: "
                f"{error.strerror or error}. Choose another folder with --export-dir FOLDER.",
                style="bold red",
            )
        count = len(attachment.content.splitlines())
        lines = "1 line" if count == 1 else f"{count} lines"
        return Text(f"saved to {path.resolve()} ({lines})", style="bold")
