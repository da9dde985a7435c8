"""`voicecoach serve`: a built programme over HTTP, checked with real clients."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

from tests.support.audio import ffmpeg
from tests.support.browser import launch, needs_chromium
from tests.support.serving import build, running


def raw(base: str, request: bytes) -> bytes:
    """Send `request` as it is to the server of `base`; everything it answers, to its close."""
    host, port = base.split("/")[2].rsplit(":", 1)
    with socket.create_connection((host.strip("[]"), int(port)), timeout=20) as conn:
        conn.sendall(request)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    return answer


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, list[str]]]:
    """A two-session programme built once, served on a free port: (base URL, folder, files)."""
    root = tmp_path_factory.mktemp("served")
    result = build(root)
    folder = result.folder
    (folder / ".secret").write_text("not for the network")
    (folder / "x.mp3.part").write_bytes(b"half")
    (root / "outside.txt").write_text("outside")
    server = subprocess.Popen(
        [sys.executable, "-m", "voicecoach", "serve", str(folder), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        found = re.search(r"at (http://127\.0\.0\.1:\d+/)", line)
        assert found, line + server.stderr.read() if server.stderr else line
        yield found[1], folder, [r.file for r in result.records]
    finally:
        server.send_signal(signal.SIGINT)
        try:
            code = server.wait(timeout=10)
        finally:
            server.kill()
            server.communicate()
    assert code == 130  # Ctrl-C stops it at once, with 130


def _get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_a_podcast_app_subscribes_and_every_file_downloads_whole(
    served: tuple[str, Path, list[str]],
) -> None:
    import feedparser
    from PIL import Image

    base, folder, files = served
    feed = feedparser.parse(_get(f"{base}feed.xml")[2])
    assert not feed.bozo
    assert feed.feed.link == base
    assert len(feed.entries) == 2
    for entry, name in zip(feed.entries, files, strict=True):
        [enclosure] = entry.enclosures
        status, headers, body = _get(enclosure.href)
        assert status == 200
        assert headers["Content-Type"] == "audio/mpeg"
        assert len(body) == int(enclosure.length) == (folder / name).stat().st_size
    status, headers, body = _get(feed.feed.image.href)
    image = Image.open(io.BytesIO(body))
    assert status == 200
    assert headers["Content-Type"] == "image/jpeg"
    assert image.size[0] == image.size[1] == 3000
    # the file on disk is not rewritten: it has no feed at all (no --base-url)
    assert not (folder / "feed.xml").exists()
    types = {
        "": "text/html",
        "playlist.m3u8": "audio/x-mpegurl",
        files[0].replace(".mp3", ".chapters.json"): "application/json+chapters",
        files[0].replace(".mp3", ".vtt"): "text/vtt",
    }
    for name, kind in types.items():
        status, headers, _ = _get(base + name)
        assert status == 200, (name, headers)
        assert headers["Content-Type"].startswith(kind), (name, headers)


def test_ranges_head_and_caching_are_answered_as_http_says(
    served: tuple[str, Path, list[str]],
) -> None:
    base, folder, files = served
    url = base + files[1]
    size = (folder / files[1]).stat().st_size
    whole = (folder / files[1]).read_bytes()
    status, headers, body = _get(url, Range="bytes=100-199")
    assert status == 206
    assert body == whole[100:200]
    assert headers["Content-Range"] == f"bytes 100-199/{size}"
    status, headers, body = _get(url, Range=f"bytes={size + 10}-")
    assert status == 416
    request = urllib.request.Request(url, method="HEAD")
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200
        assert answer.read() == b""
        assert int(answer.headers["Content-Length"]) == size
        etag, modified = answer.headers["ETag"], answer.headers["Last-Modified"]
    assert etag
    assert modified
    assert _get(url, **{"If-None-Match": etag})[0] == 304


@pytest.mark.parametrize(
    "path",
    ["..%2foutside.txt", "%2e%2e/outside.txt", ".secret", "x.mp3.part", "programme.json", "r"],
)
def test_nothing_but_the_programmes_files_is_served(
    served: tuple[str, Path, list[str]], path: str
) -> None:
    base, _folder, _files = served
    status, _headers, body = _get(base + path)
    assert status == 404
    assert b"outside" not in body
    assert b"not for the network" not in body


def test_ffmpeg_decodes_a_served_session_to_its_full_length(
    served: tuple[str, Path, list[str]],
) -> None:
    base, folder, files = served
    decoded = subprocess.run(
        [ffmpeg(), "-v", "error", "-i", base + files[0], "-f", "s16le", "-ac", "1", "-"],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    import json

    document = json.loads((folder / files[0]).with_suffix(".json").read_text())
    rate = document["sample_rate"]
    assert abs(len(decoded) // 2 * 1000 / rate - document["duration_ms"]) < 60


def test_twenty_clients_at_once_get_every_answer_right(
    served: tuple[str, Path, list[str]],
) -> None:
    base, folder, files = served
    data = {name: (folder / name).read_bytes() for name in files}
    rng = np.random.default_rng(20)
    jobs = []
    for n in range(400):
        name = files[n % 2]
        kind = ("whole", "range", "head", "bad")[int(rng.integers(4))]
        start = int(rng.integers(0, len(data[name]) - 1000))
        jobs.append((name, kind, start))

    def one(job: tuple[str, str, int]) -> bool:
        name, kind, start = job
        if kind == "whole":
            status, _h, body = _get(base + name)
            return status == 200 and body == data[name]
        if kind == "range":
            status, _h, body = _get(base + name, Range=f"bytes={start}-{start + 999}")
            return status == 206 and body == data[name][start : start + 1000]
        if kind == "head":
            request = urllib.request.Request(base + name, method="HEAD")
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status == 200 and answer.read() == b""
        return _get(base + "..%2f" + name)[0] == 404

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(one, jobs))
    assert all(results), results.count(False)


@needs_chromium
@pytest.mark.slow
def test_a_browser_plays_the_served_page_and_seeks_by_range(
    served: tuple[str, Path, list[str]],
) -> None:
    from playwright.sync_api import sync_playwright

    base, _folder, _files = served
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.set_default_timeout(10_000)
            page.goto(base)
            assert page.title() == "Served Plan"
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            link = page.locator("#session-2 a", has_text="Plank")
            start = float(link.get_attribute("data-start") or 0)
            link.click()
            page.wait_for_function("document.getElementById('player-2').readyState >= 1")
            where = page.evaluate("document.getElementById('player-2').currentTime")
            # it landed on the chapter (and may have played on a little since)
            assert start - 0.05 <= where <= start + 1.5, (where, start)
        finally:
            browser.close()


# -- only the folder, only to those it is meant for (issue 29, items 15-23) --------------


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("evil.example", 421),  # DNS rebinding: a name of the attacker's, pointed here
        ("evil.example:{port}", 421),
        ("192.0.2.7:{port}", 421),  # an address this server does not listen on
        ("a b", 400),
        ("127.0.0.1:1/../../", 400),
        ("127.0.0.1:99999", 400),
        ("[::1:{port}", 400),
    ],
)
def test_a_host_the_server_is_not_is_refused_and_never_echoed(
    served: tuple[str, Path, list[str]], host: str, status: int
) -> None:
    base, _folder, _files = served
    port = base.rsplit(":", 1)[1].strip("/")
    sent = host.format(port=port)
    for path in ("/feed.xml", "/"):
        answer = raw(base, f"GET {path} HTTP/1.1\r\nHost: {sent}\r\n\r\n".encode())
        assert answer.startswith(f"HTTP/1.1 {status} ".encode()), answer[:200]
        assert b"evil" not in answer
        assert b"192.0.2.7" not in answer
        assert b"../" not in answer


def test_the_servers_own_names_are_answered_and_given_as_the_feeds_address(
    served: tuple[str, Path, list[str]],
) -> None:
    import feedparser

    base, _folder, _files = served
    port = base.rsplit(":", 1)[1].strip("/")
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST.:{port}"):
        answer = raw(
            base, f"GET /feed.xml HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
        )
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 "), head
        shown = host.lower().replace(".:", ":")
        assert feedparser.parse(body).feed.link == f"http://{shown}/"


def test_a_rebuild_while_serving_is_served_as_it_lands(tmp_path: Path) -> None:
    import feedparser

    result = build(tmp_path, weeks=1)
    with running(result.folder) as (base, _tally):
        assert len(feedparser.parse(_get(base + "feed.xml")[2]).entries) == 2
        again = build(tmp_path, weeks=2)  # week 2 added while serve runs
        assert len(again.records) == 4
        feed = feedparser.parse(_get(base + "feed.xml")[2])
        assert len(feed.entries) == 4
        for record in again.records:
            status, _headers, body = _get(base + record.file)
            assert status == 200
            assert body == (again.folder / record.file).read_bytes()
        playlist = _get(base + "playlist.m3u8")[2].decode()
        page = _get(base)[2].decode()
        assert all(r.file in playlist and r.file in page for r in again.records)


def test_the_feed_and_page_are_rendered_once_per_change_of_programme_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from voicecoach.programme import page, publish

    made: list[str] = []
    feed, render = publish.feed, page.page
    monkeypatch.setattr(publish, "feed", lambda *a, **k: made.append("feed") or feed(*a, **k))
    monkeypatch.setattr(page, "page", lambda *a, **k: made.append("page") or render(*a, **k))
    result = build(tmp_path)
    with running(result.folder) as (base, _tally):
        for _ in range(20):
            assert _get(base + "feed.xml")[0] == 200
            assert _get(base)[0] == 200
        assert sorted(made) == ["feed", "page"]
        document = json.loads((result.folder / "programme.json").read_text())
        document["title"] = "Served Plan, Renamed"
        publish.write_if_changed(result.folder / "programme.json", json.dumps(document))
        for _ in range(5):
            assert b"Renamed" in _get(base + "feed.xml")[2]
            assert b"Renamed" in _get(base)[2]
        assert sorted(made) == ["feed", "feed", "page", "page"]


def test_every_answer_says_it_must_be_checked_and_the_feed_and_page_answer_304(
    served: tuple[str, Path, list[str]],
) -> None:
    base, _folder, files = served
    for name in ("", "feed.xml", files[0], "cover.jpg", "playlist.m3u8"):
        status, headers, _ = _get(base + name)
        assert status == 200, (name, headers)
        assert headers["Cache-Control"] == "no-cache", (name, headers)
        etag = headers["ETag"]
        assert etag.startswith('"'), (name, etag)
        assert _get(base + name, **{"If-None-Match": etag})[0] == 304, name
        assert _get(base + name, **{"If-None-Match": '"another"'})[0] == 200, name


def test_if_range_and_ranges_that_are_not_ranges_are_answered_as_http_says(
    served: tuple[str, Path, list[str]],
) -> None:
    base, folder, files = served
    url = base + files[0]
    whole = (folder / files[0]).read_bytes()
    etag = _get(url, Range="bytes=0-0")[1]["ETag"]
    # a resumed download of an older version gets the whole new file, not a piece of it
    stale = _get(url, Range="bytes=100-", **{"If-Range": '"an-older-version"'})
    assert stale[0] == 200
    assert stale[2] == whole
    current = _get(url, Range="bytes=100-", **{"If-Range": etag})
    assert current[0] == 206
    assert current[2] == whole[100:]
    weak = _get(url, Range="bytes=100-", **{"If-Range": "W/" + etag})
    assert weak[0] == 200
    assert weak[2] == whole
    last = _get(url, Range="bytes=-0")
    assert last[0] == 416
    assert last[1]["Content-Range"] == f"bytes */{len(whole)}"
    assert _get(url, Range="bytes=-10")[2] == whole[-10:]
    for ignored in ("bytes=abc", "items=0-5", "bytes=9-5", "bytes=0-1,5-9", "bytes=-"):
        status, headers, body = _get(url, Range=ignored)
        assert status == 200, ignored
        assert body == whole, ignored
        assert "Content-Range" not in headers, ignored


def _cli(*arguments: str, lines: int) -> tuple[subprocess.Popen[str], list[str]]:
    """`voicecoach serve` started, and up to `lines` lines of what it printed (20 s at most)."""
    import queue

    server = subprocess.Popen(
        [sys.executable, "-m", "voicecoach", "serve", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    printed: queue.Queue[str] = queue.Queue()
    stdout = server.stdout
    assert stdout is not None
    threading.Thread(target=lambda: [printed.put(line) for line in stdout], daemon=True).start()
    got = []
    try:
        while len(got) < lines:
            got.append(printed.get(timeout=20))
    except queue.Empty:
        pass
    return server, got


def _stop(server: subprocess.Popen[str]) -> str:
    """Ctrl-C, and what the server printed on stderr (its stdout is read by _cli's thread)."""
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=10)
    finally:
        server.kill()
    assert server.stderr is not None
    err = server.stderr.read()
    server.stderr.close()
    assert server.returncode == 130
    return err


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _ipv6_loopback(), reason="this machine has no IPv6 loopback")
def test_an_ipv6_address_is_printed_in_brackets_and_answers_there(
    served: tuple[str, Path, list[str]],
) -> None:
    _base, folder, _files = served
    server, lines = _cli(str(folder), "--host", "::1", "--port", "0", lines=4)
    try:
        found = re.search(r"at (http://\[::1\]:\d+/) ", lines[0])
        assert found, lines
        assert _get(found[1] + "feed.xml")[0] == 200
    finally:
        _stop(server)


