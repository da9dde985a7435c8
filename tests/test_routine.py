from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import REPO, SEED_ROUTINE
from voicecoach.errors import RoutineError
from voicecoach.loader import load_routine
from voicecoach.model import Exercise, Repeat
from voicecoach.suggest import closest

WriteRoutine = Callable[..., Path]


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
    assert routine.voice.name == "en-us" and routine.voice.rate == 165
    calves, lunges, run, block = routine.items
    assert isinstance(calves, Exercise) and isinstance(block, Repeat)
    assert [s.note for s in calves.sets] == ["Legs straight.", "Knees slightly bent."]
    assert calves.sets[0].rest_ms == 30_000 and calves.sets[0].tempo_ms == 3_000
    assert isinstance(lunges, Exercise)
    assert lunges.sides == ("left", "right") and lunges.switch_ms == 5_000
    assert isinstance(run, Exercise) and run.sets[0].duration_ms == 240_000
    assert block.times == 4
    jog, walk = block.items
    assert isinstance(jog, Exercise) and jog.sets[0].duration_ms == 60_000
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
    assert isinstance(a, Exercise) and isinstance(b, Exercise)
    assert a.countdown == 0 and a.switch_ms == 4_000
    assert [(s.reps, s.duration_ms, s.tempo_ms, s.rest_ms, s.note) for s in a.sets] == [
        (10, None, 4_000, 20_000, None),
        (5, None, 1_500, 60_000, "Easy"),
        (None, 30_000, 4_000, 20_000, None),
    ]
    assert a.cues.templates["go"].alternatives == ("Mine",)  # type: ignore[union-attr]
    assert a.cues.templates["stop"].alternatives == ("Halt",)  # type: ignore[union-attr]
    assert b.countdown == 5 and [s.duration_ms for s in b.sets] == [90_000, 90_000]


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


