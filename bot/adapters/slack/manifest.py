"""The Slack app manifest: creating the app is one paste (api.slack.com/apps > From a manifest).

The bot scopes are derived, never listed by hand: each Web API method the adapter calls, each
event it subscribes to and each feature it uses names the scopes it needs in the tables below,
and the manifest asks for exactly their union. A test checks the tables against the methods the
code calls and against Slack's own Web API description.
"""

from __future__ import annotations

from typing import Any

import yaml

from bot.adapters.slack.render import RESOLVE_CALLBACK

# Web API method -> the bot token scopes it needs (docs.slack.dev/reference/methods/<method>).
# The history methods need one scope per kind of channel: studybot serves public and private
# channels, not direct messages.
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "auth.test": (),
    "chat.postEphemeral": ("chat:write",),
    "chat.postMessage": ("chat:write",),
    "chat.update": ("chat:write",),
    "conversations.history": ("channels:history", "groups:history"),
    "conversations.replies": ("channels:history", "groups:history"),
    "files.info": ("files:read",),
    # Pictures (formulas, charts): uploaded privately, then shown in a message's image block.
    "files.getUploadURLExternal": ("files:write",),
    "files.completeUploadExternal": ("files:write",),
    "users.info": ("users:read",),
    "views.open": (),
    "views.publish": (),
    # Socket Mode opens its socket with the app-level token (scope connections:write), which
    # is made by hand in the app's settings, not granted to the bot.
    "apps.connections.open": (),
}
# Called by the libraries rather than by studybot's own code.
LIBRARY_METHODS = {
    "apps.connections.open": "slack_sdk's Socket Mode client",
    "files.getUploadURLExternal": "slack_sdk's files_upload_v2",
    "files.completeUploadExternal": "slack_sdk's files_upload_v2",
}

# Event subscription -> the scopes Slack requires for it.
EVENT_SCOPES: dict[str, tuple[str, ...]] = {
    "app_home_opened": (),
    "member_joined_channel": ("channels:read", "groups:read"),
    "member_left_channel": ("channels:read", "groups:read"),
    "message.channels": ("channels:history",),
    "message.groups": ("groups:history",),
    "reaction_added": ("reactions:read",),
}

# Other things the app does that need a scope.
FEATURE_SCOPES: dict[str, tuple[str, ...]] = {
    "the /study slash command and the message shortcut": ("commands",),
    "downloading a shared syllabus from its url_private": ("files:read",),
}

COMMAND = "/study"
SHORTCUT_NAME = "Mark question resolved"


def bot_scopes(methods: dict[str, tuple[str, ...]] = METHOD_SCOPES) -> list[str]:
    """The bot token scopes: all that the methods, events and features in the tables need."""
    scopes = {
        scope
        for table in (methods, EVENT_SCOPES, FEATURE_SCOPES)
        for needed in table.values()
        for scope in needed
    }
    return sorted(scopes)


def build_manifest(*, name: str = "studybot", request_url: str | None = None) -> dict[str, Any]:
    """The manifest for Socket Mode (``request_url`` None) or for HTTP at ``request_url``."""
    socket_mode = request_url is None
    command: dict[str, Any] = {
        "command": COMMAND,
        "description": "Run this channel's study group: join, check in, ask, start a syllabus",
        "usage_hint": "help | join | checkin done | ask <question> | start mml",
        "should_escape": True,  # mentions arrive as <@U123|name>, which the bot resolves
    }
    events: dict[str, Any] = {"bot_events": sorted(EVENT_SCOPES)}
    interactivity: dict[str, Any] = {"is_enabled": True}
    if request_url is not None:
        command["url"] = request_url
        events["request_url"] = request_url
        interactivity["request_url"] = request_url
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": name,
            "description": "Reads a textbook with your study group, week by week.",
            "background_color": "#1d3557",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,  # reminders by DM land here
                "messages_tab_read_only_enabled": True,
            },
            "bot_user": {"display_name": name, "always_online": True},
            "shortcuts": [
                {
                    "name": SHORTCUT_NAME,
                    "type": "message",
                    "callback_id": RESOLVE_CALLBACK,
                    "description": "Close a studybot question (use it on the question or an answer)",
                }
            ],
            "slash_commands": [command],
        },
        "oauth_config": {"scopes": {"bot": bot_scopes()}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }


def manifest_yaml(*, name: str = "studybot", request_url: str | None = None) -> str:
    """``build_manifest`` as YAML, headed by comments on where to paste it."""
    mode = (
        "Socket Mode: no public URL needed; create an app-level token with connections:write"
        if request_url is None
        else f"HTTP: Slack sends requests to {request_url}"
    )
    header = (
        "# studybot's Slack app manifest. Paste it at https://api.slack.com/apps\n"
        "# > Create New App > From a manifest.\n"
        f"# {mode}.\n"
    )
    return header + yaml.safe_dump(
        build_manifest(name=name, request_url=request_url), sort_keys=False, allow_unicode=True
    )
