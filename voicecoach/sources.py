"""One way in: every input a command is given, told apart and opened by one function.

A path is a workout file (FIT, ZWO, intervals.icu text) by its extension; a YAML (or
JSON) file is a squad when it has `athletes`, a programme when it has `weeks`, a routine
otherwise. What it takes to open
one travels as SourceOptions, an argument, never as state a worker process cannot see.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voicecoach.errors import RoutineError
from voicecoach.programme.loader import is_programme, parse_programme
from voicecoach.programme.plan import Programme
from voicecoach.routine.loading import parse_routine
from voicecoach.routine.model import Routine
from voicecoach.routine.safe_yaml import read_yaml
from voicecoach.squad.roster import Squad, is_squad, parse_squad
from voicecoach.workouts.reading import is_workout_file, load_workout
from voicecoach.workouts.steps import DEFAULT_OPEN_STEP_MS

Source = Routine | Programme | Squad


@dataclass(frozen=True)
class SourceOptions:
    """What opening an input takes besides its path."""

    open_step_ms: int = DEFAULT_OPEN_STEP_MS  # a workout file's step with no end we can know
    # --language: the language of a workout file, or of a routine or programme without one
    language: str | None = None


def open_source(path: str | Path, options: SourceOptions = SourceOptions()) -> Source:
    """Open a routine, a workout file, a programme or a squad, validated, as `path` holds."""
    path = Path(path)
    if is_workout_file(path):
        return load_workout(path, options.open_step_ms, options.language)
    data = read_yaml(path)
    if is_squad(data):
        return parse_squad(data, str(path))
    if is_programme(data):
        return _programme(data, path, options)
    return _in_language(parse_routine(data, str(path)), options)


def _in_language(routine: Routine, options: SourceOptions) -> Routine:
    """A routine without a language of its own in the one --language gives."""
    if options.language is None or routine.language is not None:
        return routine
    return routine.in_language(options.language)


def open_routine(
    path: str | Path, options: SourceOptions = SourceOptions(), *, in_programme: bool = False
) -> Routine:
    """Open a routine or a workout file; a programme here is an error that says so."""
    path = Path(path)
    if is_workout_file(path):
        return load_workout(path, options.open_step_ms, options.language)
    data = read_yaml(path)
    if is_programme(data):
        raise RoutineError(
            "expected a routine, found a programme (it has 'weeks'); a programme's routine "
            "is a routine file or one written inline",
            source=str(path),
        )
    return _in_language(parse_routine(data, str(path), in_programme=in_programme), options)


def open_programme(path: str | Path, options: SourceOptions = SourceOptions()) -> Programme:
    """Open a programme and every routine it names (each of which may be a workout file)."""
    path = Path(path)
    data = read_yaml(path)
    if not is_programme(data):
        raise RoutineError("expected a programme (with 'weeks'), found none", source=str(path))
    return _programme(data, path, options)


def writes_a_folder(path: str | Path) -> bool:
    """Whether `path` holds a programme or a squad (False when it cannot be read: opening
    it says why)."""
    if is_workout_file(path):
        return False
    try:
        data = read_yaml(Path(path))
        return is_programme(data) or is_squad(data)
    except RoutineError:
        return False


def _programme(data: Any, path: Path, options: SourceOptions) -> Programme:
    return parse_programme(
        data,
        str(path),
        open_routine=lambda named: open_routine(named, options, in_programme=True),
        language=options.language,
    )
