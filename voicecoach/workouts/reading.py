"""Read a workout file (FIT, ZWO, intervals.icu text) into a routine document or a Routine.

Each reader turns a file into a routine *document*, the same plain data a routine's YAML
holds; `import` writes it as YAML, and `build` validates it with the routine loader, so
an imported workout builds to exactly the timeline its YAML does. Every step becomes a
block in order, repeats become `repeat` blocks, steps follow each other with no gap (a
change-over), and a step whose end the audio cannot know takes `open_step_ms`, with a
warning naming it.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import yaml

from voicecoach.language.saying import words_for
from voicecoach.routine.loading import parse_routine
from voicecoach.routine.model import Routine, renamed
from voicecoach.routine.safe_yaml import as_lines
from voicecoach.workouts.fit_in import read_fit
from voicecoach.workouts.icu import read_icu
from voicecoach.workouts.steps import DEFAULT_OPEN_STEP_MS, SUFFIXES, Workout
from voicecoach.workouts.zwo import read_zwo


def is_workout_file(path: str | Path) -> bool:
    """Whether a path names a workout file (by its extension) rather than a routine."""
    return Path(path).suffix.lower() in SUFFIXES


def read_workout(path: str | Path, open_step_ms: int = DEFAULT_OPEN_STEP_MS) -> Workout:
    """Read a FIT, ZWO or intervals.icu text workout into a routine document."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".fit":
        return read_fit(path, open_step_ms)
    if suffix == ".zwo":
        return read_zwo(path, open_step_ms)
    return read_icu(path, open_step_ms)


def workout_yaml(workout: Workout, source: str) -> str:
    """The routine document as YAML, headed by where it came from."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml when the wheel has it
    body = yaml.dump(
        workout.document,
        Dumper=dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=None,
    )
    return f"# Imported from {Path(source).name} by voicecoach import; edit and build it.\n" + body


def load_workout(
    path: str | Path, open_step_ms: int = DEFAULT_OPEN_STEP_MS, language: str | None = None
) -> Routine:
    """A workout file as a validated Routine, through the same loader as its YAML.

    `language`: the language it is voiced in (English by default); the names voicecoach
    gives steps without one are said in it, the coach's own text as written.
    """
    workout = read_workout(path, open_step_ms)
    source = str(path)
    # the same loader as the YAML `import` writes (a test holds the two to one timeline)
    routine = parse_routine(as_lines(workout.document), source)
    routine = replace(routine, warnings=tuple(workout.warnings))
    return routine if language is None else voiced_in(routine, language)


def voiced_in(routine: Routine, language: str) -> Routine:
    """A workout file's routine in `language`: the names voicecoach gave its steps said in
    it (the coach's own text as written)."""
    words = words_for(language)
    named = {exercise.name: words.text("block", exercise.name) for exercise in routine.exercises()}
    return renamed(routine.in_language(language), named)
