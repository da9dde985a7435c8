"""The plan as a person reads it: cues with their times, gaps as they will be heard, totals."""

from __future__ import annotations

from itertools import pairwise

from voicecoach.routine.durations import format_clock
from voicecoach.timeline.cues import Timeline


def plan_lines(timeline: Timeline) -> list[str]:
    """A line per cue, a heading per chapter, a line per gap, and where the time goes."""
    events: list[tuple[int, int, str]] = []
    for chapter in timeline.chapters:
        events.append((chapter.start_ms, 0, f"\n== {chapter.title}"))
    for cue in timeline.cues:
        shown = cue.text if cue.kind == "speech" else f"[{cue.name} tone]"
        events.append((cue.start_ms, 1, f"{format_clock(cue.start_ms):>9}  {shown}"))
    gaps = []
    for before, after in pairwise(timeline.blocks):
        gap = after.go_ms - before.stop_ms
        gaps.append(gap)
        what = "change-over, no gap" if gap == 0 else f"gap of {gap / 1000:g} s"
        events.append((before.stop_ms, 2, f"{'':>9}  -- {what} until the next go --"))
    lines = [text for _, _, text in sorted(events, key=lambda e: (e[0], e[1]))]
    work = sum(block.stop_ms - block.go_ms for block in timeline.blocks)
    spoken_only = timeline.duration_ms - work - sum(gaps)
    lines.append(
        f"\nTotal: {format_clock(timeline.duration_ms)} "
        f"({len(timeline.cues)} cues, {len(timeline.chapters)} chapters)"
    )
    lines.append(
        f"Work {format_clock(work)} in {len(timeline.blocks)} blocks, gaps "
        f"{format_clock(sum(gaps))}, speech only (lead-in and outro) {format_clock(spoken_only)}"
    )
    return "\n".join(lines).lstrip("\n").split("\n")
