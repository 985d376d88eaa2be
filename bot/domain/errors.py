"""The root of studybot's own errors. Every one of them carries a sentence meant for a person:
what is wrong and what to do instead. Anything else that escapes is a bug, logged with its
traceback and answered with an apology."""

from __future__ import annotations


class StudybotError(Exception):
    """A problem studybot can explain; ``str(error)`` is the explanation."""


class ConfigError(StudybotError):
    """A setting (environment variable, option) that cannot work; the message names it."""
