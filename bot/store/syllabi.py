"""Keeping syllabi in the database: a frozen copy per content hash."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.store.models import StoredSyllabus, utcnow
from bot.store.upsert import insert_for

if TYPE_CHECKING:  # the models (pydantic) load with the first syllabus read, not at start
    from bot.domain.library import Library
    from bot.domain.syllabus import Syllabus


async def save_syllabus(
    db: AsyncSession, syllabus: Syllabus, *, source: str = ""
) -> StoredSyllabus:
    """Store ``syllabus`` unless an identical copy (same id and content hash) is stored already.

    Insert-or-get in one statement: two groups starting the same book at the same moment both
    get the one stored copy, instead of one of them tripping over the unique constraint.
    """
    digest = syllabus.content_hash
    insert = insert_for(db.bind.dialect.name)
    await db.execute(
        insert(StoredSyllabus)
        .values(
            syllabus_id=syllabus.id,
            title=syllabus.title,
            content_hash=digest,
            body=json.loads(syllabus.canonical_json()),
            source=source,
            loaded_at=utcnow(),
        )
        .on_conflict_do_nothing(
            index_elements=[StoredSyllabus.syllabus_id, StoredSyllabus.content_hash]
        )
    )
    stored = await db.scalar(
        select(StoredSyllabus).where(
            StoredSyllabus.syllabus_id == syllabus.id, StoredSyllabus.content_hash == digest
        )
    )
    assert stored is not None  # inserted above, or already there
    return stored


def syllabus_of(row: StoredSyllabus) -> Syllabus:
    """The syllabus exactly as it was stored."""
    from bot.domain.syllabus import Syllabus  # pydantic: on first use, not at start

    return Syllabus.model_validate(row.body)


async def import_syllabus_file(
    sessionmaker: async_sessionmaker[AsyncSession], path: Path, *, library: Library
) -> StoredSyllabus:
    """Validate a file completely first, then store it in one transaction: a file with any
    problem raises DataFileError and writes nothing."""
    from bot.domain.syllabus import load_syllabus  # pydantic: on first use, not at start

    syllabus = load_syllabus(path, library=library)
    async with sessionmaker.begin() as db:
        return await save_syllabus(db, syllabus, source=str(path))
