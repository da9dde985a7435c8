"""`voicecoach serve` under clients that hold connections, send garbage, or stop reading."""

from __future__ import annotations

import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.support.serving import build, running
from voicecoach.programme.folder import ProgrammeResult


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> ProgrammeResult:
    return build(tmp_path_factory.mktemp("connections"))


def _address(base: str) -> tuple[str, int]:
    host, port = base.split("/")[2].rsplit(":", 1)
    return host, int(port)


def _closed_by_server(conn: socket.socket) -> bool:
    """Whether the server closes `conn` (read until it does; False if it never does)."""
    conn.settimeout(30)  # only a bound on a broken server: a working one closes far sooner
    try:
        while conn.recv(4096):
            pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        pass
    return True


def test_a_connection_with_no_request_or_half_its_headers_is_closed(
    built: ProgrammeResult,
) -> None:
    from voicecoach.serve.connections import Limits

    limits = Limits(head_s=0.5, idle_s=1.0)
    with running(built.folder, limits=limits) as (base, tally), ExitStack() as stack:
        silent = stack.enter_context(socket.create_connection(_address(base)))
        partial = stack.enter_context(socket.create_connection(_address(base)))
        partial.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and no more
        kept = stack.enter_context(socket.create_connection(_address(base)))
        kept.sendall(b"GET /playlist.m3u8 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert kept.recv(12) == b"HTTP/1.1 200"  # answered, then left open and idle
        for conn in (silent, partial, kept):
            assert _closed_by_server(conn)
        assert tally.timed_out == 3


def test_a_client_that_stops_reading_is_closed(built: ProgrammeResult, tmp_path: Path) -> None:
    from voicecoach.serve.connections import Limits

    folder = tmp_path / "big"
    shutil.copytree(built.folder, folder)
    name = built.records[0].file
    # a session longer than any socket buffers hold (loopback's go to 4 MB and more)
    (folder / name).write_bytes(bytes(64 * 2**20))
    with running(folder, limits=Limits(stall_s=0.5)) as (base, tally):
        with socket.create_connection(_address(base)) as conn:
            conn.sendall(f"GET /{name} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            for _ in range(600):  # never read: the server's writes stall, until it gives up
                if tally.stalled:
                    break
                time.sleep(0.05)
            assert tally.stalled == 1
            assert _closed_by_server(conn)
        assert urllib.request.urlopen(base, timeout=10).status == 200


def _limit_open_files() -> None:  # in the child, before it runs voicecoach
    import resource

    resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))


@pytest.fixture
def cramped(built: ProgrammeResult) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`voicecoach serve` started with 64 open files at most: (base URL, the process)."""
    server = subprocess.Popen(
        [sys.executable, "-m", "voicecoach", "serve", str(built.folder), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_limit_open_files,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        found = re.search(r"at (http://127\.0\.0\.1:\d+/)", line)
        assert found, line
        yield found[1], server
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=10)
        finally:
            server.kill()
            server.communicate()


def _stop(server: subprocess.Popen[str]) -> str:
    server.send_signal(signal.SIGINT)
    _out, err = server.communicate(timeout=10)
    assert server.returncode == 130
    return err


def test_serve_keeps_answering_while_a_client_holds_100_connections_at_64_files(
    cramped: tuple[str, subprocess.Popen[str]], built: ProgrammeResult
) -> None:
    base, server = cramped
    with ExitStack() as stack:
        for n in range(100):
            conn = stack.enter_context(socket.create_connection(_address(base), timeout=10))
            if n % 2:
                conn.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        for _ in range(3):  # with the 100 still held
            with urllib.request.urlopen(base + built.records[0].file, timeout=20) as answer:
                assert answer.status == 200
                assert len(answer.read()) == built.records[0].bytes
    err = _stop(server)
    assert "Traceback" not in err, err[:2000]
    assert "Too many open files" not in err, err[:2000]
    assert len(err.splitlines()) <= 1, err[:2000]


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nNo colon here\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: x\r\n\r\n",
        b"G\x01T / HTTP/1.1\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(40),  # TLS to an HTTP port
        b"GET / HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n",
    ],
)
def test_a_malformed_request_is_refused_without_a_traceback(
    cramped: tuple[str, subprocess.Popen[str]], request_bytes: bytes
) -> None:
    base, server = cramped
    answers = []
    for _ in range(5):
        with socket.create_connection(_address(base), timeout=20) as conn:
            conn.sendall(request_bytes)
            answers.append(conn.recv(4096))
    assert all(re.match(rb"HTTP/1\.[01] 4", a) or a == b"" for a in answers), answers
    err = _stop(server)
    assert "Traceback" not in err, err[:2000]
    lines = err.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("Stopped. Refused 5 requests"), lines
