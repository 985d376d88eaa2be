"""StudyBot: the pipeline from a platform event to changes and a reply. One instance serves
every platform.

Each event is handled in one database transaction that also records the event's id, so a
platform retrying a delivery changes nothing the second time. A ``Refusal`` rolls the
transaction back and becomes the member's reply; any other failure is logged, rolled back and
answered with an apology.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core import grammar, replies
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
from bot.core.ports import Adapter, Clock
from bot.domain.syllabus import Library
from bot.store.engine import WriteGate, is_busy
from bot.store.models import ProcessedEvent

log = logging.getLogger(__name__)


async def _command(ctx: Context, event: CommandEvent) -> Reply | None:
    command = grammar.parse(event.text)
    return await COMMANDS[type(command)](ctx, command)


async def _action(ctx: Context, event: ActionEvent) -> Reply | None:
    handler = ACTIONS.get(event.action)
    if handler is None:
        raise Refusal("That button is no longer supported. Try `/study help`.")
    return await handler(ctx, event)


EVENTS: dict[type[Incoming], Callable[[Context, Any], Awaitable[Reply | None]]] = {
    CommandEvent: _command,
    ActionEvent: _action,
    ThreadMessageEvent: questions.on_thread_message,
    ReactionEvent: questions.on_reaction,
    MembershipEvent: membership.on_membership,
    FileEvent: syllabi.on_file,
}


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
    ) -> None:
        self.sessionmaker = sessionmaker
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
        """Handle one platform event; None means there is nothing to say (or it was a retry)."""
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
        return reply

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
    try:
        async with db.begin_nested():
            db.add(ProcessedEvent(platform=event.where.platform, event_id=event.event_id[:200]))
    except IntegrityError:
        return False
    return True
