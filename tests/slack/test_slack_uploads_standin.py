"""The stand-in's file uploads, driven by the real slack_sdk client: files_upload_v2 without a
channel (a private upload), then messages whose image blocks show the file by ``slack_file``.

Slack processes an upload after completing it; until then an image block showing it is refused
(``invalid_blocks``). The stand-in processes an upload when files.info asks for it, or once
``upload_processing_delay_calls`` further Web API requests have arrived (None: never by itself).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from ..standins.slack_blocks import blocks_problems, image_type
from ..standins.slack_server import BOT_TOKEN, SlackStandIn, visible_text
from ..standins.slack_spec import check_call, scopes_of

CHANNEL = "C0STUDY01"


def png(width: int, height: int) -> bytes:
    """A small opaque red PNG, made by hand: signature, IHDR, one IDAT, IEND."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    rows = b"".join(b"\x00" + b"\xff\x00\x00\xff" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PNG = png(3, 2)


def image_block(file_id: str, alt: str = "x squared plus one") -> dict[str, Any]:
    return {"type": "image", "slack_file": {"id": file_id}, "alt_text": alt}


@pytest.fixture
async def standin() -> AsyncIterator[SlackStandIn]:
    server = SlackStandIn()
    await server.start()
    try:
        yield server
    finally:
        await server.close()


@pytest.fixture
def client(standin: SlackStandIn) -> AsyncWebClient:
    return AsyncWebClient(token=BOT_TOKEN, base_url=standin.api_url)


async def upload(client: AsyncWebClient, content: bytes = PNG, **extra: Any) -> dict[str, Any]:
    answer = await client.files_upload_v2(
        file=content, filename="formula.png", title="A formula", **extra
    )
    return dict(answer["file"])


