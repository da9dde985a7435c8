"""What happens in what order: the routine unrolled into work blocks, and what each cue says.

No times here: `steps` lists every work block with what the planner needs to know about
it (is it a new exercise, a new set, a new side, a new round; what gap comes before it),
and `Wording` fills in the cue templates, picking among alternatives the same way in
every build of the same routine.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from voicecoach.language.saying import words_for
from voicecoach.routine.model import Cues, Exercise, Item, Repeat, Routine, WorkSet
from voicecoach.routine.targets import spoken_target
from voicecoach.routine.wording import (
    CHANGE_REMAINING,
    DEFAULTS,
    Template,
    default_template,
    work_template,
)


@dataclass(frozen=True)
class Step:
    """One work block in the order it is done, with its place in the routine."""

    exercise: Exercise
    work: WorkSet
    set_number: int  # 1-based, within the exercise
    side: str | None
    round: int | None  # in the innermost repeat block
    rounds: int | None
    starts_round: bool
    occurrence: int  # which time this exercise is done (1-based) ...
    occurrences: int  # ... of how many
    occurrence_id: int  # one number per exercise occurrence in the session
    starts_occurrence: bool
    first_time: bool  # the exercise's first occurrence: its tips are spoken

    @property
    def name(self) -> str:
        """The exercise's name."""
        return self.exercise.name

    @property
    def sets(self) -> int:
        """How many sets the exercise has."""
        return len(self.exercise.sets)

    @property
    def timed(self) -> bool:
        """A timed block (duration) rather than counted reps."""
        return self.work.duration_ms is not None

    @property
    def length_ms(self) -> int:
        """From go to stop: the duration, or reps times tempo."""
        if self.work.duration_ms is not None:
            return self.work.duration_ms
        return (self.work.reps or 0) * self.work.tempo_ms

    @property
    def starts_set(self) -> bool:
        """The first side of a set."""
        return self.side is None or self.side == self.exercise.sides[0]

    @property
    def chapter_title(self) -> str:
        """The chapter of this exercise occurrence: "Jog", or "Jog (2/4)" when repeated."""
        if self.occurrences == 1:
            return self.name
        return f"{self.name} ({self.occurrence}/{self.occurrences})"

    def gap_before(self, previous: Step) -> tuple[str, int]:
        """The gap between `previous` and this block: ("switch" or "rest", its length)."""
        if previous.occurrence_id == self.occurrence_id and previous.set_number == self.set_number:
            return "switch", self.exercise.switch_ms
        return "rest", previous.work.rest_ms


def _unrolled(
    items: tuple[Item, ...], round_: tuple[int, int] | None
) -> Iterator[tuple[Exercise, tuple[int, int] | None, bool]]:
    """Every exercise occurrence with its innermost round and whether it opens that round."""
    for index, item in enumerate(items):
        if isinstance(item, Repeat):
            for number in range(1, item.times + 1):
                yield from _unrolled(item.items, (number, item.times))
        else:
            yield item, round_, round_ is not None and index == 0


def occurrences(items: tuple[Item, ...]) -> Iterator[Exercise]:
    """Every exercise in the order it is done, repeat blocks unrolled."""
    for exercise, _, _ in _unrolled(items, None):
        yield exercise


def steps(routine: Routine) -> list[Step]:
    """Every work block of the routine in order."""
    unrolled = list(_unrolled(routine.items, None))
    totals: dict[int, int] = {}
    for exercise, _, _ in unrolled:
        totals[id(exercise)] = totals.get(id(exercise), 0) + 1
    seen: dict[int, int] = {}
    found: list[Step] = []
    for occurrence_id, (exercise, round_, opens_round) in enumerate(unrolled):
        number = seen.get(id(exercise), 0) + 1
        seen[id(exercise)] = number
        first_block = True
        for set_number, work in enumerate(exercise.sets, start=1):
            for side in exercise.sides or (None,):
                found.append(
                    Step(
                        exercise=exercise,
                        work=work,
                        set_number=set_number,
                        side=side,
                        round=round_[0] if round_ else None,
                        rounds=round_[1] if round_ else None,
                        starts_round=opens_round and first_block,
                        occurrence=number,
                        occurrences=totals[id(exercise)],
                        occurrence_id=occurrence_id,
                        starts_occurrence=first_block,
                        first_time=number == 1,
                    )
                )
                first_block = False
    return found


def _seconds(ms: int | None) -> int:
    return round((ms or 0) / 1000)


