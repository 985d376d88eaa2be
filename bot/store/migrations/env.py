"""Alembic environment. Migrations run on a connection handed in by ``bot.store.migrate``; run
through the ``alembic`` command line instead, they connect to DATABASE_URL themselves."""

import asyncio
import os
from pathlib import Path
from typing import Any

from alembic import context
from sqlalchemy import Connection

from bot.store.engine import create_engine
from bot.store.models import Base, UTCDateTime

config = context.config


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    # Migrations must not import the app's types; UTCDateTime is a timestamptz underneath.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_with_own_engine(url: str, home: Path) -> None:
    engine = create_engine(url, home=home)
    async with engine.begin() as connection:
        await connection.run_sync(run_migrations)
    await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("studybot migrations run online only: set DATABASE_URL and drop --sql")

connection = config.attributes.get("connection")
if connection is None:
    # The alembic command line is an edge of its own: it reads the two variables it needs.
    home = Path(os.environ.get("STUDYBOT_HOME") or ".").expanduser()
    asyncio.run(run_with_own_engine(os.environ.get("DATABASE_URL", ""), home))
else:
    run_migrations(connection)