async def test_an_upload_shows_in_an_image_block_once_files_info_saw_it_processed(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    standin.upload_processing_delay_calls = None  # only files.info processes it
    uploaded = await upload(client, alt_txt="x squared plus one")
    assert [c.method for c in standin.calls] == [
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]
    # Right after completion Slack does not know the type yet.
    assert (uploaded["mimetype"], uploaded["filetype"]) == ("", "")
    assert uploaded["title"] == "A formula" and uploaded["size"] == len(PNG)
    record = standin.uploads[uploaded["id"]]
    assert (record.content, record.filename, record.alt_txt) == (
        PNG,
        "formula.png",
        "x squared plus one",
    )

    blocks = [image_block(uploaded["id"])]
    with pytest.raises(SlackApiError) as refused:
        await client.chat_postMessage(channel=CHANNEL, text="A formula", blocks=blocks)
    assert refused.value.response["error"] == "invalid_blocks"
    assert refused.value.response["errors"] == [
        "downloading image failed [json-pointer:/blocks/0/slack_file]"
    ]
    assert standin.posts(CHANNEL) == []

    info = await client.files_info(file=uploaded["id"])
    assert (info["file"]["mimetype"], info["file"]["filetype"]) == ("image/png", "png")
    assert (info["file"]["original_w"], info["file"]["original_h"]) == (3, 2)
    posted = await client.chat_postMessage(channel=CHANNEL, text="A formula", blocks=blocks)
    assert posted["ok"]
    message = standin.posts(CHANNEL)[0]
    assert standin.images_in(message) == [PNG]
    assert "x squared plus one" in visible_text(message)
    assert standin.violations == [
        "chat.postMessage: downloading image failed [json-pointer:/blocks/0/slack_file]"
    ]


async def test_processing_ends_after_the_configured_number_of_calls(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    first = await upload(client)  # default 0: processed by the very next request
    await client.chat_postMessage(channel=CHANNEL, text="now", blocks=[image_block(first["id"])])

    standin.upload_processing_delay_calls = 2  # unprocessed for the next two requests
    second = await upload(client)
    blocks = [image_block(second["id"])]
    for _ in range(2):
        with pytest.raises(SlackApiError):
            await client.chat_postMessage(channel=CHANNEL, text="too soon", blocks=blocks)
    await client.chat_postMessage(channel=CHANNEL, text="later", blocks=blocks)
    assert [c.ok for c in standin.called("chat.postMessage")] == [True, False, False, True]
    assert [visible_text(m) for m in standin.posts(CHANNEL)] == [
        "x squared plus one",
        "x squared plus one",
    ]
    assert [standin.images_in(m) for m in standin.posts(CHANNEL)] == [[PNG], [PNG]]


async def test_ephemeral_update_and_response_url_check_the_images_too(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    standin.upload_processing_delay_calls = None
    uploaded = await upload(client)
    blocks = [image_block(uploaded["id"])]
    with pytest.raises(SlackApiError):
        await client.chat_postEphemeral(channel=CHANNEL, user="U0ADA0001", text="t", blocks=blocks)
    url = standin.new_response_url(user="U0ADA0001", channel=CHANNEL)
    answer = await AsyncWebhookClient(url).send(text="t", blocks=blocks)
    assert (answer.status_code, answer.body) == (404, '{"ok": false, "error": "invalid_blocks"}')
    assert standin.private == []

    await client.files_info(file=uploaded["id"])
    assert (await AsyncWebhookClient(url).send(text="t", blocks=blocks)).status_code == 200
    await client.chat_postEphemeral(channel=CHANNEL, user="U0ADA0001", text="t", blocks=blocks)
    assert [standin.images_in(p) for p in standin.private] == [[PNG], [PNG]]
    posted = await client.chat_postMessage(channel=CHANNEL, text="first")
    await client.chat_update(channel=CHANNEL, ts=posted["ts"], text="then", blocks=blocks)
    assert standin.images_in(standin.posts(CHANNEL)[0]) == [PNG]


async def test_only_existing_images_may_be_shown(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    notes = await client.files_upload_v2(content="just text", filename="notes.txt")
    await client.files_info(file=notes["file"]["id"])
    shared = standin.add_file("syllabus.yaml", b"weeks: []\n")
    by_url = await upload(client)
    blocks = [
        image_block(notes["file"]["id"]),
        image_block("F99999999"),
        image_block(shared["id"]),
        {"type": "image", "slack_file": {"url": by_url["permalink"]}, "alt_text": "by url"},
    ]
    with pytest.raises(SlackApiError) as refused:
        await client.chat_postMessage(channel=CHANNEL, text="pictures", blocks=blocks)
    assert refused.value.response["errors"] == [
        "invalid slack file [json-pointer:/blocks/0/slack_file] (not an image)",
        "invalid slack file [json-pointer:/blocks/1/slack_file]",
        "invalid slack file [json-pointer:/blocks/2/slack_file] (not an image)",
    ]
    info = await client.files_info(file=notes["file"]["id"])
    assert info["file"]["mimetype"] == "application/octet-stream"
    await client.chat_postMessage(channel=CHANNEL, text="by url", blocks=blocks[3:])
    assert standin.images_in(standin.posts(CHANNEL)[0]) == [PNG]


async def test_the_upload_calls_are_checked_against_slacks_reference(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    with pytest.raises(SlackApiError) as too_long:
        await upload(client, alt_txt="x" * 1001)
    assert too_long.value.response["error"] == "alt_txt_too_large"
    assert standin.uploads == {} and standin.violations == []

    with pytest.raises(SlackApiError) as typed:
        await client.api_call(
            "files.getUploadURLExternal", params={"filename": "a.png", "length": "ten"}
        )
    assert typed.value.response["error"] == "invalid_arguments"
    with pytest.raises(SlackApiError) as missing:
        await client.api_call("files.getUploadURLExternal", params={"length": 3, "colour": "red"})
    assert missing.value.response["error"] == "missing_argument"
    assert standin.violations == [
        "files.getUploadURLExternal: length='ten' is not an integer (integer)",
        "files.getUploadURLExternal: unknown argument 'colour'",
        "files.getUploadURLExternal: missing required argument 'filename'",
    ]
    assert check_call("files.completeUploadExternal", [("files", "[{", False)], bearer=True) == [
        "files.completeUploadExternal: files is not valid JSON"
    ]
    assert scopes_of("files.getUploadURLExternal") == {"files:write"}
    assert scopes_of("files.completeUploadExternal") == {"files:write"}


async def test_the_bytes_must_match_the_announced_length(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    started = await client.files_getUploadURLExternal(filename="a.png", length=len(PNG) + 1)
    async with aiohttp.ClientSession() as session:
        form = aiohttp.FormData()
        form.add_field("file", PNG, filename="a.png")
        async with session.post(started["upload_url"], data=form) as answer:
            assert (answer.status, await answer.text()) == (200, f"OK - {len(PNG)}")
    with pytest.raises(SlackApiError) as refused:
        await client.files_completeUploadExternal(files=[{"id": started["file_id"]}])
    assert refused.value.response["error"] == "file_not_found"
    assert standin.violations == [
        f"files.completeUploadExternal: {started['file_id']} was to be {len(PNG) + 1} bytes "
        f"long, {len(PNG)} bytes arrived at its upload URL"
    ]
    assert standin.uploads[started["file_id"]].completed_at is None


async def test_downloads_serve_added_and_uploaded_files(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    shared = standin.add_file("syllabus.yaml", b"weeks: []\n")
    uploaded = await upload(client)
    info = await client.files_info(file=uploaded["id"])
    assert (await client.files_info(file=shared["id"]))["file"]["filetype"] == "yaml"
    headers = {"Authorization": f"Bearer {BOT_TOKEN}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        async with session.get(shared["url_private_download"]) as answer:
            assert await answer.read() == b"weeks: []\n"
        async with session.get(info["file"]["url_private_download"]) as answer:
            assert (answer.content_type, await answer.read()) == ("image/png", PNG)
    assert standin.downloads == [shared["id"], uploaded["id"]]


def test_image_blocks_are_checked_as_slack_checks_them() -> None:
    good = image_block("F00000001")
    titled = {**good, "title": {"type": "plain_text", "text": "A formula"}, "block_id": "f1"}
    context = {"type": "context", "elements": [{**good, "type": "image"}]}
    assert blocks_problems([good, titled, context]) == []
    url_image = {"type": "image", "image_url": "https://example.org/a.png", "alt_text": "a"}
    assert blocks_problems([url_image]) == []
    assert blocks_problems(
        [
            {"type": "image", "slack_file": {"id": "F1"}},
            {**good, "image_url": "https://example.org/a.png"},
            {**good, "slack_file": {"id": "F1", "url": "https://x/F1"}},
            {**good, "title": {"type": "mrkdwn", "text": "*A*"}},
            {**good, "alt_text": "x" * 2001},
        ]
    ) == [
        "blocks[0]: alt_text is required",
        "blocks[1]: needs exactly one of image_url and slack_file",
        "blocks[2].slack_file: needs exactly one of id and url",
        "blocks[3].title: must be plain_text",
        "blocks[4].alt_text: 2001 characters, more than 2000",
    ]
    assert (image_type(PNG), image_type(b"GIF89a..."), image_type(b"just text")) == (
        "png",
        "gif",
        None,
    )
