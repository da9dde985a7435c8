from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.paths import REPO, SEED_ROUTINE
from tests.support.routines import BAD, WriteRoutine
from voicecoach.errors import RoutineError, closest
from voicecoach.routine.loading import load_routine
from voicecoach.routine.model import Exercise, Repeat


def test_the_seed_routine_loads_with_every_exercise() -> None:
    routine = load_routine(SEED_ROUTINE)
    assert routine.title == "Leg Workout for Runners"
    names = [e.name for e in routine.exercises()]
    assert names == ["Calf raises", "Kickbacks", "Lunges", "Shin pulls", "Squats"]
    calves = routine.exercises()[0]
    assert [s.reps for s in calves.sets] == [15, 15]
    assert [s.note for s in calves.sets] == [
        "Keep your legs straight.",
        "Now with your knees slightly bent.",
    ]
    for exercise in routine.exercises():
        assert exercise.tips, f"{exercise.name} has no form tip"
        assert all(10 <= (s.reps or 0) <= 20 for s in exercise.sets)
    assert routine.exercises()[1].sides == ("left leg", "right leg")
    assert routine.exercises()[2].sides == ("left leg", "right leg")


def test_the_contract_example_loads_as_the_contract_describes() -> None:
    routine = load_routine(REPO / "tests" / "routines" / "contract-example.yaml")
    assert routine.voice.name == "en-us"
    assert routine.voice.rate == 165
    calves, lunges, run, block = routine.items
    assert isinstance(calves, Exercise)
    assert isinstance(block, Repeat)
    assert [s.note for s in calves.sets] == ["Legs straight.", "Knees slightly bent."]
    assert calves.sets[0].rest_ms == 30_000
    assert calves.sets[0].tempo_ms == 3_000
    assert isinstance(lunges, Exercise)
    assert lunges.sides == ("left", "right")
    assert lunges.switch_ms == 5_000
    assert isinstance(run, Exercise)
    assert run.sets[0].duration_ms == 240_000
    assert block.times == 4
    jog, _walk = block.items
    assert isinstance(jog, Exercise)
    assert jog.sets[0].duration_ms == 60_000
    assert jog.sets[0].rest_ms == 0
    assert routine.cues.templates["rest"] is not None
    assert routine.cues.templates["rest"].alternatives == ("Rest for {seconds} seconds.",)


def test_overrides_flow_from_defaults_to_exercise_to_set(write_routine: WriteRoutine) -> None:
    routine = load_routine(
        write_routine("""
        title: T
        defaults: {rest: 20s, tempo: 2s, switch: 4s, countdown: 5}
        cues: {go: Top, stop: Halt}
        exercises:
          - name: A
            reps: 10
            tempo: 4s
            countdown: 0
            cues: {go: Mine}
            sets:
              - {}
              - {reps: 5, tempo: "1.5s", rest: "1:00", note: Easy}
              - {duration: 30}
          - name: B
            duration: 1m30s
            sets: 2
        """)
    )
    a, b = routine.items
    assert isinstance(a, Exercise)
    assert isinstance(b, Exercise)
    assert a.countdown == 0
    assert a.switch_ms == 4_000
    assert [(s.reps, s.duration_ms, s.tempo_ms, s.rest_ms, s.note) for s in a.sets] == [
        (10, None, 4_000, 20_000, None),
        (5, None, 1_500, 60_000, "Easy"),
        (None, 30_000, 4_000, 20_000, None),
    ]
    assert a.cues.templates["go"].alternatives == ("Mine",)  # type: ignore[union-attr]
    assert a.cues.templates["stop"].alternatives == ("Halt",)  # type: ignore[union-attr]
    assert b.countdown == 5
    assert [s.duration_ms for s in b.sets] == [90_000, 90_000]


def test_silenced_and_alternative_cues(write_routine: WriteRoutine) -> None:
    routine = load_routine(
        write_routine("""
        title: T
        cues:
          rest: ""
          next: null
          go: [Go!, Push!]
        exercises: [{name: A, reps: 3}]
        """)
    )
    assert routine.cues.templates["rest"] is None
    assert routine.cues.templates["next"] is None
    assert routine.cues.templates["go"].alternatives == ("Go!", "Push!")  # type: ignore[union-attr]


