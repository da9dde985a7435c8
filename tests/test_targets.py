"""Targets, distances and `say` messages (routine format, revision 3)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from voicecoach.errors import RoutineError
from voicecoach.language.saying import words_for
from voicecoach.routine.loading import load_routine
from voicecoach.routine.targets import (
    Athlete,
    parse_distance,
    parse_heart_rate,
    parse_pace,
    parse_power,
    parse_speed,
    spoken_target,
)
from voicecoach.timeline import expand

WriteRoutine = Callable[..., Path]


def measure(text: str) -> int:
    return 50 * len(text)


TRACK = """
title: Track
athlete: {threshold_pace: "4:20/km", ftp: 250, max_heart_rate: 190}
exercises:
  - name: Warm-up jog
    duration: 5m
    target: easy
    target_every: 2m
  - repeat: 2
    exercises:
      - name: Fast
        distance: 800m
        target: {pace: "4:05-4:15/km"}
        rest: 0
      - name: Jog
        duration: 2m
        target: {heart_rate: zone 2}
        rest: 0
        say:
          - {at: 30s, text: Shake out your arms.}
  - name: Sweet spot
    duration: 12m
    target: {power: "88-94%"}
    say:
      - {at: 0, text: Find your rhythm.}
      - {at: 6m, text: Halfway. Hold the same effort.}
