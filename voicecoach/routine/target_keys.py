"""The routine's revision-3 keys: targets, distances, `say` messages, units and athlete."""

from __future__ import annotations

from typing import Any

from voicecoach.language.tags import UnknownLanguage, language_for
from voicecoach.routine.checks import (
    At,
    count_of,
    counter,
    duration_of,
    gap_of,
    keys_of,
    text_of,
)
from voicecoach.routine.model import Message
from voicecoach.routine.safe_yaml import LineDict, LineList
from voicecoach.routine.targets import (
    INTENSITIES,
    KINDS,
    Athlete,
    Target,
    distance_ms,
    parse_distance,
    parse_effort,
    parse_pace,
    parse_target,
    speed_of,
)

ATHLETE_KEYS = ("threshold_pace", "ftp", "max_heart_rate", "lthr", "zones")
UNITS = ("metric", "imperial")


def target_every(value: Any, at: At) -> int | None:
    if value is None or value is False:
        return None
    ms = duration_of(value, at, positive=True)
    if ms < 30_000:
        at.expected("a period of at least 30 s between target reminders", value)
    return ms


def target_of(value: Any, at: At) -> Target:
    """`target:` an effort (a word or RPE), or a mapping of one of pace, speed, ..."""
    if not isinstance(value, LineDict):
        try:
            return parse_effort(value)
        except ValueError as exc:
            at.expected(f"a target: {{pace: ...}}, {{heart_rate: ...}}, ..., or {exc}", value)
    mapping = keys_of(value, at, KINDS, "a target")
    if len(mapping) != 1:
        found = " and ".join(map(str, mapping)) or "none"
        at.fail(f"expected one of {', '.join(KINDS)}, found {found}; keep one")
    kind = next(iter(mapping))
    try:
        return parse_target(kind, mapping[kind], at.units)
    except ValueError as exc:
        at.key(mapping, kind).expected(str(exc), mapping[kind])


def messages_of(value: Any, at: At) -> tuple[Message, ...]:
    if not isinstance(value, LineList):
        at.expected("a list of messages such as [{at: 30s, text: Settle in.}]", value)
    messages = []
    for index, raw in enumerate(value):
        item_at = at.item(value, index)
        raw = keys_of(raw, item_at, ("at", "text"), "a message: {at: 30s, text: ...}")
        if "at" not in raw or "text" not in raw:
            item_at.fail(
                "expected both 'at' (from the go) and 'text', found "
                + ("only " + ", ".join(map(str, raw)) if raw else "neither")
            )
        at_ms = gap_of(raw["at"], item_at.key(raw, "at"))
        messages.append(Message(at_ms, text_of(raw["text"], item_at.key(raw, "text"))))
    return tuple(sorted(messages, key=lambda m: m.at_ms))


def intensity_value(value: Any, at: At) -> str:
    if value not in INTENSITIES:
        at.expected("one of " + ", ".join(INTENSITIES), value)
    return str(value)


def distance_of(value: Any, at: At) -> float:
    try:
        return parse_distance(value)
    except ValueError:
        at.expected('a distance such as 800m, "1.5km", "1mi" or 400 (metres)', value)


def timed_distance(
    distance: float | None, duration: int | None, target: Target | None, at: At
) -> int | None:
    """A distance block's time: distance at the middle of the target's pace (or speed)."""
    if distance is None:
        return duration
    speed = speed_of(target, at.athlete)
    if speed is None:
        if target is not None and target.kind == "pace":
            at.fail(
                "expected 'athlete: {threshold_pace: ...}' to time a distance at a pace "
                f"relative to threshold, found none (the target is {target.written!r})"
            )
        found = "no target" if target is None else f"a {target.kind.replace('_', ' ')} target"
        at.fail(
            'expected a pace to time the distance (target: {pace: "4:30/km"} or '
            f'{{speed: "12 km/h"}}), found {found}'
        )
    return distance_ms(distance, speed)


def units_of(value: Any, at: At) -> str:
    if value not in UNITS:
        at.expected("metric or imperial", value)
    return str(value)


def language_of(value: Any, at: At) -> str:
    """A built-in language's tag, as the routine wrote it in any case."""
    if not isinstance(value, str):
        at.expected("a language tag such as de, fr or pt-BR", value)
    try:
        return language_for(value).tag
    except UnknownLanguage as exc:
        at.fail(str(exc))
    raise AssertionError("unreachable")


def athlete_of(value: Any, at: At) -> Athlete:
    mapping = keys_of(
        value, at, ATHLETE_KEYS, "a mapping with threshold_pace, ftp, max_heart_rate, lthr or zones"
    )

    def pace(v: Any, a: At) -> float:
        try:
            found = parse_pace(v, at.units)
        except ValueError as exc:
            a.expected(str(exc), v)
        if found.unit != "s/km" or found.low != found.high:
            a.expected("one pace such as '4:30/km'", v)
        return found.low

    def zones(v: Any, a: At) -> tuple[int, ...]:
        if not isinstance(v, LineList) or len(v) != 6:
            a.expected(
                "six heart rates bounding zones 1-5, such as [95, 114, 133, 152, 171, 190]", v
            )
        bounds = tuple(
            count_of(b, a.item(v, i), minimum=40, maximum=240, what="bpm") for i, b in enumerate(v)
        )
        if list(bounds) != sorted(bounds):
            a.expected("the six bounds from the lowest to the highest", v)
        return bounds

    return Athlete(
        threshold_pace_s_km=at.optional(mapping, "threshold_pace", pace, None),
        ftp_w=at.optional(mapping, "ftp", counter(30, 2000, "watts"), None),
        max_heart_rate=at.optional(mapping, "max_heart_rate", counter(100, 240, "bpm"), None),
        zones=at.optional(mapping, "zones", zones, ()),
        lthr=at.optional(mapping, "lthr", counter(80, 220, "bpm"), None),
    )
