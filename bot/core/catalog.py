"""What a platform may offer as choices (autocomplete): syllabus ids, the group's units,
schedule files, time zones, the channels that have groups.

Read-only and quick (Discord wants autocomplete answered within three seconds), so it reads the
bot's library, schedules folder and database directly instead of going through
``StudyBot.handle``, which records every event it sees. Adapters reach it as ``bot.catalog``
(the ``Catalog`` protocol in ``bot.core.ports``).
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.models import Place
from bot.core.ports import Suggestion
from bot.core.services import groups, runs
from bot.domain.library import Library
from bot.domain.problems import DataFileError
from bot.store.models import Group, StoredSyllabus

CHOICES_LIMIT = 25  # Discord shows at most 25 suggestions; no platform shows more
NAME_LIMIT = 100


@cache
def _zones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def _matching(items: list[Suggestion], typed: str) -> list[Suggestion]:
    typed = typed.strip().casefold()
    starts = [s for s in items if s.value.casefold().startswith(typed)]
    contains = [s for s in items if s not in starts and typed in s.name.casefold()]
    return [Suggestion(s.name[:NAME_LIMIT], s.value[:NAME_LIMIT]) for s in [*starts, *contains]][
        :CHOICES_LIMIT
    ]


def upload_source(place: Place) -> str:
    """How a syllabus uploaded in a channel is marked in the database."""
    return f"upload:{place.platform}:{place.workspace}:{place.channel}"


@dataclass(frozen=True, kw_only=True)
class StoredCatalog:
    """The ``Catalog`` port, read from the library, the schedules folder and (when given) the
    database; without a database it offers only what the folders hold."""

    library: Library
    schedules: Path
    sessionmaker: async_sessionmaker[AsyncSession] | None = None

    async def syllabi(self, place: Place, typed: str, *, loaded: bool = True) -> list[Suggestion]:
        """The shipped syllabi and (``loaded``) those loaded in this channel with
        ``/study syllabus load``, which ``/study start`` can use and ``syllabus show`` cannot."""
        found: dict[str, str] = {}
        if loaded and self.sessionmaker is not None:
            async with self.sessionmaker() as db:
                rows = await db.execute(
                    select(StoredSyllabus.syllabus_id, StoredSyllabus.title).where(
                        StoredSyllabus.source == upload_source(place)
                    )
                )
                found |= {sid: f"{sid}: {title} (loaded here)" for sid, title in rows.all()}
        for syllabus_id in self.library.ids():
            try:
                found.setdefault(
                    syllabus_id, f"{syllabus_id}: {self.library.get(syllabus_id).title}"
                )
            except (DataFileError, KeyError):
                continue  # a broken file is reported by /study start, not by autocomplete
        return _matching([Suggestion(n, v) for v, n in sorted(found.items())], typed)

    async def units(self, place: Place, typed: str) -> list[Suggestion]:
        """The units of the syllabus this channel's group reads (or read last)."""
        if self.sessionmaker is None:
            return []
        async with self.sessionmaker() as db:
            group = await groups.find_group(db, place.channel_only)
            run = await runs.latest_run(db, group) if group is not None else None
            if run is None:
                return []
            syllabus = await runs.syllabus_of_run(db, run)
        items = [Suggestion(f"{unit.id}: {unit.title}", unit.id) for unit in syllabus.units]
        return _matching(items, typed)

    def schedule_files(self, typed: str) -> list[Suggestion]:
        """The schedule files in the schedules folder."""
        names = (
            sorted(p.stem for p in self.schedules.glob("*.yaml")) if self.schedules.is_dir() else []
        )
        return _matching([Suggestion(name, name) for name in names], typed)

    def timezones(self, typed: str) -> list[Suggestion]:
        """IANA zone names."""
        return _matching([Suggestion(zone, zone) for zone in _zones()], typed)

    async def group_channels(self, *, platform: str, workspace: str) -> list[str] | None:
        """The channels of a server that have a group; None when the database is not known."""
        if self.sessionmaker is None:
            return None
        async with self.sessionmaker() as db:
            rows = await db.scalars(
                select(Group.channel).where(
                    Group.platform == platform, Group.workspace == workspace
                )
            )
            return list(rows)
