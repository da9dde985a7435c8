"""Reading workout files back in tests: timelines by a fixed measure, FIT steps by fitdecode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import fitdecode

from voicecoach.sources import SourceOptions, open_routine
from voicecoach.timeline import Timeline, expand


def measure(text: str) -> int:
    """50 ms a character: a speech length that needs no engine."""
    return 50 * len(text)


def planned(path: Path, open_step_ms: int | None = None) -> Timeline:
    """The timeline of a routine or workout file, speech measured at 50 ms a character."""
    options = SourceOptions() if open_step_ms is None else SourceOptions(open_step_ms)
    return expand(open_routine(path, options), measure)


def fit_steps(path: Path) -> list[dict[str, Any]]:
    """The workout steps as fitdecode (an independent reader) reads them."""
    found = []
    with fitdecode.FitReader(str(path)) as reader:
        for frame in reader:
            if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "workout_step":
                found.append({f.name: f.value for f in frame.fields})
    return found


def unrolled(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The steps in the order a watch runs them, repeats counted out."""
    out: list[dict[str, Any]] = []
    index = 0
    while index < len(steps):
        step = steps[index]
        if step["duration_type"] == "repeat_until_steps_cmplt":
            first = step["duration_step"]
            pattern = [
                s for s in steps[first:index] if s["duration_type"] != "repeat_until_steps_cmplt"
            ]
            out.extend(pattern * (step["repeat_steps"] - 1))
        else:
            out.append(step)
        index += 1
    return out
