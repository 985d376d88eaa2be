"""Which database, and how to connect: ``DATABASE_URL``, or a SQLite file under STUDYBOT_HOME."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Connection, event
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as DbSession
from sqlalchemy.pool import ConnectionPoolEntry

from bot.domain.errors import ConfigError
from bot.store.wakeups import session_class

_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}


class DatabaseConfigError(ConfigError):
    """DATABASE_URL names something studybot cannot use."""


def database_url(configured: str, *, home: Path = Path()) -> str:
    """The async SQLAlchemy URL for DATABASE_URL (``configured``); "" means a SQLite file under
    ``home``. ``postgresql://`` and ``sqlite://`` get async drivers."""
    url = configured
    if not url.strip():
        return f"sqlite+aiosqlite:///{(home / 'studybot.db').resolve()}"
    try:
        parsed = make_url(url.strip())
    except ArgumentError:
        raise DatabaseConfigError(
            f"DATABASE_URL {url!r} is not a database URL; use sqlite:///path/to/studybot.db "
            "or postgresql://user@host/dbname"
        ) from None
    driver = _DRIVERS.get(parsed.drivername)
    if driver is None:
        raise DatabaseConfigError(
            f"DATABASE_URL uses {parsed.drivername!r}; studybot supports sqlite and postgresql: "
            "use sqlite:///path/to/studybot.db or postgresql://user@host/dbname"
        )
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def create_engine(url: str, *, home: Path = Path()) -> AsyncEngine:
    """An engine for DATABASE_URL ``url`` (see ``database_url``), with SQLite set up to be safe."""
    address = make_url(database_url(url, home=home))
    if address.get_backend_name() == "sqlite":
        # aiosqlite loads with SQLite only. A file needs no ping before each use (nothing
        # between us and it can drop the connection), and the round trips to aiosqlite's
        # thread are cut to one per statement (bot.store.sqlite_driver).
        from bot.store.sqlite_driver import one_trip_connector

        engine = create_async_engine(address, async_creator=one_trip_connector(address))
    else:
        # PostgreSQL: the idle tick's plan is estimated far costlier than it is (status and due
        # time look independent), which starts the JIT compiler on every tick: 25 ms for 0.04.
        engine = create_async_engine(
            address, pool_pre_ping=True, connect_args={"server_settings": {"jit": "off"}}
        )
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        if database and database != ":memory:":
            _check_sqlite_file(Path(database).expanduser(), configured=bool(url.strip()))
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


def _check_sqlite_file(path: Path, *, configured: bool) -> None:
    """SQLite would only say "unable to open database file"; say what is wrong instead. The
    default file's folder is STUDYBOT_HOME, studybot's own, made when missing; a folder named
    in DATABASE_URL is the person's, and a missing one is more likely a typo than a wish."""
    folder = path.parent
    if path.is_dir():
        raise DatabaseConfigError(
            f"DATABASE_URL names {path}, which is a folder: name a file in it instead, for "
            f"example sqlite:///{path / 'studybot.db'}"
        )
    if configured and not folder.is_dir():
        problem = "is a file, not a folder" if folder.exists() else "does not exist"
        raise DatabaseConfigError(
            f"{folder} {problem}: create it first (mkdir -p {folder}) or set DATABASE_URL to a "
            "file in a folder that exists."
        )
    if folder.exists() and not folder.is_dir():
        raise DatabaseConfigError(
            f"STUDYBOT_HOME is {folder}, which is a file, not a folder: set STUDYBOT_HOME to a "
            "folder (a new one is created), for example STUDYBOT_HOME=~/.studybot."
        )
    folder.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    # The sqlite3 driver's own transaction handling starts transactions late and turns a
    # SAVEPOINT into the outermost transaction (so releasing it commits). Take control, as the
    # SQLAlchemy docs advise: the driver does nothing and "begin" below emits BEGIN.
    dbapi_connection.isolation_level = None
    # Foreign keys are off by default in SQLite; WAL lets a reader and a writer work at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # A transaction that reads and then writes (the delivery claim) asks for IMMEDIATE, so it
    # waits for the write lock at the start instead of failing when it upgrades later.
    from bot.store.sqlite_driver import OneTripConnection  # loaded with the engine already

    mode = connection.get_execution_options().get("sqlite_begin", "")
    driver = connection.connection.driver_connection
    if isinstance(driver, OneTripConnection):
        driver.begin(f"BEGIN {mode}".strip())  # said with the first statement, in its trip
    else:
        connection.exec_driver_sql(f"BEGIN {mode}".strip())


def session_factory(
    engine: AsyncEngine, *, on_ledger_written: Callable[[], None] | None = None
) -> async_sessionmaker[DbSession]:
    """Sessions whose objects stay readable after commit; ``on_ledger_written`` is called after
    a commit that inserted ledger rows (``bot.store.wakeups``)."""
    if on_ledger_written is None:
        return async_sessionmaker(engine, expire_on_commit=False)
    return async_sessionmaker(
        engine, expire_on_commit=False, sync_session_class=session_class(on_ledger_written)
    )


class WriteGate:
    """Writers of one process take turns here when the database is SQLite.

    SQLite lets one transaction write at a time; writers that find the file locked spin on
    ``busy_timeout`` and fail after it, which under a burst of commands turns into "database is
    locked". Queued here, they wait their turn in order instead. PostgreSQL needs no gate.
    """

    def __init__(self, *, serial: bool) -> None:
        self._lock = asyncio.Lock() if serial else None

    @classmethod
    def for_engine(cls, engine: AsyncEngine) -> WriteGate:
        """A gate that serializes writers on SQLite and lets them all through elsewhere."""
        return cls(serial=engine.dialect.name == "sqlite")

    async def __aenter__(self) -> None:
        if self._lock is not None:
            await self._lock.acquire()

    async def __aexit__(self, *exc_info: object) -> None:
        if self._lock is not None:
            self._lock.release()


def is_busy(error: Exception) -> bool:
    """Whether a database error only means "another writer holds the lock" (try again later)."""
    return "database is locked" in str(error) or "could not obtain lock" in str(error)