class Wording:
    """Fills in cue templates: the routine's (or the exercise's) own, else the defaults."""

    def __init__(self, routine: Routine) -> None:
        self.routine = routine
        self.words = words_for(routine.speaks)
        self._picks: dict[str, int] = {}

    def duration(self, duration_ms: int) -> str:
        """A length of time as said in the routine's language."""
        return self.words.duration(duration_ms)

    def side(self, side: str | None) -> str:
        """A side as said: a routine's `left`/`right` in its language, else as written."""
        if side is None:
            return ""
        if side.casefold() in ("left", "right"):
            said = self.words.text("side", side.casefold())
            return said if said != side.casefold() else side
        return side

    def called(self, step: Step, previous: Step | None) -> str:
        """How `next` names a block: the exercise, with its set when it is the same again."""
        if previous is None or previous.occurrence_id != step.occurrence_id:
            return step.name
        if step.set_number != previous.set_number:
            if step.set_number == step.sets:
                return self.words.text("work", "{name}, last set", name=step.name)
            return self.words.text("work", "{name}, set {set}", name=step.name, set=step.set_number)
        return self.words.text(
            "work", "{name}, {side} side", name=step.name, side=self.side(step.side)
        )

    def change_remaining(self) -> str:
        """The change-over's `remaining`: it names what follows."""
        return self.words.phrase("work", CHANGE_REMAINING)

    def chapter(self, english: str) -> str:
        """A chapter of voicecoach's own: "Intro", "Outro"."""
        return self.words.text("chapter", english)

    def say(
        self,
        cues: Cues,
        name: str,
        values: Mapping[str, object],
        default: str | None = None,
        *,
        written: bool = False,
    ) -> str:
        """The text of cue `name` (empty when the routine silenced it).

        `written`: the default is the user's own text (a programme's `then`), not ours.
        """
        if name in cues.templates:
            template: Template | None = cues.templates[name]
            if template is None:
                return ""
        elif written and default is not None:
            template = Template((default,))
        elif default is not None:
            template = default_template(default)
        else:
            template = default_template(self.words.phrase(f"cue:{name}", DEFAULTS[name]))
        count = self._picks.get(name, 0)
        self._picks[name] = count + 1
        return template.render(values, f"{self.routine.title}\0{name}\0{count}")

    # the cues of a work block, each with the values its placeholders may name

    def target(self, step: Step) -> str:
        """The block's target as said ("at 4 oh 5 to 4 15 per kilometre"), or ""."""
        return spoken_target(
            step.exercise.target, self.routine.units, self.routine.athlete, self.words
        )

    def distance(self, work: WorkSet) -> str:
        """A distance block's distance as said ("800 metres"), or ""."""
        if work.distance_m is None:
            return ""
        return self.words.distance(work.distance_m, self.routine.units)

    def announcement(self, step: Step) -> str:
        """The `exercise` cue."""
        exercise, head = step.exercise, step.exercise.sets[0]
        default = work_template(
            self.words,
            cue="exercise",
            sets=step.sets,
            reps=head.reps,
            duration_ms=head.duration_ms,
            sided=bool(exercise.sides),
            distance=head.distance_m is not None,
            targeted=exercise.target is not None,
        )
        values = {
            "name": step.name,
            "sets": step.sets,
            "reps": head.reps or "",
            "duration": self.duration(head.duration_ms) if head.duration_ms else "",
            "seconds": _seconds(head.duration_ms) if head.duration_ms else "",
            "sides": self.words.listed([self.side(side) for side in exercise.sides]),
            "target": self.target(step),
            "distance": self.distance(head),
        }
        return self.say(exercise.cues, "exercise", values, default)

    def target_call(self, step: Step) -> str:
        """The `target` reminder inside a long block."""
        values = {"target": self.target(step), "name": step.name}
        return self.say(step.exercise.cues, "target", values)

    def set_call(self, step: Step) -> tuple[str, str]:
        """The `set` or `last_set` cue, or a single set's note: (cue name, text)."""
        work = step.work
        if step.sets == 1:
            return "note", work.note or ""
        name = "last_set" if step.set_number == step.sets else "set"
        values = {
            "set": step.set_number,
            "sets": step.sets,
            "reps": work.reps or "",
            "duration": self.duration(work.duration_ms) if work.duration_ms else "",
            "seconds": _seconds(work.duration_ms) if work.duration_ms else "",
            "note": work.note or "",
            "target": self.target(step),
            "distance": self.distance(work),
        }
        return name, self.say(step.exercise.cues, name, values)

    def change(self, step: Step) -> str:
        """The `change` cue: work starts straight after other work."""
        work = step.work
        default = work_template(
            self.words,
            cue="change",
            sets=step.sets,
            reps=work.reps,
            duration_ms=work.duration_ms,
            sided=step.side is not None,
            distance=work.distance_m is not None,
            targeted=step.exercise.target is not None,
        )
        values = {
            "name": step.name,
            "duration": self.duration(work.duration_ms) if work.duration_ms else "",
            "seconds": _seconds(work.duration_ms) if work.duration_ms else "",
            "reps": work.reps or "",
            "side": self.side(step.side),
            "target": self.target(step),
            "distance": self.distance(work),
        }
        return self.say(step.exercise.cues, "change", values, default)

    def round_call(self, step: Step) -> str:
        """The `round` cue."""
        values = {"round": step.round, "rounds": step.rounds}
        return self.say(step.exercise.cues, "round", values)

    def milestone(self, step: Step) -> str:
        """The `milestone` cue: a programme's `then`, in the session it is reached (else "")."""
        exercise, head = step.exercise, step.exercise.sets[0]
        if exercise.milestone is None:
            return ""
        values = {
            "name": step.name,
            "reps": head.reps or "",
            "duration": self.duration(head.duration_ms) if head.duration_ms else "",
            "seconds": _seconds(head.duration_ms) if head.duration_ms else "",
            "sets": step.sets,
        }
        return self.say(exercise.cues, "milestone", values, exercise.milestone, written=True)