def test_a_plain_serve_says_a_phone_needs_another_host(
    served: tuple[str, Path, list[str]],
) -> None:
    _base, folder, _files = served
    server, lines = _cli(str(folder), "--port", "0", lines=4)
    _stop(server)
    assert re.match(r"Serving .* at http://127\.0\.0\.1:\d+/ \(Ctrl-C stops\)", lines[0])
    assert len(lines) == 4, lines
    assert "--host 0.0.0.0" in lines[3], lines


class _Recorded:
    """A fake serve_forever: records its call, says it listens, and is stopped at once."""

    calls: ClassVar[list[dict[str, Any]]] = []

    @classmethod
    async def serve_forever(cls, folder: Path, host: str, port: int, ready: Any, **kw: Any) -> None:
        cls.calls.append({"host": host, **kw})
        ready(8123)
        raise KeyboardInterrupt


@pytest.mark.parametrize(
    ("arguments", "secret"),
    [
        (["--host", "0.0.0.0"], True),
        (["--host", "::"], True),
        (["--host", "192.168.1.20"], True),
        (["--host", "0.0.0.0", "--no-secret"], False),
        ([], False),
        (["--host", "localhost"], False),
        (["--host", "::1"], False),
    ],
)
def test_off_this_computer_serve_prints_and_uses_a_secret_path(
    served: tuple[str, Path, list[str]],
    monkeypatch: pytest.MonkeyPatch,
    arguments: list[str],
    secret: bool,
) -> None:
    from click.testing import CliRunner

    from voicecoach.cli import main
    from voicecoach.serve import app as serve

    _base, folder, _files = served
    monkeypatch.setattr(serve, "serve_forever", _Recorded.serve_forever)
    monkeypatch.setattr(serve, "network_address", lambda: "192.168.1.20")
    _Recorded.calls.clear()
    result = CliRunner().invoke(main, ["serve", str(folder), *arguments])
    assert result.exit_code == 130, result.output
    [call] = _Recorded.calls
    token = call["secret"]
    assert (token is not None) == secret
    if secret:
        assert len(token) >= 20
        assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
        assert f":8123/{token}/ (Ctrl-C stops)" in result.output
        assert f"  feed: http://192.168.1.20:8123/{token}/feed.xml" in result.output


