"""The programme's index.html in a real browser: headless Chromium, driven by Playwright."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.support.browser import launch, needs_chromium
from voicecoach.programme.folder import ProgrammeOptions, build_programme
from voicecoach.session.build import BuildOptions
from voicecoach.sources import open_programme

pytestmark = needs_chromium


def test_the_page_plays_every_session_and_jumps_to_chapters_offline(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    (tmp_path / "r.yaml").write_text(
        textwrap.dedent(
            """
            title: Page Legs
            defaults: {rest: 4s, tempo: 1s, countdown: 0}
            cues: {rep: "", halfway: ""}
            exercises:
              - {name: Squats, reps: 3}
              - {name: Plank, duration: 5s}
            """
        )
    )
    (tmp_path / "p.yaml").write_text(
        "title: Page <Plan> & Co\nroutine: r.yaml\nweeks: 1\nper_week: 2\n"
        "progression: {reps: {to: 4}, by: session}\n"
    )
    result = build_programme(
        open_programme(tmp_path / "p.yaml"),
        ProgrammeOptions(build=BuildOptions(output_dir=tmp_path / "out")),
    )
    page_path = result.folder / "index.html"
    second = result.records[1]
    plank_title, plank_start_ms, _ = second.chapters[2]
    assert plank_title == "Plank"

    requests: list[str] = []
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page()
            page.on("request", lambda request: requests.append(request.url))
            page.goto(page_path.as_uri())
            assert page.title() == "Page <Plan> & Co"
            players = page.locator("audio")
            assert players.count() == 2
            sources = [players.nth(i).get_attribute("src") for i in range(2)]
            assert sources == [r.file for r in result.records]
            # every player can load its file: the browser reads the MP3's length
            for index, record in enumerate(result.records):
                page.wait_for_function(
                    f"document.querySelectorAll('audio')[{index}].readyState >= 1", timeout=10_000
                )
                seconds = page.evaluate(f"document.querySelectorAll('audio')[{index}].duration")
                assert abs(seconds * 1000 - record.duration_ms) < 100
            page.set_default_timeout(10_000)
            link = page.locator("#session-2 a", has_text="Plank")
            assert link.inner_text() == f"{_length(plank_start_ms)} Plank"
            link.click()
            where = page.evaluate("document.getElementById('player-2').currentTime")
            assert abs(where * 1000 - plank_start_ms) < 50
            # the first session's player did not move
            assert page.evaluate("document.getElementById('player-1').currentTime") == 0
            assert page.locator("table tbody tr").count() == 2
            assert "Squats" in page.locator("table thead").inner_text()
            # on a phone: nothing scrolls sideways, every control is a finger's size
            page.set_viewport_size({"width": 390, "height": 844})
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            for control in (link, players.nth(0), page.locator("a", has_text="playlist")):
                box = control.bounding_box()
                assert box is not None and box["height"] >= 44, box
            # the length as the player shows it: whole seconds, cut
            shown = page.locator("#session-2 .when").inner_text()
            assert shown.startswith(_length(second.duration_ms // 1000 * 1000))
            # one session at a time: starting the first pauses the second
            page.evaluate("document.getElementById('player-1').play()")
            page.wait_for_function("document.getElementById('player-2').paused")
            # played to the end: marked done, kept in the browser, the next one highlighted
            page.evaluate(
                "var p = document.getElementById('player-1');"
                "p.currentTime = p.duration - 0.3; p.play()"
            )
            page.wait_for_function("document.getElementById('session-1').matches('.done')")
            assert page.evaluate("document.getElementById('session-2').matches('.next')")
            page.reload()
            page.wait_for_function("document.getElementById('session-1').matches('.done')")
            # the cover, drawn from the title, as the feed and the MP3s have it
            assert page.locator("img.cover").get_attribute("src") == "cover.jpg"
            assert page.evaluate("document.querySelector('img.cover').naturalWidth") == 3000
        finally:
            browser.close()
    assert requests, "the page made no request at all: the test did not load it"
    network = [url for url in requests if not url.startswith("file://")]
    assert network == []


def _length(ms: int) -> str:
    from voicecoach.routine.durations import format_length

    return format_length(ms)
