"""How much an idle delivery tick and ``next_wake`` cost as the number of running groups grows.

    python bench/tick_cost.py                 # SQLite in a temporary folder
    python bench/tick_cost.py --database-url postgresql://postgres@127.0.0.1/postgres
    python bench/tick_cost.py --groups 1,1000 --explain

One group is planned with the real command (MML on the Berlin schedule: 12 meetings, 95 ledger
rows) and run to the middle of its third week, so its ledger holds sent rows and pending ones.
The database then grows by doubling: plain ``INSERT ... SELECT`` copies of every group's rows
with every id moved past the largest one, one transaction per doubling (the last one trimmed so
the count is exact). With PostgreSQL the bench makes a database of its own on that server and
drops it after. The clock stands between two posts, so nothing is due (checked): the tick is
the one query that finds nothing, and ``next_wake`` the queries that find the next post.
Prints the medians at each group count and their ratio to the smallest count; a flat ratio
means neither grows with the number of groups. ``--explain`` adds the query plans at the last.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scratch import fresh_database  # bench/, the script's own folder
from sqlalchemy import (
    Column,
    ColumnElement,
    String,
    Table,
    UniqueConstraint,
    cast,
    event,
    func,
    insert,
    literal,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.adapters.memory import MemoryAdapter, MemoryChat
from bot.core.clock import FakeClock
from bot.domain.states import DeliveryKind, DeliveryStatus
from bot.runtime.lifespan import App, running
from bot.runtime.settings import Settings
from bot.store.models import Base, Delivery, Group

PLANNED = datetime(2026, 10, 1, 12, tzinfo=UTC)
# Week 3 of mml-berlin-mondays: its kickoff went out on the 19th, its reminder is due on the 22nd.
BETWEEN_POSTS = datetime(2026, 10, 20, 12, tzinfo=UTC)
GROUPS = Base.metadata.tables["groups"]
# The rows the copies can take as they are (seq numbers a kickoff's threads, it is no row's id).
CHANNEL_POSTS = [
    DeliveryKind.KICKOFF,
    DeliveryKind.QUESTION,
    DeliveryKind.REMINDER,
    DeliveryKind.SUMMARY,
]
BUDGET = 20.0  # seconds of timed calls at each count, at most (a slow query still gets three)
# Columns of a unique constraint that the id offsets do not make unique: their new value.
RENAMED: dict[tuple[str, str], Callable[[Table, int], ColumnElement[Any]]] = {
    ("groups", "channel"): lambda table, offset: (
        literal("bench-", String) + cast(table.c.id + offset, String)
    ),
}


def owner_of(table: Table) -> Column[Any] | None:
    """The column that ties ``table``'s rows to a group (through its parents), or None for the
    tables no group owns (syllabi, shared by every run; the ids of processed events)."""
    if table is GROUPS:
        return table.c.id
    for column in table.columns:
        for key in column.foreign_keys:
            if not column.nullable and owner_of(key.column.table) is not None:
                return column
    return None


def owned(table: Table, groups: int) -> ColumnElement[bool]:
    """Rows of ``table`` that belong to groups 1 to ``groups``."""
    column = owner_of(table)
    assert column is not None
    if table is GROUPS:
        return column <= groups
    parent = next(iter(column.foreign_keys)).column.table
    if parent is GROUPS:
        return column <= groups
    return column.in_(select(parent.c.id).where(owned(parent, groups)))


COPIED = [t for t in Base.metadata.sorted_tables if owner_of(t) is not None]


def copy_statement(table: Table, offsets: dict[str, int], groups: int) -> Any:
    """``INSERT INTO table SELECT ...`` of the rows of groups 1 to ``groups``, each id (its own
    and those it points to in copied tables) moved past the largest one."""
    values: list[ColumnElement[Any]] = []
    for column in table.columns:
        moved = [
            offsets[k.column.table.name] for k in column.foreign_keys if k.column.table in COPIED
        ]
        if column.primary_key:
            values.append(column + offsets[table.name])
        elif moved:
            values.append(column + moved[0])
        elif (table.name, column.name) in RENAMED:
            values.append(RENAMED[table.name, column.name](table, offsets[table.name]))
        else:
            values.append(column)
    rows = select(*values).where(owned(table, groups))
    return insert(table).from_select([c.name for c in table.columns], rows)


def check_unique_after_copy() -> None:
    """Every unique constraint of a copied table includes a moved id or a renamed column."""
    for table in COPIED:
        for constraint in table.constraints:
            if isinstance(constraint, UniqueConstraint) and not any(
                any(k.column.table in COPIED for k in c.foreign_keys)
                or (table.name, c.name) in RENAMED
                for c in constraint.columns
            ):
                raise SystemExit(f"{table.name}: add the columns of {constraint.name} to RENAMED")


async def double(connection: AsyncConnection, groups: int) -> None:
    """Copy the rows of groups 1 to ``groups`` once more, in one transaction."""
    if connection.dialect.name == "sqlite":  # a large page cache for the copies only
        cache = await connection.scalar(text("PRAGMA cache_size"))
        await connection.exec_driver_sql("PRAGMA cache_size = -1000000")
        try:
            await copy_groups(connection, groups)
        finally:
            await connection.exec_driver_sql(f"PRAGMA cache_size = {int(cache)}")
    else:
        if await connection.scalar(text("SELECT current_setting('is_superuser') = 'on'")):
            # As pg_restore --disable-triggers does: the copies point only at rows that exist,
            # so the per-row foreign key checks (and the ledger's wake-up trigger) are skipped.
            await connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        await copy_groups(connection, groups)


async def copy_groups(connection: AsyncConnection, groups: int) -> None:
    """The copies of ``double``."""
    offsets = {}
    for table in COPIED:
        offsets[table.name] = await connection.scalar(
            select(func.coalesce(func.max(table.c.id), 0))
        )
    for table in COPIED:
        await connection.execute(copy_statement(table, offsets, groups))
    if connection.dialect.name == "postgresql":  # later inserts take ids past the copies
        for table in COPIED:
            await connection.execute(
                text("SELECT setval(pg_get_serial_sequence(:t, 'id'), max(id)) FROM " + table.name),
                {"t": table.name},
            )


async def count(engine: AsyncEngine, table: Table, *where: ColumnElement[bool]) -> int:
    """Rows of ``table`` (that match ``where``)."""
    async with engine.connect() as connection:
        return await connection.scalar(select(func.count()).select_from(table).where(*where)) or 0


async def grow(engine: AsyncEngine, target: int) -> float:
    """Double the groups until there are ``target``; seconds it took (on PostgreSQL with the
    VACUUM ANALYZE that autovacuum would run after such inserts)."""
    started = time.perf_counter()
    groups = await count(engine, GROUPS)
    while groups < target:
        async with engine.begin() as connection:
            await double(connection, min(groups, target - groups))
        groups = await count(engine, GROUPS)
    assert groups == target, (groups, target)
    if engine.dialect.name == "postgresql":
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            for table in COPIED:
                await autocommit.exec_driver_sql(f"VACUUM (ANALYZE) {table.name}")
    return time.perf_counter() - started


async def run_to_between_posts(app: App, clock: FakeClock) -> None:
    """Send the planned group's posts as they fall due, up to the week-3 kickoff; then stand
    between that post and the next."""
    for _ in range(1000):
        wake = await app.deliverer.next_wake()
        if wake is None or wake > BETWEEN_POSTS:
            break
        clock.set(max(wake, clock.now()))
        await app.deliverer.tick()
    clock.set(BETWEEN_POSTS)


async def median_ms(call: Callable[[], Awaitable[Any]], times: int) -> float:
    """The median wall time of ``times`` calls, in milliseconds, after up to three to warm up;
    fewer calls (but at least three) when they take more than BUDGET seconds in all."""
    for _ in range(3):  # statement caches, the database's page cache
        started = time.perf_counter()
        await call()
        if time.perf_counter() - started > 1:
            break
    samples: list[float] = []
    spent = time.perf_counter()
    while len(samples) < times and (len(samples) < 3 or time.perf_counter() - spent < BUDGET):
        started = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


async def assert_idle(app: App, now: datetime) -> None:
    """Nothing is due: no pending row at or before now, no claim, and the next wake is later."""
    pending, claimed = Delivery.status == DeliveryStatus.PENDING, DeliveryStatus.CLAIMED
    due = await count(app.engine, Delivery.__table__, pending, Delivery.due_at <= now)
    held = await count(app.engine, Delivery.__table__, Delivery.status == claimed)
    wake = await app.deliverer.next_wake()
    assert due == 0 and held == 0 and wake is not None and wake > now, (due, held, wake)
    report = await app.deliverer.tick()
    assert not (report.sent or report.retry), "nothing should be due"


async def explain(app: App) -> None:
    """Print the plans of the statements an idle tick and ``next_wake`` run, as they ran."""
    ran: list[tuple[str, Any]] = []

    def record(*args: Any) -> None:
        statement, parameters = args[2], args[3]
        if statement.lstrip().upper().startswith("SELECT"):
            ran.append((statement, parameters))

    event.listen(app.engine.sync_engine, "before_cursor_execute", record)
    try:
        await app.deliverer.tick()
        await app.deliverer.next_wake()
    finally:
        event.remove(app.engine.sync_engine, "before_cursor_execute", record)
    postgres = app.engine.dialect.name == "postgresql"
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN "
    async with app.engine.connect() as connection:
        for statement, parameters in ran:

            async def run(statement: str = statement, parameters: Any = parameters) -> None:
                await connection.exec_driver_sql(statement, parameters)

            took = await median_ms(run, 10)
            print(f"\n{took:.2f} ms (median): " + " ".join(statement.split()))
            plan = await connection.exec_driver_sql(prefix + statement, parameters)
            for row in plan:
                print("    " + (row[0] if postgres else f"{row[1]:>3} {row[3]}"))


async def measure(args: argparse.Namespace, url: str, home: Path) -> list[dict[str, float]]:
    """Grow to each group count in turn and time the idle tick and ``next_wake`` there."""
    check_unique_after_copy()
    clock = FakeClock(PLANNED)
    adapter = MemoryAdapter(clock=clock)
    settings = Settings(home=home, database_url=url)  # shipped content and schedules
    async with running(
        settings=settings, adapters=[adapter], clock=clock, tick_seconds=None
    ) as app:
        chat = MemoryChat(bot=app.bot, adapter=adapter)
        chat.channel = "group-0"
        await chat.command("plan mml-berlin-mondays", by="organizer")
        await run_to_between_posts(app, clock)
        others = await count(app.engine, Delivery.__table__, Delivery.kind.not_in(CHANNEL_POSTS))
        assert others == 0, "a DM's or Q&A row's seq is a member's or question's id, not moved"
        results = []
        for groups in args.groups:
            grown = await grow(app.engine, groups)
            await assert_idle(app, clock.now())
            results.append(
                {
                    "groups": groups,
                    "rows": await count(app.engine, Delivery.__table__),
                    "grown": grown,
                    "tick": await median_ms(app.deliverer.tick, args.ticks),
                    "wake": await median_ms(app.deliverer.next_wake, args.ticks),
                }
            )
            print(f"  {groups} groups ready in {grown:.1f} s", flush=True)
        if args.explain:
            await explain(app)
        # The copies moved the id sequences on: a group planned now gets rows of its own.
        before = await count(app.engine, GROUPS)
        chat.channel = "group-after-copies"
        clock.set(PLANNED)  # the schedule's start has not passed yet
        await chat.command("plan mml-berlin-mondays", by="organizer")
        assert await count(app.engine, GROUPS) == before + 1, "planning after the copies failed"
        assert await count(app.engine, GROUPS, Group.channel == chat.channel) == 1
    return results


def group_counts(text: str) -> list[int]:
    """``--groups``: whole numbers from 1, comma-separated."""
    try:
        counts = sorted({int(n) for n in text.split(",")})
    except ValueError:
        counts = []
    if not counts or counts[0] < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give group counts from 1, e.g. 1,100,10000")
    return counts


async def main(args: argparse.Namespace) -> None:
    """Measure on a fresh database and print one table row per group count."""
    where = "PostgreSQL" if args.database_url else "SQLite"
    with tempfile.TemporaryDirectory() as folder:
        async with fresh_database(args.database_url, Path(folder), name="tick_cost") as url:
            results = await measure(args, url, Path(folder))
    first = results[0]
    print(f"\nidle tick and next_wake ({where}), median of {args.ticks} calls each")
    print(f"(or of those made in {BUDGET:g} s, at least three, when the calls are slow):")
    print(
        f"{'groups':>8} {'ledger rows':>12} {'tick ms':>9} {'ratio':>6} "
        f"{'next_wake ms':>13} {'ratio':>6} {'built in s':>11}"
    )
    for r in results:
        print(
            f"{r['groups']:>8} {r['rows']:>12} {r['tick']:>9.2f} {r['tick'] / first['tick']:>6.2f}"
            f" {r['wake']:>13.2f} {r['wake'] / first['wake']:>6.2f} {r['grown']:>11.1f}"
        )
    print(f"bulk creation: {sum(r['grown'] for r in results):.1f} s in all")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="", help="default: SQLite in a temp folder")
    parser.add_argument(
        "--groups",
        type=group_counts,
        default="1,100,10000,100000",
        help="group counts, comma-separated",
    )
    parser.add_argument("--ticks", type=int, default=50, help="timed calls at each count")
    parser.add_argument("--explain", action="store_true", help="print the query plans at the end")
    asyncio.run(main(parser.parse_args()))
