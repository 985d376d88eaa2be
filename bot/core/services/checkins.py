"""Check-ins: one per member per meeting; a new one replaces the earlier one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.states import CheckinStatus
from bot.store.models import CheckIn, Meeting, Member

COUNTS_FOR_STREAK = (CheckinStatus.DONE, CheckinStatus.PARTIAL)


async def check_in(
    db: AsyncSession,
    *,
    meeting: Meeting,
    member: Member,
    status: CheckinStatus,
    note: str,
    now: datetime,
) -> None:
    """Insert or replace in one statement, so two check-ins at once leave exactly one row."""
    dialect = db.bind.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(CheckIn).values(
        meeting_id=meeting.id,
        member_id=member.id,
        status=status,
        note=note,
        created_at=now,
        updated_at=now,
    )
    statement = statement.on_conflict_do_update(
        index_elements=[CheckIn.meeting_id, CheckIn.member_id],
        set_={"status": status, "note": note, "updated_at": now},
    )
    await db.execute(statement)


async def checkins_for(db: AsyncSession, meeting_ids: list[int]) -> list[CheckIn]:
    """Every check-in for these meetings."""
    if not meeting_ids:
        return []
    return list(await db.scalars(select(CheckIn).where(CheckIn.meeting_id.in_(meeting_ids))))


def streak(member_id: int, started: list[Meeting], checkins: list[CheckIn]) -> int:
    """Consecutive started sessions, newest first, with a done or partial check-in. The
    session now running does not break a streak before it has ended."""
    good = {(c.meeting_id, c.member_id) for c in checkins if c.status in COUNTS_FOR_STREAK}
    count = 0
    for position, meeting in enumerate(reversed(started)):
        if (meeting.id, member_id) in good:
            count += 1
        elif position == 0:
            continue
        else:
            break
    return count
