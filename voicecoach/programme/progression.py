"""The sessions of a programme: each slot's routine at its step of the progression."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from voicecoach import limits
from voicecoach.language.saying import words_for
from voicecoach.programme.plan import Changes, Programme, Slot
from voicecoach.routine.model import Exercise, Item, Repeat, Routine, Session


@dataclass(frozen=True)
class PlannedSession:
    """One session as it will be built: its slot and its routine."""

    slot: Slot
    routine: Routine

    @property
    def title(self) -> str:
        """ "Week W, session D": the ID3 title and the name in every list."""
        return session_title(self.slot, self.routine.speaks)

    @property
    def stem(self) -> str:
        """The file name without its extension: `01-week-1-session-1`."""
        width = max(2, len(str(self.routine.session.sessions if self.routine.session else 0)))
        return f"{self.slot.number:0{width}d}-week-{self.slot.week}-session-{self.slot.day}"


def session_title(slot: Slot, language: str) -> str:
    """ "Week W, session D", in the session's language."""
    words = words_for(language)
    return words.text("programme", "Week {week}, session {day}", week=slot.week, day=slot.day)


def step_of(programme: Programme, slot: Slot) -> int:
    """The progression step of a slot: its week, or its number with `by: session`."""
    if programme.progression is not None and programme.progression.by == "session":
        return slot.number
    return slot.week


def plan_sessions(programme: Programme) -> list[PlannedSession]:
    """Every session of the programme, progressed, numbered and tagged."""
    steps = programme.steps
    total = len(programme.slots)
    progressed: list[PlannedSession] = []
    for slot in programme.slots:
        routine = _progressed(programme, slot.routine, step_of(programme, slot), steps)
        session = Session(
            week=slot.week,
            weeks=programme.weeks,
            day=slot.day,
            per_week=programme.per_week,
            session=slot.number,
            sessions=total,
            date=slot.date,
        )
        tags = replace(
            routine.tags,
            album=programme.title,
            title=session_title(slot, routine.speaks),
            track=(slot.number, total),
            year=slot.date.year if slot.date else routine.tags.year,
        )
        routine = replace(routine, session=session, tags=tags)
        progressed.append(PlannedSession(slot, routine))
    return _with_milestones(programme, progressed)


def _changes_for(programme: Programme, name: str) -> Changes | None:
    progression = programme.progression
    if progression is None:
        return None
    own = progression.exercises.get(name)
    return own.over(progression.changes) if own else progression.changes


def _progressed(programme: Programme, routine: Routine, step: int, steps: int) -> Routine:
    def progress(exercise: Exercise) -> Exercise:
        changes = _changes_for(programme, exercise.name)
        return _exercise(exercise, changes, step, steps) if changes else exercise

    if programme.progression is None:
        return routine
    return replace(routine, items=_each_exercise(routine.items, progress))


def _each_exercise(
    items: tuple[Item, ...], change: Callable[[Exercise], Exercise]
) -> tuple[Item, ...]:
    """The items with `change` made to every exercise, inside repeat blocks too."""
    return tuple(
        replace(item, items=_each_exercise(item.items, change))
        if isinstance(item, Repeat)
        else change(item)
        for item in items
    )


def _exercise(exercise: Exercise, changes: Changes, step: int, steps: int) -> Exercise:
    sets = list(exercise.sets)
    if changes.sets is not None:
        count = min(max(1, changes.sets.at(len(sets), step, steps)), limits.MAX_SETS)
        # whole sets are added as copies of the last one, or the last ones are dropped
        sets = (sets + [sets[-1]] * count)[:count]
    worked = []
    for work in sets:
        if work.reps is not None and changes.reps is not None:
            reps = changes.reps.at(work.reps, step, steps)
            work = replace(work, reps=min(max(1, reps), limits.MAX_REPS))
        if work.duration_ms is not None and changes.duration is not None:
            duration = changes.duration.at(_whole(work.duration_ms), step, steps)
            work = replace(work, duration_ms=max(1000, _whole(duration)))
        if changes.rest is not None:
            work = replace(
                work, rest_ms=max(0, _whole(changes.rest.at(_whole(work.rest_ms), step, steps)))
            )
        worked.append(work)
    return replace(exercise, sets=tuple(worked))


def _whole(ms: int) -> int:
    """Whole seconds, half up."""
    return (ms + 500) // 1000 * 1000


def values_of(exercise: Exercise) -> dict[str, object]:
    """What an exercise takes in one session: sets, reps or durations (a list when they differ)."""
    reps = [work.reps for work in exercise.sets if work.reps is not None]
    durations = [work.duration_ms for work in exercise.sets if work.duration_ms is not None]
    found: dict[str, object] = {"sets": len(exercise.sets)}
    if reps:
        found["reps"] = reps[0] if len(set(reps)) == 1 else reps
    if durations:
        found["duration_ms"] = durations[0] if len(set(durations)) == 1 else durations
    if exercise.sides:
        found["sides"] = list(exercise.sides)
    return found


def _signature(exercise: Exercise) -> tuple[object, ...]:
    return tuple((work.reps, work.duration_ms) for work in exercise.sets)


def _with_milestones(programme: Programme, sessions: list[PlannedSession]) -> list[PlannedSession]:
    """Put each `then` in the first session where its exercise reaches its last value."""
    progression = programme.progression
    if progression is None or not sessions:
        return sessions
    for name, changes in progression.exercises.items():
        if changes.then is None:
            continue
        last = _find(sessions[-1].routine, name)
        if last is None:
            continue
        for index, planned in enumerate(sessions):
            found = _find(planned.routine, name)
            if found is not None and _signature(found) == _signature(last):
                said = changes.then

                def mark(exercise: Exercise, name: str = name, said: str = said) -> Exercise:
                    return replace(exercise, milestone=said) if exercise.name == name else exercise

                items = _each_exercise(planned.routine.items, mark)
                routine = replace(planned.routine, items=items)
                sessions[index] = replace(planned, routine=routine)
                break
    return sessions


def _find(routine: Routine, name: str) -> Exercise | None:
    return next((e for e in routine.exercises() if e.name == name), None)
