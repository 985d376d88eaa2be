"""Settings, read once from the environment at the edge and passed down from there.

Nothing below the command line reads ``os.environ``: the ``studybot`` command builds one
``Settings`` with ``Settings.from_env(os.environ)`` and hands it to what it starts. Platform
adapters check their own variables (``SLACK_*``, ``DISCORD_*``) in ``environ``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType

from bot.core.errors import ConfigError

SHIPPED = Path(__file__).resolve().parents[2]  # the repository: content/ and schedules/


def _folder(env: Mapping[str, str], variable: str, name: str, cwd: Path) -> Path:
    """$VARIABLE, else ./name when it exists, else the folder shipped with studybot."""
    configured = env.get(variable, "").strip()
    if configured:
        folder = Path(configured).expanduser()
        # Without syllabi nothing can start, and an empty list would hide why; schedule files
        # are optional (`/study plan` names what it finds), so their folder may come later.
        if variable == "STUDYBOT_CONTENT" and not folder.is_dir():
            what = "is not a folder" if folder.exists() else "does not exist"
            raise ConfigError(
                f"{variable} names {folder}, which {what}: set it to the folder of your "
                f"{name} files, e.g. {variable}=./{name}, or unset it to use the shipped ones."
            )
        return folder
    local = cwd / name
    return local if local.is_dir() else SHIPPED / name


class LogFormat(StrEnum):
    """How ``studybot run`` writes its log lines (LOG_FORMAT)."""

    TEXT = "text"  # readable: time, level, message, then key=value pairs
    JSON = "json"  # one JSON object a line, for a log collector


def _log_format(env: Mapping[str, str]) -> LogFormat:
    raw = env.get("LOG_FORMAT", "").strip()
    try:
        return LogFormat(raw.lower() or LogFormat.TEXT)
    except ValueError:
        raise ConfigError(
            f"LOG_FORMAT is {raw!r}; set it to json (one JSON object a line) or text "
            "(readable lines), or leave it unset for text."
        ) from None


def _metrics_port(env: Mapping[str, str]) -> int | None:
    raw = env.get("METRICS_PORT", "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 65535:
        raise ConfigError(
            f"METRICS_PORT is {raw!r}, which is not a port number; set it to a free TCP port "
            "between 1 and 65535 (for example METRICS_PORT=9100), or leave it unset."
        )
    return int(raw)


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Where studybot keeps and finds things; one instance per process."""

    home: Path = Path()  # STUDYBOT_HOME: the SQLite file, the console's clock and refs
    content: Path = SHIPPED / "content"  # STUDYBOT_CONTENT: the syllabi
    schedules: Path = SHIPPED / "schedules"  # STUDYBOT_SCHEDULES: schedule files for /study plan
    database_url: str = ""  # DATABASE_URL; "" means studybot.db under ``home``
    # METRICS_PORT: /healthz and /metrics on a port of their own (0: any free port, for tests)
    metrics_port: int | None = None
    log_format: LogFormat = LogFormat.TEXT  # LOG_FORMAT
    environ: Mapping[str, str] = field(default_factory=dict, repr=False)  # may hold secrets

    @property
    def images(self) -> Path:
        """Where the console and the demo save the pictures the bot posts (formulas, charts)."""
        return self.home / "images"

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, cwd: Path | None = None) -> Settings:
        """Read every studybot variable from ``env`` (normally ``os.environ``); a value that
        cannot work raises ``ConfigError`` with the sentence to show."""
        here = cwd or Path.cwd()
        return cls(
            home=Path(env.get("STUDYBOT_HOME", "").strip() or ".").expanduser(),
            content=_folder(env, "STUDYBOT_CONTENT", "content", here),
            schedules=_folder(env, "STUDYBOT_SCHEDULES", "schedules", here),
            database_url=env.get("DATABASE_URL", "").strip(),
            metrics_port=_metrics_port(env),
            log_format=_log_format(env),
            environ=MappingProxyType(dict(env)),
        )
