"""Wording that must never reach a person: a library's voice (pydantic, YAML, SQL) or the
insides of the program (exception names, tracebacks). Shared by the tests that read what the
bot, the console and the command line say; matched case-insensitively."""

from __future__ import annotations

LIBRARY_WORDING: tuple[str, ...] = (
    "input should",
    "pydantic",
    "validation error",
    "traceback",
    "yaml.",
    "constructor",
    "tuple",
    "dictionary",
    "sqlalchemy",
    "sqlite3",
    "operationalerror",
    "keyerror",
    "valueerror",
    "typeerror",
    "none type",
    "nonetype",
)


def library_wording_in(text: str) -> list[str]:
    """The forbidden fragments found in ``text`` (empty when it reads as plain language)."""
    lowered = text.lower()
    return [fragment for fragment in LIBRARY_WORDING if fragment in lowered]
