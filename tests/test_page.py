"""The programme's index.html in a real browser: headless Chromium, driven by Playwright."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import launch, needs_chromium
from voicecoach.programme.folder import ProgrammeOptions, build_programme
from voicecoach.session.build import BuildOptions
from voicecoach.sources import open_programme

# every test here opens the page in a real browser
pytestmark = [needs_chromium, pytest.mark.slow]


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
                assert box is not None, control
                assert box["height"] >= 44, box
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


# -- the page on the phone (issue 29, items 24-26) ----------------------------------------

LONG = """
title: Long Names
defaults: {rest: 4s, tempo: 1s, countdown: 0}
cues: {rep: "", halfway: ""}
exercises:
  - name: Single-leg Romanian deadlift with a long pause at the bottom
    reps: 2
    sides: [left, right]
  - {name: Bulgarian split squat, reps: 2, sets: 2}
  - {name: Side plank with a raised leg, duration: 3s}
  - {name: Calf raises, reps: 2}
"""


@pytest.fixture(scope="module")
def long_names(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A built programme with long exercise names: its index.html."""
    root = tmp_path_factory.mktemp("long-names")
    (root / "r.yaml").write_text(LONG)
    (root / "p.yaml").write_text(
        "title: A Programme With A Rather Long Title\nroutine: r.yaml\nweeks: 2\nper_week: 3\n"
        "start: 2026-03-02\nprogression: {reps: {to: 12}, by: session}\n"
    )
    result = build_programme(
        open_programme(root / "p.yaml"),
        ProgrammeOptions(build=BuildOptions(output_dir=root / "out"), base_url="https://x.test/"),
    )
    return result.folder / "index.html"


PHONE = {"width": 390, "height": 844}


def test_a_finished_session_shows_a_check_mark_and_done(long_names: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page(viewport=PHONE)
            page.goto(long_names.as_uri())
            page.evaluate("document.getElementById('player-1').dispatchEvent(new Event('ended'))")
            shown = page.evaluate(
                "getComputedStyle(document.querySelector('#session-1 h2'), '::after').content"
            )
        finally:
            browser.close()
    assert shown == '" \u2713 done"'


def _programme_page(title: str) -> str:
    import datetime

    from voicecoach.programme.page import page
    from voicecoach.programme.plan import Programme
    from voicecoach.programme.publish import Record

    record = Record(
        number=1,
        week=1,
        day=1,
        date=None,
        file="01.mp3",
        title="Session 1",
        duration_ms=60_000,
        bytes=1000,
        built=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc),
        chapters=(("Squats", 0, 60_000),),
        exercises={"Squats": {"reps": 10}},
        key="k",
    )
    programme = Programme(title=title, slots=(), weeks=1, per_week=1)
    return page(programme, [record], calendar=False, feed=True)


def test_progress_is_the_programmes_own_not_the_addresss() -> None:
    """Two programmes served in turn at the same address keep their own progress."""
    from playwright.sync_api import Route, sync_playwright

    pages = {"now": _programme_page("First Plan")}

    def fulfil(route: Route) -> None:
        if route.request.url.endswith("/"):
            route.fulfill(body=pages["now"], content_type="text/html")
        else:
            route.fulfill(status=404)

    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page()
            page.route("http://programme.test/**", fulfil)
            page.goto("http://programme.test/")
            page.evaluate("document.getElementById('player-1').dispatchEvent(new Event('ended'))")
            assert page.evaluate("document.getElementById('session-1').matches('.done')")
            pages["now"] = _programme_page("Second Plan")
            page.goto("http://programme.test/")
            second = page.evaluate("document.getElementById('session-1').matches('.done')")
            pages["now"] = _programme_page("First Plan")
            page.goto("http://programme.test/")
            first = page.evaluate("document.getElementById('session-1').matches('.done')")
        finally:
            browser.close()
    assert not second, "the other programme's progress"
    assert first


# every "·" of an element: whether the next thing after it (the link it leads to) is on its line
DOTS_ON_THEIR_LINKS_LINE = """(element) => {
  var answers = [], walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  for (var node = walker.nextNode(); node; node = walker.nextNode()) {
    for (var i = node.data.indexOf("\u00b7"); i >= 0; i = node.data.indexOf("\u00b7", i + 1)) {
      var range = document.createRange();
      range.setStart(node, i); range.setEnd(node, i + 1);
      var dot = range.getBoundingClientRect();
      var next = node.nextSibling || node.parentNode.nextSibling;
      while (next && next.nodeType === 3 && !next.data.trim()) next = next.nextSibling;
      var link = next && next.nodeType === 1 ? next.getClientRects()[0] : null;
      var middle = link && link.top + link.height / 2, dotMiddle = dot.top + dot.height / 2;
      answers.push(link !== null && Math.abs(middle - dotMiddle) < 12);
    }
  }
  return answers;
}"""

