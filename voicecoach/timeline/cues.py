"""What the planner hands the later stages: cues, chapters and work blocks at exact times."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Cue:
    """One sound in the session: where it starts and ends, and what it says."""

    start_ms: int
    end_ms: int
    kind: str  # "speech" or "tone"
    text: str
    exercise: str | None
    name: str  # the cue it is: a template's name ("rep", "go", ...), "tip", "note", a tone's


@dataclass(frozen=True)
class Chapter:
    """A stretch of the session named after what happens in it."""

    title: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class Block:
    """One work block: one side of one set, from its go to its stop."""

    exercise: str
    set: int
    sets: int
    side: str | None
    round: int | None  # the round of the innermost repeat block
    kind: str  # "reps" or "timed"
    reps: int | None
    go_ms: int
    stop_ms: int
    cadence: int | None = None  # steps a minute the metronome ticks (timed blocks only)
    target: str | None = None  # as written (revision 3)
    distance_m: float | None = None  # a distance block: its time is the estimate
    intensity: str = "active"  # warmup, active, recovery, rest or cooldown

    def document(self) -> dict[str, Any]:
        """The block as the JSON timeline lists it (the fields in the format's order)."""
        return asdict(self)


@dataclass(frozen=True)
class LeftOut:
    """A cue the planner left out because the time for it was too short."""

    cue: str
    exercise: str | None
    set: int | None
    at_ms: int
    why: str
    text: str

    def document(self) -> dict[str, Any]:
        """The entry of the JSON timeline's `left_out`."""
        return asdict(self)


@dataclass(frozen=True)
class Timeline:
    """The whole session: cues sorted and never overlapping, chapters covering it."""

    title: str
    duration_ms: int
    chapters: tuple[Chapter, ...]
    cues: tuple[Cue, ...]
    warnings: tuple[str, ...] = ()
    blocks: tuple[Block, ...] = ()
    left_out: tuple[LeftOut, ...] = ()

    def with_duration(self, duration_ms: int) -> Timeline:
        """The same timeline lengthened (silence at the end) to `duration_ms`."""
        if duration_ms < self.duration_ms:
            raise ValueError("a timeline can only be lengthened")
        chapters = (*self.chapters[:-1], replace(self.chapters[-1], end_ms=duration_ms))
        return replace(self, duration_ms=duration_ms, chapters=chapters)

    def speech_texts(self) -> list[str]:
        """Every distinct spoken text, in order of first use."""
        return list(dict.fromkeys(c.text for c in self.cues if c.kind == "speech"))
