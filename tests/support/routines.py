"""Routines for tests: the fixture's writer type, bad routines with their errors, a build."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from voicecoach.session.build import BuildOptions, BuildResult, Progress, build_routine
from voicecoach.sources import open_routine

WriteRoutine = Callable[..., Path]

# each: a routine's YAML, and the error it gets after "<file>:"
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


def build_file(path: Path, options: BuildOptions, progress: Progress | None = None) -> BuildResult:
    """Open a routine or workout file as the command line does, and build it."""
    return build_routine(open_routine(path), options, progress)
