"""Workout files that crashed, were read wrong or were silently changed (issue 29).

Each file is built here, FIT ones with garmin-fit-sdk's own Encoder, and read through the
real readers and the real CLI.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.support.workouts import fit_steps, planned, unrolled
from voicecoach import limits
from voicecoach.cli import main
from voicecoach.errors import RoutineError
from voicecoach.sources import open_routine
from voicecoach.timeline import expand
from voicecoach.workouts.reading import read_workout

WriteRoutine = Callable[..., Path]


def measure(text: str) -> int:
    return 50 * len(text)


def timed(ms: int, **fields: Any) -> dict[str, Any]:
    return {"duration_type": "time", "duration_value": ms, **fields}


def repeat(first: int, times: int) -> dict[str, Any]:
    return {
        "duration_type": "repeat_until_steps_cmplt",
        "duration_value": first,
        "target_value": times,
    }


def fit_file(path: Path, steps: list[dict[str, Any]], name: str = "Hostile") -> Path:
    """A FIT workout of `steps`, numbered in order unless a step says its own index."""
    from garmin_fit_sdk import Encoder, Profile

    numbers = Profile["mesg_num"]
    encoder = Encoder()
    encoder.write_mesg({"mesg_num": numbers["FILE_ID"], "type": "workout", "manufacturer": 255})
    encoder.write_mesg({"mesg_num": numbers["WORKOUT"], "wkt_name": name})
    for index, step in enumerate(steps):
        encoder.write_mesg({"mesg_num": numbers["WORKOUT_STEP"], "message_index": index, **step})
    path.write_bytes(encoder.close())
    return path


def text_file(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def error_line(path: Path, command: str = "validate") -> str:
    """The whole of stderr of a command that refuses `path`, which must be one line."""
    args = [command, str(path)] + (["-o", "-"] if command == "import" else [])
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    return lines[0]


# -- 1. a step numbered 4095, which garmin-fit-sdk reads as 'mask' -----------------------


def test_a_fit_step_numbered_4095_is_read_in_its_place(tmp_path: Path) -> None:
    path = fit_file(
        tmp_path / "mask.fit",
        [timed(2000, wkt_step_name="First"), timed(3000, wkt_step_name="Last", message_index=4095)],
    )
    assert [(e["name"], e["duration"]) for e in read_workout(path).document["exercises"]] == [
        ("First", "2s"),
        ("Last", "3s"),
    ]
    runner = CliRunner()
    for args in (["validate"], ["plan", "--estimate"], ["import", "-o", "-"]):
        result = runner.invoke(main, [*args, str(path)])
        assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    result = runner.invoke(main, ["build", str(path), "-q", "--output-dir", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "hostile.mp3").stat().st_size > 0


def test_a_fit_file_of_4096_steps_is_refused_by_the_step_limit(tmp_path: Path) -> None:
    # the 4096th step is numbered 4095: the SDK's 'mask'
    path = fit_file(tmp_path / "many.fit", [timed(1000)] * 4096)
    assert error_line(path, "import") == (
        f"Error: {path}: expected a workout of at most 2000 steps (repeats counted out), found more"
    )


# -- 2, 3, 9, 12. intervals.icu text refused in its own words ----------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "Main " + "9" * 5000 + "x\n- 1m 60%\n",
            "line 1: expected a number of at most 6 digits, found '999999999999…' (5000 "
            "characters)",
        ),
        (
            "- " + "9" * 5000 + "m 60%\n",
            "line 1: expected a number of at most 6 digits, found '999999999999…' (5001 "
            "characters)",
        ),
        ("- 99999h 60%\n", "line 1: expected a step of at most 24 hours, found '99999h'"),
        ("- 5m 1:45/0m Pace\n", "line 1: expected a pace per a distance above 0, found '1:45/0m'"),
        ("- 5m 1:45/0y Pace\n", "line 1: expected a pace per a distance above 0, found '1:45/0y'"),
        ("- 5m -10%\n", "line 1: expected a percentage of 0 or more, found '-10%'"),
        ("- 5m Z9\n", "line 1: expected a zone from Z1 to Z7, found 'Z9'"),
        ("- 5m Z0\n", "line 1: expected a zone from Z1 to Z7, found 'Z0'"),
        ("- 5m RPE99\n", "line 1: expected an effort from RPE1 to RPE10, found 'RPE99'"),
        ("- 5m RPE0\n", "line 1: expected an effort from RPE1 to RPE10, found 'RPE0'"),
        (
            "- 5m Z6 HR\n",
            "line 1: expected a heart-rate zone from 1 to 5, found 'Z6 HR'",
        ),
        (
            "Outer 10x\nInner 10x\n- 1m 60%\n- 1m 90%\n",
            "line 2: expected the steps of 'Outer 10x' (line 1), found the heading 'Inner "
            "10x'; intervals.icu has no repeat inside a repeat",
        ),
        ("Main 3x\n\n- 1m 60%\n", "line 1: expected steps under 'Main 3x', found none"),
        (
            "- 800m 3:45/km Pace\n",
            "line 1: expected a step of at most 6 hours at 3:45/km, found '800m' (800 "
            "minutes: in intervals.icu m is minutes; metres are written 800mtr or 0.8km)",
        ),
        (
            "Main 1000x\n- 1m 90%\n- 1m 50%\n- 1m 70%\n",
            "expected a workout of at most 2000 steps (repeats counted out), found more",
        ),
    ],
)
def test_intervals_icu_text_is_refused_in_its_own_words(
    tmp_path: Path, text: str, message: str
) -> None:
    path = text_file(tmp_path / "bad.txt", text)
    for command in ("validate", "import"):
        assert error_line(path, command) == f"Error: {path}: {message}"


def test_a_step_in_minutes_that_its_pace_makes_a_marathon_says_m_is_minutes(
    tmp_path: Path,
) -> None:
    path = text_file(tmp_path / "strides.txt", "- 200m 3:30/km Pace\n- 100m 6:00/km Pace\n")
    assert read_workout(path).warnings == [
        "line 1: '200m' is 200 minutes, 57 km at 3:30/km (in intervals.icu m is minutes; "
        "metres are written 200mtr)"
    ]
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 0
    assert "'200m' is 200 minutes" in result.stderr


# -- 4. the step limit counts every step, repeats counted out, in every reader -----------


@pytest.mark.parametrize(
    ("name", "make"),
    [
        (
            "nested.fit",
            lambda path: fit_file(path, [timed(1000), repeat(0, 100), repeat(0, 100)]),
        ),
        (
            "wide.zwo",
            lambda path: text_file(
                path,
                '<workout_file><workout><IntervalsT Repeat="1000" OnDuration="1" '
                'OffDuration="1"/><SteadyState Duration="1" Power="0.5"/></workout>'
                "</workout_file>",
            ),
        ),
        ("wide.txt", lambda path: text_file(path, "Main 1000x\n- 1s 90%\n- 1s 50%\n- 1s 60%\n")),
    ],
)
def test_the_step_limit_counts_nested_repeats_out(
    tmp_path: Path, name: str, make: Callable[[Path], Path]
) -> None:
    path = make(tmp_path / name)
    with pytest.raises(RoutineError) as caught:
        read_workout(path)
    assert str(caught.value) == (
        f"{path}: expected a workout of at most {limits.MAX_WORKOUT_STEPS} steps (repeats "
        "counted out), found more"
    )


def test_nested_fit_repeats_under_the_limit_are_every_step(tmp_path: Path) -> None:
    path = fit_file(
        tmp_path / "nested.fit",
        [
            timed(2000, wkt_step_name="On"),
            timed(1000, wkt_step_name="Off"),
            repeat(0, 3),
            repeat(0, 2),
        ],
    )
    assert [b.exercise for b in planned(path).blocks] == ["On", "Off"] * 6


# -- 9, 10, 14. FIT values refused or kept whole ------------------------------------------


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        (
            [timed(1000, target_type="heart_rate", target_value=9)],
            "step 1: expected a heart-rate zone from 1 to 5, found zone 9",
        ),
        (
            [
                timed(
                    1000,
                    wkt_step_name="Fast",
                    target_type="heart_rate",
                    target_value=0,
                    custom_target_value_low=500,
                    custom_target_value_high=500,
                )
            ],
            "step 1 (Fast): expected a heart rate from 40 to 240 bpm, found 400 bpm",
        ),
        ([timed(0, wkt_step_name="Tempo")], "step 1 (Tempo): expected a time above 0, found 0 s"),
        (
            [timed(4_000_000_000)],
            "step 1: expected a time of at most 24 hours, found 1111.1 h",
        ),
        (
            [{"duration_type": "reps", "duration_value": 0}],
            "step 1: expected reps from 1 to 1000, found 0",
        ),
        ([timed(1000), repeat(0, 0)], "step 2: expected a repeat count of 1 or more, found 0"),
    ],
)
def test_fit_values_a_workout_cannot_have_are_refused(
    tmp_path: Path, steps: list[dict[str, Any]], message: str
) -> None:
    path = fit_file(tmp_path / "bad.fit", steps)
    for command in ("validate", "import"):
        assert error_line(path, command) == f"Error: {path}: {message}"


def test_a_fit_string_holding_nul_keeps_its_words(tmp_path: Path) -> None:
    path = fit_file(
        tmp_path / "nul.fit",
        [timed(60_000, wkt_step_name="Tempo\0Run", notes="Hold\0it")],
        name="Threshold\0Day",
    )
    document = read_workout(path).document
    assert document["title"] == "Threshold Day"
    assert document["exercises"][0]["name"] == "Tempo Run"
    assert document["exercises"][0]["tips"] == ["Hold it"]


# -- 5, 6. `build --fit` writes what FIT holds, and reads back as the routine -------------


@pytest.mark.slow
def test_a_session_fit_cannot_number_is_refused_not_written(
    tmp_path: Path, write_routine: WriteRoutine
) -> None:
    from voicecoach.workouts.fit_out import workout_fit

    # 65 different blocks a round: longer than a round `--fit` looks for, so 4225 steps
    lines = ["title: Many", "defaults: {rest: 0}", "exercises:", "  - repeat: 65"]
    lines += ["    exercises:", *(f"      - {{name: E{i}, duration: 3s}}" for i in range(65))]
    path = write_routine("\n".join(lines) + "\n")
    routine = open_routine(path)
    with pytest.raises(RoutineError) as caught:
        workout_fit(expand(routine, measure), routine)
    assert str(caught.value) == (
        f"{path}: expected a session a FIT workout can hold, at most 4095 steps (identical "
        "rounds written once), found 4226"
    )


@pytest.mark.slow
def test_our_own_fit_reads_back_as_the_routine_without_lead_in(
    tmp_path: Path, write_routine: WriteRoutine
) -> None:
    from voicecoach.workouts.fit_out import workout_fit

    path = write_routine(
        """
        title: Long one
        exercises:
          - {name: Warm-up, duration: 1m, target: {power: "60%"}, rest: 20}
          - repeat: 700
            exercises:
              - {name: Fast, duration: 20s, target: {power: "110%"}, rest: 5}
              - {name: Easy, duration: 10s, target: {heart_rate: "140"}, rest: 0}
        """
    )
    routine = open_routine(path)
    original = expand(routine, measure)
    fit = tmp_path / "long-one.fit"
    fit.write_bytes(workout_fit(original, routine))
    # the lead-in step is there for the watch, marked as ours
    assert [s["wkt_step_name"] for s in fit_steps(fit)[:2]] == ["Get ready", "Warm-up"]
    result = CliRunner().invoke(main, ["import", str(fit), "-o", "-"])
    assert result.exit_code == 0, result.output
    exercises = read_workout(fit).document["exercises"]
    assert exercises[0] == {
        "name": "Warm-up",
        "duration": "1m",
        "target": {"power": "60%"},
        "intensity": "warmup",
        "rest": "20s",
    }
    assert exercises[1]["repeat"] == 700
    assert [(e["name"], e["target"], e.get("rest")) for e in exercises[1]["exercises"]] == [
        ("Fast", {"power": "110%"}, "5s"),
        ("Easy", {"heart_rate": "140"}, None),
    ]
    again = expand(open_routine(fit), measure)
    assert [(b.exercise, b.go_ms, b.stop_ms) for b in again.blocks] == [
        (b.exercise, b.go_ms, b.stop_ms) for b in original.blocks
    ]


# -- 7, 8. intervals.icu sections and recoveries ------------------------------------------


def test_an_intervals_icu_section_ends_at_a_blank_line(tmp_path: Path) -> None:
    path = text_file(
        tmp_path / "run.txt", "Warmup\n- 5m Z1 HR\n\n- 1km Strides\n- 5m 80%\nCooldown\n- 5m 50%\n"
    )
    exercises = read_workout(path).document["exercises"]
    assert [(e["name"], e.get("intensity")) for e in exercises] == [
        ("Warmup", "warmup"),
        ("Strides", None),
        ("Step", None),
        ("Cooldown", "cooldown"),
    ]
    assert [b.intensity for b in planned(path).blocks] == ["warmup", "active", "active", "cooldown"]


def test_the_easier_step_of_a_repeat_is_a_recovery_named_by_its_own_text(
    tmp_path: Path,
) -> None:
    from voicecoach.workouts.fit_out import workout_fit

    path = text_file(
        tmp_path / "track.txt", "4x\n- 3m 4:05-4:15/km Pace Push on\n- 2m 70% HR easy jog\n"
    )
    timeline = planned(path)
    assert [(b.exercise, b.intensity) for b in timeline.blocks] == [
        ("Push on", "active"),
        ("easy jog", "recovery"),
    ] * 4
    said = [c.text for c in timeline.cues]
    assert "10 seconds, then Interval." not in said
    assert said.count("10 seconds, then easy jog.") == 4
    assert [c.title for c in timeline.chapters][1:3] == ["Push on (1/4)", "easy jog (1/4)"]
    routine = open_routine(path)
    fit = tmp_path / "track.fit"
    fit.write_bytes(workout_fit(timeline, routine))
    assert [s["intensity"] for s in unrolled(fit_steps(fit))][1:3] == ["active", "recovery"]


@pytest.mark.parametrize(
    ("hard", "easy"),
    [("4:05/km Pace", "5:30/km Pace"), ("90% HR", "75% HR"), ("110%", "65%"), ("250w", "150w")],
)
def test_the_easier_step_by_any_kind_of_target_is_the_recovery(
    tmp_path: Path, hard: str, easy: str
) -> None:
    path = text_file(tmp_path / "reps.txt", f"Main 3x\n- 3m {easy}\n- 2m {hard}\n")
    exercises = read_workout(path).document["exercises"][0]["exercises"]
    assert [(e["name"], e.get("intensity")) for e in exercises] == [
        ("Recovery", "recovery"),
        ("Main", None),
    ]


# -- 9, 11. ZWO messages: late ones warned of, two lines of one message joined -------------


def test_zwo_messages_late_ones_are_warned_of_and_one_message_is_one_utterance(
    tmp_path: Path,
) -> None:
    path = text_file(
        tmp_path / "warm.zwo",
        "<workout_file><name>Warm</name><workout>"
        '<Warmup Duration="120" PowerLow="0.5" PowerHigh="0.7">'
        '<textevent timeoffset="10" message="Time to get warmed up and"/>'
        '<textevent timeoffset="10" message="get your cadence up to 90-100rpm"/>'
        '<textevent timeoffset="130" message="Too late"/></Warmup>'
        "</workout></workout_file>",
    )
    read = read_workout(path)
    assert read.document["exercises"][0]["say"] == [
        {"at": "10s", "text": "Time to get warmed up and get your cadence up to 90 to 100 rpm"}
    ]
    assert read.warnings == [
        "step 1 (Warmup): left out the textevent ('Too late') at 130 s: the step lasts 120 s"
    ]
    said = [c.text for c in planned(path).cues if c.name == "say"]
    assert said == ["Time to get warmed up and get your cadence up to 90 to 100 rpm"]


def test_a_zwo_repeat_of_part_of_a_round_is_refused(tmp_path: Path) -> None:
    path = text_file(
        tmp_path / "half.zwo",
        '<workout_file><workout><IntervalsT Repeat="2.5" OnDuration="60" OffDuration="60" '
        'OnPower="1.1" OffPower="0.5"/></workout></workout_file>',
    )
    assert error_line(path) == (
        f"Error: {path}: step 1 (IntervalsT): expected Repeat as a whole number of 1 or more, "
        "found '2.5'"
    )


@pytest.mark.parametrize(
    ("sport", "of"), [("bike", "FTP from 0 to 5"), ("run", "threshold pace from 0.1 to 2")]
)
def test_a_zwift_power_is_refused_as_the_file_writes_it(
    tmp_path: Path, sport: str, of: str
) -> None:
    path = text_file(
        tmp_path / "p.zwo",
        f"<workout_file><name>P</name><sportType>{sport}</sportType><workout>"
        '<SteadyState Duration="300" Power="100"/></workout></workout_file>',
    )
    assert error_line(path) == (
        f"Error: {path}: step 1 (SteadyState): expected Power as a fraction of {of} "
        "(1 is 100 %), found '100'"
    )
