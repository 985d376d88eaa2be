"""Slack settings from the environment, checked before anything connects.

Messages name the variable and what is wrong with it, never its value: these are secrets, and
the message ends up in terminals and CI logs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bot.core.errors import PlatformConfigError

DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_PORT = 3000
EVENTS_PATH = "/slack/events"

# Bot tokens are xoxb-...; with token rotation switched on they look like xoxe.xoxb-...
BOT_TOKEN_PREFIXES = ("xoxb-", "xoxe.xoxb-")
APP_TOKEN_PREFIX = "xapp-"


class SlackConfigError(PlatformConfigError):
    """A Slack setting that cannot work; the message names the variable, never its value."""


@dataclass(frozen=True, kw_only=True)
class SlackSettings:
    """What the adapter reads from the environment, checked (see ``settings_from_env``)."""

    # Secrets stay out of repr(), so a logged or printed settings object leaks nothing.
    bot_token: str = field(repr=False)
    # "" in Socket Mode, where requests arrive over a socket opened with the app token.
    signing_secret: str = field(repr=False)
    app_token: str | None = field(repr=False)  # set: Socket Mode
    api_url: str  # ends with "/", as slack_sdk joins it with the method name
    port: int
    # chat.postMessage: about one message per second per channel (Slack's published limit).
    channel_rate: float = 1.0
    # Posts per second across the workspace, when its admins or Slack set a ceiling; None: none.
    workspace_rate: float | None = None

    @property
    def socket_mode(self) -> bool:
        """Whether requests arrive over Socket Mode (an app token is set) rather than HTTP."""
        return self.app_token is not None

    @property
    def api_host(self) -> str:
        """The Web API's host: the bot token goes to its domain only (see ``files``)."""
        return urlsplit(self.api_url).hostname or ""


def _prefix(value: str) -> str:
    # Enough of a token to recognise its kind (xoxp-, xapp-, ...), never the secret part.
    return value.split("-", 1)[0] + "-" if "-" in value else "something else"


def _api_url(raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SlackConfigError(
            "SLACK_API_URL must be an http(s) URL such as https://slack.com/api/ "
            "(GovSlack: https://slack-gov.com/api/)."
        )
    return raw if raw.endswith("/") else raw + "/"


def _port(raw: str) -> int:
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise SlackConfigError("PORT must be a TCP port number between 1 and 65535.")
    return int(raw)


def _rate(name: str, raw: str, example: str) -> float:
    try:
        rate = float(raw)
    except ValueError:
        rate = 0.0
    if not 0 < rate <= 10000:
        raise SlackConfigError(f"{name} must be a number of posts per second above 0, {example}.")
    return rate


def settings_from_env(env: Mapping[str, str]) -> SlackSettings | None:
    """None when SLACK_BOT_TOKEN is absent; SlackConfigError when the settings cannot work."""
    bot_token = env.get("SLACK_BOT_TOKEN", "").strip()
    if not bot_token:
        return None
    if not bot_token.startswith(BOT_TOKEN_PREFIXES):
        raise SlackConfigError(
            f"SLACK_BOT_TOKEN must be the app's Bot User OAuth Token (xoxb-...), not a token "
            f"starting with {_prefix(bot_token)!r}. Find it under OAuth & Permissions."
        )
    if env.get("SLACK_CLIENT_ID", "").strip() and env.get("SLACK_CLIENT_SECRET", "").strip():
        # slack-bolt would see these and switch to OAuth installs, ignoring the bot token.
        raise SlackConfigError(
            "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are set, but studybot is installed in one "
            "workspace with SLACK_BOT_TOKEN (no OAuth distribution): unset them."
        )
    app_token = env.get("SLACK_APP_TOKEN", "").strip() or None
    if app_token is not None and not app_token.startswith(APP_TOKEN_PREFIX):
        raise SlackConfigError(
            f"SLACK_APP_TOKEN must be an app-level token (xapp-...) with the connections:write "
            f"scope, not a token starting with {_prefix(app_token)!r}. Create one under Basic "
            "Information > App-Level Tokens, or unset it to receive requests over HTTP."
        )
    signing_secret = env.get("SLACK_SIGNING_SECRET", "").strip()
    if app_token is None and not signing_secret:
        raise SlackConfigError(
            "SLACK_SIGNING_SECRET is needed to check Slack's requests over HTTP (Basic "
            "Information > Signing Secret). Or set SLACK_APP_TOKEN to use Socket Mode, which "
            "needs no public URL."
        )
    return SlackSettings(
        bot_token=bot_token,
        signing_secret=signing_secret,
        app_token=app_token,
        api_url=_api_url(env.get("SLACK_API_URL", "").strip() or DEFAULT_API_URL),
        port=_port(env.get("PORT", "").strip() or str(DEFAULT_PORT)),
        channel_rate=_rate(
            "SLACK_CHANNEL_RATE",
            env.get("SLACK_CHANNEL_RATE", "").strip() or "1",
            "such as 1 (Slack's limit in one channel)",
        ),
        workspace_rate=(
            _rate("SLACK_WORKSPACE_RATE", raw, "such as 20")
            if (raw := env.get("SLACK_WORKSPACE_RATE", "").strip())
            else None
        ),
    )
