"""`voicecoach serve` measured: start-up, throughput, latency under load and under siege.

Builds a small programme, starts the server on a free port (timing until it listens),
downloads its sessions whole over loopback (MB/s), then has 20 clients ask for random
1 kB ranges at once and reports the median and 95th-percentile time to the first byte.
Then the siege: 200 connections that never send a request and 200 clients that ask for
a session and read it 1 kB at a time, held while a normal client asks for ranges; its
median, and the server's open files and memory before, during and after. Last, a
500-session programme: its feed asked for over and over (requests a second), and a cover's
time under 20 clients asking for the feed and page. Everything on loopback; every loop is
bounded. `make bench` runs it.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

ROUTINE = """title: Bench Legs
defaults: {rest: 20s, tempo: 2s}
exercises:
  - {name: Squats, reps: 20, sets: 3}
  - {name: Plank, duration: 2m}
"""
IDLE = 200  # connections that never send a request
SLOW = 200  # clients that read a session 1 kB at a time
SIEGE_S = 12.0  # how long the siege is held (under serve's 60 s idle limit)
FEED_SESSIONS = 500


def first_byte(url: str, start: int) -> float:
    """Seconds from sending a range request to its first byte, on a fresh connection."""
    parts = urlsplit(url)
    started = time.perf_counter()
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as conn:
        conn.sendall(
            f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Range: bytes={start}-{start + 1023}\r\nConnection: close\r\n\r\n".encode()
        )
        conn.recv(1)
        took = time.perf_counter() - started
        while conn.recv(65536):
            pass
    return took


@contextmanager
def serving(python: str, folder: Path) -> Iterator[tuple[str, subprocess.Popen[str], float]]:
    """`voicecoach serve FOLDER` on a free loopback port: (base URL, process, start-up s)."""
    started = time.perf_counter()
    server = subprocess.Popen(
        [python, "-m", "voicecoach", "serve", str(folder), "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        startup = time.perf_counter() - started
        found = re.search(r"at (http://[^ ]+/)", line)
        assert found, line
        yield found[1], server, startup
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=10)
        finally:
            server.kill()
            server.communicate()


def main() -> None:
    from bench.benchlib import stop_cleanly

    stop_cleanly()
    import urllib.request

    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="voicecoach-serve-bench-") as scratch:
        root = Path(scratch)
        (root / "r.yaml").write_text(ROUTINE)
        (root / "p.yaml").write_text("title: Bench Plan\nroutine: r.yaml\nweeks: 2\nper_week: 2\n")
        subprocess.run(
            [
                python,
                "-m",
                "voicecoach",
                "build",
                "-q",
                str(root / "p.yaml"),
                "--output-dir",
                str(root / "out"),
            ],
            check=True,
        )
        folder = root / "out" / "bench-plan"
        files = sorted(p.name for p in folder.glob("*.mp3"))
        with serving(python, folder) as (base, server, startup):
            total = 0
            began = time.perf_counter()
            for _ in range(10):
                for name in files:
                    with urllib.request.urlopen(base + name) as answer:
                        total += len(answer.read())
            throughput = total / (time.perf_counter() - began) / 1e6
            size = (folder / files[0]).stat().st_size
            starts = [(n * 7919) % (size - 2048) for n in range(400)]
            with ThreadPoolExecutor(max_workers=20) as pool:
                waits = list(pool.map(lambda s: first_byte(base + files[0], s), starts))
            rss = _rss_mb(server.pid)
            siege = _siege(base, files[0], size, server.pid)
        big = _many_sessions(folder, root / "big", FEED_SESSIONS)
        with serving(python, big) as (base, server, _startup):
            feed_rate, feed_kb = _feed_rate(base)
            cover = _cover_under_load(base)
    waits.sort()
    print("\nvoicecoach serve on loopback (one process, aiohttp)")
    print(f"  start-up until listening:        {startup:6.2f} s")
    print(f"  whole MP3s, one client:          {throughput:6.0f} MB/s ({total / 1e6:.0f} MB)")
    print(
        f"  1 kB ranges, 20 clients at once: median {statistics.median(waits) * 1000:.1f} ms, "
        f"95th percentile {_pct(waits, 95) * 1000:.1f} ms to the first byte"
    )
    print(f"  server memory afterwards:        {rss:6.0f} MB")
    held, normal, samples = siege
    print(
        f"  siege: {IDLE} idle connections and {SLOW} slow readers "
        f"({held} held open at the end), {SIEGE_S:.0f} s"
    )
    print(
        f"    a normal 1 kB range meanwhile: median {statistics.median(normal) * 1000:.1f} ms, "
        f"95th percentile {_pct(normal, 95) * 1000:.1f} ms ({len(normal)} requests)"
    )
    for when, (fds, memory) in samples.items():
        print(f"    server {when:<15} {fds:5d} open files, {memory:5.0f} MB")
    print(
        f"  {FEED_SESSIONS}-session feed ({feed_kb:.0f} kB), one client: "
        f"{feed_rate:6.0f} requests/s"
    )
    print(
        f"  its cover while 20 clients ask for the feed and page: median "
        f"{statistics.median(cover) * 1000:.1f} ms, 95th percentile "
        f"{_pct(cover, 95) * 1000:.1f} ms"
    )


def _pct(values: list[float], percent: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, len(ordered) * percent // 100)]


def _siege(
    base: str, name: str, size: int, pid: int
) -> tuple[int, list[float], dict[str, tuple[int, float]]]:
    """Hold IDLE idle connections and SLOW slow readers while a normal client asks for
    ranges: (connections still held at the end, its times, the server's files and memory)."""
    parts = urlsplit(base)
    address = (parts.hostname or "127.0.0.1", parts.port or 80)
    samples = {"before": _files_and_memory(pid)}
    stop = threading.Event()
    held: list[int] = []
    loop = asyncio.new_event_loop()

    async def slow_reader() -> bool:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)  # so the server waits on us
        sock.setblocking(False)
        await loop.sock_connect(sock, address)
        reader, writer = await asyncio.open_connection(sock=sock)
        writer.write(f"GET {parts.path}{name} HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n".encode())
        for _ in range(int(SIEGE_S * 10) + 50):
            if stop.is_set() or not await reader.read(1024):
                break
            await asyncio.sleep(0.1)
        alive = not reader.at_eof()
        writer.close()
        return alive

    async def idle() -> bool:
        reader, writer = await asyncio.open_connection(*address)
        for _ in range(int(SIEGE_S * 10) + 50):
            if stop.is_set():
                break
            await asyncio.sleep(0.1)
        alive = not reader.at_eof()
        writer.close()
        return alive

    async def hold() -> None:
        results = await asyncio.gather(
            *(idle() for _ in range(IDLE)), *(slow_reader() for _ in range(SLOW))
        )
        held.append(sum(results))

    siege = threading.Thread(target=lambda: loop.run_until_complete(hold()))
    siege.start()
    normal: list[float] = []
    try:
        time.sleep(1.0)  # the connections made
        samples["siege begun"] = _files_and_memory(pid)
        ends = time.monotonic() + SIEGE_S
        for n in range(2000):
            if time.monotonic() > ends:
                break
            normal.append(first_byte(base + name, (n * 7919) % (size - 2048)))
            if n == 100:
                samples["siege midway"] = _files_and_memory(pid)
            time.sleep(0.02)
        samples["siege end"] = _files_and_memory(pid)
    finally:
        stop.set()
        siege.join(30)
        loop.close()
    time.sleep(0.5)
    samples["after"] = _files_and_memory(pid)
    return (held[0] if held else 0), normal, samples


