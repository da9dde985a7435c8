"""Workout files in (FIT, ZWO, intervals.icu text) and out (`build --fit`), with real files."""

from __future__ import annotations

import json
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.support.audio import check_session
from tests.support.paths import REPO
from tests.support.workouts import fit_steps, measure, planned, unrolled
from voicecoach.cli import main
from voicecoach.errors import RoutineError
from voicecoach.routine.safe_yaml import parse_yaml
from voicecoach.session.build import BuildOptions, build_routine
from voicecoach.sources import SourceOptions, open_routine
from voicecoach.timeline import Timeline, expand
from voicecoach.workouts.reading import read_workout, workout_yaml

FILES = REPO / "tests" / "workouts"
WriteRoutine = Callable[..., Path]


def lengths(timeline: Timeline) -> list[tuple[str, int]]:
    return [(b.exercise, b.stop_ms - b.go_ms) for b in timeline.blocks]


# each file's steps as the file says them, repeats counted out: (name, ms)
EXPECTED: dict[str, list[tuple[str, int]]] = {
    "WorkoutRepeatSteps.fit": [("_A_", 60_000)]
    + [("B1_", 60_000), ("B2_", 60_000)] * 3
    + [("_C_", 60_000)],
    "WorkoutCustomTargetValues.fit": [
        ("_A_", 60000),
        ("B1_", 60000),
        ("B2_", 60000),
        ("_C_", 60000),
    ],
    "xp-sample-bike.zwo": [("Warm-up", 900_000)]
    + [(n, 180_000) for n in ("Endurance", "Endurance", "Tempo", "Tempo")]
    + ([("Recovery", 300_000)] + [("Interval", 30_000), ("Recovery", 30_000)] * 10) * 3
    + [("Cool-down", 1_080_000)],
    "hill-reps-run.zwo": [("Warm-up", 300_000)]
    + [("Interval", 60_000), ("Recovery", 90_000)] * 3
    + [("Free run", 120_000), ("Max effort", 20_000), ("Cool-down", 240_000)],
    # 1 km at the middle of 4:05-4:15/km: 250 s; a step's own text is its name
    "threshold-run.txt": [("easy into it", 600_000)]
    + [("Strong and smooth", 250_000), ("Recovery", 90_000)] * 4
    + [("Cooldown", 480_000)],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_step_of_a_real_file_is_a_block_in_order(name: str) -> None:
    timeline = planned(FILES / name)
    assert lengths(timeline) == EXPECTED[name]


def test_targets_and_messages_of_workout_files_are_spoken_where_the_file_says() -> None:
    bike = planned(FILES / "xp-sample-bike.zwo")
    said = [c.text for c in bike.cues if c.kind == "speech"]
    assert "Warm-up. 15 minutes, at 45 to 65 per cent of FTP." in said
    assert "Interval, 30 seconds, at 133 per cent of FTP." in said
    fit = planned(FILES / "WorkoutCustomTargetValues.fit")
    said = [c.text for c in fit.cues if c.kind == "speech"]
    assert any("at 50 to 60 per cent of your maximum heart rate" in t for t in said)
    assert any("at 300 to 310 watts" in t for t in said)
    assert [b.intensity for b in fit.blocks] == ["warmup", "active", "active", "cooldown"]
    assert [b.target for b in fit.blocks] == ["50-60%", "300-310 W", "260-270 W", "220-230 W"]
    # textevents: in a step from its start; in an IntervalsT from the block's start
    run = planned(FILES / "hill-reps-run.zwo")
    messages = {c.text: c.start_ms for c in run.cues if c.name == "say"}
    blocks = run.blocks
    assert messages["Easy start, relax your shoulders"] - blocks[0].go_ms == 10_000
    # 180 s into the intervals: round 2's interval (150 s on), 30 s in
    assert messages["Second half, stay tall"] - blocks[3].go_ms == 30_000
    # at the go of a change-over: said first, within half a second of it
    assert 0 <= messages["Drive your knees"] - blocks[1].go_ms <= 500
    icu = planned(FILES / "threshold-run.txt")
    said = [c.text for c in icu.cues if c.kind == "speech"]
    assert any("1 kilometre, at 4 oh 5 to 4 15 per kilometre" in t for t in said)
    assert any("in heart rate zone 2" in t for t in said)
    # a step's own text names it, announced as a name is
    assert "Easy into it. 10 minutes, at 60 to 80 per cent of threshold pace." in said
    assert any(t.startswith("Strong and smooth") for t in said)


def test_open_steps_take_the_open_step_duration_with_one_warning_each() -> None:
    timeline = planned(FILES / "WorkoutCustomTargetValues.fit", open_step_ms=90_000)
    assert lengths(timeline)[1:] == [("B1_", 90_000), ("B2_", 90_000), ("_C_", 90_000)]
    found = [w for w in timeline.warnings if "--open-step" in w]
    assert found == [
        "step 2 (B1_): it is 500 m with no pace to time it; it lasts 90 s here "
        "(--open-step to change that)",
        "step 3 (B2_): it is 500 m with no pace to time it; it lasts 90 s here "
        "(--open-step to change that)",
        "step 4 (_C_): it ends by 'hr_less_than', which the audio cannot know; it lasts "
        "90 s here (--open-step to change that)",
    ]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_import_writes_yaml_that_builds_to_the_same_timeline(name: str, tmp_path: Path) -> None:
    source = FILES / name
    written = tmp_path / "imported.yaml"
    result = CliRunner().invoke(main, ["import", str(source), "-o", str(written)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Wrote {written}.")
    again = expand(open_routine(written), measure)
    direct = planned(source)
    assert [c[:3] for c in map(_cue, again.cues)] == [c[:3] for c in map(_cue, direct.cues)]
    assert lengths(again) == lengths(direct)
    # never over a file that is there
    twice = CliRunner().invoke(main, ["import", str(source), "-o", str(written)])
    assert twice.exit_code == 1
    assert "is there already" in twice.stderr


def _cue(cue: Any) -> tuple[int, int, str, str]:
    return (cue.start_ms, cue.end_ms, cue.text, cue.name)


def _bomb(tmp: Path) -> Path:
    path = tmp / "bomb.zwo"
    entities = "".join(f'<!ENTITY e{i} "&e{i - 1};&e{i - 1};">' for i in range(1, 20))
    path.write_text(
        f'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY e0 "ha">{entities}]>'
        '<workout_file><name>&e19;</name><workout><SteadyState Duration="60" Power="1"/>'
        "</workout></workout_file>"
    )
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            _bomb,
            "expected a Zwift workout, found XML with a DTD or entities (refused: they can "
            "expand without end or read other files)",
        ),
        (
            lambda tmp: _write(tmp / "x.zwo", "<workout_file><workout><Steady"),
            "expected a Zwift workout, found XML that cannot be read (unclosed token: line 1, "
            "column 23)",
        ),
        (
            lambda tmp: _write(
                tmp / "x.zwo",
                '<workout_file><workout><IntervalsT Repeat="1001" OnDuration="1" '
                'OffDuration="1"/></workout></workout_file>',
            ),
            "expected a workout of at most 2000 steps (repeats counted out), found more",
        ),
        (
            lambda tmp: _write(
                tmp / "x.zwo",
                '<workout_file><workout><Sprint Duration="10"/></workout></workout_file>',
            ),
            "step 1: expected one of Warmup, Cooldown, Ramp, SteadyState, IntervalsT, "
            "FreeRide, MaxEffort, SolidState, found <Sprint>",
        ),
        (
            lambda tmp: _write(
                tmp / "x.zwo",
                '<workout_file><workout><SteadyState Duration="ten"/></workout></workout_file>',
            ),
            "expected step 1 (SteadyState) Duration in seconds, found 'ten'",
        ),
        (
            lambda tmp: _write(tmp / "x.zwo", "<workout_file>" + " " * 1_000_001),
            "expected a Zwift workout of at most 1000 kB, found a larger file",
        ),
        (
            lambda tmp: _write_bytes(
                tmp / "x.fit", (FILES / "WorkoutRepeatSteps.fit").read_bytes()[:-30]
            ),
            "expected a FIT workout, found a damaged FIT file (its CRC is wrong)",
        ),
        (
            lambda tmp: _write_bytes(tmp / "x.fit", b"not a fit file at all"),
            "expected a FIT workout, found a file that is not FIT",
        ),
        (
            lambda tmp: _write(tmp / "x.txt", "Just some notes\nwith no steps\n"),
            "expected an intervals.icu workout (steps on lines starting '-'), found none",
        ),
    ],
)
def test_damaged_hostile_or_huge_files_are_one_error_line(
    tmp_path: Path, make: Callable[[Path], Path], message: str
) -> None:
    path = make(tmp_path)
    with pytest.raises(RoutineError) as caught:
        read_workout(path)
    assert str(caught.value) == f"{path}: {message}"
    result = CliRunner().invoke(main, ["build", str(path), "--output-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"Error: {path}: {message}"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_a_fit_file_that_is_not_a_workout_is_refused(tmp_path: Path) -> None:
    from garmin_fit_sdk import Encoder, Profile

    encoder = Encoder()
    encoder.write_mesg(
        {"mesg_num": Profile["mesg_num"]["FILE_ID"], "type": "activity", "manufacturer": 1}
    )
    path = _write_bytes(tmp_path / "ride.fit", encoder.close())
    with pytest.raises(RoutineError) as caught:
        read_workout(path)
    assert str(caught.value) == (
        f"{path}: expected a FIT workout (file type 5), found a FIT activity file"
    )


@pytest.mark.slow
def test_build_fit_writes_a_watch_workout_in_step_with_the_audio(
    tmp_path: Path, clip_cache: Path
) -> None:
    """A real build: the MP3 is decoded and measured; the FIT is read back by fitdecode."""
    routine = open_routine(FILES / "WorkoutRepeatSteps.fit", SourceOptions(open_step_ms=15_000))
    result = build_routine(
        routine, BuildOptions(output_dir=tmp_path, cache_dir=clip_cache, fit=True)
    )
    fit = result.audio_path.with_suffix(".fit")
    assert fit in result.files
    assert fit.exists()
    measured = check_session(result.audio_path)
    assert measured["worst_onset_ms"] <= 20
    assert abs(measured["decoded_ms"] - measured["duration_ms"]) <= 1
    document = json.loads(result.json_path.read_text())
    blocks = document["blocks"]
    assert [(b["exercise"], b["stop_ms"] - b["go_ms"]) for b in blocks] == [
        ("_A_", 60_000),
        *[("B1_", 15_000), ("B2_", 15_000)] * 3,
        ("_C_", 15_000),
    ]
    steps = fit_steps(fit)
    # the repeat of the file is a repeat again
    repeats = [s for s in steps if s["duration_type"] == "repeat_until_steps_cmplt"]
    assert [s["repeat_steps"] for s in repeats] == [3]
    timed = unrolled(steps)
    # the lead-in up to the first go, then each block (no gaps: steps follow each other)
    assert round(timed[0]["duration_time"] * 1000) == blocks[0]["go_ms"]
    assert [round(s["duration_time"] * 1000) for s in timed[1:]] == [
        b["stop_ms"] - b["go_ms"] for b in blocks
    ]
    starts = [
        sum(round(s["duration_time"] * 1000) for s in timed[: i + 1]) for i in range(len(timed))
    ]
    assert starts[:-1] == [b["go_ms"] for b in blocks]
    assert timed[1]["target_type"] == "heart_rate"
    assert timed[1]["target_hr_zone"] == 2
    assert timed[2]["target_type"] == "power"
    assert timed[2]["target_power_zone"] == 5
    assert [s["intensity"] for s in timed[:3]] == ["rest", "warmup", "active"]


def test_a_routine_goes_to_fit_and_comes_back_with_the_same_blocks(
    tmp_path: Path, write_routine: WriteRoutine
) -> None:
    from voicecoach.workouts.fit_out import workout_fit

    routine_path = write_routine(
        """
        title: Round trip
        athlete: {max_heart_rate: 190, ftp: 250}
        exercises:
          - {name: Warm-up jog, duration: 5m, target: {heart_rate: zone 2}}
          - repeat: 3
            exercises:
              - {name: Fast, distance: 400m, target: {pace: "3:50-4:00/km"}, rest: 60}
          - {name: Bike, duration: 2m, target: {power: "220-235 W"}, rest: 20s}
          - {name: Squats, reps: 10, sides: [left, right], switch: 5}
        """
    )
    routine = open_routine(routine_path)
    original = expand(routine, measure)
    fit = _write_bytes(tmp_path / "round-trip.fit", workout_fit(original, routine))
    again = planned(fit)
    # the lead-in is no block, and the gaps are no blocks either
    work = [(b.exercise.split(",")[0], b.stop_ms - b.go_ms, b.target) for b in again.blocks]
    assert work == [
        ("Warm-up jog", 300_000, "zone 2"),
        *[("Fast", 94_000, "3:50-4:00/km")] * 3,  # 400 m at the middle speed: 93.96 s
        ("Bike", 120_000, "220-235 W"),
        ("Squats", 30_000, None),
        ("Squats", 30_000, None),
    ]
    # the gaps come back as gaps, each as long as it was
    gaps = [after.go_ms - block.stop_ms for block, after in pairwise(again.blocks)]
    assert gaps == [30_000, 60_000, 60_000, 60_000, 20_000, 5_000]
    # and the timeline's steps sum to the session's work and gaps, to the millisecond
    steps = unrolled(fit_steps(fit))
    assert sum(round(s["duration_time"] * 1000) for s in steps) == original.blocks[-1].stop_ms


def test_the_starters_with_targets_plan(tmp_path: Path) -> None:
    runner = CliRunner()
    for template in ("intervals", "zone2"):
        path = tmp_path / f"{template}.yaml"
        assert runner.invoke(main, ["new", str(path), "-t", template]).exit_code == 0
        timeline = expand(open_routine(path), measure)
        assert not timeline.warnings, timeline.warnings
        assert any(b.target for b in timeline.blocks)
    intervals = expand(open_routine(tmp_path / "intervals.yaml"), measure)
    assert [b.distance_m for b in intervals.blocks if b.exercise == "Fast"] == [800.0] * 6
    zone2 = expand(open_routine(tmp_path / "zone2.yaml"), measure)
    assert len([c for c in zone2.cues if c.name == "say"]) == 4
    # every 10 minutes of the 40, but not over "Halfway." at 20
    assert len([c for c in zone2.cues if c.name == "target"]) == 2


def test_workout_yaml_reads_back_as_the_document() -> None:
    read = read_workout(FILES / "hill-reps-run.zwo")
    text = workout_yaml(read, "hill-reps-run.zwo")
    assert text.startswith("# Imported from hill-reps-run.zwo by voicecoach import")
    assert parse_yaml(text, "x") == read.document
    assert read.document["title"] == "Hill reps & strides"
    assert read.document["description"] == "Run with messages & ramps"


def test_a_programme_of_a_workout_file_writes_a_fit_per_session(
    tmp_path: Path, clip_cache: Path
) -> None:
    (tmp_path / "watch.fit").write_bytes((FILES / "WorkoutRepeatSteps.fit").read_bytes())
    plan = _write(tmp_path / "plan.yaml", "title: Watch Plan\nroutine: watch.fit\nweeks: 1\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        ["build", str(plan), "--fit", "--open-step", "5s", "-q", "--output-dir", str(out)],
        env={"VOICECOACH_CACHE_DIR": str(clip_cache)},
    )
    assert result.exit_code == 0, result.output
    assert "it lasts 5 s here" in result.stderr
    fits = sorted((out / "watch-plan").glob("*.fit"))
    assert [p.name for p in fits] == ["01-week-1-session-1.fit"]
    document = json.loads(fits[0].with_suffix(".json").read_text())
    steps = unrolled(fit_steps(fits[0]))
    assert [round(s["duration_time"] * 1000) for s in steps[1:]] == [
        b["stop_ms"] - b["go_ms"] for b in document["blocks"]
    ]


def test_spellings_real_files_use_are_read(tmp_path: Path) -> None:
    zwo = _write(
        tmp_path / "mixed.zwo",
        '<workout_file><name>Mixed</name><workout><Freeride Duration="60"/>'
        '<steadystate Duration="30" Power="0.5"/></workout></workout_file>',
    )
    assert lengths(planned(zwo)) == [("Free ride", 60_000), ("Recovery", 30_000)]
    icu = _write(tmp_path / "short.txt", "Main 2x\n- 1m30 90%\n- 2m Z2 Pace\n")
    read = read_workout(icu)
    assert lengths(planned(icu)) == [("Main", 90_000), ("Main", 120_000)] * 2
    assert read.warnings == ["line 3: a pace zone (Z2) has no pace here; no target is said"]
    forum = _write(
        tmp_path / "forum.txt",
        "Main set 2x\n- RPE9 - not quite all out 2m 315w - 330w press lap\n- recover 2m Z2\n\n"
        '- 30" 120%\n- 1\'30" 50%-60%\n- 3m 5:00 Pace\n- 2m 1:45/100m Pace\n',
    )
    document = read_workout(forum).document
    pair = document["exercises"][0]["exercises"]
    assert pair[0]["target"] == {"power": "315-330 W"}
    assert pair[0]["name"] == "not quite all out"
    assert "say" not in pair[0]
    assert [e["duration"] for e in document["exercises"][1:]] == ["30s", "1m30s", "3m", "2m"]
    assert [e["target"] for e in document["exercises"][1:]] == [
        {"power": "120%"},
        {"power": "50-60%"},
        {"pace": "5:00"},
        {"pace": "17:30/km"},  # 1:45 a 100 m, as a pace a kilometre
    ]
    caps = _write(
        tmp_path / "caps.zwo",
        "<workout_file><name>Caps</name><workout>"
        '<Ramp Duration="60" Power="0.5" PowerHigh="0.8"><TextEvent TimeOffset="10" '
        'message="Build up"/></Ramp><SteadyState Duration="120" Power="0.9">'
        '<TextNotification timeOffset="30" text="Hold it"/></SteadyState><RestDay/>'
        "</workout></workout_file>",
    )
    steps = read_workout(caps).document["exercises"]
    assert [(e["name"], e["target"], e["say"]) for e in steps] == [
        ("Ramp", {"power": "50-80%"}, [{"at": "10s", "text": "Build up"}]),
        ("Tempo", {"power": "90%"}, [{"at": "30s", "text": "Hold it"}]),
    ]


def test_a_fit_strength_workout_counts_its_reps(tmp_path: Path) -> None:
    from garmin_fit_sdk import Encoder, Profile

    numbers = Profile["mesg_num"]
    encoder = Encoder()
    encoder.write_mesg({"mesg_num": numbers["FILE_ID"], "type": "workout", "manufacturer": 255})
    encoder.write_mesg({"mesg_num": numbers["WORKOUT"], "wkt_name": "Strength"})
    for index, step in enumerate(
        [
            {"wkt_step_name": "Squats", "duration_type": "reps", "duration_value": 12},
            {"wkt_step_name": "Rest", "duration_type": "time", "duration_value": 30_000},
            {"duration_type": "repeat_until_steps_cmplt", "duration_value": 0, "target_value": 3},
        ]
    ):
        encoder.write_mesg({"mesg_num": numbers["WORKOUT_STEP"], "message_index": index, **step})
    path = _write_bytes(tmp_path / "strength.fit", encoder.close())
    timeline = planned(path)
    assert [(b.exercise, b.kind, b.reps) for b in timeline.blocks] == [
        ("Squats", "reps", 12),
        ("Rest", "timed", None),
    ] * 3
