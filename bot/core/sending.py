"""Handing a composed post to the platform: its pictures drawn, its event's interest counted,
then the one request that makes it (``send``). The ledger (``bot.core.delivery``) calls these
once no database session is open."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.core import meeting_posts, pictures
from bot.core.models import Link, Links, Place
from bot.core.outgoing import (
    Composed,
    ToCancelEvent,
    ToChannel,
    ToEdit,
    ToEvent,
    ToMember,
    ToReply,
    ToThread,
)
from bot.core.ports import Adapter, Calendar, Permalinks
from bot.domain.states import DeliveryKind


async def prepared(adapter: Adapter, place: Place, composed: Composed) -> Composed:
    """``composed`` ready to send: pictures drawn, interest counted, links made."""
    composed = await with_interest(adapter, place, await illustrated(composed))
    return with_link(adapter, place, composed)


async def illustrated(composed: Composed) -> Composed:
    """``composed`` with its pictures drawn and attached to its message."""
    if composed.to_draw is None:
        return composed
    message = await pictures.drawn(composed.outgoing.message, composed.to_draw)
    return replace(composed, outgoing=replace(composed.outgoing, message=message), to_draw=None)


# The nudges of members who did not mark the session Interested wait this long behind the
# others': the ledger sends in order of due time, so on a large server, where direct messages
# queue at the platform's rate limit, those who said they are coming hear first.
INTERESTED_FIRST = timedelta(seconds=1)


async def with_interest(adapter: Adapter, place: Place, composed: Composed) -> Composed:
    """A kickoff or nudge saying how many marked the session's event Interested (and, for a
    nudge, how many of them have not checked in, whose direct nudges go out first)."""
    if composed.interest_in is None or not isinstance(adapter, Calendar):
        return composed
    interested = await adapter.interested(place, composed.interest_in)
    if not interested or not isinstance(composed.outgoing, ToChannel):
        return composed
    behind = interested & composed.not_checked_in
    message = meeting_posts.with_interest(
        composed.outgoing.message,
        len(interested),
        not_checked_in=len(behind) if composed.not_checked_in else None,
    )
    follow_ups = tuple(
        row
        if row.get("target") in interested
        else {**row, "due_at": row["due_at"] + INTERESTED_FIRST}
        for row in composed.follow_ups
    )
    return replace(composed, outgoing=ToChannel(message), follow_ups=follow_ups)


def with_link(adapter: Adapter, place: Place, composed: Composed) -> Composed:
    """A message that names a post of the group's channel, with that post's address where
    the platform gives one (a direct message cannot point at it otherwise)."""
    if composed.link_to is None or not isinstance(adapter, Permalinks):
        return composed
    url = adapter.link_to(place, composed.link_to)
    if url is None:
        return composed
    message = composed.outgoing.message
    linked = replace(message, blocks=(*message.blocks, Links((Link("Open it", url),))))
    return replace(composed, outgoing=replace(composed.outgoing, message=linked), link_to=None)


async def send(adapter: Adapter, place: Place, composed: Composed, key: str) -> str:
    """Hand a composed post to the platform; the platform's id of what it made."""
    match composed.outgoing:
        case ToEvent(ref, event):
            return await calendar_of(adapter).put_event(place, ref=ref, event=event, key=key)
        case ToCancelEvent(ref):
            await calendar_of(adapter).cancel_event(place, ref)
            return ref
        case ToChannel(message):
            return await adapter.post(place, message, key=key)
        case ToThread(parent_ref, message):
            return await adapter.open_thread(place, parent_ref, message, key=key)
        case ToMember(user_id, message):
            return await adapter.direct_message(user_id, message, key=key)
        case ToReply(thread_ref, message):
            return await adapter.reply(place, thread_ref, message)
        case ToEdit(message_ref, message):
            await adapter.update(place, message_ref, message)
            return message_ref


def calendar_of(adapter: Adapter) -> Calendar:
    """The adapter as a calendar; only groups on such platforms have event rows."""
    if not isinstance(adapter, Calendar):
        raise TypeError(f"{adapter.platform} has no events")
    return adapter


async def look_up(adapter: Adapter, place: Place, kind: DeliveryKind, key: str) -> str | None:
    """The post (or the session's event) an earlier attempt made, if it is out already."""
    if kind == DeliveryKind.EVENT:
        return await calendar_of(adapter).find_event(place, key)
    return await adapter.find_post(place, key)
