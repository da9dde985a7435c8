"""Keeping `voicecoach serve` answering while clients hold connections they do not use.

Each connection is watched through a thin protocol in front of aiohttp's: one whose
request headers have not all arrived within `head_s` of its first byte, or that sits
idle for `idle_s`, is closed. Open files are the scarce thing (a socket each, a file
for each response being sent): when the connections reach what the process's open-file
limit leaves room for, the one idle the longest is closed to make room for the new one,
so a client holding many connections cannot lock the others out, and accept() never
fails for want of a file descriptor.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

# what the process keeps open besides connections: std streams, the event loop's
# selector and self-pipe, the listening sockets, imports that read files
_RESERVED_FILES = 32


@dataclass(frozen=True)
class Limits:
    """How long serve waits on a client, and how many connections it keeps."""

    head_s: float = 10.0  # from a request's first byte until all its headers are in
    idle_s: float = 60.0  # a connection with no request (a keep-alive between requests)
    stall_s: float = 60.0  # a response the client has stopped reading
    connections: int = 0  # at once; 0: as many as the open-file limit leaves room for


@dataclass
class Tally:
    """What serve refused or closed, told in one line when it stops (never a traceback)."""

    malformed: int = 0  # not HTTP, or HTTP aiohttp could not parse
    misdirected: int = 0  # a Host this server does not answer for
    timed_out: int = 0  # headers too slow, or idle too long
    stalled: int = 0  # a response the client stopped reading
    crowded: int = 0  # closed to make room for a new connection
    accept_failed: int = 0  # the kernel's accept() failed (the open-file limit)

    def summary(self) -> str | None:
        """`Refused 3 malformed requests; closed 2 idle connections`, or None for none."""
        refused = [
            (self.malformed, "malformed"),
            (self.misdirected, "for another host"),
        ]
        closed = [
            (self.timed_out, "idle or slow to send their headers"),
            (self.stalled, "that stopped reading"),
            (self.crowded, "to make room for others"),
            (self.accept_failed, "never accepted (too many open files)"),
        ]
        parts = [f"refused {n} request{'s' * (n != 1)} {why}" for n, why in refused if n]
        parts += [f"closed {n} connection{'s' * (n != 1)} {why}" for n, why in closed if n]
        return "; ".join(parts).capitalize() if parts else None


def file_limit() -> int:
    """The process's open-file limit, raised to its hard limit first where that is allowed."""
    try:
        import resource
    except ImportError:  # Windows: no such limit to read
        return 512
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 65536
    wanted = min(wanted, 65536)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass
    return 65536 if soft == resource.RLIM_INFINITY else soft


class _Watched(asyncio.Protocol):
    """aiohttp's protocol for one connection, with the times the guard needs."""

    def __init__(self, inner: asyncio.Protocol, guard: Guard, now: float) -> None:
        self.inner = inner
        self.guard = guard
        self.transport: asyncio.Transport | None = None
        self.busy = 0
        self.idle_since = now
        self.head_since: float | None = None  # the first byte of a request not yet begun

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.guard.opened(self)
        self.inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if not self.busy and self.head_since is None:
            self.head_since = self.guard.clock()
        self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self.guard.closed(self)
        self.transport = None
        self.inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()


class _Refused(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport.abort()  # type: ignore[attr-defined]


class Guard:
    """A protocol factory for loop.create_server, in front of aiohttp's, that closes
    connections which idle or crowd the others out."""

    def __init__(self, make: Callable[[], asyncio.Protocol], limits: Limits, tally: Tally) -> None:
        self.make = make
        self.limits = limits
        self.tally = tally
        self.clock = asyncio.get_running_loop().time
        # a connection can hold two files at once: its socket and the file it is sending
        self.most = limits.connections or max(8, (file_limit() - _RESERVED_FILES) // 2)
        self._open: dict[Any, _Watched] = {}  # by aiohttp's protocol

    def __call__(self) -> asyncio.Protocol:
        if len(self._open) >= self.most and not self._close_longest_idle():
            self.tally.crowded += 1
            return _Refused()  # every connection is sending: the newcomer waits its turn
        return _Watched(self.make(), self, self.clock())

    def opened(self, watched: _Watched) -> None:
        self._open[watched.inner] = watched

    def closed(self, watched: _Watched) -> None:
        self._open.pop(watched.inner, None)

    @contextmanager
    def serving(self, protocol: object) -> Iterator[None]:
        """Marks the connection busy while its request is answered."""
        watched = self._open.get(protocol)
        if watched is None:
            yield
            return
        watched.busy += 1
        watched.head_since = None
        try:
            yield
        finally:
            watched.busy -= 1
            watched.idle_since = self.clock()

    def _close_longest_idle(self) -> bool:
        idle = [w for w in self._open.values() if not w.busy and w.transport is not None]
        if not idle:
            return False
        oldest = min(idle, key=lambda w: w.head_since or w.idle_since)
        self._close(oldest)
        self.tally.crowded += 1
        return True

    def _close(self, watched: _Watched) -> None:
        self._open.pop(watched.inner, None)
        if watched.transport is not None:
            watched.transport.abort()

    def close_all(self) -> None:
        """Close every connection at once (a stop does not wait on clients)."""
        for watched in list(self._open.values()):
            self._close(watched)

    async def sweep(self) -> None:
        """Close, until cancelled, what has waited too long on its client."""
        tick = max(0.05, min(1.0, self.limits.head_s / 4, self.limits.idle_s / 4))
        while True:
            await asyncio.sleep(tick)
            now = self.clock()
            for watched in list(self._open.values()):
                if watched.busy:
                    continue
                slow = watched.head_since is not None and now - watched.head_since > (
                    self.limits.head_s
                )
                if slow or now - watched.idle_since > self.limits.idle_s:
                    self._close(watched)
                    self.tally.timed_out += 1


class QuietLog(logging.Handler):
    """aiohttp's server log, counted: a client's malformed request is not news.

    A fault of the server's own (an exception that is not a client's bad HTTP or a
    dropped connection) is still printed, traceback and all: that is a bug to report.
    """

    def __init__(self, tally: Tally) -> None:
        super().__init__(logging.DEBUG)
        self.tally = tally

    def emit(self, record: logging.LogRecord) -> None:
        from aiohttp.http_exceptions import HttpProcessingError

        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError):
            self.tally.malformed += 1
        elif isinstance(error, ConnectionError) or record.levelno < logging.WARNING:
            pass
        elif logging.lastResort is not None:
            logging.lastResort.handle(record)

    @classmethod
    def logger(cls, tally: Tally) -> logging.Logger:
        """A logger of its own for aiohttp's server to write to, not the root's."""
        logger = logging.Logger("voicecoach.serve")
        logger.propagate = False
        logger.addHandler(cls(tally))
        return logger


def loop_errors(tally: Tally) -> Callable[[asyncio.AbstractEventLoop, dict[str, Any]], None]:
    """An event-loop exception handler that counts a failed accept() instead of printing
    its traceback each time (asyncio retries the accept a moment later by itself)."""

    def handle(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if isinstance(context.get("exception"), OSError) and "accept" in str(
            context.get("message", "")
        ):
            tally.accept_failed += 1
            return
        loop.default_exception_handler(context)

    return handle
