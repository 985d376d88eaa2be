"""aiosqlite with one trip to its thread per statement, for SQLAlchemy's async engine.

aiosqlite runs SQLite on a thread of its own and hands that thread every call. SQLAlchemy's
cursor makes four such trips per statement (open a cursor, execute, fetch, close), and the
transaction's BEGIN and the rollback that SQLAlchemy's pool sends after every commit are trips
of their own. Each trip costs two thread switches and a wake-up of the event loop, which on a busy
bot is more than SQLite's own work. Here a statement is executed, fetched and closed in one trip
(SQLAlchemy reads every row of a result at once anyway), BEGIN travels with the transaction's
first statement, and a rollback is handed to the thread without waiting for its answer. SQLite
still never runs on the event loop's thread, so a slow disk or a lock held by another process
never stalls the bot.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any

import aiosqlite
from sqlalchemy.engine import URL

Outcome = tuple[Any, int, int | None, list[Any]]  # description, rowcount, lastrowid, rows
ITER_CHUNK_SIZE = 64  # aiosqlite's default (rows per trip when a cursor is iterated)


def _roll_back(connection: sqlite3.Connection) -> None:
    """On the database thread: undo the open transaction, if there is one."""
    if connection.in_transaction:
        connection.rollback()


def _run(
    connection: sqlite3.Connection, begin: str | None, sql: str, parameters: Any, many: bool
) -> Outcome:
    """On the database thread: the transaction's BEGIN when it is still to be said, then one
    statement, every row it returns, and its cursor closed again."""
    cursor = connection.cursor()
    try:
        if begin is not None:
            cursor.execute(begin)
        if many:
            cursor.executemany(sql, parameters)
        else:
            cursor.execute(sql, parameters)
        rows = cursor.fetchall() if cursor.description else []
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class OneTripCursor:
    """What SQLAlchemy uses of aiosqlite's cursor; each statement makes one trip."""

    arraysize = 1

    def __init__(self, connection: OneTripConnection) -> None:
        self._connection = connection
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self._rows: deque[Any] = deque()

    async def __aenter__(self) -> OneTripCursor:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._rows.clear()

    async def _trip(self, sql: str, parameters: Any, *, many: bool) -> OneTripCursor:
        connection = self._connection
        begin, connection.begin_with = connection.begin_with, None
        outcome: Outcome = await connection.on_thread(
            _run, connection.sqlite, begin, sql, parameters, many
        )
        self.description, self.rowcount, self.lastrowid, rows = outcome
        self._rows = deque(rows)
        return self

    async def execute(self, sql: str, parameters: Any = ()) -> OneTripCursor:
        """Execute ``sql`` and keep every row it returns."""
        return await self._trip(sql, parameters, many=False)

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> OneTripCursor:
        """Execute ``sql`` once per set of parameters."""
        return await self._trip(sql, parameters, many=True)

    async def fetchone(self) -> Any:
        """The next row, or None."""
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        """Up to ``size`` more rows."""
        count = min(size or self.arraysize, len(self._rows))
        return [self._rows.popleft() for _ in range(count)]

    async def fetchall(self) -> Sequence[Any]:
        """Every row left."""
        rows = list(self._rows)
        self._rows.clear()
        return rows

    async def close(self) -> None:
        """Nothing is left open on the database thread: only the rows are let go."""
        self._rows.clear()


class OneTripConnection(aiosqlite.Connection):
    """An aiosqlite connection whose statements make one trip each, and whose BEGIN travels
    with the transaction's first statement."""

    begin_with: str | None = None  # a BEGIN still to be said before the next statement

    def begin(self, sql: str) -> None:
        """Begin a transaction with ``sql`` (BEGIN, BEGIN IMMEDIATE) right before its first
        statement, in the same trip: nothing can come in between."""
        self.begin_with = sql

    def cursor(self) -> OneTripCursor:  # type: ignore[override]
        """A cursor; nothing is opened on the database thread until a statement runs."""
        return OneTripCursor(self)

    async def commit(self) -> None:
        """Commit; a transaction that never ran a statement was never begun."""
        if self.begin_with is not None:
            self.begin_with = None
            return
        await super().commit()

    async def rollback(self) -> None:
        """Roll back, without waiting for the thread. SQLAlchemy's pool rolls back every
        connection it takes back, also one whose transaction was just committed: the thread
        then finds nothing open. Queued behind whatever the thread still has to do (a statement
        whose caller was cancelled, say), the rollback happens in order all the same."""
        if self.begin_with is not None:  # no statement since BEGIN: nothing was begun
            self.begin_with = None
            return
        if self._connection is not None:
            self._tx.put_nowait((None, partial(_roll_back, self._connection)))

    @property
    def sqlite(self) -> sqlite3.Connection:
        """The sqlite3 connection, to be used on the database thread only."""
        return self._conn

    async def on_thread(self, function: Callable[..., Any], *args: Any) -> Any:
        """``function(*args)`` on the connection's thread, in one trip."""
        return await self._execute(function, *args)


def one_trip_connector(url: URL) -> Callable[[], OneTripConnection]:
    """The ``async_creator`` for an engine on ``url`` (``sqlite+aiosqlite://...``): the
    connection aiosqlite would open there, with one-trip statements."""
    arguments, options = url.get_dialect()().create_connect_args(url)

    def connect() -> OneTripConnection:
        def open_database() -> sqlite3.Connection:  # runs on the connection's own thread
            return sqlite3.connect(*arguments, **options)

        connection = OneTripConnection(open_database, ITER_CHUNK_SIZE)
        connection._thread.daemon = True  # as SQLAlchemy makes aiosqlite's: never holds up exit
        return connection

    return connect