def _error(path: Path) -> str:
    with pytest.raises(RoutineError) as caught:
        load_routine(path)
    return str(caught.value)


@pytest.mark.parametrize(("text", "message"), BAD, ids=[m.split(":")[1][:40] for _, m in BAD])
def test_bad_routines_get_one_exact_message(
    write_routine: WriteRoutine, text: str, message: str
) -> None:
    path = write_routine(text)
    where = f"{path}:" if message[0].isdigit() else str(path)
    assert _error(path) == where + message


def test_a_runaway_text_is_refused(write_routine: WriteRoutine) -> None:
    path = write_routine(
        "title: X\nexercises:\n  - name: A\n    reps: 3\n    tips: [" + "a" * 2001 + "]\n"
    )
    assert _error(path) == (
        f"{path}:5: exercises[0].tips[0]: expected at most 2000 characters, found 2001"
    )


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("title: Übung\n".encode("latin-1"))
    assert _error(path) == (
        f"{path}:1: expected UTF-8 text, found the byte 0xdc; save the file as UTF-8"
    )


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert _error(tmp_path / "nope.yaml") == f"{tmp_path / 'nope.yaml'}: no such file"
    assert _error(tmp_path) == f"{tmp_path}: expected a routine file, found a directory"


def test_alias_bombs_are_refused_before_they_cost_memory(tmp_path: Path) -> None:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    assert _error(path) == (
        f"{path}: expected at most 200000 values once aliases are expanded, found more "
        "(an alias bomb?)"
    )


def test_aliases_within_reason_are_fine(write_routine: WriteRoutine) -> None:
    routine = load_routine(
        write_routine("""
        title: T
        exercises:
          - &squat {name: Squats, reps: 5}
          - *squat
        """)
    )
    assert len(routine.items) == 2
    assert routine.items[0] == routine.items[1]


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("rpes", "reps"),
        ("durtaion", "duration"),
        ("tmepo", "tempo"),
        ("nmae", "name"),
        ("side", "sides"),
        ("zzzzzz", None),
    ],
)
def test_closest_key(typo: str, meant: str | None) -> None:
    assert closest(typo, ("name", "reps", "rest", "duration", "tempo", "sides")) == meant


@pytest.mark.parametrize(
    ("field", "escape", "code"),
    [
        ("title", "\\v", "000B"),
        ("title", "\\x01", "0001"),
        ("title", "\\e]0;pwned\\a", "001B"),
        ("title", "\\0", "0000"),
        ("title", "\\r", "000D"),
        ("title", "\\x85", "0085"),
        ("title", "\\n", "000A"),
        ("description", "\\x9b", "009B"),
        ("name", "\\t", "0009"),
        ("tip", "\\r", "000D"),
    ],
)
def test_control_characters_are_refused_in_every_text_field(
    tmp_path: Path, field: str, escape: str, code: str
) -> None:
    text = f'"Plan{escape}x"'
    lines = {
        "title": f"title: {text if field == 'title' else 'T'}",
        "description": f"description: {text if field == 'description' else 'D'}",
        "exercise": f"  - name: {text if field == 'name' else 'Hop'}",
        "reps": "    reps: 2",
        "tips": f"    tips: [{text if field == 'tip' else 'ok'}]",
    }
    path = tmp_path / "r.yaml"
    path.write_text(
        "\n".join([lines["title"], lines["description"], "exercises:", lines["exercise"],
                   lines["reps"], lines["tips"]]) + "\n"
    )  # fmt: skip
    where = {"title": "1: title", "description": "2: description",
             "name": "4: exercises[0].name", "tip": "6: exercises[0].tips[0]"}[field]  # fmt: skip
    allowed = " (a line break is allowed in a description or a tip)" if code == "000A" else ""
    with pytest.raises(RoutineError) as refused:
        load_routine(path)
    assert str(refused.value) == (
        f"{path}:{where}: expected text without control characters{allowed}, found U+{code}"
    )


def test_a_line_break_is_prose_in_a_description_or_a_tip(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(
        'title: T\ndescription: "Two\\nlines"\nexercises:\n'
        '  - {name: Hop, reps: 2, tips: ["x\\n[00:00.00]INJECTED"]}\n'
    )
    routine = load_routine(path)
    assert routine.description == "Two\nlines"
