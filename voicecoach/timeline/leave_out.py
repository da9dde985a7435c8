"""What to leave out when a gap is too short: a pure function over the gap's candidates.

A gap between two work blocks holds, in order: the stop tone, then from the stop onwards
`stop`, `rest` (or `switch`) and `next`; then, ending on the go, `round`, the exercise's
announcement, its tips, `set`/`last_set`, `side` and the countdown. When all of that does
not fit, cues are left out in the contract's order (rule 3); what must stay and still does
not fit makes the gap grow.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

# rule 3: the least needed first; the countdown loses its highest numbers first
LEAVE_OUT_ORDER = ("tip", "next", "rest", "switch", "round", "stop", "countdown")
SPEECH_GAP_MS = 250  # rule 6: the least silence between two speech cues
PAUSE_MS = 600  # the silence between announcements when there is time for it
BEAT_MS = 1000  # one countdown beat


@dataclass(frozen=True)
class Say:
    """A cue that may be said in a gap: its name, text and how long it takes."""

    name: str
    text: str
    length_ms: int
    exercise: str | None
    kind: str = "speech"
    count: int = 0  # a countdown number's count


@dataclass(frozen=True)
class GapPlan:
    """What a gap keeps, the pause between its cues, and how much it had to grow."""

    front: tuple[Say, ...]  # from the stop onwards
    back: tuple[Say, ...]  # ending before the countdown
    counts: tuple[Say, ...]  # countdown numbers, highest first
    pause_ms: int
    gap_ms: int  # the gap as it will be: the asked-for one, or grown
    left_out: tuple[Say, ...]


def needed_ms(
    front: tuple[Say, ...],
    back: tuple[Say, ...],
    counts: tuple[Say, ...],
    start_ms: int,
    pause_ms: int,
) -> int:
    """The shortest gap that holds these cues, spoken from `start_ms` after the stop."""
    spoken = front + back
    beats = max((say.count for say in counts), default=0) * BEAT_MS
    if not spoken:
        return start_ms + beats
    length = start_ms + sum(say.length_ms for say in spoken) + pause_ms * (len(spoken) - 1)
    return length + pause_ms + beats


def fit_gap(
    front: tuple[Say, ...],
    back: tuple[Say, ...],
    counts: tuple[Say, ...],
    gap_ms: int,
    *,
    start_ms: int,
) -> GapPlan:
    """Keep as much as fits in `gap_ms`; leave out by rule 3's order; grow only if need be.

    `start_ms` is where speech may begin after the stop (after the stop tone).
    """
    for pause in (PAUSE_MS, SPEECH_GAP_MS):
        if needed_ms(front, back, counts, start_ms, pause) <= gap_ms:
            return GapPlan(front, back, counts, pause, gap_ms, ())
    pause = SPEECH_GAP_MS
    kept = {"front": list(front), "back": list(back), "counts": list(counts)}
    left: list[Say] = []

    def fits() -> bool:
        parts = (tuple(kept["front"]), tuple(kept["back"]), tuple(kept["counts"]))
        return needed_ms(*parts, start_ms, pause) <= gap_ms

    for name in LEAVE_OUT_ORDER:
        for part in ("front", "back", "counts"):
            # the last of a kind goes first (the last tip; for counts, the highest)
            while not fits():
                found = [say for say in kept[part] if say.name == name]
                if not found:
                    break
                victim = found[0] if part == "counts" else found[-1]
                kept[part].remove(victim)
                left.append(victim)
        if fits():
            break
    plan = GapPlan(
        tuple(kept["front"]),
        tuple(kept["back"]),
        tuple(kept["counts"]),
        pause,
        gap_ms,
        tuple(left),
    )
    grown = needed_ms(plan.front, plan.back, plan.counts, start_ms, pause)
    return replace(plan, gap_ms=max(gap_ms, grown))
