"""``/study qa ...``: the Q&A commands beyond asking and listing, as one Discord subcommand
group (Discord allows 25 subcommands under ``/study``). Each becomes the text a Slack user
would type (``/study qa faq unit:mml-03`` -> ``faq mml-03``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import discord
from discord import app_commands

from bot.core.grammar import MAX_TEXT

# The commands declared under `/study qa`.
UNDER_QA = ("faq", "reopen", "edit", "move", "withdraw", "sharing")

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
    """``/study qa faq|reopen|edit|move|withdraw|sharing`` under ``study``."""
    qa = app_commands.Group(
        name="qa",
        description="Your questions after asking, the FAQ, and sharing with other groups",
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

    @qa.command(name="reopen", description=summary("reopen"))
    @app_commands.describe(number="The question's number (default: this thread's question)")
    async def reopen(
        interaction: discord.Interaction, number: app_commands.Range[int, 1] | None = None
    ) -> None:
        await run(interaction, "reopen", number)

    @qa.command(name="edit", description=summary("edit"))
    @app_commands.describe(number="Your question's number", question="How it should read")
    async def edit(
        interaction: discord.Interaction,
        number: app_commands.Range[int, 1],
        question: app_commands.Range[str, 1, MAX_TEXT],
    ) -> None:
        await run(interaction, "edit", number, question)

    @qa.command(name="move", description=summary("move"))
    @app_commands.describe(number="Your question's number", unit="The unit it is about")
    @app_commands.autocomplete(unit=units)
    async def move(
        interaction: discord.Interaction, number: app_commands.Range[int, 1], unit: str
    ) -> None:
        await run(interaction, "move", number, unit)

    @qa.command(name="withdraw", description=summary("withdraw"))
    @app_commands.describe(number="Your question's number (nobody has answered it yet)")
    async def withdraw(
        interaction: discord.Interaction, number: app_commands.Range[int, 1]
    ) -> None:
        await run(interaction, "withdraw", number)

    @qa.command(name="sharing", description=summary("sharing"))
    @app_commands.describe(state="on: other groups reading this book see our questions")
    @app_commands.choices(state=ON_OFF)
    async def sharing(interaction: discord.Interaction, state: app_commands.Choice[str]) -> None:
        await run(interaction, "sharing", state.value)

    return qa
