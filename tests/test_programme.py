"""Programmes: loading, progression, dates, and real builds read back by independent parsers."""

from __future__ import annotations

import datetime
import json
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import pytest

from tests.support.audio import check_session
from tests.support.paths import REPO
from voicecoach.errors import RoutineError
from voicecoach.programme.folder import ProgrammeOptions, build_programme
from voicecoach.programme.progression import plan_sessions, values_of
from voicecoach.session.build import BuildOptions
from voicecoach.sources import open_programme

ROOT = Path(__file__).resolve().parent.parent

# a short session: a counted exercise on two sides and a timed one, about 30 s
TINY = """
title: Tiny Legs
defaults: {rest: 4s, tempo: 1s, switch: 3s, countdown: 0}
cues: {rep: "", halfway: ""}
exercises:
  - {name: Lunges, reps: 3, sides: [left, right]}
  - {name: Plank, duration: 6s}
"""


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    def write(text: str, name: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


def values(path: Path) -> list[dict[str, dict[str, object]]]:
    return [
        {e.name: values_of(e) for e in s.routine.exercises()}
        for s in plan_sessions(open_programme(path))
    ]


# -- loading ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "title: P\nroutine: r.yaml\nweeks: 2\nprogression: {rpes: {to: 4}}\n",
            "p.yaml:4: progression: unknown key 'rpes' — did you mean 'reps'?",
        ),
        (
            "title: P\nroutine: gone.yaml\nweeks: 2\n",
            "p.yaml:2: routine: expected a routine file, found no file at {dir}/gone.yaml",
        ),
        (
            "title: P\nroutine: bad.yaml\nweeks: 2\n",
            "p.yaml:2: routine: the routine it names is invalid: {dir}/bad.yaml:3: "
            "exercises[0].reps: expected a whole number from 1 to 1000 (repetitions), found 'many'",
        ),
        (
            "title: P\nroutine: r.yaml\nweeks: 2\nprogression:\n  exercises:\n"
            "    Lunge: {reps: {to: 5}}\n",
            "p.yaml:6: progression.exercises.Lunge: expected an exercise of the routine, "
            "found 'Lunge' — did you mean 'Lunges'?",
        ),
        (
            "title: P\nroutine: r.yaml\nweeks: 3\nprogression: {reps: [3, 4]}\n",
            "p.yaml:4: progression.reps: expected 3 values, one per week, found '2 values'",
        ),
        (
            "title: P\nroutine: r.yaml\nweeks: 2\nper_week: 2\ndays: [tue]\n",
            "p.yaml:5: days: expected a list of 2 weekdays (per_week), such as [tue, sat], found 1",
        ),
        (
            "title: P\nroutine: r.yaml\nweeks: 2\nper_week: 2\ndays: [tue, frei]\n",
            "p.yaml:5: days[1]: expected a weekday (mon, tue, wed, thu, fri, sat or sun), "
            "found 'frei' — did you mean 'fri'?",
        ),
        (
            "title: P\nroutine: r.yaml\nweeks: 100\nper_week: 6\n",
            "p.yaml:3: weeks: expected at most 500 sessions in all, found '100 weeks of 6 "
            "(600 sessions)'",
        ),
        (
            "title: P\nroutine: r.yaml\nweeks: 105\n",
            "p.yaml:3: weeks: expected a whole number from 1 to 104 (weeks), found 105",
        ),
        (
            "title: P\nroutine: r.yaml\nweeks: 2\nstart: 2027-02-30\n",
            "p.yaml:4: expected a date that exists (YYYY-MM-DD), found 2027-02-30",
        ),
        (
            "title: 2027-02-30\nroutine: r.yaml\nweeks: 2\n",
            "p.yaml:1: expected a date that exists (YYYY-MM-DD), found 2027-02-30",
        ),
        (
            "title: P\nroutine: r.yaml\nweeks: 2\nstart: 9999-12-25\n",
            "p.yaml:4: start: expected a start from 1970-01-01 to 2999-12-31, found the date "
            "9999-12-25",
        ),
        (
            "title: P\nroutine: r.yaml\nweeks: 1\nstart: 9999-12-31\n",
            "p.yaml:4: start: expected a start from 1970-01-01 to 2999-12-31, found the date "
            "9999-12-31",
        ),
        (
            "title: P\nroutine: r.yaml\nweeks: 2\nstart: soon\n",
            "p.yaml:4: start: expected a date written as YYYY-MM-DD, such as 2027-01-05, "
            "found 'soon'",
        ),
        (
            "title: P\nweeks:\n  - routine: r.yaml\n  - sessions: [r.yaml]\nper_week: 2\n",
            "p.yaml:4: weeks[1].sessions: expected a list of 2 routines (one per session of "
            "the week), found 1",
        ),
        (
            "title: P\nroutine: r.yaml\nweeks: 2\nprogression:\n  exercises:\n"
            "    Lunges: {then: 'Now {weight}.'}\n",
            "p.yaml:6: progression.exercises.Lunges.then: expected only the placeholders "
            "{name}, {reps}, {duration}, {seconds}, {sets}, {distance}, found {weight}",
        ),
        (
            "title: P\nroutine:\n  title: R\n  cues: {intro: 'Week {wek}.'}\n"
            "  exercises: [{name: A, reps: 2}]\nweeks: 2\n",
            "p.yaml:4: routine.cues.intro: expected only the placeholders {title}, "
            "{description}, {exercises}, {minutes}, {exercise_count}, {minute_count}, {week}, "
            "{weeks}, {day}, {per_week}, {session}, {sessions}, {date}, found {wek}",
        ),
    ],
)
def test_a_bad_programme_is_one_line_naming_file_line_and_key(
    write: Callable[[str, str], Path], text: str, message: str
) -> None:
    write(TINY, "r.yaml")
    write("title: B\nexercises:\n  - {name: A, reps: many}\n", "bad.yaml")
    path = write(text, "p.yaml")
    with pytest.raises(RoutineError) as caught:
        open_programme(path)
    assert str(caught.value) == message.replace("{dir}", str(path.parent)).replace(
        "p.yaml", str(path), 1
    )


