"""Files the bot attaches, saved whole: exports (``/study export csv|ical``) where the person
asked, pictures (formulas, charts) under ``STUDYBOT_HOME/images``.

The terminal shows an attachment's first lines only, and no picture; the file itself is what
an export is for. An export never overwrites another: a second one of the same name gets ``-2``,
``-3``, ...; a picture is named by its content's hash, so one drawn again is saved once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text

from bot.adapters.console.render import plain
from bot.core.models import Attachment
from bot.render.worker import png_size


@dataclass(frozen=True)
class Exports:
    """Saves attachments in ``folder`` (made first when ``make``: studybot's own folder)."""

    folder: Path
    make: bool = False
    fix: str = "Choose another folder with --export-dir FOLDER."

    def _free_path(self, filename: str) -> Path:
        name = Path(filename).name or "attachment"  # a file name, never a path elsewhere
        path = self.folder / name
        stem, suffix = path.stem, path.suffix
        number = 1
        while path.exists():
            number += 1
            path = self.folder / f"{stem}-{number}{suffix}"
        return path

    def _picture_path(self, attachment: Attachment) -> Path:
        name = Path(attachment.filename)
        digest = hashlib.sha256(attachment.content).hexdigest()[:10]
        return self.folder / f"{name.stem.rsplit('-', 1)[0]}-{digest}{name.suffix}"

    def save(self, attachment: Attachment) -> Text:
        """Write ``attachment`` to a new file; the line saying where (or why it could not)."""
        try:
            if self.make:
                self.folder.mkdir(parents=True, exist_ok=True)
            if attachment.is_picture:  # named by its content: drawn again, saved once
                path = self._picture_path(attachment)
                if not path.exists():
                    path.write_bytes(attachment.content)
            else:
                path = self._free_path(attachment.filename)
                with path.open("xb") as file:
                    file.write(attachment.content)
        except OSError as error:
            return Text(
                f"Could not save {plain(attachment.filename)} in {self.folder}: "
                f"{error.strerror or error}. {self.fix}",
                style="bold red",
            )
        if (size := png_size(attachment.content)) is not None:
            shown = f"picture saved to {path.resolve()} ({size[0]}x{size[1]} px)"
            return Text(shown + (f": {plain(attachment.alt)}" if attachment.alt else ""), "bold")
        count = len(attachment.content.splitlines())
        lines = "1 line" if count == 1 else f"{count} lines"
        return Text(f"saved to {path.resolve()} ({lines})", style="bold")
