"""Where studybot finds its folders."""

from __future__ import annotations

import os
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent


def _folder(variable: str, name: str) -> Path:
    """$VARIABLE, else ./name when it exists, else the repository's own folder."""
    configured = os.environ.get(variable)
    if configured:
        return Path(configured).expanduser()
    local = Path.cwd() / name
    return local if local.is_dir() else REPOSITORY / name


def content_dir() -> Path:
    return _folder("STUDYBOT_CONTENT", "content")


def schedules_dir() -> Path:
    return _folder("STUDYBOT_SCHEDULES", "schedules")


def studybot_home() -> Path:
    return Path(os.environ.get("STUDYBOT_HOME") or ".").expanduser()
