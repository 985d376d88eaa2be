"""Check-ins: one per member per session; a new one replaces the earlier one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import CheckIn, Member, Session

COUNTS_FOR_STREAK = ("done", "partial")


async def check_in(
    db: AsyncSession, *, session: Session, member: Member, status: str, note: str, now: datetime
) -> None:
    """Insert or replace in one statement, so two check-ins at once leave exactly one row."""
    dialect = db.bind.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(CheckIn).values(
        session_id=session.id,
        member_id=member.id,
        status=status,
        note=note,
        created_at=now,
        updated_at=now,
    )
    statement = statement.on_conflict_do_update(
        index_elements=[CheckIn.session_id, CheckIn.member_id],
        set_={"status": status, "note": note, "updated_at": now},
    )
    await db.execute(statement)


async def checkins_for(db: AsyncSession, session_ids: list[int]) -> list[CheckIn]:
    if not session_ids:
        return []
    return list(await db.scalars(select(CheckIn).where(CheckIn.session_id.in_(session_ids))))


def streak(member_id: int, started: list[Session], checkins: list[CheckIn]) -> int:
    """Consecutive started sessions, newest first, with a done or partial check-in. The
    session now running does not break a streak before it has ended."""
    good = {(c.session_id, c.member_id) for c in checkins if c.status in COUNTS_FOR_STREAK}
    count = 0
    for position, session in enumerate(reversed(started)):
        if (session.id, member_id) in good:
            count += 1
        elif position == 0:
            continue
        else:
            break
    return count
