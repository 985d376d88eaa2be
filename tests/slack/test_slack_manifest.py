"""`studybot slack manifest`: valid YAML, and exactly the bot scopes the code needs.

The Web API methods the adapter calls are found in its source (every AsyncWebClient method it
names); they must be exactly the methods of the manifest's method -> scope table, whose scopes
must be ones Slack's Web API description lists for the method.
"""

from __future__ import annotations

import ast
import inspect
import re
from functools import cache
from pathlib import Path

import yaml
from slack_sdk.web.async_client import AsyncWebClient
from typer.testing import CliRunner

from bot.adapters.slack import render
from bot.adapters.slack.listeners import BOT_EVENTS
from bot.adapters.slack.manifest import (
    EVENT_SCOPES,
    LIBRARY_METHODS,
    METHOD_SCOPES,
    bot_scopes,
    build_manifest,
)
from bot.cli.app import app

from ..standins.slack_spec import scopes_of

SLACK_PACKAGE = Path(__file__).resolve().parents[2] / "bot" / "adapters" / "slack"
# The spec (2020) still uses the scope names from before granular bot permissions.
MODERN_SCOPE = {"chat:write:bot": "chat:write", "chat:write:user": "chat:write"}

runner = CliRunner()


@cache
def web_api_method(attribute: str) -> str | None:
    """``chat_postMessage`` -> ``chat.postMessage``, read from the client's own source."""
    function = getattr(AsyncWebClient, attribute, None)
    if not callable(function) or attribute.startswith("_"):
        return None
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        return None
    found = re.search(r'api_call\(\s*"([\w.]+)"', source)
    return found.group(1) if found else None


def methods_called_by_the_adapter() -> dict[str, set[str]]:
    """Web API method -> the files that name it."""
    called: dict[str, set[str]] = {}
    for path in sorted(SLACK_PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and (method := web_api_method(node.attr)):
                called.setdefault(method, set()).add(path.name)
    return called


def test_the_scan_finds_what_the_adapter_calls() -> None:
    called = methods_called_by_the_adapter()
    assert called["chat.postMessage"] >= {"adapter.py", "replies.py"}
    assert "conversations.history" in called and "views.publish" in called
    assert web_api_method("chat_postEphemeral") == "chat.postEphemeral"
    assert web_api_method("token") is None


def test_the_scope_table_names_exactly_the_methods_the_code_calls() -> None:
    called = set(methods_called_by_the_adapter()) | set(LIBRARY_METHODS)
    assert called == set(METHOD_SCOPES), (
        f"called but not in METHOD_SCOPES: {sorted(called - set(METHOD_SCOPES))}; "
        f"in METHOD_SCOPES but never called: {sorted(set(METHOD_SCOPES) - called)}"
    )


def test_each_methods_scopes_are_ones_slack_lists_for_it() -> None:
    for method, scopes in METHOD_SCOPES.items():
        listed = {MODERN_SCOPE.get(s, s) for s in scopes_of(method)}
        if method in LIBRARY_METHODS:
            continue  # apps.connections.open is missing from the 2020 spec
        if not scopes:
            assert listed <= {"none"}, (method, listed)
        else:
            assert set(scopes) <= listed, (method, scopes, listed)


def test_the_events_subscribed_are_the_events_handled() -> None:
    assert set(BOT_EVENTS) == set(EVENT_SCOPES)


def test_the_manifest_is_valid_yaml_with_exactly_the_needed_scopes() -> None:
    result = runner.invoke(app, ["slack", "manifest"])
    assert result.exit_code == 0, result.output
    manifest = yaml.safe_load(result.output)
    assert manifest == build_manifest()
    assert manifest["oauth_config"]["scopes"]["bot"] == bot_scopes()
    assert bot_scopes() == [
        "channels:history",
        "channels:read",
        "chat:write",
        "commands",
        "files:read",
        "files:write",
        "groups:history",
        "groups:read",
        "reactions:read",
        "users:read",
    ]
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is True
    assert settings["event_subscriptions"]["bot_events"] == sorted(BOT_EVENTS)
    assert "request_url" not in settings["event_subscriptions"]
    features = manifest["features"]
    assert features["slash_commands"][0]["command"] == "/study"
    assert features["shortcuts"][0]["callback_id"] == render.RESOLVE_CALLBACK
    assert features["app_home"]["home_tab_enabled"] is True


def test_an_http_manifest_points_every_request_at_the_bot() -> None:
    result = runner.invoke(app, ["slack", "manifest", "--url", "https://study.example.org"])
    assert result.exit_code == 0, result.output
    manifest = yaml.safe_load(result.output)
    url = "https://study.example.org/slack/events"
    assert manifest["settings"]["socket_mode_enabled"] is False
    assert manifest["settings"]["event_subscriptions"]["request_url"] == url
    assert manifest["settings"]["interactivity"]["request_url"] == url
    assert manifest["features"]["slash_commands"][0]["url"] == url
    refused = runner.invoke(app, ["slack", "manifest", "--url", "http://study.example.org"])
    assert refused.exit_code == 2 and "https://" in refused.output