def test_a_routine_cannot_name_the_session_placeholders_outside_a_programme(
    write: Callable[[str, str], Path],
) -> None:
    from voicecoach.routine.loading import load_routine

    path = write(
        "title: R\ncues: {intro: 'Week {week}.'}\nexercises: [{name: A, reps: 2}]\n", "r.yaml"
    )
    with pytest.raises(RoutineError, match=r"expected only the placeholders .*found \{week\}"):
        load_routine(path)


# -- progression --------------------------------------------------------------------------


def test_linear_steps_start_at_the_base_end_at_the_target_and_round_half_up(
    write: Callable[[str, str], Path],
) -> None:
    write(TINY, "r.yaml")
    path = write(
        """
        title: P
        routine: r.yaml
        weeks: 5
        per_week: 2
        progression:
          reps: {to: 8}
          duration: {to: 1m}
          sets: {to: 3}
          rest: {to: 10s}
        """,
        "p.yaml",
    )
    found = values(path)
    assert len(found) == 10
    # 3 -> 8 over 5 weeks: 3, 4.25, 5.5, 6.75, 8, rounded half up; both sessions of a week alike
    assert [v["Lunges"]["reps"] for v in found] == [3, 3, 4, 4, 6, 6, 7, 7, 8, 8]
    # 6 s -> 60 s: 6, 19.5, 33, 46.5, 60 s
    assert [v["Plank"]["duration_ms"] for v in found[::2]] == [6000, 20000, 33000, 47000, 60000]
    # 1 set -> 3 sets: 1, 1.5, 2, 2.5, 3; whole sets only
    assert [v["Lunges"]["sets"] for v in found[::2]] == [1, 2, 2, 3, 3]
    sessions = plan_sessions(open_programme(path))
    rests = [s.routine.exercises()[0].sets[0].rest_ms for s in sessions[::2]]
    assert rests == [4000, 6000, 7000, 9000, 10000]  # 5.5 s and 8.5 s round up
    # step 1 is the base routine exactly
    base = sessions[0].routine
    from voicecoach.routine.loading import load_routine

    assert base.items == load_routine(path.parent / "r.yaml", in_programme=True).items


def test_by_session_lists_and_per_exercise_overrides(write: Callable[[str, str], Path]) -> None:
    write(TINY, "r.yaml")
    path = write(
        """
        title: P
        routine: r.yaml
        weeks: 2
        per_week: 2
        progression:
          by: session
          reps: {to: 9}
          exercises:
            Lunges:
              reps: [3, 5, 20, 4]
            Plank:
              duration: ["0:10", 20, 30s, 40s]
        """,
        "p.yaml",
    )
    found = values(path)
    assert [v["Lunges"]["reps"] for v in found] == [3, 5, 20, 4]
    assert [v["Plank"]["duration_ms"] for v in found] == [10000, 20000, 30000, 40000]


