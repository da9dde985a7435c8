"""One athlete's own plan: the squad's programme (or routine, or workout file) read again
with their figures, units and start put in, so every target is said in their own terms
and every distance timed at their own pace."""

from __future__ import annotations

import functools
from dataclasses import replace
from pathlib import Path
from typing import Any

from voicecoach.programme.loader import is_programme, parse_programme
from voicecoach.programme.plan import Programme, Slot
from voicecoach.routine.loading import parse_routine
from voicecoach.routine.model import Routine
from voicecoach.routine.safe_yaml import LineDict, LineList, as_lines, read_yaml
from voicecoach.squad.roster import Member, Squad
from voicecoach.workouts.reading import is_workout_file, read_workout, voiced_in


def personal_programme(squad: Squad, member: Member, open_step_ms: int) -> Programme:
    """The squad's plan as `member` will hear it."""
    path = squad.programme
    if not is_workout_file(path):
        data = _read(path)
        if is_programme(data):
            return parse_programme(
                _programme_data(data, member),
                str(path),
                open_routine=lambda named: _routine(named, member, open_step_ms),
            )
    routine = _routine(path, member, open_step_ms)
    slot = Slot(1, 1, 1, member.start, routine)
    return Programme(
        routine.title, (slot,), 1, 1, start=member.start, source=str(path), inputs=(str(path),)
    )


def _routine(path: Path, member: Member, open_step_ms: int) -> Routine:
    """A routine (or workout file) the plan names, read with the member's figures."""
    if is_workout_file(path):
        workout = read_workout(path, open_step_ms)
        data = _with_member(as_lines(workout.document), member)
        routine = parse_routine(data, str(path), in_programme=True)
        routine = replace(routine, warnings=tuple(workout.warnings))
        return voiced_in(routine, member.language) if member.language else routine
    return parse_routine(_with_member(_read(path), member), str(path), in_programme=True)


def _read(path: Path) -> Any:
    """A YAML file as read_yaml reads it, once per version of the file: every athlete's
    plan reads the same files, and no reading changes what it is given."""
    stat = path.stat()
    return _read_version(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=64)
def _read_version(path: str, _mtime_ns: int, _size: int) -> Any:
    return read_yaml(Path(path))


def _programme_data(data: LineDict, member: Member) -> LineDict:
    """The programme's YAML with the member's start, and their figures in inline routines."""
    top = _copy(data)
    if member.language is not None:
        top["language"] = member.language
    if member.start is not None:
        top["start"] = member.start
    if isinstance(top.get("routine"), LineDict):
        top["routine"] = _with_member(top["routine"], member)
    weeks = top.get("weeks")
    if isinstance(weeks, LineList):
        top["weeks"] = _copy_list(weeks, [_week(week, member) for week in weeks])
    return top


def _week(week: Any, member: Member) -> Any:
    if not isinstance(week, LineDict):
        return week
    week = _copy(week)
    if isinstance(week.get("routine"), LineDict):
        week["routine"] = _with_member(week["routine"], member)
    sessions = week.get("sessions")
    if isinstance(sessions, LineList):
        items = [_with_member(s, member) if isinstance(s, LineDict) else s for s in sessions]
        week["sessions"] = _copy_list(sessions, items)
    return week


def _with_member(routine: Any, member: Member) -> Any:
    """A routine's YAML with the member's units and athlete figures over its own."""
    if not isinstance(routine, LineDict):
        return routine  # not a routine: its loader says what is wrong
    merged = _copy(routine)
    if member.language is not None:
        merged["language"] = member.language
    if member.units is not None:
        merged["units"] = member.units
    if member.athlete:
        own = routine.get("athlete")
        figures = dict(own) if isinstance(own, dict) else {}
        figures.update(member.athlete)
        merged["athlete"] = as_lines(figures)
    return merged


def _copy(mapping: LineDict) -> LineDict:
    copied = LineDict(mapping)
    copied.line = mapping.line
    copied.key_lines = dict(mapping.key_lines)
    return copied


def _copy_list(sequence: LineList, items: list[Any]) -> LineList:
    copied = LineList(items)
    copied.line = sequence.line
    copied.item_lines = list(sequence.item_lines)
    return copied