BAD = [
    (
        "title: 2024-01-01\nexercises: [{name: A, reps: 3}]\n",
        "1: title: expected text, found the date 2024-01-01",
    ),
    (
        'title: X\nexercises:\n  - name: A\n    reps: 3\n    tips: ["Smile \\ud83d"]\n',
        "5: exercises[0].tips[0]: expected text without lone surrogates (half an emoji, such as "
        "\\ud83d), found 'Smile \\ud83d'",
    ),
    (
        "title: X\nexercises:\n  - name: A\n    rpes: 10\n",
        "4: exercises[0]: unknown key 'rpes' — did you mean 'reps'?",
    ),
    (
        "title: X\nexercises:\n  - name: A\n    reps: 10\n    duration: 30s\n",
        "5: exercises[0].duration: expected one of 'reps', 'duration' or 'distance', found both "
        "'reps' and 'duration'; keep one",
    ),
    (
        "title: X\nexercises:\n\t- name: A\n",
        "3: invalid YAML: found character '\\t' that cannot start any token (column 1); "
        "indent with spaces, not tabs",
    ),
    (
        "title: X\nexercises: [\n",
        "3: invalid YAML: expected the node content, but found '<stream end>' (column 1)",
    ),
    ("", ": expected a routine (a mapping with 'title' and 'exercises'), found an empty file"),
    ("- a\n- b\n", "1: expected a routine: a mapping with 'title' and 'exercises', found a list"),
    (
        "just words\n",
        "1: expected a routine: a mapping with 'title' and 'exercises', found 'just words'",
    ),
    (
        "title: ''\nexercises: [{name: A, reps: 3}]\n",
        "1: title: expected non-empty text, found an empty string",
    ),
    ("exercises: [{name: A, reps: 3}]\n", "1: expected a 'title', found none"),
    ("title: X\n", "1: expected 'exercises' (a list of at least one exercise), found none"),
    (
        "title: X\nexercises: []\n",
        "2: exercises: expected a list of at least one exercise, found an empty list",
    ),
    (
        "title: X\nexercises:\n  - reps: 10\n",
        "3: exercises[0]: expected 'name' on the exercise, found only reps",
    ),
    (
        "title: X\nexercises:\n  - name: A\n    reps: 2.5\n",
        "4: exercises[0].reps: expected a whole number from 1 to 1000 (repetitions), found 2.5",
    ),
    (
        "title: X\nexercises:\n  - name: A\n    reps: -3\n",
        "4: exercises[0].reps: expected a whole number from 1 to 1000 (repetitions), found -3",
    ),
    (
        "title: X\nexercises:\n  - name: A\n    reps: ten\n",
        "4: exercises[0].reps: expected a whole number from 1 to 1000 (repetitions), found 'ten'",
    ),
    (
        "title: X\nexercises:\n  - name: A\n    reps: 3\n    sets: 0\n",
        "5: exercises[0].sets: expected a whole number from 1 to 100 (sets), found 0",
    ),
    (
        "title: X\nexercises:\n  - name: A\n    duration: soon\n",
        '4: exercises[0].duration: expected a duration such as 30, "45s", "4m", "1m30s" or '
        "\"1:30\", found 'soon'",
    ),
    (
        "title: X\nexercises:\n  - name: A\n    duration: 0\n",
        "4: exercises[0].duration: expected a duration above zero, found 0",
    ),
    (
        "title: X\nexercises:\n  - name: A\n    reps: 3\n    tempo: 0s\n",
        "5: exercises[0].tempo: expected a duration above zero, found '0s'",
    ),
    (
        "title: X\ncues:\n  gogo: Go\nexercises: [{name: A, reps: 3}]\n",
        "3: cues: unknown key 'gogo' — did you mean 'go'?",
    ),
    (
        "title: X\ncues:\n  rep: '{rep.__class__}'\nexercises: [{name: A, reps: 3}]\n",
        "3: cues.rep: expected only the placeholders {rep}, {reps}, {remaining}, found "
        "{rep.__class__}",
    ),
    (
        "title: X\ncues:\n  rep: '{rep[0]}'\nexercises: [{name: A, reps: 3}]\n",
        "3: cues.rep: expected only the placeholders {rep}, {reps}, {remaining}, found {rep[0]}",
    ),
    (
        "title: X\ncues:\n  rep: '{rep!r}'\nexercises: [{name: A, reps: 3}]\n",
        "3: cues.rep: expected only the placeholders {rep}, {reps}, {remaining}, found {rep!r}",
    ),
    (
        "title: X\ncues:\n  rep: '{rep:>999999999}'\nexercises: [{name: A, reps: 3}]\n",
        "3: cues.rep: expected only the placeholders {rep}, {reps}, {remaining}, found "
        "{rep:>999999999}",
    ),
    (
        "title: X\ncues:\n  rep: 'Rep {rep'\nexercises: [{name: A, reps: 3}]\n",
        "3: cues.rep: unbalanced braces at character 5 (expected '}' before end of string); "
        "write '{{' and '}}' for literal braces",
    ),
    (
        "title: X\nexercises:\n  - name: A\n    reps: 3\n    cues:\n      go: [Go, '{title}']\n",
        "6: exercises[0].cues.go[1]: expected only the placeholders {name}, found {title}",
    ),
    (
        "title: X\nexercises:\n  - repeat: 0\n    exercises: [{name: A, reps: 3}]\n",
        "3: exercises[0].repeat: expected a whole number from 1 to 1000 (times to repeat), found 0",
    ),
    (
        "title: X\nvoice:\n  rate: 2000\nexercises: [{name: A, reps: 3}]\n",
        "3: voice.rate: expected a whole number from 80 to 450 (words per minute), found 2000",
    ),
    (
        "title: X\nvoice:\n  volume: 1.5\nexercises: [{name: A, reps: 3}]\n",
        "3: voice.volume: expected a number from 0.0 to 1.0, found 1.5",
    ),
    (
        "title: X\nvoice:\n  engine: sapi\nexercises: [{name: A, reps: 3}]\n",
        "3: voice.engine: expected one of pyttsx3, piper, found 'sapi'",
    ),
    (
        "title: X\nexercises:\n  - name: A\n    reps: 3\n    sides: []\n",
        "5: exercises[0].sides: expected a list of side names such as [left, right], found an "
        "empty list",
    ),
    (
        "title: X\nexercises:\n  - name: A\n    reps: 3\n    sets:\n      - reps: 3\n"
        "      - {reps: 4, duration: 3s}\n",
        "7: exercises[0].sets[1].duration: expected one of 'reps', 'duration' or 'distance', "
        "found both 'reps' and 'duration'; keep one",
    ),
    (
        "title: X\nexercises:\n  - name: A\n",
        "3: exercises[0]: expected 'reps' (counted repetitions), 'duration' (a timed block) or "
        "'distance', found none",
    ),
    (
        "title: X\ntitle: Y\nexercises: [{name: A, reps: 3}]\n",
        "2: key 'title' appears twice in the same mapping (first on line 1); keep one",
    ),
    (
        "title: X\nexercises:\n  - name: A\n    reps: true\n",
        "4: exercises[0].reps: expected a whole number from 1 to 1000 (repetitions), found "
        "'true' (a yes/no value)",
    ),
]


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
    assert len(routine.items) == 2 and routine.items[0] == routine.items[1]


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
