"""Settings, read once from the environment at the edge and passed down from there.

Nothing below the command line reads ``os.environ``: the ``studybot`` command builds one
``Settings`` with ``Settings.from_env(os.environ)`` and hands it to what it starts. Platform
adapters check their own variables (``SLACK_*``, ``DISCORD_*``) in ``environ``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

SHIPPED = Path(__file__).resolve().parents[2]  # the repository: content/ and schedules/


def _folder(env: Mapping[str, str], variable: str, name: str, cwd: Path) -> Path:
    """$VARIABLE, else ./name when it exists, else the folder shipped with studybot."""
    configured = env.get(variable, "").strip()
    if configured:
        return Path(configured).expanduser()
    local = cwd / name
    return local if local.is_dir() else SHIPPED / name


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Where studybot keeps and finds things; one instance per process."""

    home: Path = Path()  # STUDYBOT_HOME: the SQLite file, the console's clock and refs
    content: Path = SHIPPED / "content"  # STUDYBOT_CONTENT: the syllabi
    schedules: Path = SHIPPED / "schedules"  # STUDYBOT_SCHEDULES: schedule files for /study plan
    database_url: str = ""  # DATABASE_URL; "" means studybot.db under ``home``
    environ: Mapping[str, str] = field(default_factory=dict, repr=False)  # may hold secrets

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, cwd: Path | None = None) -> Settings:
        """Read every studybot variable from ``env`` (normally ``os.environ``)."""
        here = cwd or Path.cwd()
        return cls(
            home=Path(env.get("STUDYBOT_HOME", "").strip() or ".").expanduser(),
            content=_folder(env, "STUDYBOT_CONTENT", "content", here),
            schedules=_folder(env, "STUDYBOT_SCHEDULES", "schedules", here),
            database_url=env.get("DATABASE_URL", "").strip(),
            environ=MappingProxyType(dict(env)),
        )
