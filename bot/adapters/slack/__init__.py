"""Slack: the whole bot in a Slack workspace (slack-bolt's AsyncApp, slack_sdk's AsyncWebClient).

``studybot run`` imports this package when ``SLACK_BOT_TOKEN`` is set and calls ``from_env``.
Requests arrive over HTTP at ``POST /slack/events`` on ``PORT``, or over Socket Mode when
``SLACK_APP_TOKEN`` is set. ``studybot slack manifest`` prints the app manifest.

Modules: ``settings`` (environment), ``adapter`` (the Adapter protocol), ``listeners`` (which
listener gets each request; slash commands, clicks, the ask form, shortcuts), ``events`` (Events
API events: thread messages, shared files, reactions, members, App Home), ``payloads`` (reading
Slack's payloads), ``transport`` (HTTP and Socket Mode), ``render`` (Block Kit), ``replies``,
``people`` (the bot's identity, members as ``Person``), ``files``, ``history`` (delivery keys),
``manifest`` and ``cli``.
This file imports nothing heavy, so ``studybot --help`` does not load slack-bolt.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.adapters.slack.adapter import SlackAdapter


def from_env(env: Mapping[str, str]) -> SlackAdapter | None:
    """The adapter for these settings; None without ``SLACK_BOT_TOKEN``.

    Raises ``SlackConfigError`` (a ``PlatformConfigError``) when the settings are present but
    cannot work.
    """
    from bot.adapters.slack.adapter import SlackAdapter
    from bot.adapters.slack.settings import settings_from_env

    settings = settings_from_env(env)
    return SlackAdapter(settings=settings) if settings is not None else None


__all__ = ["from_env"]
