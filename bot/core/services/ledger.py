"""Writing rows into the delivery ledger, whoever writes them (a command, a sent reminder,
the ledger's own notices)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.services import groups
from bot.domain.states import DeliveryKind, Role
from bot.store.models import Delivery, Group, Run
from bot.store.upsert import insert_for


async def write_rows(db: AsyncSession, values: list[dict[str, Any]]) -> None:
    """Insert ledger rows; one that exists already (same run, meeting, kind, seq) is kept."""
    if not values:
        return
    insert = insert_for(db.bind.dialect.name)
    statement = insert(Delivery).values(values)
    await db.execute(
        statement.on_conflict_do_nothing(
            index_elements=[Delivery.run_id, Delivery.meeting_id, Delivery.kind, Delivery.seq]
        )
    )


async def write_notices(
    db: AsyncSession, *, run_id: int, missed: list[Delivery], now: datetime
) -> None:
    """One notice row per organizer of the run's group: these posts came too late to send."""
    oldest = min(missed, key=lambda r: r.due_at)
    run = await db.get(Run, run_id)
    assert run is not None
    group = await db.get(Group, run.group_id)
    assert group is not None
    organizers = [m for m in await groups.current_members(db, group) if m.role == Role.ORGANIZER]
    payload = {"count": len(missed), "oldest": oldest.due_at.isoformat()}
    await write_rows(
        db,
        [
            {
                "run_id": run_id,
                "meeting_id": oldest.meeting_id,
                "kind": DeliveryKind.NOTICE,
                "seq": organizer.id,
                "target": organizer.user_id,
                "payload": payload,
                "due_at": now,
            }
            for organizer in organizers
        ],
    )