def test_the_milestone_is_spoken_once_where_the_last_value_is_first_reached(
    write: Callable[[str, str], Path],
) -> None:
    write(TINY, "r.yaml")
    path = write(
        """
        title: P
        routine: r.yaml
        weeks: 4
        per_week: 2
        progression:
          exercises:
            Lunges:
              reps: [3, 4, 5, 5]
              then: "{reps} a side: add weight."
        """,
        "p.yaml",
    )
    from voicecoach.session.build import estimate_measure
    from voicecoach.timeline import expand

    said = []
    for session in plan_sessions(open_programme(path)):
        timeline = expand(session.routine, estimate_measure(session.routine))
        said.append([c.text for c in timeline.cues if c.name == "milestone"])
    # week 3 first reaches 5: its first session says it, and no other session does
    assert said == [[], [], [], [], ["5 a side: add weight."], [], [], []]


def test_dates_follow_days_or_spread_evenly(write: Callable[[str, str], Path]) -> None:
    write(TINY, "r.yaml")
    # 2027-01-06 is a Wednesday: the week's sessions come on the next Saturday and Tuesday
    dated = write(
        "title: P\nroutine: r.yaml\nweeks: 2\nstart: 2027-01-06\ndays: [tue, sat]\n", "a.yaml"
    )
    dates = [s.slot.date for s in plan_sessions(open_programme(dated))]
    assert dates == [
        datetime.date(2027, 1, 9),
        datetime.date(2027, 1, 12),
        datetime.date(2027, 1, 16),
        datetime.date(2027, 1, 19),
    ]
    assert [s.slot.day for s in plan_sessions(open_programme(dated))] == [1, 2, 1, 2]
    spread = write(
        "title: P\nroutine: r.yaml\nweeks: 1\nper_week: 3\nstart: 2027-01-04\n", "b.yaml"
    )
    assert [s.slot.date.day for s in plan_sessions(open_programme(spread))] == [4, 6, 8]  # type: ignore[union-attr]
    undated = write("title: P\nroutine: r.yaml\nweeks: 1\n", "c.yaml")
    assert [s.slot.date for s in plan_sessions(open_programme(undated))] == [None]


# -- real builds, read back ----------------------------------------------------------------


def _mtimes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in sorted(folder.iterdir())}


