"""Keeping syllabi in the database: a frozen copy per content hash."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.syllabus import Library, Syllabus, load_syllabus
from bot.store.models import StoredSyllabus


async def save_syllabus(
    db: AsyncSession, syllabus: Syllabus, *, source: str = ""
) -> StoredSyllabus:
    """Store ``syllabus`` unless an identical copy (same id and content hash) is stored already."""
    digest = syllabus.content_hash
    existing = await db.scalar(
        select(StoredSyllabus).where(
            StoredSyllabus.syllabus_id == syllabus.id, StoredSyllabus.content_hash == digest
        )
    )
    if existing is not None:
        return existing
    row = StoredSyllabus(
        syllabus_id=syllabus.id,
        title=syllabus.title,
        content_hash=digest,
        body=json.loads(syllabus.canonical_json()),
        source=source,
    )
    db.add(row)
    await db.flush()
    return row


def syllabus_of(row: StoredSyllabus) -> Syllabus:
    """The syllabus exactly as it was stored."""
    return Syllabus.model_validate(row.body)


async def import_syllabus_file(
    sessionmaker: async_sessionmaker[AsyncSession], path: Path, *, library: Library
) -> StoredSyllabus:
    """Validate a file completely first, then store it in one transaction: a file with any
    problem raises DataFileError and writes nothing."""
    syllabus = load_syllabus(path, library=library)
    async with sessionmaker.begin() as db:
        return await save_syllabus(db, syllabus, source=str(path))
