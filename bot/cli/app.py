"""The ``studybot`` command: one typer app; every command lives in a module of its own.

A command's module is imported only when that command runs (or a help page lists it): the
console, the demo, the tables and Alembic cost ``studybot run`` nothing, and its start stays
short. This is click's "lazily loading subcommands" pattern, applied to typer's group.
"""

from __future__ import annotations

import importlib
import os
from difflib import get_close_matches
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from bot.core.errors import ConfigError
from bot.runtime.settings import Settings

# Every command, in the order ``studybot --help`` lists them (typer's: commands, then groups):
# the module and the attribute defining it, a command function or a typer app (a group).
COMMANDS = {
    "console": ("bot.cli.console", "console_command"),
    "demo": ("bot.cli.demo", "demo_command"),
    "run": ("bot.cli.serve", "run_command"),
    "status": ("bot.cli.status", "status_command"),
    "tex": ("bot.cli.tex", "tex_command"),
    "syllabus": ("bot.cli.content", "syllabus_app"),
    "schedule": ("bot.cli.content", "schedule_app"),
    "db": ("bot.cli.database", "db_app"),
    "discord": ("bot.adapters.discord.cli", "app"),
    "slack": ("bot.adapters.slack.cli", "slack_app"),
}


class LazyCommands(TyperGroup):
    """The commands of ``COMMANDS``, each built from its module the first time it is needed."""

    def list_commands(self, ctx: typer.Context) -> list[str]:
        """Every command's name, without importing any of them."""
        return list(COMMANDS)

    def get_command(self, ctx: typer.Context, cmd_name: str) -> TyperCommand | TyperGroup | None:
        """The command called ``cmd_name``, imported and built now if it was not yet."""
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            self.add_command(load_command(cmd_name), cmd_name)
        return self.commands.get(cmd_name)  # type: ignore[return-value]

    def resolve_command(
        self, ctx: typer.Context, args: list[str]
    ) -> tuple[str | None, Any, list[str]]:
        """As typer's; for a mistyped name, the close ones are built first, so that typer's
        "Did you mean ...?" finds them among the commands it has."""
        if args and args[0] not in COMMANDS:
            for name in get_close_matches(args[0], COMMANDS):
                self.get_command(ctx, name)
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: typer.Context) -> Any:
        """As typer's; a usage mistake its parser reports without a context ("Option '--fast'
        requires an argument.") gets the command's, so the usage line and the "Try ... --help"
        hint are printed with it, as for every other mistake."""
        try:
            return super().invoke(ctx)
        except Exception as error:
            name = ctx.invoked_subcommand
            if (
                getattr(error, "ctx", False) is None
                and name
                and (command := self.commands.get(name))
            ):
                error.ctx = typer.Context(command, info_name=name, parent=ctx)  # type: ignore[attr-defined]
            raise


def load_command(name: str) -> TyperCommand | TyperGroup:
    """Import the module of command ``name`` and build it as typer would have at ``add_typer``
    or ``command``."""
    module, attribute = COMMANDS[name]
    target = getattr(importlib.import_module(module), attribute)
    if isinstance(target, typer.Typer):
        group = typer.main.get_group(target)
        group.name = name
        return group
    single = typer.Typer(add_completion=False)
    single.command(name)(target)
    command = typer.main.get_command(single)
    assert isinstance(command, TyperCommand)  # one command and no callback: typer's own command
    return command


app = typer.Typer(
    cls=LazyCommands,
    help="studybot: run a textbook study group on Slack or Discord, week by week.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def read_settings(ctx: typer.Context) -> None:
    """studybot: run a textbook study group on Slack or Discord, week by week."""
    # The one place that reads the environment; every command gets it as ``ctx.obj``.
    try:
        ctx.obj = Settings.from_env(os.environ)
    except ConfigError as error:  # a setting that cannot work: its sentence, no traceback
        from bot.cli.output import say  # rich is loaded only when there is something to say

        say(str(error))
        raise typer.Exit(1) from None


def main() -> None:
    """The ``studybot`` console script."""
    app()
