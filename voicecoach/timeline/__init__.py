"""Expand a Routine into a Timeline of timed cue segments. Pure: no I/O, no audio, no clock.

choreography.py  what happens in what order, and what each cue says
planner.py       when: the session timing rules, gap by gap and block by block
leave_out.py     what to leave out of a gap that is too short (a pure function)
placement.py     where each cue lands without crowding its neighbours
arithmetic.py    length and cue count by arithmetic alone, for the limits
cues.py          the timeline's types: cues, chapters, blocks, what was left out
table.py         the timeline as the plan command's table
"""

from __future__ import annotations

from voicecoach.timeline.arithmetic import cue_count, minimum_duration_ms
from voicecoach.timeline.choreography import occurrences
from voicecoach.timeline.cues import Block, Chapter, Cue, LeftOut, Timeline
from voicecoach.timeline.leave_out import BEAT_MS, PAUSE_MS, SPEECH_GAP_MS
from voicecoach.timeline.placement import GAP_MS
from voicecoach.timeline.planner import LEAD_IN_MS, TAIL_MS, Measure, expand

__all__ = [
    "BEAT_MS",
    "GAP_MS",
    "LEAD_IN_MS",
    "PAUSE_MS",
    "SPEECH_GAP_MS",
    "TAIL_MS",
    "Block",
    "Chapter",
    "Cue",
    "LeftOut",
    "Measure",
    "Timeline",
    "cue_count",
    "expand",
    "minimum_duration_ms",
    "occurrences",
]
