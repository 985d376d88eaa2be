"""What composers hand the ledger: where a post goes (``ToChannel`` ... ``ToCancelEvent``), the
post with what comes after it (``Composed``), the claimed row a composer reads (``Row``), and
the one check of a parent post that will never exist (``waiting_for``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.models import EventDetails, Message, ToDraw
from bot.domain.states import DeliveryKind, DeliveryStatus
from bot.store.models import Delivery, Group, Meeting, Run


class ParentNotPosted(RuntimeError):
    """A row whose parent post will never exist (its kickoff or question missed or failed)."""


@dataclass(frozen=True)
class ToChannel:
    """A post in the group's channel."""

    message: Message


@dataclass(frozen=True)
class ToThread:
    """A thread under one of the bot's posts."""

    parent_ref: str
    message: Message


@dataclass(frozen=True)
class ToMember:
    """A direct message to one member."""

    user_id: str
    message: Message


@dataclass(frozen=True)
class ToReply:
    """A message in an existing thread."""

    thread_ref: str
    message: Message


@dataclass(frozen=True)
class ToEdit:
    """New text for one of the bot's posts."""

    message_ref: str
    message: Message


@dataclass(frozen=True)
class ToEvent:
    """The session's platform event, made (``ref`` None) or brought up to date."""

    ref: str | None
    event: EventDetails


@dataclass(frozen=True)
class ToCancelEvent:
    """The event of a session that will not take place, cancelled."""

    ref: str


Outgoing = ToChannel | ToThread | ToMember | ToReply | ToEdit | ToEvent | ToCancelEvent


@dataclass(frozen=True, kw_only=True)
class Composed:
    """A row's post, the rows to write once it is sent, and which ref of its question the
    platform's id becomes (``message_ref`` for a Q&A post, ``thread_ref`` for its thread)."""

    outgoing: Outgoing
    follow_ups: tuple[dict[str, Any], ...] = ()
    question_ref: Literal["message_ref", "thread_ref"] | None = None
    to_draw: ToDraw | None = None  # drawn by ``illustrated``, outside the session
    interest_in: str | None = None  # a session's event: the post says how many are interested
    not_checked_in: frozenset[str] = frozenset()  # a nudge: the user ids it is about
    link_to: str | None = None  # a post of the group's channel the message links to


@dataclass(frozen=True, kw_only=True)
class Row:
    """A claimed row with what it belongs to, read once for its composer."""

    row: Delivery
    run: Run
    group: Group
    meeting: Meeting
    now: datetime


Composer = Callable[[AsyncSession, Row], Awaitable[Composed | None]]


async def waiting_for(db: AsyncSession, it: Row, kind: DeliveryKind) -> None:
    """Raise when the post this row needs will never exist; else it waits (returns)."""
    earlier = await db.scalar(
        select(Delivery.status).where(
            Delivery.run_id == it.run.id,
            Delivery.meeting_id == it.meeting.id,
            Delivery.kind == kind,
            Delivery.seq == it.row.seq,
        )
    )
    if earlier in (DeliveryStatus.MISSED, DeliveryStatus.FAILED):
        raise ParentNotPosted(f"the {kind} it belongs to was not posted")
