"""Pictures on Discord: a formula typeset for ``/study tex``, the formulas under a question's
post, and the stand-in keeping files as Discord does (attachment objects, ``attachment://`` in
embeds, edits that keep or replace files, the limits it checks)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import aiohttp
import discord
import pytest

from bot.adapters.discord import access

from ..standins.discord_guild import Channel
from ..standins.discord_server import png_size
from .driver import title
from .harness import InProcessBot, Recorder, World, adapter_only, bot_in_process, discord_world

MATRIX = r"\begin{pmatrix}1&2\\3&4\end{pmatrix}"
QUESTION = f"What is the determinant of ${MATRIX}$, and why is it not zero?"
# The smallest valid-looking PNG header: signature, IHDR length and type, 3 x 2 pixels.
TINY_PNG = (
    b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + (3).to_bytes(4) + (2).to_bytes(4) + b"\x08"
)


def question_post(world: World, where: Channel) -> dict[str, Any] | None:
    """The bot's question post in a text channel, or the first message of its forum post."""
    guild = world.guild
    if where.id == world.forum.id:
        for thread in world.server.threads_of(where.id):
            if thread.owner_id == guild.bot.id and thread.name.startswith("Question"):
                return guild.message(thread.id, thread.id)
        return None
    found = [m for m in world.server.bot_messages(where.id) if title(m).startswith("Question")]
    return found[0] if found else None


async def group_in(world: World, studybot: InProcessBot, *, forum: bool) -> Channel:
    """ada starts MML and grace joins, in the text channel or a forum post of their own; the
    kickoff is out. Where they type commands."""
    room = await world.members_post() if forum else world.text
    for name in ("ada", "grace"):
        await world.server.command(world[name], room, "join")
    answer = await world.server.command(world["ada"], room, "start", syllabus="mml", tz="UTC")
    if answer.type == 5:  # a slow machine: the public answer follows the deferral
        await world.server.wait_for(lambda: answer.followups, "the public answer")
    assert "Starting" in answer.text, answer.text
    group, bot = (world.forum if forum else world.text), world.guild.bot.id
    await studybot.tick_until_true(
        lambda: (
            [t for t in world.server.threads_of(group.id) if t.owner_id == bot]
            or world.server.bot_messages(group.id)
        ),
        "the kickoff",
    )
    return room


async def test_tex_answers_privately_with_the_formula_typeset(
    world: World, studybot: InProcessBot
) -> None:
    answer = await world.server.command(world["grace"], world.text, "tex", formula=MATRIX)

    assert answer.ephemeral, answer.text
    (picture,) = answer.pictures
    size = png_size(picture)
    assert size is not None, picture[:16]
    width, height = size
    assert 40 <= width <= 600 and 40 <= height <= 400, size
    (message,) = [m for m in (answer.original, *answer.followup_messages) if m]
    (attachment,) = message["attachments"]
    assert attachment["content_type"] == "image/png" and attachment["ephemeral"] is True
    assert (attachment["width"], attachment["height"]) == size
    assert attachment["description"] == MATRIX  # the alt text: the LaTeX as typed
    assert world.server.bot_messages(world.text.id) == []  # nothing in the channel
    assert world.server.violations == []


async def test_tex_with_a_formula_that_does_not_parse_says_so_without_a_picture(
    world: World, studybot: InProcessBot
) -> None:
    answer = await world.server.command(world["grace"], world.text, "tex", formula=r"\frac{1}{")

    assert answer.ephemeral, answer.text
    assert answer.pictures == []
    assert "does not parse" in answer.text, answer.text
    assert not [s for s in world.server.requests if s.files]
    assert world.server.violations == []


@pytest.mark.parametrize("forum", [False, True], ids=["text-channel", "forum-channel"])
async def test_a_questions_matrix_is_shown_typeset_in_its_post(
    world: World, studybot: InProcessBot, forum: bool
) -> None:
    server = world.server
    room = await group_in(world, studybot, forum=forum)
    group = world.forum if forum else world.text
    answer = await server.command(world["grace"], room, "ask", question=QUESTION)
    assert "posted as Question" in answer.text, answer.text

    post = await server.wait_for(lambda: question_post(world, group), "the question's post")
    (attachment,) = post["attachments"]
    assert attachment["filename"] == "formula-1.png"
    assert attachment["content_type"] == "image/png"
    assert attachment["description"] == MATRIX
    (picture,) = server.pictures_of(post)
    assert png_size(picture) == (attachment["width"], attachment["height"])
    # The bot shows it inside the embed; Discord stores the attachment's address there.
    (sent,) = [s for s in server.requests if s.files]
    body = sent.body["message"] if forum else sent.body
    assert body["embeds"][0]["image"]["url"] == "attachment://formula-1.png"
    (embed,) = post["embeds"]
    assert embed["image"]["url"] == attachment["url"]
    # The text still has the formula, as code: Discord shows no LaTeX.
    assert f"`{MATRIX}`" in embed["description"], embed["description"]
    async with aiohttp.ClientSession() as http, http.get(attachment["url"]) as response:
        assert await response.read() == picture  # served at the address the message gives
    assert server.violations == [] and server.denied == []


