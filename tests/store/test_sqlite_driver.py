"""SQLite through ``bot.store.sqlite_driver``: the same results and transactions as aiosqlite
gives, in fewer trips to its thread (real SQLite files, two engines where locks matter)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.engine import create_engine, is_busy
from bot.store.sqlite_driver import OneTripConnection

METADATA = MetaData()
NOTES = Table(
    "notes",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("word", String(20), unique=True, nullable=False),
)


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An engine as studybot makes it, on a fresh file with one small table."""
    engine = create_engine(f"sqlite:///{tmp_path / 'driver.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(METADATA.create_all)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What each trip to a database thread did: a statement's first word, COMMIT or ROLLBACK."""
    made: list[str] = []
    real_execute = OneTripConnection._execute

    async def counted(self: OneTripConnection, function: Any, *args: Any) -> Any:
        # A statement's trip carries (connection, begin, sql, ...): name it by its SQL.
        sql = args[2] if len(args) > 2 and isinstance(args[2], str) else function.__name__
        made.append(sql.split()[0].upper())
        return await real_execute(self, function, *args)

    monkeypatch.setattr(OneTripConnection, "_execute", counted)
    return made


async def test_the_engine_uses_one_trip_connections(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        assert isinstance(raw.driver_connection, OneTripConnection)
        assert (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
        assert (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1


async def test_a_transaction_is_one_trip_per_statement_and_one_to_commit(
    engine: AsyncEngine, trips: list[str]
) -> None:
    async with engine.begin() as connection:
        await connection.execute(insert(NOTES).values(word="alpha"))
        assert (await connection.execute(select(NOTES.c.word))).scalars().all() == ["alpha"]
    # BEGIN travels with the INSERT; the pool's rollback after the commit has nothing to undo.
    assert trips == ["INSERT", "SELECT", "COMMIT"]


async def test_a_transaction_without_statements_makes_no_trip(
    engine: AsyncEngine, trips: list[str]
) -> None:
    async with engine.begin():
        pass
    async with engine.connect() as connection:
        await connection.rollback()
    assert trips == []
    async with engine.begin() as connection:  # and the next one begins as usual
        await connection.execute(insert(NOTES).values(word="after"))
    assert trips == ["INSERT", "COMMIT"]


async def test_results_rowcounts_and_many_rows_come_back_whole(engine: AsyncEngine) -> None:
    words = [{"word": f"w{n:03d}"} for n in range(150)]  # more than one fetch's worth
    async with engine.begin() as connection:
        inserted = await connection.execute(insert(NOTES), words)  # executemany
        assert inserted.rowcount == 150
        changed = await connection.execute(
            update(NOTES).where(NOTES.c.word < "w010").values(word=NOTES.c.word + "x")
        )
        assert changed.rowcount == 10
        returned = await connection.execute(
            insert(NOTES).values(word="last").returning(NOTES.c.id, NOTES.c.word)
        )
        assert returned.one() == (151, "last")
    async with engine.connect() as connection:
        streamed = await connection.stream(select(NOTES.c.word).order_by(NOTES.c.id))
        got = [row.word async for row in streamed]
    assert len(got) == 151 and got[0] == "w000x" and got[10] == "w010" and got[-1] == "last"


async def test_a_failed_statement_undoes_the_whole_transaction(engine: AsyncEngine) -> None:
    with pytest.raises(IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(insert(NOTES).values(word="kept?"))
            await connection.execute(insert(NOTES).values(word="kept?"))  # unique: refused
    async with engine.begin() as connection:  # nothing left open, nothing half-written
        assert (await connection.execute(select(NOTES.c.word))).all() == []
        await connection.execute(insert(NOTES).values(word="kept?"))
    async with engine.connect() as connection:
        assert (await connection.execute(select(NOTES.c.word))).scalars().all() == ["kept?"]


async def test_a_statement_whose_caller_gave_up_is_still_rolled_back(engine: AsyncEngine) -> None:
    # Counting to a million takes SQLite a good part of a second: the caller is cancelled while
    # the thread is still at it, and the rollback must come after, not before.
    slow = text(
        "INSERT INTO notes (word) SELECT 'slow' || n FROM (WITH RECURSIVE c(x) AS "
        "(SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000) SELECT max(x) AS n FROM c)"
    )

    async def write() -> None:
        async with engine.begin() as connection:
            await connection.execute(slow)

    with pytest.raises(TimeoutError):
        await asyncio.wait_for(write(), timeout=0.05)
    async with engine.begin() as connection:  # nothing left open on any pooled connection
        await connection.execute(insert(NOTES).values(word="next"))
    async with engine.connect() as connection:
        assert (await connection.execute(select(NOTES.c.word))).scalars().all() == ["next"]


async def test_begin_immediate_holds_the_write_lock_until_commit(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    other = create_engine(f"sqlite:///{tmp_path / 'driver.db'}")  # as a second process would
    try:
        async with engine.connect() as holder:
            await holder.execution_options(sqlite_begin="IMMEDIATE")
            await holder.begin()
            assert (await holder.execute(select(NOTES.c.word))).all() == []  # a read, locked
            async with other.connect() as writer:
                await writer.exec_driver_sql("PRAGMA busy_timeout=50")  # fail fast here
                await writer.commit()
                with pytest.raises(OperationalError) as refused:
                    async with writer.begin():
                        await writer.execute(insert(NOTES).values(word="blocked"))
                assert is_busy(refused.value)
            await holder.commit()
        async with other.begin() as writer:  # the lock is free again
            await writer.execute(insert(NOTES).values(word="later"))
        async with engine.connect() as reader:
            words = (await reader.execute(text("SELECT word FROM notes"))).scalars().all()
        assert words == ["later"]
    finally:
        await other.dispose()
