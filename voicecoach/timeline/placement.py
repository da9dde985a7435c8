"""Where each cue lands: exact times for fixed cues, the first free moment for sliding ones.

`Placer` keeps the cues placed so far in time order and places each new one, most needed
first, at the earliest start it may take without crowding a neighbour: speech keeps
250 ms from speech (rule 6), a tone keeps GAP_MS from anything. A cue that finds no such
start before its latest is left out.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from voicecoach.timeline.cues import Cue
from voicecoach.timeline.leave_out import SPEECH_GAP_MS

GAP_MS = 60  # the least silence between a tone and any other cue


@dataclass(frozen=True)
class Candidate:
    """A cue that would like to start at `desired_ms`, and may slide to `latest_ms`."""

    desired_ms: int
    latest_ms: int
    length_ms: int
    kind: str
    text: str
    name: str
    exercise: str | None
    priority: int  # lower is more needed; placed first

    @property
    def fixed(self) -> bool:
        """A cue that must start exactly where it is asked to."""
        return self.latest_ms == self.desired_ms


def spacing(a_kind: str, b_kind: str) -> int:
    """The least silence between two cues of these kinds."""
    return SPEECH_GAP_MS if a_kind == b_kind == "speech" else GAP_MS


class Placer:
    """The cues placed so far, never overlapping and never crowding each other."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.cues: list[Cue] = []

    def add(self, cue: Cue) -> None:
        """Place a cue where it is, without checks (laid out by the gap's own plan)."""
        index = bisect.bisect_right(self.starts, cue.start_ms)
        self.starts.insert(index, cue.start_ms)
        self.cues.insert(index, cue)

    def place(self, candidate: Candidate) -> Cue | None:
        """Place `candidate` at its earliest free start, or return None if it has none."""
        start = candidate.desired_ms
        while start <= candidate.latest_ms:
            index = bisect.bisect_right(self.starts, start)
            if index > 0:
                before = self.cues[index - 1]
                earliest = before.end_ms + spacing(before.kind, candidate.kind)
                if earliest > start:
                    start = earliest
                    continue
            if index < len(self.cues):
                after = self.cues[index]
                if (
                    start + candidate.length_ms + spacing(candidate.kind, after.kind)
                    > after.start_ms
                ):
                    start = after.end_ms + spacing(after.kind, candidate.kind)
                    continue
            cue = Cue(
                start,
                start + candidate.length_ms,
                candidate.kind,
                candidate.text,
                candidate.exercise,
                candidate.name,
            )
            self.add(cue)
            return cue
        return None

    def crowding(self, candidate: Candidate) -> Cue | None:
        """The placed cue nearest where `candidate` wanted to be (for the warning)."""
        if not self.cues:
            return None
        index = bisect.bisect_right(self.starts, candidate.desired_ms)
        near = self.cues[max(0, index - 1) : index + 1]
        return min(near, key=lambda cue: abs(cue.start_ms - candidate.desired_ms))
