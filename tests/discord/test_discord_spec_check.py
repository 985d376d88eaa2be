"""The stand-in's check of requests against Discord's OpenAPI description catches mistakes."""

from __future__ import annotations

from ..standins.discord_spec import discord_spec

MESSAGES = "/channels/123/messages"


def check(method: str, path: str, body: object = None, **query: str) -> list[str]:
    return discord_spec().check(method, path, query, body, has_body=body is not None)


def test_a_valid_message_passes() -> None:
    body = {
        "content": "hello",
        "embeds": [{"title": "Week 1", "description": "Read", "footer": {"text": "studybot"}}],
        "allowed_mentions": {"parse": []},
        "nonce": "abc",
        "enforce_nonce": True,
    }
    assert check("POST", MESSAGES, body) == []


def test_unknown_fields_wrong_types_and_limits_are_violations() -> None:
    assert check("POST", MESSAGES, {"contnet": "typo"}) == [
        f"POST {MESSAGES}: body: 'contnet' is not a property the spec declares"
    ]
    assert "is not of type" in check("POST", MESSAGES, {"content": 5})[0]
    assert "at most 4000" in check("POST", MESSAGES, {"content": "x" * 4001})[0]
    assert check("POST", MESSAGES, {"embeds": [{"title": "x" * 300}]})
    assert check("POST", MESSAGES, {"allowed_mentions": {"parse": ["everyone", "everyone"]}})


def test_unknown_routes_methods_and_query_parameters_are_violations() -> None:
    assert check("POST", "/channels/123/nonsense", {}) == [
        "POST /channels/123/nonsense: no such operation in the Discord API"
    ]
    assert check("PUT", MESSAGES, {}) == [f"PUT {MESSAGES}: no such operation in the Discord API"]
    assert check("GET", MESSAGES, limit="50") == []
    assert check("GET", MESSAGES, page="2") == [
        f"GET {MESSAGES}: query parameter 'page' is not declared"
    ]


def test_one_of_picks_the_matching_branch() -> None:
    callback = "/interactions/1/token/callback"
    assert check("POST", callback, {"type": 4, "data": {"content": "hi", "flags": 64}}) == []
    assert (
        check("POST", callback, {"type": 8, "data": {"choices": [{"name": "mml", "value": "mml"}]}})
        == []
    )
    assert check("POST", callback, {"type": 4, "data": {"content": "hi", "color": 3}})
