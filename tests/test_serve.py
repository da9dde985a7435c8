"""`voicecoach serve`: a built programme over HTTP, checked with real clients."""

from __future__ import annotations

import io
import re
import signal
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from tests.support.audio import ffmpeg
from tests.support.browser import launch, needs_chromium
from voicecoach.programme.folder import ProgrammeOptions, build_programme
from voicecoach.session.build import BuildOptions
from voicecoach.sources import open_programme


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, list[str]]]:
    """A two-session programme built once, served on a free port: (base URL, folder, files)."""
    root = tmp_path_factory.mktemp("served")
    (root / "r.yaml").write_text(
        textwrap.dedent(
            """
            title: Served Legs
            defaults: {rest: 4s, tempo: 1s, countdown: 0}
            cues: {rep: "", halfway: ""}
            exercises:
              - {name: Squats, reps: 3}
              - {name: Plank, duration: 5s}
            """
        )
    )
    (root / "p.yaml").write_text("title: Served Plan\nroutine: r.yaml\nweeks: 1\nper_week: 2\n")
    result = build_programme(
        open_programme(root / "p.yaml"),
        ProgrammeOptions(build=BuildOptions(output_dir=root / "out")),
    )
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
        assert status == 200 and headers["Content-Type"].startswith(kind), (name, headers)


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
