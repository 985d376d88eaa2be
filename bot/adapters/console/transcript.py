"""An append-only JSON-lines record of what the console bot sent.

Each line is written, flushed and fsynced before the post counts as made, so after the process
is killed the file still tells ``ConsoleAdapter.find_post`` which scheduled posts went out: the
delivery ledger asks exactly that before it sends a post a second time (see bot/core/delivery.py).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO


@dataclass(frozen=True, kw_only=True)
class Entry:
    """One thing the bot sent. ``thread`` is the parent of a thread start (as in MemoryAdapter)
    and the thread of a reply; ``to`` is the user of a DM or an ephemeral answer."""

    kind: str  # post, thread, reply, dm, update, ephemeral
    ref: str
    channel: str
    thread: str | None
    key: str | None
    text: str
    to: str | None = None


class Transcript:
    """An append-only JSON-lines file of every message the console sent."""

    def __init__(self, *, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    def append(self, entry: Entry) -> None:
        """Write one entry and fsync it before the message is printed."""
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("a", encoding="utf-8")
        self._file.write(json.dumps(asdict(entry), ensure_ascii=False) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def entries(self) -> Iterator[Entry]:
        """Every complete line; a line torn by a kill mid-write is skipped, not fatal."""
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8", errors="replace") as lines:
            for line in lines:
                try:
                    data = json.loads(line)
                except ValueError:
                    continue
                if isinstance(data, dict) and isinstance(data.get("ref"), str):
                    yield Entry(**{k: data.get(k) for k in Entry.__dataclass_fields__})

    def find(self, *, key: str, channel: str | None = None) -> str | None:
        """The ref of the earliest entry sent with ``key`` (in ``channel``, when given)."""
        for entry in self.entries():
            if entry.key == key and (channel is None or entry.channel in (channel, "")):
                return entry.ref
        return None

    def close(self) -> None:
        """Close the file; the next append opens it again."""
        if self._file is not None:
            self._file.close()
            self._file = None
