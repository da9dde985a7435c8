"""What the workout readers share: the document they fill, its limits and wording."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from voicecoach import limits
from voicecoach.errors import RoutineError

SUFFIXES = (".fit", ".zwo", ".txt")
DEFAULT_OPEN_STEP_MS = 60_000
# a number in a workout file longer than this is a typo: refused by its length, before
# converting it (Python will not turn 4300 digits into an int, and a float overflows)
MAX_DIGITS = 6

# how `build --fit` marks its own files, so that importing one gives back the routine:
# its first step is the lead-in up to the first go, and its rest steps are the gaps
FIT_PRODUCT = "voicecoach"
FIT_LEAD_IN = "Get ready"
FIT_GAPS = ("Rest", "Switch")


@dataclass
class Workout:
    """A workout read from a file: the routine document and what the reader warns of."""

    document: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


class Steps:
    """Collects a workout's steps as routine exercises, counting them against the limit."""

    def __init__(self, source: str, open_step_ms: int) -> None:
        self.source = source
        self.open_step_ms = open_step_ms
        self.count = 0
        self.warnings: list[str] = []

    def fail(self, message: str) -> RoutineError:
        """The one-line error of a file that is not a workout voicecoach can read."""
        return RoutineError(message, source=self.source)

    def counted(self, blocks: int) -> None:
        """Count `blocks` more work blocks; refuse a workout with too many."""
        self.count += blocks
        self.check(self.count)

    def check(self, count: int) -> None:
        """Refuse a workout of `count` steps when that is over the limit."""
        if count > limits.MAX_WORKOUT_STEPS:
            raise self.fail(
                f"expected a workout of at most {limits.MAX_WORKOUT_STEPS} steps (repeats "
                "counted out), found more"
            )

    def open_step(self, where: str, why: str) -> str:
        """The duration of a step with no end the audio can know, and its warning."""
        seconds = self.open_step_ms / 1000
        self.warnings.append(
            f"{where}: {why}; it lasts {seconds:g} s here (--open-step to change that)"
        )
        return duration_text(self.open_step_ms)


def shown(text: str) -> str:
    """A value from a file as an error quotes it: a very long one cut, with its length."""
    if len(text) <= 40:
        return repr(text)
    return f"'{text[:12]}…' ({len(text)} characters)"


def digits_checked(text: str, where: str, steps: Steps) -> str:
    """`text` when each number in it has at most MAX_DIGITS digits before its point."""
    longest = max((len(run) for run in re.findall(r"(?<![.\d])\d+", text)), default=0)
    if longest > MAX_DIGITS:
        raise steps.fail(
            f"{where}: expected a number of at most {MAX_DIGITS} digits, found {shown(text)}"
        )
    return text


def expanded(items: list[dict[str, Any]]) -> int:
    """How many steps exercises and repeats hold, the repeats counted out."""
    return sum(
        expanded(item["exercises"]) * int(item["repeat"]) if "repeat" in item else 1
        for item in items
    )


def duration_text(ms: int) -> str:
    """A duration as a routine writes it: "10m", "1m30s", "45s", "180.5s"."""
    if ms % 1000:
        return f"{ms / 1000:g}s"
    minutes, seconds = divmod(ms // 1000, 60)
    if minutes and seconds:
        return f"{minutes}m{seconds}s"
    return f"{minutes}m" if minutes else f"{seconds}s"


def seconds_ms(value: str | None, what: str, steps: Steps) -> int:
    """A file's number of seconds ("180", "180.00002") as whole milliseconds."""
    try:
        seconds = float(value or "")
    except ValueError:
        raise steps.fail(f"expected {what} in seconds, found {shown(value or '')}") from None
    if not 0 <= seconds <= 24 * 3600:
        raise steps.fail(f"expected {what} from 0 to 24 hours, found {shown(value or '')}")
    return round(seconds * 1000)


def percent(fraction: float) -> str:
    """0.885 as "88.5"; 0.9 as "90"."""
    value = round(fraction * 100, 1)
    return f"{value:g}"


def percent_range(low: float, high: float) -> str:
    """A range of fractions as "88-94%" (one value when they agree)."""
    low, high = min(low, high), max(low, high)
    if percent(low) == percent(high):
        return f"{percent(low)}%"
    return f"{percent(low)}-{percent(high)}%"


def exercise(
    name: str,
    duration_ms: int | None = None,
    *,
    target: Any = None,
    intensity: str | None = None,
    tips: list[str] | None = None,
    say: list[tuple[int, str]] | None = None,
    distance_m: float | None = None,
    duration: str | None = None,
    reps: int | None = None,
) -> dict[str, Any]:
    """One step as a routine exercise (the keys in the order a person writes them)."""
    found: dict[str, Any] = {"name": clean(name) or "Step"}
    if reps is not None:
        found["reps"] = reps
    elif distance_m is not None:
        found["distance"] = f"{distance_m:g}m"
    elif duration is not None:
        found["duration"] = duration
    elif duration_ms is not None:
        found["duration"] = duration_text(duration_ms)
    if target is not None:
        found["target"] = target
    if intensity is not None:
        found["intensity"] = intensity
    kept_tips = [clean(tip) for tip in tips or [] if clean(tip)]
    if kept_tips:
        found["tips"] = kept_tips
    messages = [(at_ms, clean(text)) for at_ms, text in say or [] if clean(text)]
    if messages:
        found["say"] = [{"at": duration_text(at_ms), "text": text} for at_ms, text in messages]
    return found


def clean(text: str | None) -> str:
    """Text from a file, as one line a routine accepts: no control characters, bounded."""
    if not text:
        return ""
    text = re.sub(r"[\x00-\x1f\x7f-\x9f]+", " ", str(text))
    text = re.sub(r"\s+", " ", text).strip()
    return text[: limits.MAX_TEXT]
