"""Slack settings from the environment, and the stand-in's own checks (signatures, the spec)."""

from __future__ import annotations

import time

import pytest
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from typer.testing import CliRunner

from bot.adapters.slack import from_env
from bot.adapters.slack.adapter import retry_handlers
from bot.cli.app import app
from bot.core.errors import PlatformConfigError

from ..standins.slack_server import BOT_TOKEN, SlackStandIn, sign
from ..standins.slack_spec import check_call

SECRET_PART = "s3cr3tPART"
BASE = {"SLACK_BOT_TOKEN": f"xoxb-1-{SECRET_PART}", "SLACK_SIGNING_SECRET": "abc"}


def test_without_a_bot_token_slack_is_not_configured() -> None:
    assert from_env({}) is None
    assert from_env({"SLACK_BOT_TOKEN": "  ", "SLACK_SIGNING_SECRET": "x"}) is None


def test_http_mode_and_socket_mode_settings() -> None:
    http = from_env(BASE)
    assert http is not None and not http.settings.socket_mode
    assert http.settings.port == 3000 and http.settings.api_url == "https://slack.com/api/"
    socket = from_env(
        {
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_APP_TOKEN": "xapp-1-A1-2",
            "SLACK_API_URL": "https://slack-gov.com/api",
            "PORT": "8080",
        }
    )
    assert socket is not None and socket.settings.socket_mode
    assert socket.settings.api_url == "https://slack-gov.com/api/"  # slack_sdk needs the slash
    assert socket.settings.api_host == "slack-gov.com"
    assert SECRET_PART not in repr(http.settings)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"SLACK_BOT_TOKEN": f"xoxp-1-{SECRET_PART}"}, "Bot User OAuth Token (xoxb-...)"),
        ({"SLACK_SIGNING_SECRET": ""}, "SLACK_SIGNING_SECRET is needed"),
        ({"SLACK_APP_TOKEN": f"xoxb-2-{SECRET_PART}"}, "app-level token (xapp-...)"),
        ({"SLACK_API_URL": "slack.com/api"}, "SLACK_API_URL must be an http(s) URL"),
        ({"PORT": "http"}, "PORT must be a TCP port"),
        ({"PORT": "70000"}, "PORT must be a TCP port"),
        ({"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "x"}, "no OAuth distribution"),
    ],
)
def test_unusable_settings_say_what_to_fix_without_the_secret(
    changes: dict[str, str], message: str
) -> None:
    with pytest.raises(PlatformConfigError) as raised:
        from_env(BASE | changes)
    assert message in str(raised.value)
    assert SECRET_PART not in str(raised.value)


def test_studybot_run_refuses_unusable_slack_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxp-user-token")
    result = CliRunner().invoke(app, ["run"])
    assert result.exit_code == 1
    assert "SLACK_BOT_TOKEN must be the app's Bot User OAuth Token" in result.output


def test_the_stand_in_signs_like_slack() -> None:
    body, stamp = b'{"type":"event_callback"}', str(int(time.time()))
    verifier = SignatureVerifier("secret")
    assert verifier.is_valid(body, stamp, sign("secret", stamp, body))
    assert not verifier.is_valid(body, stamp, sign("other", stamp, body))


def test_the_spec_check_catches_what_slack_would_refuse() -> None:
    assert (
        check_call("chat.postMessage", [("channel", "C1", True), ("text", "hi", True)], bearer=True)
        == []
    )
    problems = check_call(
        "chat.postMessage",
        [("text", "hi", False), ("unfurl_links", "maybe", False), ("colour", "red", False)],
        bearer=False,
    )
    assert problems == [
        "chat.postMessage: unfurl_links='maybe' is not a boolean (boolean)",
        "chat.postMessage: unknown argument 'colour'",
        "chat.postMessage: missing required argument 'token'",
        "chat.postMessage: missing required argument 'channel'",
    ]
    assert check_call(
        "chat.postMessage", [("channel", "C", True), ("blocks", "[{", False)], bearer=True
    ) == ["chat.postMessage: blocks is not valid JSON"]
    assert check_call("conversations.history", [("limit", "ten", False)], bearer=True) == [
        "conversations.history: limit='ten' is not an integer (integer)"
    ]
    # What the 2020 spec lacks is known and still type-checked.
    assert check_call("apps.connections.open", [], bearer=True) == []
    assert check_call(
        "chat.postMessage", [("channel", "C", True), ("metadata", [], True)], bearer=True
    )
    assert check_call("chat.nonsense", [], bearer=True) == [
        "chat.nonsense: no such method in Slack's Web API"
    ]


async def test_the_stand_in_rate_limits_and_the_client_waits() -> None:
    standin = SlackStandIn()
    await standin.start()
    try:
        client = AsyncWebClient(
            token=BOT_TOKEN, base_url=standin.api_url, retry_handlers=retry_handlers()
        )
        standin.rate_limits["auth.test"].append(1)
        started = time.monotonic()
        answer = await client.auth_test()
        assert answer["ok"] and time.monotonic() - started >= 1.0
        assert [c.status for c in standin.calls] == [429, 200]
        assert standin.violations == []
    finally:
        await standin.close()
