"""Durations as a routine writes them (`30`, "45s", "4m", "1m30s", "1:30", "1.5s") in ms."""

from __future__ import annotations

import math
import re

_UNITS = re.compile(
    r"^(?:(?P<h>\d+(?:\.\d+)?)\s*h(?:ours?|rs?)?)?\s*"
    r"(?:(?P<m>\d+(?:\.\d+)?)\s*m(?:in(?:ute)?s?)?)?\s*"
    r"(?:(?P<s>\d+(?:\.\d+)?)\s*s(?:ec(?:ond)?s?)?)?$"
)
_CLOCK = re.compile(r"^(?:(?P<h>\d+):)?(?P<m>\d+):(?P<s>\d{1,2}(?:\.\d+)?)$")
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")


def parse_duration(value: object) -> int:
    """Return a written duration in whole milliseconds; raise ValueError if it is not one."""
    if isinstance(value, bool) or value is None:
        raise ValueError
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip().lower()
        if _NUMBER.match(text):
            seconds = float(text)
        elif match := _CLOCK.match(text):
            if float(match["s"]) >= 60:
                raise ValueError
            seconds = int(match["h"] or 0) * 3600 + int(match["m"]) * 60 + float(match["s"])
        elif text and (match := _UNITS.match(text)) and any(match.groupdict().values()):
            seconds = sum(float(match[k] or 0) * f for k, f in (("h", 3600), ("m", 60), ("s", 1)))
        else:
            raise ValueError
    else:
        raise ValueError
    if not math.isfinite(seconds) or seconds < 0 or seconds > 1e7:
        raise ValueError
    return round(seconds * 1000)


def format_clock(ms: int) -> str:
    """Show a time as m:ss.t (or h:mm:ss.t), the way the plan table prints it."""
    tenths = ms // 100
    seconds, tenth = divmod(tenths, 10)
    minutes, second = divmod(seconds, 60)
    hours, minute = divmod(minutes, 60)
    if hours:
        return f"{hours}:{minute:02d}:{second:02d}.{tenth}"
    return f"{minute}:{second:02d}.{tenth}"


def format_length(ms: int) -> str:
    """A length in whole seconds as m:ss (or h:mm:ss): "9:04", "1:00:00"."""
    minutes, second = divmod((ms + 500) // 1000, 60)
    hours, minute = divmod(minutes, 60)
    return f"{hours}:{minute:02d}:{second:02d}" if hours else f"{minute}:{second:02d}"


def counted(number: int, noun: str) -> str:
    """ "1 week", "2 weeks": a count with its noun in the right number."""
    return f"{number} {noun}{'' if number == 1 else 's'}"
