"""Check-ins: one per member per meeting; a new one replaces the earlier one."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql import Executable

from bot.core.models import Person, Place
from bot.domain.states import OPEN_RUN, CheckinStatus, RunStatus
from bot.store.models import CheckIn, Group, Meeting, Member, Run
from bot.store.upsert import insert_for

# The statements below are built once per dialect, so SQLAlchemy compiles each once; they take
# their values as parameters.


async def check_in(
    db: AsyncSession,
    *,
    meeting_id: int,
    member_id: int,
    status: CheckinStatus,
    note: str,
    now: datetime,
) -> None:
    """Insert or replace in one statement, so two check-ins at once leave exactly one row."""
    connection = await db.connection()
    values = {"meeting_id": meeting_id, "member_id": member_id, "status": status, "note": note}
    await connection.execute(_upsert(connection.dialect.name), values | {"now": now})


async def check_in_here(
    db: AsyncSession, *, place: Place, who: Person, status: CheckinStatus, note: str, now: datetime
) -> str | None:
    """The usual check-in in one statement: the channel's group reads (not paused), a session
    has begun, and ``who`` is a current member under the same name. Returns the title of the
    session checked in for; None, with nothing written, when any of that is not so (the caller
    then takes the steps one by one, to enrol, rename or refuse)."""
    connection = await db.connection()
    result = await connection.execute(
        _check_in_here(connection.dialect.name),
        {
            "platform": place.platform,
            "workspace": place.workspace,
            "channel": place.channel,
            "user_id": who.user_id,
            "name": who.name,
            "status": status,
            "note": note,
            "now": now,
        },
    )
    title: str | None = result.scalar()
    return title


def _on_conflict_replace(insert: Any) -> Any:
    excluded = insert.excluded  # the values this statement tried to insert
    return insert.on_conflict_do_update(
        index_elements=[CheckIn.meeting_id, CheckIn.member_id],
        set_={"status": excluded.status, "note": excluded.note, "updated_at": excluded.updated_at},
    )


@cache
def _upsert(dialect: str) -> Executable:
    now = bindparam("now", type_=CheckIn.created_at.type)
    insert = insert_for(dialect)(CheckIn).values(
        meeting_id=bindparam("meeting_id"),
        member_id=bindparam("member_id"),
        status=bindparam("status"),
        note=bindparam("note"),
        created_at=now,
        updated_at=now,
    )
    statement: Executable = _on_conflict_replace(insert)
    return statement


@cache
def _check_in_here(dialect: str) -> Executable:
    now = bindparam("now", type_=Meeting.starts_at.type)
    name = bindparam("name", type_=Member.display_name.type)
    runs, meetings = aliased(Run), aliased(Meeting)
    open_run = (  # the group's newest open run, as runs.open_run finds it
        select(runs.id)
        .where(runs.group_id == Group.id, or_(*(runs.status == s for s in OPEN_RUN)))
        .order_by(runs.id.desc())
        .limit(1)
        .correlate(Group)
        .scalar_subquery()
    )
    current = (  # the session being read, as runs.current_meeting picks it
        select(meetings.id)
        .where(meetings.run_id == Run.id, meetings.starts_at <= now)
        .order_by(meetings.index.desc())
        .limit(1)
        .correlate(Run)
        .scalar_subquery()
    )
    values = (
        select(
            Meeting.id,
            Member.id,
            bindparam("status", type_=CheckIn.status.type),
            bindparam("note", type_=CheckIn.note.type),
            now,
            now,
        )
        .select_from(Group)
        .join(Run, Run.id == open_run)
        .join(Meeting, Meeting.id == current)
        .join(Member, and_(Member.group_id == Group.id, Member.user_id == bindparam("user_id")))
        .where(
            Group.platform == bindparam("platform"),
            Group.workspace == bindparam("workspace"),
            Group.channel == bindparam("channel"),
            Run.status == RunStatus.ACTIVE,
            Member.left_at.is_(None),
            or_(name == "", Member.display_name == name),  # enrolling would change nothing
        )
    )
    columns = ("meeting_id", "member_id", "status", "note", "created_at", "updated_at")
    insert = insert_for(dialect)(CheckIn).from_select(
        [getattr(CheckIn, c) for c in columns], values
    )
    # RETURNING may read the row just written; SQLAlchemy does not correlate a subquery to it.
    written = literal_column(f"{CheckIn.__tablename__}.{CheckIn.__table__.c.session_id.name}")
    title = select(Meeting.title).where(Meeting.id == written).scalar_subquery()
    statement: Executable = _on_conflict_replace(insert).returning(title)
    return statement


async def checkins_for(db: AsyncSession, meeting_ids: list[int]) -> list[CheckIn]:
    """Every check-in for these meetings."""
    if not meeting_ids:
        return []
    return list(await db.scalars(select(CheckIn).where(CheckIn.meeting_id.in_(meeting_ids))))
