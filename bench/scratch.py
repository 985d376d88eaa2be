"""A scratch database for one benchmark run: a SQLite file in a temporary folder, or a database
of its own on the PostgreSQL server given, dropped afterwards."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy.engine import make_url


@contextlib.asynccontextmanager
async def fresh_database(
    database_url: str | None, folder: Path, *, name: str
) -> AsyncIterator[str]:
    """``folder/<name>.db`` on SQLite (no ``database_url``), else ``studybot_<name>_<random>``
    created on that PostgreSQL server for the run and dropped after it."""
    if not database_url:
        yield f"sqlite:///{folder / f'{name}.db'}"
        return
    import asyncpg  # only for PostgreSQL runs

    server = make_url(database_url).set(drivername="postgresql")
    database = f"studybot_{name}_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(server.render_as_string(hide_password=False))
    await admin.execute(f'CREATE DATABASE "{database}"')
    try:
        yield server.set(database=database).render_as_string(hide_password=False)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()
