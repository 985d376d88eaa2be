"""The ``studybot`` command: one typer app; every command lives in a module of its own."""

from __future__ import annotations

import os

import typer

from bot.adapters.discord.cli import app as discord_app
from bot.adapters.slack.cli import slack_app
from bot.cli.console import console_command
from bot.cli.content import schedule_app, syllabus_app
from bot.cli.database import db_app
from bot.cli.demo import demo_command
from bot.cli.serve import run_command
from bot.cli.status import status_command
from bot.runtime.settings import Settings

app = typer.Typer(
    help="studybot: run a textbook study group on Slack or Discord, week by week.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def read_settings(ctx: typer.Context) -> None:
    """studybot: run a textbook study group on Slack or Discord, week by week."""
    # The one place that reads the environment; every command gets it as ``ctx.obj``.
    ctx.obj = Settings.from_env(os.environ)


app.add_typer(syllabus_app, name="syllabus")
app.add_typer(schedule_app, name="schedule")
app.add_typer(db_app, name="db")
app.add_typer(discord_app, name="discord")
app.add_typer(slack_app, name="slack")
app.command("console")(console_command)
app.command("demo")(demo_command)
app.command("run")(run_command)
app.command("status")(status_command)


def main() -> None:
    """The ``studybot`` console script."""
    app()
