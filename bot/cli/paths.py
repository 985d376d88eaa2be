"""Files and folders named on the command line or in the environment, checked before use.

Each problem is one sentence naming the path, what is wrong with it and what to type instead;
nothing is created behind the person's back except STUDYBOT_HOME itself, which is studybot's
own folder (as ``git init`` makes its ``.git``).
"""

from __future__ import annotations

from pathlib import Path

from bot.domain.errors import StudybotError


class PathProblem(StudybotError):
    """A path that cannot be used; ``str()`` says why and what to type instead."""


def _missing(folder: Path, instead: str) -> PathProblem:
    return PathProblem(
        f"{folder} does not exist: create it first (mkdir -p {folder}) or {instead}."
    )


def ensure_home(home: Path) -> bool:
    """STUDYBOT_HOME as a folder, made (with its parents) when missing; True when it was made."""
    if home.is_dir():
        return False
    if home.exists():
        raise PathProblem(
            f"STUDYBOT_HOME is {home}, which is a file, not a folder: studybot keeps its database, "
            "clock and refs in a folder. Set STUDYBOT_HOME to a folder (a new one is created), "
            "for example STUDYBOT_HOME=~/.studybot."
        )
    try:
        home.mkdir(parents=True)
    except OSError as error:
        raise PathProblem(
            f"Cannot create STUDYBOT_HOME {home}: {(error.strerror or str(error)).lower()}. "
            "Set STUDYBOT_HOME to a folder you can write to."
        ) from None
    return True


def check_file(path: Path, *, option: str, example: str) -> Path:
    """A file to write (created when missing), in a folder that must exist."""
    if path.is_dir():
        raise PathProblem(
            f"{option} {path} is a folder; give a file instead, for example "
            f"{option} {path / example}."
        )
    folder = path.parent
    if not folder.exists():
        raise _missing(folder, f"give {option} a file in a folder that exists")
    if not folder.is_dir():
        raise PathProblem(f"{folder} is a file, not a folder: give {option} another file.")
    return path


def check_folder(folder: Path, *, option: str) -> Path:
    """A folder that must exist."""
    if not folder.exists():
        raise _missing(folder, f"give {option} a folder that exists")
    if not folder.is_dir():
        raise PathProblem(f"{option} {folder} is a file; give a folder instead.")
    return folder