async def test_without_attach_files_the_question_is_posted_as_text(tmp_path: Path) -> None:
    lacking = access.permissions()
    lacking.attach_files = False
    async with (
        discord_world(bot_permissions=lacking) as world,
        bot_in_process(world, tmp_path) as studybot,
    ):
        server = world.server
        room = await group_in(world, studybot, forum=False)
        answer = await server.command(world["grace"], room, "ask", question=QUESTION)
        assert "posted as Question" in answer.text, answer.text
        post = await server.wait_for(lambda: question_post(world, world.text), "the post")

        assert post["attachments"] == []
        (embed,) = post["embeds"]
        assert "image" not in embed
        assert f"`{MATRIX}`" in embed["description"], embed["description"]
        assert not [s for s in server.requests if s.files and "/channels/" in s.path]
        assert server.denied == []
        assert server.violations == []
        assert "attach_files" not in server.used_permissions


# --- the stand-in ---------------------------------------------------------------------------------


async def test_an_edit_keeps_the_files_unless_it_lists_which(world: World) -> None:
    """discord.py's own requests: an edit without ``attachments`` keeps the message's files;
    one with it keeps those it lists and adds new ones after them; ``[]`` removes them."""
    async with adapter_only(world, Recorder()) as adapter:
        channel = adapter.client.get_channel(int(world.text.id))
        assert isinstance(channel, discord.TextChannel)
        embed = discord.Embed(title="Question 1").set_image(url="attachment://a.png")
        files = [
            discord.File(io.BytesIO(TINY_PNG), filename="a.png", description="x^2"),
            discord.File(io.BytesIO(b"notes"), filename="notes.txt"),
        ]
        message = await channel.send(embed=embed, files=files)
        stored = world.guild.message(world.text.id, str(message.id))
        assert stored is not None
        first, notes = stored["attachments"]
        assert (first["filename"], first["description"]) == ("a.png", "x^2")
        assert (first["width"], first["height"], first["content_type"]) == (3, 2, "image/png")
        assert notes["content_type"] == "text/plain; charset=utf-8" and notes["size"] == 5
        assert "description" not in notes
        assert [a.filename for a in message.attachments] == ["a.png", "notes.txt"]
        assert world.server.pictures_of(stored) == [TINY_PNG]

        message = await message.edit(content="resolved", embed=embed)  # no attachments key
        assert [a["id"] for a in stored["attachments"]] == [first["id"], notes["id"]]
        assert stored["embeds"][0]["image"]["url"] == first["url"]

        new = discord.File(io.BytesIO(TINY_PNG), filename="b.png")
        message = await message.edit(attachments=[message.attachments[1], new])
        kept, added = stored["attachments"]
        assert kept["id"] == notes["id"] and added["filename"] == "b.png"
        assert world.server.pictures_of(stored) == [TINY_PNG]

        await message.edit(attachments=[])
        assert stored["attachments"] == []
    # discord.py sends a kept attachment whole (url, size, ...), where the spec declares only
    # its id and what may change: Discord ignores the rest. Nothing else was amiss.
    extra = "' is not a property the spec declares"
    assert world.server.violations
    assert all(".attachments[0]: '" in v and v.endswith(extra) for v in world.server.violations)


async def post_raw(world: World, payload: dict[str, Any], parts: dict[str, bytes]) -> int:
    """A multipart message post the way a careless client would make it."""
    form = aiohttp.FormData()
    form.add_field("payload_json", json.dumps(payload), content_type="application/json")
    for name, content in parts.items():
        form.add_field(name, content, filename=f"{name}.png")
    url = f"{world.server.api_url}/channels/{world.text.id}/messages"
    headers = {"Authorization": f"Bot {world.server.token}"}
    async with aiohttp.ClientSession() as http, http.post(url, data=form, headers=headers) as r:
        return r.status


@pytest.mark.parametrize(
    ("payload", "parts", "problem"),
    [
        ({"attachments": [{"id": 0, "filename": "a.png"}]}, {"files[1]": TINY_PNG}, "files[1]"),
        ({"content": "x"}, {"files[0]": TINY_PNG}, "files[0] is not listed"),
        (
            {"attachments": [{"id": n, "filename": f"{n}.png"} for n in range(11)]},
            {f"files[{n}]": TINY_PNG for n in range(11)},
            "11 attachments",
        ),
        (
            {
                "embeds": [{"image": {"url": "attachment://b.png"}}],
                "attachments": [{"id": 0, "filename": "a.png"}],
            },
            {"files[0]": TINY_PNG},
            "attachment://b.png names no attached file",
        ),
        (
            {"attachments": [{"id": 0, "filename": "big.png"}]},
            {"files[0]": TINY_PNG + bytes(10 * 1024 * 1024)},
            "at most 10 MiB",
        ),
    ],
    ids=["part-not-listed", "no-attachments", "eleven", "unknown-name", "too-big"],
)
async def test_the_stand_in_notes_files_discord_would_refuse(
    world: World, payload: dict[str, Any], parts: dict[str, bytes], problem: str
) -> None:
    async with adapter_only(world, Recorder()):  # a bot connected, to hear of the message
        assert await post_raw(world, payload, parts) == 200
    assert any(problem in v for v in world.server.violations), world.server.violations
