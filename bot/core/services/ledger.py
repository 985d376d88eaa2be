"""Writing rows into the delivery ledger, whoever writes them (a command, a sent reminder,
the ledger's own notices)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import Delivery


async def write_rows(db: AsyncSession, values: list[dict[str, Any]]) -> None:
    """Insert ledger rows; one that exists already (same run, meeting, kind, seq) is kept."""
    if not values:
        return
    insert = postgresql.insert if db.bind.dialect.name == "postgresql" else sqlite.insert
    statement = insert(Delivery).values(values)
    await db.execute(
        statement.on_conflict_do_nothing(
            index_elements=[Delivery.run_id, Delivery.meeting_id, Delivery.kind, Delivery.seq]
        )
    )
