"""A TCP proxy in front of a server (PostgreSQL in the tests), able to cut the line.

``cut()`` drops every connection it carries (both ends reset, as when a database fails over or
a network link goes down) and refuses new ones (each is reset as soon as it is accepted) until
``restore()``. The proxy moves bytes and knows nothing of the protocol, so the bot's database
driver sees exactly what it would see from a real outage.

``cut_after(first, then)`` times the cut to the bytes: on the first connection whose client sends
bytes containing ``first`` and later bytes containing ``then``, those later bytes reach the
server, the server answers them, and the answer never reaches the client, whose connection is
reset with all the others (a COMMIT the database carried out and the client never heard of).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

CHUNK = 64 * 1024
ANSWER_WAIT = 10.0  # seconds the server gets to answer the bytes of a timed cut


@dataclass(eq=False)  # each line is itself (kept in a set)
class Line:
    """One client connection and the connection to the server it is joined to."""

    client: asyncio.StreamWriter
    server: asyncio.StreamWriter
    pumps: list[asyncio.Task[None]] = field(default_factory=list)
    primed: bool = False  # the client sent ``first`` of an armed ``cut_after``
    answer_lost: bool = False  # cut by ``cut_after``: the server's answer is dropped

    def reset(self) -> None:
        """Drop both ends at once, without a goodbye (the peer reads a reset)."""
        for writer in (self.client, self.server):
            writer.transport.abort()


class TcpProxy:
    """Listens on 127.0.0.1 (a free port) and joins each client to ``target``."""

    def __init__(self, *, target_host: str, target_port: int) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.lines: set[Line] = set()  # connections carried now
        self.accepted = 0  # connections joined to the server, ever
        self.refused = 0  # connections reset while cut
        self.dropped = 0  # connections that were open when the line was cut
        self.cut_by_bytes = asyncio.Event()  # set once an armed ``cut_after`` has cut
        self._cut = False
        self._armed: tuple[bytes, bytes] | None = None
        self._server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        """The port clients connect to."""
        assert self._server is not None, "the proxy is not started"
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def is_cut(self) -> bool:
        """Whether the line is cut now."""
        return self._cut

    async def start(self) -> None:
        """Start listening."""
        self._server = await asyncio.start_server(self._join, "127.0.0.1", 0)

    async def close(self) -> None:
        """Stop listening and drop every connection."""
        for line in list(self.lines):
            line.reset()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def cut(self) -> None:
        """Drop every open connection and refuse new ones until ``restore``."""
        self._cut = True
        self.dropped += len(self.lines)
        for line in list(self.lines):
            if line.answer_lost:  # its server end is closed once the server has answered
                line.client.transport.abort()
            else:
                line.reset()

    def cut_after(self, first: bytes, then: bytes) -> None:
        """Cut (as ``cut``) when a client sends ``then`` on a connection where it sent ``first``
        before: ``then`` reaches the server, and the server's answer is lost."""
        self._armed = (first, then)
        self.cut_by_bytes.clear()

    def restore(self) -> None:
        """Let connections through again (the dropped ones stay dropped)."""
        self._cut = False

    async def _join(self, reader: asyncio.StreamReader, client: asyncio.StreamWriter) -> None:
        if self._cut:
            self.refused += 1
            client.transport.abort()
            return
        try:
            server_reader, server = await asyncio.open_connection(
                self.target_host, self.target_port
            )
        except OSError:
            client.transport.abort()
            return
        if self._cut:  # cut while connecting to the server
            self.refused += 1
            server.transport.abort()
            client.transport.abort()
            return
        self.accepted += 1
        line = Line(client=client, server=server)
        self.lines.add(line)
        to_server = asyncio.create_task(self._pump(reader, server, line))
        to_client = asyncio.create_task(self._pump(server_reader, client))
        line.pumps = [to_server, to_client]
        try:
            await asyncio.wait(line.pumps, return_when=asyncio.FIRST_COMPLETED)
            if line.answer_lost:  # the server answers the last bytes; the answer goes nowhere
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(to_client), ANSWER_WAIT)
        finally:
            self.lines.discard(line)
            for pump in line.pumps:
                pump.cancel()
            line.reset()

    async def _pump(
        self, source: asyncio.StreamReader, sink: asyncio.StreamWriter, line: Line | None = None
    ) -> None:
        """Copy bytes one way until either end goes away; ``line`` is given for the client's
        direction, where an armed ``cut_after`` watches."""
        with contextlib.suppress(ConnectionError, OSError):
            while data := await source.read(CHUNK):
                sink.write(data)
                await sink.drain()
                if line is not None and self._armed is not None:
                    self._watch(line, data)

    def _watch(self, line: Line, data: bytes) -> None:
        """Cut once the armed bytes went by (they are with the server already)."""
        assert self._armed is not None
        first, then = self._armed
        if line.primed and then in data:
            self._armed = None
            line.answer_lost = True
            self.cut()
            self.cut_by_bytes.set()
        elif first in data:
            line.primed = True
