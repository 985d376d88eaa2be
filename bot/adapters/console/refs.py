"""The refs (``#12``) the console gives every message, and what each one names."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Known:
    """What a ref names. ``thread`` is the thread a message is in, or the parent of a thread."""

    kind: str
    thread: str | None = None


REMEMBERED = ("post", "thread", "reply", "member")  # the kinds a person can reply or react to


class RefCounter:
    """Numbers refs ``#1``, ``#2``, ... and remembers what each names. Kept in a file when given
    one, because refs end up in the database (question threads, answers, delivered posts) and
    must never repeat after a restart: a reused ref would make a new reply land in an old
    question's thread. The file also lets a later console tell a ref that exists from one that
    never did, with or without a transcript."""

    def __init__(self, *, path: Path | None = None) -> None:
        self.path = path
        self.last = 0
        self.known: dict[str, Known] = {}
        self._load()

    def seen(self, ref: str) -> None:
        """Never hand out ``ref`` (or a smaller number) again."""
        number = ref.removeprefix("#")
        if number.isdigit():
            self.last = max(self.last, int(number))

    def _load(self) -> None:
        if self.path is None or not self.path.exists():
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self.last = int(data["last_ref"])
            for ref, (kind, thread) in dict(data.get("known") or {}).items():
                self.known[str(ref)] = Known(str(kind), thread if isinstance(thread, str) else None)
        except (ValueError, KeyError, TypeError):
            return

    def next(self, kind: str, thread: str | None = None) -> str:
        """The next ref for a message of ``kind``, kept on disk first when there is a file."""
        self.last += 1
        ref = f"#{self.last}"
        if kind in REMEMBERED:
            self.known[ref] = Known(kind, thread)
        if self.path is not None:
            scratch = self.path.with_suffix(".tmp")
            with scratch.open("w", encoding="utf-8") as file:
                known = {r: [k.kind, k.thread] for r, k in self.known.items()}
                json.dump({"last_ref": self.last, "known": known}, file)
                file.flush()
                os.fsync(file.fileno())
            scratch.replace(self.path)  # atomic: a kill leaves the old number or the new one
        return ref
