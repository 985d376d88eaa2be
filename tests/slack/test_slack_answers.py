"""Answers through a command's response_url (when it is not ready in time for the
acknowledgement): one kept-open session for all of them.

Real bolt and slack_sdk over real HTTP on 127.0.0.1 against the Slack stand-in, a real StudyBot
on SQLite.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp import web

from bot.adapters.slack import listeners

from ..standins.slack_server import SlackStandIn
from .harness import ADA, BEA, slack_bot


async def test_answers_to_commands_share_one_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    peers: list[object] = []  # where each response_url answer came from (address, port)
    answer = SlackStandIn._response_url

    async def noted(self: SlackStandIn, request: web.Request) -> web.Response:
        peers.append(request.transport.get_extra_info("peername") if request.transport else None)
        return await answer(self, request)

    monkeypatch.setattr(SlackStandIn, "_response_url", noted)
    monkeypatch.setattr(listeners, "ANSWER_WITH_ACK_WITHIN", 0)  # every answer comes later
    async with slack_bot(tmp_path) as slack:
        for n, (user, command) in enumerate([(ADA, "join"), (BEA, "join"), (ADA, "help")]):
            delivered = await slack.workspace.slash(user, command)
            assert delivered.status == 200
            await slack.standin.wait_for(lambda n=n: len(peers) > n, what=f"answer {n + 1}")
        replies = slack.adapter.listeners.tools.replies if slack.adapter.listeners else None
        assert replies is not None
        assert [p.via for p in slack.standin.private] == ["response_url"] * 3
        assert None not in peers and len(set(peers)) == 1, peers  # one connection, kept open
        assert slack.standin.violations == []
    assert replies._session is None  # stopping the adapter closed it