def test_under_a_secret_path_the_page_and_feed_work_and_nothing_else_is_served(
    tmp_path: Path,
) -> None:
    import feedparser

    result = build(tmp_path)
    secret = "k3Y-only-the-runner-knows_it"
    with running(result.folder, secret=secret) as (base, _tally):
        root = base.removesuffix(f"{secret}/")
        for path in ("", "feed.xml", result.records[0].file, "k3Y", secret[:-1] + "/", "x/"):
            assert _get(root + path)[0] == 404, path
        redirected = raw(root, f"GET /{secret} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert b"421" in redirected.split(b"\r\n")[0]  # the host is checked first
        port = root.rsplit(":", 1)[1].strip("/")
        moved = raw(
            root,
            f"GET /{secret} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Connection: close\r\n\r\n".encode(),
        )
        assert moved.startswith(b"HTTP/1.1 308 ")
        assert f"Location: /{secret}/".encode() in moved
        feed = feedparser.parse(_get(base + "feed.xml")[2])
        assert feed.feed.link == base
        assert len(feed.entries) == 2
        for entry, record in zip(feed.entries, result.records, strict=True):
            assert entry.enclosures[0].href == base + record.file
            status, _headers, body = _get(entry.enclosures[0].href)
            assert status == 200
            assert body == (result.folder / record.file).read_bytes()
        status, _headers, page = _get(base)
        assert status == 200
        assert b'src="' + result.records[0].file.encode() + b'"' in page


@needs_chromium
@pytest.mark.slow
def test_a_browser_never_plays_the_programme_served_before_on_that_port(tmp_path: Path) -> None:
    """Two programmes, one after the other on one port, with files of the same names."""
    import time

    from playwright.sync_api import sync_playwright

    first = build(tmp_path / "a", more="progression: {reps: {to: 9}, by: session}\n").folder
    second = tmp_path / "b"
    shutil.copytree(first, second)
    # the second programme's session 1 is the first's session 2, and the other way round
    document = json.loads((first / "programme.json").read_text())
    one, two = (dict(session) for session in document["sessions"])
    document["sessions"] = [
        session | {k: other[k] for k in ("title", "duration_ms", "bytes", "chapters", "key")}
        for session, other in zip(document["sessions"], (two, one), strict=True)
    ]
    for session, other in zip(document["sessions"], (two, one), strict=True):
        (second / session["file"]).write_bytes((first / other["file"]).read_bytes())
    (second / "programme.json").write_text(json.dumps(document))
    # files some days old: what a browser may reuse for a while when told nothing else
    for folder, days in ((first, 30), (second, 20)):
        for path in folder.iterdir():
            os.utime(path, (time.time() - days * 86400,) * 2)
    want = one["duration_ms"], two["duration_ms"]
    assert abs(want[0] - want[1]) > 5000

    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            context = browser.new_context()
            lengths = []
            port = 0
            for folder in (first, second):
                with running(folder, port=port) as (base, _tally):
                    port = int(base.rsplit(":", 1)[1].strip("/"))
                    page = context.new_page()
                    page.set_default_timeout(10_000)
                    page.goto(base)
                    page.wait_for_function("document.getElementById('player-1').readyState >= 1")
                    lengths.append(page.evaluate("document.getElementById('player-1').duration"))
                    if folder == second:
                        page.reload()
                        page.wait_for_function(
                            "document.getElementById('player-1').readyState >= 1"
                        )
                        lengths.append(
                            page.evaluate("document.getElementById('player-1').duration")
                        )
                    page.close()
        finally:
            browser.close()
    assert abs(lengths[0] * 1000 - want[0]) < 100
    assert abs(lengths[1] * 1000 - want[1]) < 100, "the first programme's audio, from the cache"
    assert abs(lengths[2] * 1000 - want[1]) < 100
