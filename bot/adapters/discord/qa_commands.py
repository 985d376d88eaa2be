"""``/study qa ...``: the Q&A commands beyond asking and listing, as one Discord subcommand
group (Discord allows 25 subcommands under ``/study``). Each becomes the text a Slack user
would type (``/study qa faq unit:mml-03`` -> ``faq mml-03``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import discord
from discord import app_commands

# The commands declared under `/study qa`.
UNDER_QA = ("faq", "sharing")

Run = Callable[..., Awaitable[None]]
Suggest = Callable[[discord.Interaction, str], Awaitable[list[app_commands.Choice[str]]]]

FAQ_MARKS = [
    app_commands.Choice(name="feature: list it first", value="feature"),
    app_commands.Choice(name="hide: leave it out", value="hide"),
    app_commands.Choice(name="unmark: list it as usual", value="unmark"),
]
ON_OFF = [app_commands.Choice(name="on", value="on"), app_commands.Choice(name="off", value="off")]


def add_qa_group(
    study: app_commands.Group, *, run: Run, units: Suggest, summary: Callable[[str], str]
) -> app_commands.Group:
    """``/study qa faq|sharing`` under ``study``."""
    qa = app_commands.Group(
        name="qa",
        description="Questions asked before: the FAQ, and sharing with other groups",
        parent=study,
        guild_only=True,
    )

    @qa.command(name="faq", description=summary("faq"))
    @app_commands.describe(
        unit="A unit (default: this session's)",
        mark="Organizers: feature, hide or unmark an entry",
        number="Organizers: the entry's number, as the FAQ shows it",
    )
    @app_commands.autocomplete(unit=units)
    @app_commands.choices(mark=FAQ_MARKS)
    async def faq(
        interaction: discord.Interaction,
        unit: str | None = None,
        mark: app_commands.Choice[str] | None = None,
        number: app_commands.Range[int, 1] | None = None,
    ) -> None:
        if mark is not None:
            await run(interaction, "faq", mark.value, number)
        else:
            await run(interaction, "faq", unit)

    @qa.command(name="sharing", description=summary("sharing"))
    @app_commands.describe(state="on: other groups reading this book see our questions")
    @app_commands.choices(state=ON_OFF)
    async def sharing(interaction: discord.Interaction, state: app_commands.Choice[str]) -> None:
        await run(interaction, "sharing", state.value)

    return qa
