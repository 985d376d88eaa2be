"""``studybot status``: what the delivery ledger holds, per group: pending, late, held, failed
and missed posts, and the oldest post still waiting."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime

import typer
from rich.table import Table
from sqlalchemy import func, select

from bot.cli.database import database_problem
from bot.cli.output import out, say
from bot.domain.states import DeliveryStatus
from bot.runtime.settings import Settings
from bot.store.engine import create_engine, session_factory
from bot.store.migrate import upgrade
from bot.store.models import Delivery, Group, Run

COLUMNS = ("pending", "late", "held", "failed", "missed", "sent")


@dataclass
class GroupLedger:
    """One group's posts, counted by state; ``late`` are pending posts already due."""

    name: str
    counts: dict[str, int] = field(default_factory=dict)
    oldest_waiting: datetime | None = None


async def ledger_by_group(settings: Settings, now: datetime) -> list[GroupLedger]:
    """Count every group's ledger rows by state, in one query."""
    engine = create_engine(settings.database_url, home=settings.home)
    try:
        await upgrade(engine)
        async with session_factory(engine)() as db:
            late = (Delivery.status == DeliveryStatus.PENDING) & (Delivery.due_at <= now)
            rows = await db.execute(
                select(
                    Group.id,
                    Group.platform,
                    Group.workspace,
                    Group.channel,
                    Delivery.status,
                    late,
                    func.count(),
                    func.min(Delivery.due_at),
                )
                .join(Run, Run.id == Delivery.run_id)
                .join(Group, Group.id == Run.group_id)
                .group_by(Group.id, Delivery.status, late)
                .order_by(Group.platform, Group.channel, Group.workspace)
            )
            found: dict[int, GroupLedger] = {}
            result = rows.all()
            # Channel ids are unique within a workspace; name the workspace when two groups
            # would otherwise look alike.
            seen: dict[tuple[str, str], set[str]] = {}
            for _, platform, workspace, channel, *_rest in result:
                seen.setdefault((platform, channel), set()).add(workspace)
            for group_id, platform, workspace, channel, status, is_late, count, oldest in result:
                name = f"{platform} #{channel}"
                if len(seen[(platform, channel)]) > 1:
                    name = f"{platform} {workspace} #{channel}"
                entry = found.setdefault(group_id, GroupLedger(name))
                column = "late" if is_late else str(status)
                if column == "claimed":
                    column = "pending"  # being sent right now
                entry.counts[column] = entry.counts.get(column, 0) + count
                if status in (DeliveryStatus.PENDING, DeliveryStatus.CLAIMED):
                    first = entry.oldest_waiting
                    entry.oldest_waiting = oldest if first is None else min(first, oldest)
            return list(found.values())
    finally:
        await engine.dispose()


def status_command(ctx: typer.Context) -> None:
    """Show the delivery ledger per group: pending, late, held, failed and missed posts."""
    settings: Settings = ctx.obj
    now = datetime.now(UTC)
    try:
        groups = asyncio.run(ledger_by_group(settings, now))
    except Exception as error:
        problem = database_problem(error)
        if problem is None:
            raise
        say(problem)
        raise typer.Exit(1) from None
    if not groups:
        say("No group has posts in the ledger yet. Start one with /study start in a channel.")
        return
    table = Table(
        title="Posts in the delivery ledger",
        title_justify="left",
        caption=(
            "pending: not due yet, or being sent; late: due and not sent yet; held: the run is "
            "paused; failed: the platform kept refusing; missed: never to be sent (the run "
            "ended, or the bot was down past the grace period)"
        ),
        caption_justify="left",
    )
    for column in ("group", *COLUMNS, "oldest waiting (UTC)"):
        table.add_column(column, justify="left" if column == "group" else "right")
    for group in groups:
        oldest = f"{group.oldest_waiting:%Y-%m-%d %H:%M}" if group.oldest_waiting else ""
        counts = [str(group.counts.get(column, 0)) for column in COLUMNS]
        table.add_row(group.name, *counts, oldest)
    out.print(table)
