"""Waking a sleeping sender when the ledger has new work, instead of waiting for its next poll.

In one process, sessions made by ``session_factory(on_ledger_written=...)`` call back after a
commit that inserted ledger rows. Across processes on PostgreSQL, a trigger (migration 0004)
notifies ``studybot_ledger`` whenever a row becomes pending, and ``ledger_notifications``
LISTENs on a connection of its own. Either way the callback only sets a flag (an
``asyncio.Event``); the sender then asks the ledger what is due.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session, UOWTransaction

from bot.store.models import Delivery

log = logging.getLogger(__name__)

CHANNEL = "studybot_ledger"
_WROTE = "studybot_wrote_ledger_rows"


def session_class(on_ledger_written: Callable[[], None]) -> type[Session]:
    """A Session class of its own (events on it reach only these sessions, not every Session in
    the process) that calls ``on_ledger_written`` after committing new ledger rows."""

    class LedgerSession(Session):
        """A session that tells the sender about the ledger rows it committed."""

    @event.listens_for(LedgerSession, "after_flush")
    def _noted(session: Session, _flush: UOWTransaction) -> None:
        if any(isinstance(obj, Delivery) for obj in session.new):
            session.info[_WROTE] = True

    @event.listens_for(LedgerSession, "after_commit")
    def _committed(session: Session) -> None:
        if session.info.pop(_WROTE, False):
            on_ledger_written()

    @event.listens_for(LedgerSession, "after_rollback")
    def _rolled_back(session: Session) -> None:
        session.info.pop(_WROTE, None)

    return LedgerSession


@asynccontextmanager
async def ledger_notifications(
    engine: AsyncEngine, on_notice: Callable[[], None]
) -> AsyncIterator[None]:
    """While inside, call ``on_notice`` on every ``studybot_ledger`` notification (PostgreSQL;
    elsewhere there is only one process, and nothing to listen to). If the listening connection
    is lost, the sender's regular poll still finds the work, only later."""
    if engine.dialect.name != "postgresql":
        yield
        return

    def heard(*_args: Any) -> None:
        on_notice()

    connection = await engine.connect()
    try:
        raw = await connection.get_raw_connection()
        listener = raw.driver_connection  # asyncpg's own connection: it speaks LISTEN
        assert listener is not None
        await listener.add_listener(CHANNEL, heard)
        try:
            yield
        finally:
            with contextlib.suppress(Exception):  # the database may be gone by now
                await listener.remove_listener(CHANNEL, heard)
    finally:
        with contextlib.suppress(Exception):
            await connection.close()
