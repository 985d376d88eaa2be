"""``studybot db upgrade``, and the sentence for any error that means the database is unusable."""

from __future__ import annotations

import asyncio

import typer

from bot.cli.output import say
from bot.runtime.settings import Settings
from bot.store.engine import DatabaseConfigError, create_engine, database_url
from bot.store.migrate import current_revision, upgrade

db_app = typer.Typer(help="Create or upgrade the database (DATABASE_URL).", no_args_is_help=True)

DRIVER_MODULES = {"sqlalchemy", "asyncpg", "sqlite3", "aiosqlite"}


def database_problem(error: Exception, *, doing: str = "Database error") -> str | None:
    """A sentence for errors that mean "the database is unusable", else None."""
    if isinstance(error, DatabaseConfigError):
        return str(error)
    if isinstance(error, OSError) and error.filename is not None:
        # A file, not a server: name it and say what is wrong with it, in words.
        what = (error.strerror or str(error)).lower()
        return f"Cannot use {error.filename}: {what}. Check the path (STUDYBOT_HOME, DATABASE_URL)."
    if isinstance(error, OSError | ConnectionError):
        return f"Cannot reach the database: {error}"
    if type(error).__module__.split(".")[0] in DRIVER_MODULES:
        return f"{doing}: {error.__class__.__name__}: {error}"
    return None


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Create the tables, or bring them up to date (safe to run again)."""
    settings: Settings = ctx.obj

    async def run() -> str | None:
        engine = create_engine(settings.database_url, home=settings.home)
        try:
            await upgrade(engine)
            return await current_revision(engine)
        finally:
            await engine.dispose()

    try:
        url = database_url(settings.database_url, home=settings.home)
        revision = asyncio.run(run())
    except Exception as exc:
        problem = database_problem(exc, doing="Cannot upgrade the database")
        if problem is None:
            raise
        say(problem)
        raise typer.Exit(1) from None
    shown = url.split("@")[-1] if "@" in url else url
    say(f"Database is at revision {revision} ({shown})")
