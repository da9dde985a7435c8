"""`voicecoach serve` measured: start-up, whole-file throughput, range latency under load.

Builds a small programme, starts the server on a free port (timing until it listens),
downloads its sessions whole over loopback (MB/s), then has 20 clients ask for random
1 kB ranges at once and reports the median and 95th-percentile time to the first byte.
`make bench` runs it.
"""

from __future__ import annotations

import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

ROUTINE = """title: Bench Legs
defaults: {rest: 20s, tempo: 2s}
exercises:
  - {name: Squats, reps: 20, sets: 3}
  - {name: Plank, duration: 2m}
"""


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
            base = found[1]
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
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=10)
    waits.sort()
    print("\nvoicecoach serve on loopback (one process, aiohttp)")
    print(f"  start-up until listening:        {startup:6.2f} s")
    print(f"  whole MP3s, one client:          {throughput:6.0f} MB/s ({total / 1e6:.0f} MB)")
    print(
        f"  1 kB ranges, 20 clients at once: median {statistics.median(waits) * 1000:.1f} ms, "
        f"95th percentile {waits[int(len(waits) * 0.95)] * 1000:.1f} ms to the first byte"
    )
    print(f"  server memory afterwards:        {rss:6.0f} MB")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


if __name__ == "__main__":
    main()
