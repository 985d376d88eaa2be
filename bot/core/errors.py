"""The one way to say no. A handler raises ``Refusal``; the pipeline (``bot.core.bot``) rolls
the event's transaction back and shows the sentence to the member who acted, so a refused
operation never changes anything."""

from __future__ import annotations

from bot.domain.errors import ConfigError, StudybotError


class Refusal(StudybotError):
    """A polite no. ``str()`` says what is wrong and what to type instead.

    ``ephemeral=False`` shows it to the whole channel (the problems of a shared syllabus file,
    which everyone who saw the upload should see too).
    """

    def __init__(self, text: str, *, ephemeral: bool = True) -> None:
        super().__init__(text)
        self.ephemeral = ephemeral


class CommandError(Refusal):
    """A ``/study`` line that does not parse; the message carries the usage line."""


class PlatformConfigError(ConfigError):
    """A chat platform's settings are present but cannot work; the message says what to fix."""


__all__ = ["CommandError", "ConfigError", "PlatformConfigError", "Refusal", "StudybotError"]
