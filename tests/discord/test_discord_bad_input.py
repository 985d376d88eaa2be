"""Bad input on Discord: people without permission, channels with no group, buttons of a run
that ended, mentions typed by members, files that are not a syllabus. Each gets a clear private
answer and changes nothing."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from bot.cli.app import app as cli
from bot.core.safety import defuse

from ..conftest import CONTENT
from ..standins.discord_server import message_text
from .harness import InProcessBot, World, custom_ids, private, rows, started

ONE_MIB = 1024 * 1024


def unescaped(text: str) -> str:
    """What a person reads once Discord has rendered the escapes."""
    return re.sub(r"\\([\\*_~`|>#\-\[\]])", r"\1", text)


async def test_organizer_commands_from_members_are_refused_and_change_nothing(
    world: World, studybot: InProcessBot
) -> None:
    await started(world, studybot)
    server, mallory = world.server, world["mallory"]
    before = server.bot_messages(world.text.id)
    for path, options in [
        (("stop",), {}),
        (("pause",), {}),
        (("skip",), {}),
        (("organizer", "add"), {"member": mallory}),
        (("plan",), {"schedule": "anything"}),
    ]:
        answer = await server.command(mallory, world.text, *path, **options)
        private(answer, "Only organizers")
    upload = server.attachment("mine.yaml", (CONTENT / "calculus-made-easy.yaml").read_bytes())
    private(
        await server.command(mallory, world.text, "syllabus", "load", file=upload),
        "Only organizers",
    )

    database = studybot.database
    assert rows(database, "SELECT status FROM runs") == [("active",)]
    assert rows(database, "SELECT role FROM members WHERE display_name = 'mallory'") == [
        ("member",)
    ]
    assert rows(database, "SELECT count(*) FROM syllabi WHERE source LIKE 'upload:%'") == [(0,)]
    assert server.bot_messages(world.text.id) == before  # nothing public was posted
    assert server.violations == []


async def test_a_channel_with_no_group_gets_a_private_explanation(
    world: World, studybot: InProcessBot
) -> None:
    kickoff = await started(world, studybot)
    server, grace = world.server, world["grace"]
    private(await server.command(grace, world.lobby, "checkin", status="done"), "no study group")
    private(await server.command(grace, world.lobby, "progress"), "no study group")
    # The kickoff's buttons, pressed where there is no group (a forwarded copy, say).
    done = next(c for c in custom_ids(kickoff) if c.endswith(":done"))
    elsewhere = {**kickoff, "channel_id": world.lobby.id}
    private(await server.click(grace, world.lobby, elsewhere, done), "no study group")

    assert rows(studybot.database, "SELECT count(*) FROM checkins") == [(0,)]
    assert rows(studybot.database, "SELECT channel FROM groups") == [(world.text.id,)]


async def test_buttons_of_a_run_that_ended_record_nothing(
    world: World, studybot: InProcessBot
) -> None:
    kickoff = await started(world, studybot)
    server, grace = world.server, world["grace"]
    stopped = await server.command(world["ada"], world.text, "stop", confirm=True)
    assert not stopped.ephemeral and "Stopped" in stopped.text

    done = next(c for c in custom_ids(kickoff) if c.endswith(":done"))
    private(await server.click(grace, world.text, kickoff, done), "run that has ended", "nothing")
    ask = next(c for c in custom_ids(kickoff) if ":ask:" in c)
    form = await server.click(grace, world.text, kickoff, ask)
    answer = await server.submit(grace, world.text, form.data["custom_id"], {"question": "Still?"})
    private(answer, "Nothing is being read here")
    assert rows(studybot.database, "SELECT count(*) FROM checkins") == [(0,)]
    assert rows(studybot.database, "SELECT count(*) FROM questions") == [(0,)]


async def test_mentions_typed_by_members_never_ping(world: World, studybot: InProcessBot) -> None:
    kickoff = await started(world, studybot)
    server = world.server
    loud = world.guild.person("@everyone")  # a display name is member text too
    await server.command(loud, world.text, "join")
    text = (
        f"@everyone @here <@&{world.guild.member_role}> <@{world['ada'].id}> is $A^T A$ symmetric?"
    )
    ask = next(c for c in custom_ids(kickoff) if ":ask:" in c)
    form = await server.click(loud, world.text, kickoff, ask)
    private(await server.submit(loud, world.text, form.data["custom_id"], {"question": text}))
    await server.command(loud, world.text, "questions", scope="all")
    question = server.bot_messages(world.text.id)[-1]
    thread = world.guild.channels[question["id"]]
    await server.react(world["ada"], thread, question["id"])  # resolved: the bot echoes names
    await server.wait_for(
        lambda: any("Resolved by" in message_text(m) for m in server.bot_messages(thread.id)),
        "the resolution",
    )

    shown = message_text(question)
    assert defuse("@everyone @here") in shown and "@everyone" not in shown
    for where, body in server.message_bodies():
        assert body.get("allowed_mentions") == {"parse": []}, where
        visible = message_text(body)
        assert "@everyone" not in visible and "@here" not in visible, visible
        assert not re.search(r"<@[&!]?\d", visible), visible
    assert rows(studybot.database, "SELECT text FROM questions") == [(text,)]  # stored as typed


async def test_files_that_are_not_a_syllabus_are_refused_with_the_report(
    world: World, studybot: InProcessBot, tmp_path: Path
) -> None:
    server, ada = world.server, world["ada"]
    await server.command(ada, world.text, "join")

    binary = server.attachment("notes.png", b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    answer = await server.command(ada, world.text, "syllabus", "load", file=binary)
    assert (
        unescaped(answer.text)
        == "notes.png:1:1: file: is not UTF-8 text (save it as UTF-8)\n1 problem in 1 file"
    )

    huge = server.attachment("huge.yaml", b"id: huge\n", size=2 * ONE_MIB)
    answer = await server.command(ada, world.text, "syllabus", "load", file=huge)
    assert f"is {2 * ONE_MIB} bytes; files larger than 1 MiB are refused" in unescaped(answer.text)
    assert huge["id"] not in server.downloads  # refused before it was downloaded
    assert binary["id"] in server.downloads

    broken = b"id: [unclosed\ntitle: Broken\n"
    answer = await server.command(
        ada, world.text, "syllabus", "load", file=server.attachment("broken.yaml", broken)
    )
    (tmp_path / "broken.yaml").write_bytes(broken)
    printed = CliRunner().invoke(cli, ["syllabus", "validate", str(tmp_path / "broken.yaml")])
    assert printed.exit_code == 1
    assert unescaped(answer.text) == printed.output.strip().replace(f"{tmp_path}/", "")

    assert rows(studybot.database, "SELECT count(*) FROM syllabi WHERE source LIKE 'upload:%'") == [
        (0,)
    ]

    good = server.attachment(
        "calculus-made-easy.yaml", (CONTENT / "calculus-made-easy.yaml").read_bytes()
    )
    answer = await server.command(ada, world.text, "syllabus", "load", file=good)
    assert "Loaded `calculus-made-easy`" in answer.text
    assert server.violations == []


async def test_only_the_asker_or_an_organizer_resolves_a_question(
    world: World, studybot: InProcessBot
) -> None:
    kickoff = await started(world, studybot)
    server, grace, mallory = world.server, world["grace"], world["mallory"]
    ask = next(c for c in custom_ids(kickoff) if ":ask:" in c)
    form = await server.click(grace, world.text, kickoff, ask)
    await server.submit(grace, world.text, form.data["custom_id"], {"question": "What is a basis?"})
    question = server.bot_messages(world.text.id)[-1]
    thread = world.guild.channels[question["id"]]

    await server.react(mallory, world.text, question["id"])  # a stranger's ✅ is just a reaction
    seen = "SELECT count(*) FROM processed_events WHERE event_id LIKE 'reaction:%'"
    await server.wait_for(lambda: rows(studybot.database, seen) == [(1,)], "the reaction")
    private(await server.command(mallory, thread, "resolve"), "Only the person who asked")
    assert rows(studybot.database, "SELECT status FROM questions") == [("open",)]

    added = await server.command(world["ada"], world.text, "organizer", "add", member=mallory)
    assert not added.ephemeral and "now an organizer" in added.text
    private(await server.command(mallory, thread, "resolve"), "Marked as resolved")
    assert rows(studybot.database, "SELECT status FROM questions") == [("resolved",)]
    assert (
        "resolved"
        in (server.guild.message(world.text.id, question["id"]) or {})["embeds"][0]["title"]
    )
