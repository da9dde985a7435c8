"""What a routine costs, by arithmetic alone (nothing unrolled): for the limits."""

from __future__ import annotations

from collections.abc import Callable

from voicecoach.routine.model import Exercise, Item, Repeat


def _summed(items: tuple[Item, ...], per_exercise: Callable[[Exercise], int]) -> int:
    """Add `per_exercise` over every occurrence, multiplying repeats instead of unrolling."""
    return sum(
        item.times * _summed(item.items, per_exercise)
        if isinstance(item, Repeat)
        else per_exercise(item)
        for item in items
    )


def _work_and_gaps_ms(exercise: Exercise) -> int:
    sides = max(1, len(exercise.sides))
    total = 0
    for work in exercise.sets:
        active = (
            work.duration_ms if work.duration_ms is not None else (work.reps or 0) * work.tempo_ms
        )
        total += sides * active + (sides - 1) * exercise.switch_ms + work.rest_ms
    return total


def minimum_duration_ms(items: tuple[Item, ...]) -> int:
    """A lower bound of the session's length: its work and its gaps (no rest ends it)."""
    last = items[-1]
    while isinstance(last, Repeat):
        last = last.items[-1]
    return _summed(items, _work_and_gaps_ms) - last.sets[-1].rest_ms


def _cues_of(exercise: Exercise) -> int:
    sides = max(1, len(exercise.sides))
    per_side = exercise.countdown + 8  # side, go (and tone), halfway, stop (and tone), ...
    per_sets = sum(sides * (per_side + (work.reps or 0)) + 4 for work in exercise.sets)
    return per_sets + 3 + len(exercise.tips)  # + set, rest, next per set; announcement, round


def cue_count(items: tuple[Item, ...]) -> int:
    """How many cues the routine will have, near enough, by arithmetic alone."""
    return _summed(items, _cues_of)