# the distinct lines an element's text takes
LINES = """(element) => {
  var range = document.createRange(); range.selectNodeContents(element);
  var tops = Array.prototype.map.call(range.getClientRects(), function (r) {
    return Math.round(r.top); });
  return new Set(tops).size;
}"""


@contextmanager
def _on_a_phone(path: Path, **options: Any) -> Iterator[Any]:
    """The page at `path`, open in headless Chromium at a phone's size."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page(viewport=PHONE, **options)
            page.set_default_timeout(10_000)
            page.goto(path.as_uri())
            yield page
        finally:
            browser.close()


def test_on_a_phone_progression_cells_keep_to_one_line(long_names: Path) -> None:
    with _on_a_phone(long_names) as page:
        cells = page.locator("table td, table th")
        assert cells.count() > 20
        wrapped = [cell.inner_text() for cell in cells.all() if cell.evaluate(LINES) != 1]
    assert wrapped == []


def test_on_a_phone_a_cut_off_table_shows_it_scrolls(long_names: Path) -> None:
    with _on_a_phone(long_names) as page:
        wide = page.locator(".wide")
        assert wide.evaluate("e => e.scrollWidth > e.clientWidth")
        assert wide.evaluate("e => e.matches('.more-right') && !e.matches('.more-left')")
        assert wide.evaluate("e => getComputedStyle(e).boxShadow") != "none"
        wide.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
        page.wait_for_function("document.querySelector('.wide').matches('.more-left')")
        assert wide.evaluate("e => !e.matches('.more-right')")
        wide.evaluate("e => { e.scrollLeft = 0; }")
        page.wait_for_function("!document.querySelector('.wide').matches('.more-left')")
        assert wide.evaluate("e => e.matches('.more-right')")
        # a table that fits shows no such hint
        page.evaluate(
            "document.querySelectorAll('th:nth-child(n+3), td:nth-child(n+3)')"
            ".forEach(function (cell) { cell.style.display = 'none'; })"
        )
        page.set_viewport_size({"width": 1000, "height": 900})
        page.wait_for_function("!document.querySelector('.wide').matches('.more-right')")
        assert wide.evaluate("e => getComputedStyle(e).boxShadow") == "none"


def test_on_a_phone_a_wrapped_chapter_has_its_number_by_its_first_line(long_names: Path) -> None:
    with _on_a_phone(long_names) as page:
        link = page.locator("#session-1 ol.chapters a", has_text="Romanian").first
        assert link.evaluate(LINES) >= 2, "the title does not wrap: the test shows nothing"
        item = link.evaluate(
            "a => { var r = document.createRange(); r.selectNodeContents(a);"
            " var first = r.getClientRects()[0], li = a.closest('li').getBoundingClientRect();"
            " return [first.top, first.bottom, li.left, li.top, li.bottom]; }"
        )
        _marker_beside(page, *item)
        assert link.bounding_box()["height"] >= 44  # still a finger's size


def test_on_a_phone_no_dot_dangles_at_a_lines_end(long_names: Path) -> None:
    with _on_a_phone(long_names) as page:
        for width in range(300, 481, 6):  # at any phone's width
            page.set_viewport_size({"width": width, "height": 844})
            dots = [
                dot for p in page.locator("p").all() for dot in p.evaluate(DOTS_ON_THEIR_LINKS_LINE)
            ]
            assert len(dots) >= 2, (width, dots)
            assert all(dots), (width, dots)


def test_the_page_names_its_own_icon_so_no_favicon_is_asked_for(long_names: Path) -> None:
    with _on_a_phone(long_names) as page:
        icon = page.locator("link[rel=icon]").get_attribute("href") or ""
        assert icon.startswith("data:image/svg+xml,")
        assert page.evaluate(
            "h => new Promise(done => { var i = new Image(); i.onload = () =>"
            " done(i.naturalWidth > 0); i.onerror = () => done(false); i.src = h; })",
            icon,
        )


def _marker_beside(
    page: Any, top: float, bottom: float, left: float, li_top: float, li_bottom: float
) -> None:
    """The list number's ink, left of the item, lies within the first line of its title."""
    import io

    import numpy as np
    from PIL import Image

    shot = page.screenshot(
        clip={"x": max(0, left - 24), "y": li_top, "width": 22, "height": li_bottom - li_top}
    )
    ink = np.asarray(Image.open(io.BytesIO(shot)).convert("L")) < 128
    rows = np.flatnonzero(ink.any(axis=1)) + li_top
    assert rows.size, "no list number drawn beside the item"
    assert top - 2 <= rows.min(), (rows.min(), top)
    assert rows.max() <= bottom + 2, (rows.max(), bottom)


def test_in_dark_mode_the_player_is_dark_too(long_names: Path) -> None:
    import io

    import numpy as np
    from PIL import Image

    with _on_a_phone(long_names, color_scheme="dark") as page:
        page.wait_for_function("document.getElementById('player-1').readyState >= 1")
        shot = page.locator("#player-1").screenshot()
    brightness = np.asarray(Image.open(io.BytesIO(shot)).convert("L")).mean()
    assert brightness < 100, brightness
