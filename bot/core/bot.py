"""StudyBot: the pipeline from a platform event to changes and a reply. One instance serves
every platform.

Each event is handled in one database transaction that also records the event's id, so a
platform retrying a delivery changes nothing the second time. A ``Refusal`` rolls the
transaction back and becomes the member's reply; any other failure is logged, rolled back and
answered with an apology.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql import Executable

from bot.core import access, grammar, pictures, replies
from bot.core.catalog import StoredCatalog
from bot.core.context import Context
from bot.core.delivery import Deliverer
from bot.core.errors import Refusal
from bot.core.handlers import ACTIONS, COMMANDS, membership, questions, syllabi
from bot.core.handlers.reports import home_page
from bot.core.models import (
    ActionEvent,
    CommandEvent,
    FileEvent,
    Incoming,
    MembershipEvent,
    Message,
    ReactionEvent,
    Reply,
    ThreadMessageEvent,
    say,
)
from bot.core.ports import NO_METER, Adapter, Clock, Meter
from bot.domain.library import Library
from bot.store.engine import WriteGate, is_busy
from bot.store.models import ProcessedEvent
from bot.store.upsert import insert_for

log = logging.getLogger(__name__)


async def _command(ctx: Context, event: CommandEvent) -> Reply | None:
    command = grammar.parse(event.text)
    await access.admit_command(ctx, command, word=event_name(event))  # who may: one rule
    return await COMMANDS[type(command)](ctx, command)


async def _action(ctx: Context, event: ActionEvent) -> Reply | None:
    handler = ACTIONS.get(event.action)
    if handler is None:
        raise Refusal("That button is no longer supported. Try `/study help`.")
    await access.admit_action(ctx, event.action)
    return await handler(ctx, event)


EVENTS: dict[type[Incoming], Callable[[Context, Any], Awaitable[Reply | None]]] = {
    CommandEvent: _command,
    ActionEvent: _action,
    ThreadMessageEvent: questions.on_thread_message,
    ReactionEvent: questions.on_reaction,
    MembershipEvent: membership.on_membership,
    FileEvent: syllabi.on_file,
}
# What the meter calls an event that is not a command (a command goes by its word).
EVENT_NAMES = {
    ActionEvent: "button",
    ThreadMessageEvent: "thread_message",
    ReactionEvent: "reaction",
    MembershipEvent: "membership",
    FileEvent: "file",
}


def event_name(event: Incoming) -> str:
    """A short name for timing ``event``, from a small fixed set: the command word (``checkin``),
    ``unknown`` for a word the grammar does not know, or the kind of event."""
    if not isinstance(event, CommandEvent):
        return EVENT_NAMES.get(type(event), "other")
    words = re.sub(r"^/?study\b", "", event.text.strip(), flags=re.IGNORECASE).split()
    word = grammar.ALIASES.get(words[0].lower(), words[0].lower()) if words else "help"
    return word if word in grammar.SPECS else "unknown"


class StudyBot:
    """Turns platform events into changes and replies (``handle``); also the read-only views a
    platform shows outside events (``home``, ``catalog``)."""

    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        library: Library,
        schedules: Path,
        adapters: Mapping[str, Adapter],
        gate: WriteGate | None = None,
        deliverer: Deliverer | None = None,
        meter: Meter = NO_METER,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.meter = meter  # times every event; adapters report their 429s to it too
        self.deliverer = deliverer  # sends the ledger rows a command writes, once committed
        self.gate = gate or WriteGate(serial=False)
        self.clock = clock
        self.library = library
        self.schedules = schedules
        self.adapters = dict(adapters)
        self.catalog = StoredCatalog(
            library=library, schedules=schedules, sessionmaker=sessionmaker
        )

    async def handle(self, event: Incoming) -> Reply | None:
        """Handle one platform event; None means there is nothing to say (or it was a retry).
        Timed for the meter; every log line on the way names the event and its channel."""
        from structlog.contextvars import bound_contextvars  # not at import: see bot.cli.logs

        name, where, started = event_name(event), event.where, time.perf_counter()
        with bound_contextvars(
            event_id=event.event_id, command=name, platform=where.platform, channel=where.channel
        ):
            try:
                return await self._handle(event)
            finally:
                self.meter.command(name, time.perf_counter() - started)

    async def _handle(self, event: Incoming) -> Reply | None:
        handler = EVENTS[type(event)]
        try:
            async with self.gate, self.sessionmaker.begin() as db:
                if not await _first_time(db, event):
                    return None
                ctx = Context(
                    db=db,
                    event=event,
                    now=self.clock.now(),
                    library=self.library,
                    schedules=self.schedules,
                    adapters=self.adapters,
                )
                reply = await handler(ctx, event)
        except Refusal as refusal:
            return say(str(refusal), ephemeral=refusal.ephemeral)
        except OperationalError as error:
            if not is_busy(error):
                log.exception("handling %s %s failed", type(event).__name__, event.event_id)
                return say(replies.APOLOGY)
            log.warning("busy: %s %s rolled back", type(event).__name__, event.event_id)
            return say(replies.BUSY)
        except Exception:  # the member gets an apology, the log gets the traceback
            log.exception("handling %s %s failed", type(event).__name__, event.event_id)
            return say(replies.APOLOGY)
        await self._send_now(ctx)
        return await pictures.drawn_reply(reply)  # drawn once the gate and session are free

    async def _send_now(self, ctx: Context) -> None:
        """Hand the rows this event wrote to the ledger at once; what fails, it retries."""
        if not ctx.outbox or self.deliverer is None:
            return
        try:
            await self.deliverer.tick(only=frozenset(row.id for row in ctx.outbox))
        except Exception:  # committed and in the ledger: the next tick sends it
            log.exception("sending what %s wrote failed; the ledger retries", ctx.event.event_id)

    async def home(self, *, platform: str, workspace: str, user_id: str) -> Message:
        """What a member sees on their own page (Slack App Home); read-only."""
        async with self.sessionmaker() as db:
            return await home_page(
                db, platform=platform, workspace=workspace, user_id=user_id, now=self.clock.now()
            )


async def _first_time(db: AsyncSession, event: Incoming) -> bool:
    """Record the event's id; False when it was handled before (a platform's retry)."""
    connection = await db.connection()
    result = await connection.execute(
        _record_event(connection.dialect.name),
        {"platform": event.where.platform, "event_id": event.event_id[:200]},
    )
    return result.rowcount == 1


@cache
def _record_event(dialect: str) -> Executable:
    # One statement that skips an id already there (no savepoint, no exception), built once
    # per dialect so that SQLAlchemy compiles it once.
    return (
        insert_for(dialect)(ProcessedEvent)
        .values(platform=bindparam("platform"), event_id=bindparam("event_id"))
        .on_conflict_do_nothing(index_elements=[ProcessedEvent.platform, ProcessedEvent.event_id])
    )
