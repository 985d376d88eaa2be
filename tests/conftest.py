"""Shared fixtures. Storage tests run on SQLite always and on PostgreSQL when
STUDYBOT_TEST_POSTGRES_URL points at a server (CI sets it; see .ci/run)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.clock import FakeClock
from bot.store.engine import create_engine
from bot.store.migrate import upgrade

if TYPE_CHECKING:  # core/harness.py imports this module's CONTENT and SCHEDULES
    from .core.harness import Harness

REPO = Path(__file__).resolve().parent.parent
CONTENT = REPO / "content"
SCHEDULES = REPO / "schedules"
BROKEN = Path(__file__).resolve().parent / "broken"

POSTGRES_URL = os.environ.get("STUDYBOT_TEST_POSTGRES_URL", "")


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's DATABASE_URL or writes into the working tree."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("STUDYBOT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("STUDYBOT_CONTENT", str(CONTENT))


async def _fresh_postgres_database() -> tuple[str, str]:
    import asyncpg

    admin = make_url(POSTGRES_URL).set(drivername="postgresql")
    name = f"studybot_test_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(admin.render_as_string(hide_password=False))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return admin.render_as_string(hide_password=False), name


async def _drop_postgres_database(admin_url: str, name: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A URL of an empty database, once for SQLite and once for PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL not tested: set STUDYBOT_TEST_POSTGRES_URL (CI does)")
    admin_url, name = await _fresh_postgres_database()
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        await _drop_postgres_database(admin_url, name)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on a freshly migrated database."""
    engine = create_engine(database_url)
    await upgrade(engine)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    """Thursday 1 October 2026, noon UTC: a few days before the example runs start."""
    return FakeClock(datetime(2026, 10, 1, 12, 0, tzinfo=UTC))


@pytest.fixture
async def harness(
    engine: AsyncEngine, database_url: str, clock: FakeClock, tmp_path: Path
) -> AsyncIterator[Harness]:
    """The bot on the migrated database of ``engine`` (tests may read it through either)."""
    from .core.harness import harness_on

    async with harness_on(database_url, clock, tmp_path) as started:
        yield started
