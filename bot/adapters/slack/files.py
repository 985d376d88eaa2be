"""Fetching a shared syllabus file: files.info, then its ``url_private`` with the bot token.

The size Slack reports is checked before anything is downloaded, and the download stops as
soon as it passes the limit, whatever the size claimed. The bot token is only ever sent to
Slack's own hosts (the API host and its subdomains, such as files.slack.com), never to an
address a payload happens to name.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.errors import StudybotError
from bot.domain.problems import MAX_FILE_BYTES


class DownloadError(StudybotError):
    """The file could not be fetched; ``str()`` says why, for the member."""


@dataclass(frozen=True)
class SharedFile:
    """A shared file as fetched: its name, its size and (unless too large) its content."""

    name: str
    size: int  # what Slack says, or what arrived when that was more
    content: bytes  # empty when the file is too large to fetch


def _registrable(host: str) -> str:
    # slack.com -> slack.com, api.slack.com -> slack.com; an IP address stays whole.
    parts = host.split(".")
    return host if host.replace(".", "").isdigit() else ".".join(parts[-2:])


def trusted_host(url: str, *, api_host: str) -> bool:
    """Whether ``url`` is on Slack's own hosts (``api_host``'s domain), where the token may go."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    base = _registrable(api_host)
    return parts.scheme in ("https", "http") and (host == base or host.endswith("." + base))


class Files:
    """Downloads the files members share, with the bot token, reading at most ``limit`` bytes."""

    def __init__(
        self,
        *,
        client: AsyncWebClient,
        session: aiohttp.ClientSession,
        token: str,
        api_host: str,
        limit: int = MAX_FILE_BYTES,
    ) -> None:
        self.client = client
        self.session = session
        self.token = token
        self.api_host = api_host
        self.limit = limit

    async def fetch(self, file_id: str) -> SharedFile:
        """The file ``file_id``; ``DownloadError`` says why when it cannot be downloaded."""
        info = (await self.client.files_info(file=file_id))["file"]
        name = str(info.get("name") or info.get("title") or f"{file_id}.yaml")
        size = int(info.get("size") or 0)
        if size > self.limit:
            return SharedFile(name, size, b"")  # refused unread; the core says how large
        url = info.get("url_private_download") or info.get("url_private") or ""
        if not trusted_host(url, api_host=self.api_host):
            raise DownloadError(f"Slack gave no download address I may use for {name}.")
        content = await self._download(url, name)
        return SharedFile(name, max(size, len(content)), content)

    async def _download(self, url: str, name: str) -> bytes:
        headers = {"Authorization": f"Bearer {self.token}"}
        # No redirects: Slack answers a request it does not accept with a redirect to its
        # sign-in page, and a redirect must not carry the token anywhere else.
        async with self.session.get(url, headers=headers, allow_redirects=False) as response:
            if response.status != 200 or response.content_type == "text/html":
                raise DownloadError(
                    f"Slack did not let me download {name} (HTTP {response.status}). "
                    "Does the app have the files:read scope?"
                )
            content = bytearray()
            async for piece in response.content.iter_chunked(64 * 1024):
                content += piece
                if len(content) > self.limit:
                    break  # enough to know it is too large
        return bytes(content)