"""


@pytest.mark.parametrize(
    ("parse", "written", "low", "high"),
    [
        (lambda v: parse_pace(v, "metric"), "4:05-4:15/km", 245, 255),
        (lambda v: parse_pace(v, "metric"), "4:30", 270, 270),
        (lambda v: parse_pace(v, "imperial"), "8:02", 482 / 1.609344, 482 / 1.609344),
        (lambda v: parse_pace(v, "metric"), "7:00/mi", 420 / 1.609344, 420 / 1.609344),
        (lambda v: parse_pace(v, "metric"), "95-100%", 95, 100),
        (parse_speed, "14 km/h", 14 / 3.6, 14 / 3.6),
        (parse_speed, "6-7 mph", 6 * 0.44704, 7 * 0.44704),
        (parse_heart_rate, "zone 2", 2, 2),
        (parse_heart_rate, "Z4", 4, 4),
        (parse_heart_rate, "130-145", 130, 145),
        (parse_heart_rate, "75-80%", 75, 80),
        (parse_power, "88-94%", 88, 94),
        (parse_power, "220-235 W", 220, 235),
        (parse_power, "250W", 250, 250),
    ],
)
def test_targets_are_read_as_written(
    parse: Callable[[str], object], written: str, low: float, high: float
) -> None:
    target = parse(written)
    assert target.low == pytest.approx(low, abs=0.6)  # type: ignore[attr-defined]
    assert target.high == pytest.approx(high, abs=0.6)  # type: ignore[attr-defined]
    assert target.written == written  # type: ignore[attr-defined]


def test_targets_are_said_as_a_person_says_them() -> None:
    athlete = Athlete(threshold_pace_s_km=260, ftp_w=250, max_heart_rate=190)
    none = Athlete()
    assert spoken_target(parse_pace("4:05-4:15/km", "metric"), "metric", none) == (
        "at 4 oh 5 to 4 15 per kilometre"
    )
    assert spoken_target(parse_pace("5:00/km", "metric"), "metric", none) == (
        "at 5 minutes per kilometre"
    )
    assert spoken_target(parse_pace("7:30/mi", "metric"), "imperial", none) == ("at 7 30 per mile")
    assert spoken_target(parse_heart_rate("zone 2"), "metric", athlete) == (
        "in heart rate zone 2, 114 to 133"
    )
    assert spoken_target(parse_heart_rate("zone 2"), "metric", none) == "in heart rate zone 2"
    assert spoken_target(parse_power("88-94%"), "metric", athlete) == (
        "at 88 to 94 per cent of FTP, 220 to 235 watts"
    )
    assert spoken_target(parse_power("88-94%"), "metric", none) == "at 88 to 94 per cent of FTP"
    assert spoken_target(parse_speed("14 km/h"), "metric", none) == "at 14 kilometres per hour"
    assert words_for().distance(800, "metric") == "800 metres"
    assert words_for().distance(1500, "metric") == "1.5 kilometres"
    assert words_for().distance(1609.344, "imperial") == "1 mile"
    assert words_for().distance(400, "imperial") == "400 metres"
    assert parse_distance("400mtr") == 400
    assert parse_distance("1mi") == 1609.344


def test_a_distance_takes_its_time_from_the_pace_and_is_announced_once(
    write_routine: WriteRoutine,
) -> None:
    routine = load_routine(write_routine(TRACK))
    timeline = expand(routine, measure)
    fast = [b for b in timeline.blocks if b.exercise == "Fast"]
    # 800 m at the middle of 4:05 and 4:15 per km (as speeds): 199.9 s, a watch's 200 s
    assert [b.stop_ms - b.go_ms for b in fast] == [200_000, 200_000]
    assert fast[0].distance_m == 800
    assert fast[0].target == "4:05-4:15/km"
    texts = [c.text for c in timeline.cues if c.exercise == "Fast" and c.kind == "speech"]
    estimates = [t for t in texts if "about 3 minutes and 20 seconds" in t]
    assert estimates == [
        "Fast. 800 metres, about 3 minutes and 20 seconds, at 4 oh 5 to 4 15 per kilometre."
    ]
    assert "Fast, 800 metres, at 4 oh 5 to 4 15 per kilometre." in texts  # the change-over
    intensities = {b.exercise: b.intensity for b in timeline.blocks}
    assert intensities == {
        "Warm-up jog": "warmup",
        "Fast": "active",
        "Jog": "recovery",
        "Sweet spot": "active",
    }


def test_say_messages_land_at_their_time_and_win_over_halfway(
    write_routine: WriteRoutine,
) -> None:
    routine = load_routine(write_routine(TRACK))
    timeline = expand(routine, measure)
    for block in timeline.blocks:
        said = [c for c in timeline.cues if c.name == "say" and block.go_ms <= c.start_ms]
        said = [c for c in said if c.start_ms < block.stop_ms]
        if block.exercise == "Jog":
            assert [(c.start_ms - block.go_ms, c.text) for c in said] == [
                (30_000, "Shake out your arms.")
            ]
        if block.exercise == "Sweet spot":
            # "Find your rhythm." at 0 is said at the go (after the tone) and the change-over's
            # call right after it; the 6 m message is on time
            change = next(
                c for c in timeline.cues if c.name == "change" and c.start_ms > block.go_ms - 1
            )
            assert said[0].text == "Find your rhythm."
            assert said[0].start_ms - block.go_ms <= 500
            assert change.start_ms - said[0].end_ms == 250
            assert (said[1].start_ms - block.go_ms, said[1].text) == (
                360_000,
                "Halfway. Hold the same effort.",
            )
            assert not [
                c for c in timeline.cues if c.name == "halfway" and c.exercise == "Sweet spot"
            ]
    assert any("left out the 'halfway' cue" in w for w in timeline.warnings)
    reminders = [c for c in timeline.cues if c.name == "target"]
    warm = next(b for b in timeline.blocks if b.exercise == "Warm-up jog")
    assert [(c.start_ms - warm.go_ms, c.text) for c in reminders] == [
        (120_000, "Keep it easy."),
        (240_000, "Keep it easy."),
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "  - {name: Run, distance: 1km}\n",
            'exercises[0]: expected a pace to time the distance (target: {pace: "4:30/km"} or '
            '{speed: "12 km/h"}), found no target',
        ),
        (
            "  - {name: Run, distance: 1km, target: {heart_rate: zone 2}}\n",
            'exercises[0]: expected a pace to time the distance (target: {pace: "4:30/km"} or '
            '{speed: "12 km/h"}), found a heart rate target',
        ),
        (
            '  - {name: Run, distance: 1km, target: {pace: "90%"}}\n',
            "exercises[0]: expected 'athlete: {threshold_pace: ...}' to time a distance at a "
            "pace relative to threshold, found none (the target is '90%')",
        ),
        (
            '  - {name: Run, duration: 1m, target: {pace: "fast"}}\n',
            "exercises[0].target.pace: expected a pace such as '4:30/km', '4:05-4:15/km', "
            "'7:30/mi' or '95%', found 'fast'",
        ),
        (
            "  - {name: Run, duration: 1m, target: {pace: '4:30/km', power: 200 W}}\n",
            "exercises[0].target: expected one of pace, speed, heart_rate, power, effort, found "
            "pace and power; keep one",
        ),
        (
            "  - {name: Run, duration: 1m, target: sleepy}\n",
            "exercises[0].target: expected a target: {pace: ...}, {heart_rate: ...}, ..., or an "
            "effort (easy, steady, tempo, threshold, hard, all out) or RPE 1-10, found 'sleepy'",
        ),
        (
            "  - {name: Run, duration: 1m, say: [{at: 10s}]}\n",
            "exercises[0].say[0]: expected both 'at' (from the go) and 'text', found only at",
        ),
        (
            "  - {name: Run, reps: 3, distance: 400m}\n",
            "exercises[0].distance: expected one of 'reps', 'duration' or 'distance', found "
            "both 'reps' and 'distance'; keep one",
        ),
        (
            "  - {name: Run, distance: far}\n",
            'exercises[0].distance: expected a distance such as 800m, "1.5km", "1mi" or 400 '
            "(metres), found 'far'",
        ),
    ],
)
def test_bad_targets_and_distances_get_one_clear_line(
    write_routine: WriteRoutine, body: str, message: str
) -> None:
    path = write_routine("title: X\nexercises:\n" + body)
    with pytest.raises(RoutineError) as caught:
        load_routine(path)
    assert str(caught.value) == f"{path}:3: {message}"


def test_imperial_units_read_a_bare_pace_per_mile(write_routine: WriteRoutine) -> None:
    routine = load_routine(
        write_routine(
            "title: Miles\nunits: imperial\nexercises:\n"
            '  - {name: Mile, distance: 1mi, target: {pace: "8:00"}}\n'
        )
    )
    timeline = expand(routine, measure)
    assert timeline.blocks[0].stop_ms - timeline.blocks[0].go_ms == 480_000
    assert any(
        c.text == "Mile. 1 mile, about 8 minutes, at 8 minutes per mile." for c in timeline.cues
    )
