"""Buttons and the question form, with custom ids that outlive the process.

A kickoff posted on Monday is clicked on Thursday, possibly after several restarts, so a button
carries everything in its ``custom_id`` (``studybot:checkin:12:done``) and is dispatched by a
``DynamicItem`` template rather than by a view kept in memory. The question form (a modal)
cannot be a dynamic item; its submissions are picked up from ``on_interaction`` by their
custom id (``studybot-form:ask:12``), so a form opened before a restart still counts after it.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.core.grammar import MAX_TEXT
from bot.core.models import Button

BUTTON_PREFIX = "studybot"
FORM_PREFIX = "studybot-form"
CUSTOM_ID_LIMIT = 100
STYLES = {
    "primary": discord.ButtonStyle.primary,
    "danger": discord.ButtonStyle.danger,
    "default": discord.ButtonStyle.secondary,
}

ButtonHandler = Callable[[discord.Interaction, str, str], Awaitable[None]]


class StudyClient(discord.Client):
    """A discord.py client that knows where button clicks go (dynamic items are classes, so
    they find their handler through the client of the interaction)."""

    def __init__(self, *, on_button: ButtonHandler, **options: Any) -> None:
        super().__init__(**options)
        self.on_button = on_button


class StudyButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=rf"{BUTTON_PREFIX}:(?P<action>[a-z][a-z0-9_-]*):(?P<value>[^\s]*)",
):
    """A button whose ``custom_id`` carries its action and value, so clicks outlive restarts."""

    def __init__(self, *, action: str, value: str, label: str, style: discord.ButtonStyle) -> None:
        custom_id = f"{BUTTON_PREFIX}:{action}:{value}"
        if len(custom_id) > CUSTOM_ID_LIMIT:
            raise ValueError(f"button id {custom_id!r} is longer than Discord allows")
        super().__init__(discord.ui.Button(label=label[:80], style=style, custom_id=custom_id))
        self.action, self.value = action, value

    @classmethod
    def of(cls, button: Button) -> StudyButton:
        """The Discord button for a core ``Button``."""
        return cls(
            action=button.action,
            value=button.value,
            label=button.label,
            style=STYLES.get(button.style, discord.ButtonStyle.secondary),
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> StudyButton:
        """The button a click names, rebuilt from its ``custom_id`` (discord.py calls this)."""
        return cls(
            action=match["action"], value=match["value"], label=item.label or "", style=item.style
        )

    async def callback(self, interaction: discord.Interaction) -> None:
        """Hand the click to the client's ``on_button``."""
        client = interaction.client
        if isinstance(client, StudyClient):
            await client.on_button(interaction, self.action, self.value)


class QuestionForm(discord.ui.Modal):
    """ "Ask a question": one paragraph field. Submissions are handled in ``on_interaction``."""

    FIELD = "question"

    def __init__(self, *, value: str) -> None:
        # A timeout only frees discord.py's record of the open form; submissions do not use it.
        super().__init__(title="Ask a question", timeout=900, custom_id=form_id("ask", value))
        self.add_item(
            discord.ui.Label(
                text="Your question",
                description="Formulas in $...$. It is posted with its own thread for answers.",
                component=discord.ui.TextInput(
                    custom_id=self.FIELD,
                    style=discord.TextStyle.paragraph,
                    min_length=1,
                    max_length=MAX_TEXT,
                    placeholder="Why does $Ax = b$ have zero, one or infinitely many solutions?",
                ),
            )
        )


def form_id(action: str, value: str) -> str:
    """The ``custom_id`` of a form, within Discord's limit (see ``parse_form_id``)."""
    return f"{FORM_PREFIX}:{action}:{value}"[:CUSTOM_ID_LIMIT]


def parse_form_id(custom_id: str) -> tuple[str, str] | None:
    """``(action, value)`` from a submitted form's ``custom_id``; None if not the bot's form."""
    prefix, _, rest = custom_id.partition(":")
    action, sep, value = rest.partition(":")
    return (action, value) if prefix == FORM_PREFIX and sep else None


def submitted_text(data: Any, field: str) -> str:
    """The value of the text input ``field`` in a modal submission's components, however deeply
    Discord nests it (action rows in the old layout, labels in the new one)."""
    stack = list(data.get("components", [])) if isinstance(data, dict) else []
    while stack:
        component = stack.pop()
        if not isinstance(component, dict):
            continue
        if component.get("custom_id") == field and "value" in component:
            return str(component["value"])
        stack += component.get("components", [])
        if isinstance(component.get("component"), dict):
            stack.append(component["component"])
    return ""