def _many_sessions(folder: Path, big: Path, count: int) -> Path:
    """A programme of `count` sessions: the small one's, repeated (files hard-linked)."""
    big.mkdir()
    document = json.loads((folder / "programme.json").read_text())
    sessions = document["sessions"]
    made = []
    for n in range(1, count + 1):
        session = dict(sessions[(n - 1) % len(sessions)])
        name = f"{n:03d}-session.mp3"
        os.link(folder / session["file"], big / name)
        made.append(session | {"number": n, "file": name, "title": f"Session {n}"})
    for other in ("cover.jpg", "playlist.m3u8"):
        if (folder / other).exists():
            os.link(folder / other, big / other)
    document["sessions"] = made
    (big / "programme.json").write_text(json.dumps(document))
    return big


def _feed_rate(base: str) -> tuple[float, float]:
    """Requests a second for the feed, one keep-alive client, and the feed's size in kB."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    conn.request("GET", parts.path + "feed.xml")
    size = len(conn.getresponse().read())  # the first renders it
    count, began = 0, time.perf_counter()
    while count < 5000 and time.perf_counter() - began < 5:
        conn.request("GET", parts.path + "feed.xml")
        answer = conn.getresponse()
        assert answer.status == 200
        assert len(answer.read()) == size
        count += 1
    rate = count / (time.perf_counter() - began)
    conn.close()
    return rate, size / 1000


def _cover_under_load(base: str) -> list[float]:
    """Seconds to the cover's last byte while 20 clients ask for the feed and page."""
    stop = threading.Event()

    def load(n: int) -> None:
        for _ in range(2000):
            if stop.is_set():
                return
            with urllib_open(base + ("feed.xml" if n % 2 else "")) as answer:
                answer.read()

    times = []
    with ThreadPoolExecutor(max_workers=21) as pool:
        running = [pool.submit(load, n) for n in range(20)]
        try:
            time.sleep(0.5)
            for _ in range(60):
                began = time.perf_counter()
                with urllib_open(base + "cover.jpg") as answer:
                    answer.read()
                times.append(time.perf_counter() - began)
        finally:
            stop.set()
            for job in running:
                job.result(timeout=30)
    return times


def urllib_open(url: str) -> http.client.HTTPResponse:
    import urllib.request

    answer: http.client.HTTPResponse = urllib.request.urlopen(url, timeout=20)
    return answer


def _files_and_memory(pid: int) -> tuple[int, float]:
    return len(os.listdir(f"/proc/{pid}/fd")), _rss_mb(pid)


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


if __name__ == "__main__":
    main()
