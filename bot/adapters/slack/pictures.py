"""Pictures (typeset formulas, charts) in Slack messages.

Each picture is uploaded privately first (``files.getUploadURLExternal``, the bytes, then
``files.completeUploadExternal`` with no channel: slack_sdk's ``files_upload_v2``), and the
message shows it as an image block naming the file (``slack_file``). The message itself stays
one ``chat.postMessage``, so the ledger's exactly-once post covers text and pictures together:
a post retried after a crash uploads its pictures again, and an earlier upload that no message
shows stays private to the bot.

Slack finishes an upload asynchronously; until it has, a message naming the file is refused
(``invalid_blocks``), so each upload is followed by ``files.info`` until the file has its type.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.models import Attachment, Message

log = logging.getLogger(__name__)

READY_CHECKS = 6  # files.info calls before giving up on a picture: 0.1 s, then doubling (6.3 s)
FIRST_WAIT = 0.1
ALT_LIMIT = 1000  # files.getUploadURLExternal's alt_txt


async def _ready(client: AsyncWebClient, file_id: str) -> bool:
    """Whether Slack has finished the upload (the file has its type), asking a few times."""
    wait = FIRST_WAIT
    for _ in range(READY_CHECKS):
        answer = await client.files_info(file=file_id)
        if answer["file"].get("mimetype"):
            return True
        await asyncio.sleep(wait)
        wait *= 2
    return False


async def _upload(client: AsyncWebClient, picture: Attachment) -> str | None:
    try:
        answer = await client.files_upload_v2(
            file=picture.content,
            filename=picture.filename,
            title=picture.filename,
            alt_txt=picture.alt[:ALT_LIMIT] or picture.filename,
        )
        file_id = str(answer["file"]["id"])
        if await _ready(client, file_id):
            return file_id
        log.warning("picture %s: Slack did not finish the upload in time", picture.filename)
    except SlackApiError as error:
        log.warning("picture %s not uploaded: %s", picture.filename, error.response.get("error"))
    return None


async def uploaded(client: AsyncWebClient, message: Message) -> Mapping[str, str]:
    """The Slack file id of each of ``message``'s pictures, by file name; a picture that could
    not be uploaded is left out (the message still goes, its text says what the picture
    shows)."""
    ids: dict[str, str] = {}
    for picture in message.attachments:
        if picture.is_picture and (file_id := await _upload(client, picture)) is not None:
            ids[picture.filename] = file_id
    return ids
