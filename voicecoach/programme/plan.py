"""The programme model: a plan over weeks, as frozen dataclasses. No YAML here."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from voicecoach.routine.model import Routine


def rounded(value: float) -> int:
    """Half up, as a person rounds (Python's round() goes to even)."""
    return int(value + 0.5) if value >= 0 else -int(-value + 0.5)


@dataclass(frozen=True)
class Change:
    """How one value moves over the steps: linearly to `to`, or one written-out value a step."""

    to: int | None = None  # reps or sets, or milliseconds for durations and rests
    values: tuple[int, ...] | None = None

    def at(self, base: int, step: int, steps: int) -> int:
        """The value at `step` (1-based) of `steps`, from `base` at step 1."""
        if self.values is not None:
            return self.values[step - 1]
        if self.to is None or steps == 1:
            return base
        return rounded(base + (self.to - base) * (step - 1) / (steps - 1))


@dataclass(frozen=True)
class Changes:
    """What changes for all exercises, or for one: reps, duration, sets, rest."""

    reps: Change | None = None
    duration: Change | None = None
    sets: Change | None = None
    rest: Change | None = None
    then: str | None = None  # the milestone, for one exercise

    def over(self, general: Changes) -> Changes:
        """These changes, with `general`'s where these say nothing."""
        return Changes(
            self.reps or general.reps,
            self.duration or general.duration,
            self.sets or general.sets,
            self.rest or general.rest,
            self.then,
        )


@dataclass(frozen=True)
class Progression:
    """How the base routine changes from step to step."""

    by: str = "week"  # or "session"
    changes: Changes = field(default_factory=Changes)
    exercises: Mapping[str, Changes] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Slot:
    """One session of the plan before any progression: its place, date and routine."""

    number: int  # overall, 1-based
    week: int
    day: int  # in the week, 1-based
    date: datetime.date | None
    routine: Routine


@dataclass(frozen=True)
class Programme:
    """A whole validated programme."""

    title: str
    slots: tuple[Slot, ...]
    weeks: int
    per_week: int
    description: str = ""
    start: datetime.date | None = None
    base_url: str | None = None
    progression: Progression | None = None
    source: str = ""
    inputs: tuple[str, ...] = ()  # the routine files it names (and its artwork)
    artwork: str | None = None  # an image file (relative to the working folder)
    author: str = ""
    email: str = ""
    copyright: str = ""
    language: str = "en"  # the built-in language of its page, feed and calendar

    @property
    def steps(self) -> int:
        """How many steps the progression has: the weeks, or the sessions."""
        if self.progression is not None and self.progression.by == "session":
            return len(self.slots)
        return self.weeks
