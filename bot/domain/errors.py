"""The root of studybot's own errors. Every one of them carries a sentence meant for a person:
what is wrong and what to do instead. Anything else that escapes is a bug, logged with its
traceback and answered with an apology."""

from __future__ import annotations


class StudybotError(Exception):
    """A problem studybot can explain; ``str(error)`` is the explanation."""


class ConfigError(StudybotError):
    """A setting (environment variable, option) that cannot work; the message names it."""


class InputError(StudybotError, ValueError):
    """A value a person wrote (in a file or a command) that cannot be used; the message says what
    is wrong and what to write instead. A ``ValueError`` so that the file models' validators can
    raise it and its sentence reaches the person unchanged."""
