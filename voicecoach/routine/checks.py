"""Checks of the values a routine or programme file holds, each failing with one line.

Every check is given where the value sits (`At`: the file, the key path and the line) and
raises RoutineError saying what was expected and what was found.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, NoReturn, TypeVar

from voicecoach import limits
from voicecoach.errors import RoutineError, closest
from voicecoach.routine.durations import parse_duration
from voicecoach.routine.safe_yaml import LineDict, LineList
from voicecoach.routine.targets import Athlete

T = TypeVar("T")


def describe(value: Any) -> str:
    """A found value as the person wrote it."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"'{str(value).lower()}' (a yes/no value)"
    if isinstance(value, dict):
        return "a mapping" if value else "an empty mapping"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return f"the date {value.isoformat()}"
    if isinstance(value, str):
        value = value.encode("utf-8", "backslashreplace").decode("utf-8")  # lone surrogates
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"'{shown}'" if value else "an empty string"
    return f"{value!r}"


@dataclass(frozen=True)
class At:
    """Where a value sits in the file: its key path and line, for messages."""

    source: str
    path: str
    line: int | None
    in_programme: bool = False  # intro and outro may name the session placeholders
    units: str = "metric"  # how a pace without its unit is read
    # what a relative pace is relative to (a distance's time)
    athlete: Athlete = field(default_factory=Athlete)

    def fail(self, message: str) -> NoReturn:
        raise RoutineError(message, source=self.source, line=self.line, path=self.path or None)

    def expected(self, what: str, found: Any) -> NoReturn:
        self.fail(f"expected {what}, found {describe(found)}")

    def key(self, mapping: LineDict, key: str) -> At:
        path = f"{self.path}.{key}" if self.path else key
        return replace(self, path=path, line=mapping.key_lines.get(key, mapping.line or self.line))

    def item(self, sequence: LineList, index: int) -> At:
        return replace(self, path=f"{self.path}[{index}]", line=sequence.item_lines[index])

    def optional(self, mapping: LineDict, key: str, parse: Callable[[Any, At], T], default: T) -> T:
        """`parse` the value under `key`, or `default` when the key is absent."""
        if key not in mapping:
            return default
        return parse(mapping[key], self.key(mapping, key))


def keys_of(value: Any, at: At, allowed: tuple[str, ...], what: str) -> LineDict:
    if not isinstance(value, LineDict):
        at.expected(what, value)
    for key in value:
        if not isinstance(key, str) or key not in allowed:
            key_at = At(at.source, at.path, value.key_lines.get(key, value.line))
            close = closest(str(key), allowed)
            hint = f"did you mean '{close}'?" if close else "allowed keys: " + ", ".join(allowed)
            key_at.fail(f"unknown key '{key}' — {hint}")
    return value


def text_of(value: Any, at: At, *, allow_empty: bool = False, prose: bool = False) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        at.expected("text", value)
    text = str(value).strip()
    for char in text:
        # C0 and C1 controls (as YAML escapes: "\v", "\x01", "\e") would reach the
        # terminal, XML, ID3 and iCalendar raw; prose (a description, a tip) may break lines
        if (ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F) and not (prose and char == "\n"):
            allowed = " (a line break is allowed in a description or a tip)" if char == "\n" else ""
            at.fail(f"expected text without control characters{allowed}, found U+{ord(char):04X}")
    if not text and not allow_empty:
        at.expected("non-empty text", value)
    if len(text) > limits.MAX_TEXT:
        # about two minutes of speech: longer is a paste gone wrong, and costly to speak
        at.expected(f"at most {limits.MAX_TEXT} characters", len(text))
    if any(0xD800 <= ord(char) <= 0xDFFF for char in text):
        at.expected("text without lone surrogates (half an emoji, such as \\ud83d)", value)
    return text


def some_text(value: Any, at: At) -> str:
    return text_of(value, at, allow_empty=True)


def prose_of(value: Any, at: At) -> str:
    return text_of(value, at, allow_empty=True, prose=True)


def tips_of(value: Any, at: At) -> tuple[str, ...]:
    if isinstance(value, LineList):
        return tuple(text_of(t, at.item(value, i), prose=True) for i, t in enumerate(value))
    return () if value is None else (text_of(value, at, prose=True),)


def count_of(value: Any, at: At, *, minimum: int, maximum: int, what: str) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        at.expected(f"a whole number from {minimum} to {maximum} ({what})", value)
    return value


def counter(minimum: int, maximum: int, what: str) -> Callable[[Any, At], int]:
    return lambda value, at: count_of(value, at, minimum=minimum, maximum=maximum, what=what)


def number_of(value: Any, at: At, low: float, high: float, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        at.expected(what, value)
    return float(value)


def duration_of(value: Any, at: At, *, positive: bool) -> int:
    try:
        ms = parse_duration(value)
    except ValueError:
        at.expected('a duration such as 30, "45s", "4m", "1m30s" or "1:30"', value)
    if positive and ms <= 0:
        at.expected("a duration above zero", value)
    return ms


def gap_of(value: Any, at: At) -> int:
    return duration_of(value, at, positive=False)


def span_of(value: Any, at: At) -> int:
    return duration_of(value, at, positive=True)


def present(mapping: LineDict, key: str) -> bool:
    """Whether `key` is in `mapping` with a value (not null)."""
    return mapping.get(key) is not None