@pytest.mark.slow
def test_a_base_programme_builds_every_output_and_rebuilds_only_what_changed(
    write: Callable[[str, str], Path], tmp_path: Path
) -> None:
    import feedparser
    import icalendar

    write(TINY, "r.yaml")
    text = """
        title: Tiny Plan
        description: Two weeks.
        routine: r.yaml
        weeks: 2
        per_week: 2
        start: 2027-01-05
        days: [tue, sat]
        base_url: https://example.org/tiny
        progression:
          reps: {to: 4}
          exercises:
            Plank: {duration: {to: 7s}, then: "{duration} seconds: hold a weight."}
        """
    path = write(text, "p.yaml")
    options = ProgrammeOptions(build=BuildOptions(output_dir=tmp_path / "out"))
    result = build_programme(open_programme(path), options)
    folder = tmp_path / "out" / "tiny-plan"
    assert result.folder == folder
    assert result.made == (1, 2, 3, 4)
    assert result.kept == ()
    mp3s = sorted(folder.glob("*.mp3"))
    assert [p.name for p in mp3s] == [
        "01-week-1-session-1.mp3",
        "02-week-1-session-2.mp3",
        "03-week-2-session-1.mp3",
        "04-week-2-session-2.mp3",
    ]

    # each session is a real session: decoded, its cues are where its JSON says
    figures = check_session(mp3s[2])
    assert figures["worst_onset_ms"] <= 5
    assert abs(figures["decoded_ms"] - figures["duration_ms"]) <= 30
    spoken = [c["text"] for c in figures["document"]["cues"] if c["kind"] == "speech"]
    assert "Week 2 of 2, session 1 of 2." in spoken
    assert "7 seconds: hold a weight." in spoken

    from mutagen.id3 import ID3

    tags = ID3(mp3s[2])
    assert (str(tags["TIT2"]), str(tags["TALB"]), str(tags["TRCK"])) == (
        "Week 2, session 1",
        "Tiny Plan",
        "3/4",
    )

    # programme.json: the values of the progression, exactly
    document = json.loads((folder / "programme.json").read_text())
    sessions = document["sessions"]
    assert [s["exercises"]["Lunges"]["reps"] for s in sessions] == [3, 3, 4, 4]
    assert [s["exercises"]["Plank"]["duration_ms"] for s in sessions] == [6000, 6000, 7000, 7000]
    assert [s["date"] for s in sessions] == ["2027-01-05", "2027-01-09", "2027-01-12", "2027-01-16"]
    assert [s["file"] for s in sessions] == [p.name for p in mp3s]

    # the playlist, read by a few lines of M3U reading
    lines = (folder / "playlist.m3u8").read_text().splitlines()
    assert lines[0] == "#EXTM3U"
    entries = [
        (lines[i], lines[i + 1]) for i, line in enumerate(lines) if line.startswith("#EXTINF:")
    ]
    assert [file for _, file in entries] == [p.name for p in mp3s]
    for (info, _file), session in zip(entries, sessions, strict=True):
        seconds, title = info[len("#EXTINF:") :].split(",", 1)
        assert int(seconds) == round(session["duration_ms"] / 1000)
        assert title == session["title"]

    # the calendar, read by icalendar
    calendar = icalendar.Calendar.from_ical((folder / "calendar.ics").read_bytes())
    events = list(calendar.walk("VEVENT"))
    assert [e.decoded("dtstart") for e in events] == [
        datetime.date(2027, 1, 5),
        datetime.date(2027, 1, 9),
        datetime.date(2027, 1, 12),
        datetime.date(2027, 1, 16),
    ]
    assert str(events[2]["summary"]).startswith("Week 2, session 1: Tiny Plan (")
    assert "Lunges: 4 reps each side" in str(events[2]["description"])
    assert "Plank: 0:07" in str(events[2]["description"])

    # the feed, read by feedparser
    feed = feedparser.parse((folder / "feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "Tiny Plan"
    assert feed.feed.itunes_type == "serial"
    assert len(feed.entries) == 4
    third = feed.entries[2]
    assert third.itunes_season == "2"
    assert third.itunes_episode == "3"
    enclosure = third.enclosures[0]
    assert enclosure.href == "https://example.org/tiny/03-week-2-session-1.mp3"
    assert int(enclosure.length) == mp3s[2].stat().st_size
    assert enclosure.type == "audio/mpeg"
    assert third.itunes_duration == str(round(sessions[2]["duration_ms"] / 1000))
    chapters_url = third.podcast_chapters["url"]
    assert chapters_url == "https://example.org/tiny/03-week-2-session-1.chapters.json"
    chapters = json.loads((folder / "03-week-2-session-1.chapters.json").read_text())
    assert [c["title"] for c in chapters["chapters"]] == [
        c["title"] for c in sessions[2]["chapters"]
    ]
    assert chapters["chapters"][1]["startTime"] == sessions[2]["chapters"][1]["start_ms"] / 1000

    # the page, read by html.parser
    from html.parser import HTMLParser

    class Players(HTMLParser):
        sources: ClassVar[list[str]] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "audio":
                self.sources.append(dict(attrs)["src"] or "")

    players = Players()
    players.feed((folder / "index.html").read_text())
    assert players.sources == [p.name for p in mp3s]

    # nothing changed: nothing is made, nothing is touched
    before = _mtimes(folder)
    again = build_programme(open_programme(path), options)
    assert again.made == ()
    assert again.kept == (1, 2, 3, 4)
    assert _mtimes(folder) == before

    # the plank's target changes: only the sessions whose plank changed are made again
    write(text.replace("to: 7s", "to: 8s"), "p.yaml")
    changed = build_programme(open_programme(path), options)
    assert changed.made == (3, 4)
    assert changed.kept == (1, 2)
    after = _mtimes(folder)
    for name in ("01-week-1-session-1.mp3", "02-week-1-session-2.json"):
        assert after[name] == before[name]
    assert after["03-week-2-session-1.mp3"] != before["03-week-2-session-1.mp3"]

    # --session N makes that one again; --force makes them all
    one = build_programme(open_programme(path), ProgrammeOptions(build=options.build, session=2))
    assert one.made == (2,)
    assert len(one.records) == 4
    forced = build_programme(
        open_programme(path), ProgrammeOptions(build=options.build, force=True)
    )
    assert forced.made == (1, 2, 3, 4)


@pytest.mark.slow
def test_a_list_of_weeks_builds_a_routine_per_week_or_per_session(
    write: Callable[[str, str], Path], tmp_path: Path
) -> None:
    write(TINY, "plan/w1.yaml")
    write(TINY.replace("Tiny Legs", "Other").replace("reps: 3", "reps: 2"), "plan/w2b.yaml")
    path = write(
        """
        title: Two Shapes
        days: [mon, thu]
        start: 2027-01-04
        cues: {}
        weeks:
          - routine: plan/w1.yaml
          - sessions: [plan/w1.yaml, plan/w2b.yaml]
        """.replace("        cues: {}\n", ""),
        "p.yaml",
    )
    programme = open_programme(path)
    assert (programme.weeks, programme.per_week) == (2, 2)
    result = build_programme(programme, ProgrammeOptions(build=BuildOptions(output_dir=tmp_path)))
    assert [r.file for r in result.records] == [
        "01-week-1-session-1.mp3",
        "02-week-1-session-2.mp3",
        "03-week-2-session-1.mp3",
        "04-week-2-session-2.mp3",
    ]
    assert [r.exercises["Lunges"]["reps"] for r in result.records] == [3, 3, 3, 2]
    assert [r.date for r in result.records] == [
        datetime.date(2027, 1, 4),
        datetime.date(2027, 1, 7),
        datetime.date(2027, 1, 11),
        datetime.date(2027, 1, 14),
    ]
    # without base_url there is no feed
    assert not (result.folder / "feed.xml").exists()
    figures = check_session(result.folder / "04-week-2-session-2.mp3")
    assert figures["worst_onset_ms"] <= 5


def test_the_seed_programme_reaches_the_top_and_says_so_once() -> None:
    sessions = plan_sessions(open_programme(ROOT / "scripts" / "programme.yaml"))
    assert len(sessions) == 16
    first, last = sessions[0].routine, sessions[-1].routine
    from voicecoach.routine.loading import load_routine

    assert first.items == load_routine(ROOT / "scripts" / "routine.yaml", in_programme=True).items
    reps = {e.name: e.sets[0].reps for e in last.exercises()}
    assert all(30 <= r <= 50 for r in reps.values() if r), reps
    assert reps["Calf raises"] == 50
    milestones = [
        s.slot.number for s in sessions for e in s.routine.exercises() if e.milestone is not None
    ]
    assert milestones == [15]


@pytest.mark.slow
def test_a_stopped_force_rebuild_still_lists_every_whole_session_on_disk(
    write: Callable[[str, str], Path], tmp_path: Path
) -> None:
    write(TINY, "r.yaml")
    path = write("title: Tiny Plan\nroutine: r.yaml\nweeks: 2\nper_week: 2\n", "p.yaml")
    options = ProgrammeOptions(build=BuildOptions(output_dir=tmp_path / "out"))
    complete = build_programme(open_programme(path), options)
    folder = complete.folder
    listing = (folder / "programme.json").read_text()
    assert len(json.loads(listing)["sessions"]) == 4

    def stop_after_the_first(_audio: Path) -> None:
        raise KeyboardInterrupt  # as Ctrl-C does, once session 1 is made again

    with pytest.raises(KeyboardInterrupt):
        build_programme(
            open_programme(path),
            ProgrammeOptions(build=options.build, force=True),
            on_made=stop_after_the_first,
        )
    listed = json.loads((folder / "programme.json").read_text())["sessions"]
    assert [s["file"] for s in listed] == [r.file for r in complete.records]
    assert (folder / "playlist.m3u8").read_text().count(".mp3") == 4
    again = build_programme(open_programme(path), options)
    assert again.made == ()
    assert again.kept == (1, 2, 3, 4)


@pytest.mark.slow
def test_the_base_url_is_remembered_and_what_the_plan_no_longer_has_is_removed(
    write: Callable[[str, str], Path], tmp_path: Path
) -> None:
    import feedparser

    write(TINY, "r.yaml")
    path = write("title: Tiny Plan\nroutine: r.yaml\nweeks: 2\nper_week: 2\n", "p.yaml")
    build = BuildOptions(output_dir=tmp_path / "out")
    url = "https://example.org/tiny/"
    folder = build_programme(
        open_programme(path), ProgrammeOptions(build=build, base_url=url)
    ).folder
    (folder / "my-notes.mp3").write_bytes(b"mine")  # not voicecoach's: never removed
    again = build_programme(open_programme(path), ProgrammeOptions(build=build))
    assert again.made == ()
    assert (folder / "feed.xml").is_file()
    assert feedparser.parse((folder / "feed.xml").read_bytes()).feed.link == url
    # one week now: sessions 3 and 4 go, with their sidecars and chapters
    path.write_text(path.read_text().replace("weeks: 2", "weeks: 1"))
    shorter = build_programme(open_programme(path), ProgrammeOptions(build=build))
    names = sorted(p.name for p in folder.iterdir())
    assert not [n for n in names if n.startswith(("03-", "04-"))]
    feed = feedparser.parse((folder / "feed.xml").read_bytes())
    assert [int(e.enclosures[0].length) for e in feed.entries] == [
        (folder / r.file).stat().st_size for r in shorter.records
    ]
    assert (folder / "playlist.m3u8").read_text().count(".mp3") == 2
    # --no-feed forgets it: the feed and the chapters files go, nothing else
    build_programme(open_programme(path), ProgrammeOptions(build=build, no_feed=True))
    left = sorted(p.name for p in folder.iterdir())
    assert "feed.xml" not in left
    assert not [n for n in left if n.endswith(".chapters.json")]
    assert "my-notes.mp3" in left
    assert "01-week-1-session-1.mp3" in left
    assert json.loads((folder / "programme.json").read_text())["base_url"] is None


@pytest.mark.slow
def test_a_programme_json_naming_paths_out_of_its_folder_is_not_trusted(
    write: Callable[[str, str], Path], tmp_path: Path
) -> None:
    write(TINY, "r.yaml")
    path = write("title: Tiny Plan\nroutine: r.yaml\nweeks: 1\nper_week: 2\n", "p.yaml")
    build = BuildOptions(output_dir=tmp_path / "out")
    url = "https://example.org/tiny/"
    folder = build_programme(
        open_programme(path), ProgrammeOptions(build=build, base_url=url)
    ).folder
    listing = json.loads((folder / "programme.json").read_text())
    listing["sessions"][0]["file"] = "../../elsewhere.mp3"
    listing["sessions"][1]["file"] = None
    (folder / "programme.json").write_text(json.dumps(listing))
    result = build_programme(open_programme(path), ProgrammeOptions(build=build))
    assert result.made == (1, 2)
    assert result.warnings[:2] == tuple(
        f"{folder / 'programme.json'}: session {n} lists {shown}, not an audio file of this "
        "folder; it is made again"
        for n, shown in ((1, '"../../elsewhere.mp3"'), (2, "null"))
    )
    assert not list(tmp_path.glob("*.chapters.json"))
    assert not (tmp_path / "elsewhere.mp3").exists()
    assert "elsewhere" not in (folder / "feed.xml").read_text()


@pytest.mark.slow
def test_music_around_the_programme_folder_never_takes_its_sessions(
    write: Callable[[str, str], Path], tmp_path: Path
) -> None:
    from tests.support.music_files import write_track

    write_track(tmp_path / "beat.wav", seconds=4, hz=330)
    write(TINY + "music: {files: [.]}\n", "r.yaml")
    path = write("title: Tiny Plan\nroutine: r.yaml\nweeks: 1\nper_week: 2\n", "p.yaml")
    options = ProgrammeOptions(build=BuildOptions(output_dir=tmp_path / "out"))
    first = build_programme(open_programme(path), options)
    assert first.made == (1, 2)
    for record in first.records:
        document = json.loads((first.folder / record.file).with_suffix(".json").read_text())
        assert {Path(t["file"]).name for t in document["music"]["tracks"]} == {"beat.wav"}
    again = build_programme(open_programme(path), options)
    assert again.made == ()
    assert again.kept == (1, 2)


def test_prose_over_lines_and_markup_reach_every_listing_escaped_and_whole(
    write: Callable[[str, str], Path], tmp_path: Path
) -> None:
    import xml.etree.ElementTree as ElementTree

    import icalendar

    write(TINY, "r.yaml")
    description = 'Line one & <b>two</b>\n</description><item>"three"</item>\nEND:VCALENDAR'
    title = 'Legs & <Lungs> "Plan"'
    text = f"title: {json.dumps(title)}\ndescription: {json.dumps(description)}\n"
    path = write(text + "routine: r.yaml\nweeks: 1\nper_week: 1\nstart: 2027-01-05\n", "p.yaml")
    options = ProgrammeOptions(
        build=BuildOptions(output_dir=tmp_path / "out"), base_url="https://example.org/p/"
    )
    folder = build_programme(open_programme(path), options).folder
    # the feed is well-formed XML whose texts read back exactly as written, one item
    channel = ElementTree.parse(folder / "feed.xml").getroot().find("channel")
    assert channel is not None
    assert channel.findtext("title") == title
    assert channel.findtext("description") == description
    assert len(channel.findall("item")) == 1
    # the calendar: one event, the name whole, every line folded and ended by CRLF
    raw = (folder / "calendar.ics").read_bytes()
    assert b"\r" not in raw.replace(b"\r\n", b"")
    assert b"\n" not in raw.replace(b"\r\n", b"")
    calendar = icalendar.Calendar.from_ical(raw)
    assert str(calendar["X-WR-CALNAME"]) == title
    assert len(calendar.walk("VEVENT")) == 1
    # the page: the markup shown as text, never as markup
    page = (folder / "index.html").read_text()
    assert "<b>" not in page
    assert "<item>" not in page
    assert "&lt;b&gt;two&lt;/b&gt;" in page
    assert "Legs &amp; &lt;Lungs&gt;" in page
    # programme.json keeps the text itself
    assert json.loads((folder / "programme.json").read_text())["description"] == description


def test_the_seed_plan_ends_on_its_own_outro_and_says_each_thing_once() -> None:
    import re

    from voicecoach.session.build import estimate_measure
    from voicecoach.timeline import expand

    sessions = plan_sessions(open_programme(REPO / "scripts" / "programme.yaml"))
    outros = []
    for session in sessions:
        timeline = expand(session.routine, estimate_measure(session.routine))
        outros += [c.text for c in timeline.cues if c.name == "outro"]
        # a milestone never repeats a tip said seconds before: they share few words
        milestones = [c for c in timeline.cues if c.name == "milestone"]
        for milestone in milestones:
            words = set(re.findall(r"[a-z]{4,}", milestone.text.lower()))
            for tip in (c for c in timeline.cues if c.name == "tip"):
                shared = words & set(re.findall(r"[a-z]{4,}", tip.text.lower()))
                assert len(shared) <= 2, (milestone.text, tip.text, shared)
    # every session but the last says "do it again"; the last knows the plan is done
    assert len(outros) == len(sessions) == 16
    assert all("again" in text for text in outros[:-1])
    assert outros[-1].startswith("That was the last session")
    assert "again" not in outros[-1]


def test_the_feed_meets_what_podcast_apps_require_with_artwork_and_owner(
    write: Callable[[str, str], Path], tmp_path: Path
) -> None:
    import io
    import uuid
    import xml.etree.ElementTree as ElementTree
    from email.utils import parsedate_to_datetime

    from mutagen.id3 import ID3
    from PIL import Image

    write(TINY, "r.yaml")
    Image.new("RGB", (1200, 800), (200, 40, 40)).save(tmp_path / "photo.png")  # not square
    path = write(
        """
        title: Tiny Plan
        description: Two sessions.
        routine: r.yaml
        weeks: 1
        per_week: 2
        artwork: photo.png
        author: Sam Coach
        email: sam@example.org
        copyright: © 2027 Sam Coach
        """,
        "p.yaml",
    )
    url = "https://example.org/tiny/"
    options = ProgrammeOptions(build=BuildOptions(output_dir=tmp_path / "out"), base_url=url)
    result = build_programme(open_programme(path), options)
    folder = result.folder
    ns = {
        "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
        "podcast": "https://podcastindex.org/namespace/1.0",
        "atom": "http://www.w3.org/2005/Atom",
    }
    channel = ElementTree.parse(folder / "feed.xml").getroot().find("channel")
    assert channel is not None

    def one(element: ElementTree.Element, tag: str) -> ElementTree.Element:
        found = element.find(tag, ns)
        assert found is not None, f"missing {tag}"
        return found

    art = one(channel, "itunes:image").get("href")
    cover = (folder / "cover.jpg").read_bytes()
    image = Image.open(io.BytesIO(cover))
    # Apple Podcasts' and the Podcast Index's published requirements, checked offline
    requirements = {
        "channel title": bool(one(channel, "title").text),
        "channel description": bool(one(channel, "description").text),
        "language": one(channel, "language").text == "en",
        "a category": one(channel, "itunes:category").get("text") == "Health & Fitness",
        "explicit true or false": one(channel, "itunes:explicit").text in ("true", "false"),
        "artwork at an absolute https URL": art == f"{url}cover.jpg",
        "artwork square, 1400-3000 px": image.size[0] == image.size[1]
        and 1400 <= image.size[0] <= 3000,
        "artwork RGB JPEG or PNG": image.mode == "RGB" and image.format in ("JPEG", "PNG"),
        "artwork under 512 kB": len(cover) < 512 * 1024,
        "RSS image element": one(one(channel, "image"), "url").text == art,
        "author": one(channel, "itunes:author").text == "Sam Coach",
        "owner with email": one(one(channel, "itunes:owner"), "itunes:email").text
        == "sam@example.org",
        "copyright": one(channel, "copyright").text == "© 2027 Sam Coach",
        "atom self link": one(channel, "atom:link").get("href") == f"{url}feed.xml"
        and one(channel, "atom:link").get("rel") == "self",
        "podcast:guid, UUIDv5 of the feed URL": one(channel, "podcast:guid").text
        == str(
            uuid.uuid5(
                uuid.UUID("ead4c236-bf58-58c6-a2c6-a0b6f3e12d1a"), "example.org/tiny/feed.xml"
            )
        ),
    }
    items = channel.findall("item")
    guids = [one(item, "guid").text for item in items]
    requirements["an item per session"] = len(items) == 2
    requirements["unique item guids"] = len(set(guids)) == 2
    for item, record in zip(items, result.records, strict=True):
        enclosure = one(item, "enclosure")
        requirements[f"{record.file}: enclosure"] = (
            enclosure.get("url") == f"{url}{record.file}"
            and enclosure.get("length") == str((folder / record.file).stat().st_size)
            and enclosure.get("type") == "audio/mpeg"
        )
        requirements[f"{record.file}: title, duration, date, image"] = (
            bool(one(item, "title").text)
            and int(one(item, "itunes:duration").text or 0) > 0
            and parsedate_to_datetime(one(item, "pubDate").text or "") is not None
            and one(item, "itunes:image").get("href") == art
        )
        # the same cover in the session's MP3
        requirements[f"{record.file}: cover in its ID3"] = (
            ID3(folder / record.file).getall("APIC")[0].data == cover
        )
    assert [name for name, met in requirements.items() if not met] == []
    assert "cover.jpg" in json.loads((folder / "programme.json").read_text())["published"]


def test_artwork_that_cannot_be_read_is_one_line_before_any_audio(
    write: Callable[[str, str], Path], tmp_path: Path
) -> None:
    write(TINY, "r.yaml")
    path = write("title: T\nroutine: r.yaml\nweeks: 1\nartwork: missing.png\n", "p.yaml")
    with pytest.raises(RoutineError) as caught:
        open_programme(path)
    assert str(caught.value) == (
        f"{path}:4: artwork: expected an image file (PNG, JPEG, WebP, ...), "
        f"found no {tmp_path / 'missing.png'}"
    )
    (tmp_path / "broken.png").write_bytes(b"\x89PNG not really")
    path.write_text(path.read_text().replace("missing.png", "broken.png"))
    from voicecoach.errors import ExportError

    with pytest.raises(ExportError, match=r"broken.png: cannot read the artwork"):
        build_programme(
            open_programme(path),
            ProgrammeOptions(build=BuildOptions(output_dir=tmp_path / "out")),
        )
    assert not list((tmp_path / "out").rglob("*.mp3"))


@pytest.mark.slow
def test_open_step_reaches_sessions_built_in_worker_processes(
    write: Callable[[str, str], Path], tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from voicecoach.cli import main

    # a workout file whose middle step ends at the lap button: --open-step sets its length
    write("- 30s Z2 HR\n- Z1 HR press lap\n- 30s Z4 HR\n", "lap.txt")
    plan = write("title: Lap Plan\nroutine: lap.txt\nweeks: 1\nper_week: 2\n", "p.yaml")
    lengths = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"jobs-{jobs}"
        args = ["build", str(plan), "-q", "-j", jobs, "--open-step", "5s", "--output-dir", str(out)]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        lengths[jobs] = [
            json.loads(path.read_text())["duration_ms"]
            for path in sorted((out / "lap-plan").glob("0*.json"))
        ]
        # the step lasts 5 s, not the default 60 s: each session is well under a minute and a half
        assert len(lengths[jobs]) == 2
        assert all(ms < 90_000 for ms in lengths[jobs])
    assert lengths["1"] == lengths["2"]
