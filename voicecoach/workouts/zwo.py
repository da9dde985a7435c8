"""Zwift workouts (.zwo): XML read safely (no DTD, no entities), run and bike.

Power is a fraction of FTP on a bike, and on a run a fraction of a reference pace's speed
(written as a % of threshold pace). `textevent`s are messages at their offset from their
step's start; inside `IntervalsT` the offset counts from the block's start, so a block
with messages is written out round by round, each message in the step it falls in. Two
messages at one offset are two lines of one message on Zwift's screen: one utterance here.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from voicecoach.routine.safe_yaml import read_input
from voicecoach.workouts.steps import (
    Steps,
    Workout,
    clean,
    exercise,
    percent_range,
    seconds_ms,
    shown,
)

STEP_TAGS = (
    "Warmup",
    "Cooldown",
    "Ramp",
    "SteadyState",
    "IntervalsT",
    "FreeRide",
    "MaxEffort",
    "SolidState",
)
_CANONICAL = {tag.lower(): tag for tag in STEP_TAGS}
# elements Zwift's own workouts carry beside their steps, which hold no step
_NOT_STEPS = ("textevent", "textnotification", "gameplayevent", "restday", "run")
# an ampersand that starts no entity: real files carry "Tom & Jerry" unescaped
_BARE_AMPERSAND = re.compile(r"&(?!(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#x[0-9A-Fa-f]+);)")
# "90-100rpm" on a screen is "90 to 100 rpm" said aloud
_RANGE_WITH_UNIT = re.compile(
    r"\b(\d+(?:\.\d+)?)(?:\s*[-–]\s*(\d+(?:\.\d+)?))?\s*(rpm|bpm|w|watts)\b", re.IGNORECASE
)
_UNITS = {"rpm": "rpm", "bpm": "bpm", "w": "watts", "watts": "watts"}


def _spoken(text: str) -> str:
    """A message as people say it: ranges with "to", units apart from their numbers."""

    def said(match: re.Match[str]) -> str:
        span = f"{match[1]} to {match[2]}" if match[2] else match[1]
        return f"{span} {_UNITS[match[3].lower()]}"

    return _RANGE_WITH_UNIT.sub(said, text)


def _joined(found: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Messages at one offset as one: Zwift shows the second as the next line of the first."""
    out: list[tuple[int, str]] = []
    for at_ms, text in sorted(found, key=lambda message: message[0]):
        text = clean(text)
        if out and out[-1][0] == at_ms:
            out[-1] = (at_ms, f"{out[-1][1]} {text}".strip())
        elif text:
            out.append((at_ms, text))
    return [(at_ms, _spoken(text)) for at_ms, text in out]


def _zone_name(fraction: float) -> str:
    """A steady step's name from its intensity (Coggan's zones, as % of FTP)."""
    for top, name in ((0.6, "Recovery"), (0.76, "Endurance"), (0.91, "Tempo"), (1.06, "Threshold")):
        if fraction < top:
            return name
    return "VO2 max" if fraction < 1.21 else "Anaerobic"


class _Reader:
    def __init__(self, root: Element, steps: Steps) -> None:
        self.steps = steps
        self.run = (root.findtext("sportType") or "").strip().lower() == "run"
        self.by_distance = (root.findtext("durationType") or "").strip().lower() == "distance"
        self.number = 0

    def number_attr(self, node: Element, name: str, default: float | None = None) -> float:
        raw = node.get(name)
        if raw is None:
            if default is not None:
                return default
            raise self.steps.fail(f"step {self.number} ({node.tag}): expected {name}, found none")
        try:
            value = float(raw)
        except ValueError:
            raise self.steps.fail(
                f"step {self.number} ({node.tag}): expected a number for {name}, found {shown(raw)}"
            ) from None
        if not math.isfinite(value) or value < 0:
            raise self.steps.fail(
                f"step {self.number} ({node.tag}): expected {name} of 0 or more, found {shown(raw)}"
            )
        if "power" in name.lower():
            self.check_fraction(node, name, value, raw)
        return value

    def check_fraction(self, node: Element, name: str, value: float, raw: str) -> None:
        """Refuse a power that is no fraction Zwift writes, quoting it as the file does.

        Zwift writes 1 for 100 %: a `Power="100"` must be named as written, not as the
        10000 % the routine would hold.
        """
        low, high, of = (0.1, 2.0, "threshold pace") if self.run else (0.0, 5.0, "FTP")
        if value != 0 and not low <= value <= high:
            raise self.steps.fail(
                f"step {self.number} ({node.tag}): expected {name} as a fraction of {of} from "
                f"{low:g} to {high:g} (1 is 100 %), found {shown(raw)}"
            )

    def target(self, low: float, high: float | None = None) -> dict[str, str] | None:
        if low <= 0 and not high:
            return None
        written = percent_range(low, high if high is not None else low)
        return {"pace": written} if self.run else {"power": written}

    def length(self, node: Element, attr: str) -> tuple[int | None, str | None]:
        """A step's duration in ms, or (None, an open-step duration) for a distance."""
        value = node.get(attr)
        if self.by_distance:
            where = f"step {self.number} ({node.tag})"
            return None, self.steps.open_step(
                where, f"it is {value} m, and a pace relative to threshold cannot time it"
            )
        ms = seconds_ms(value, f"step {self.number} ({node.tag}) {attr}", self.steps)
        if ms <= 0:
            raise self.steps.fail(
                f"step {self.number} ({node.tag}): expected {attr} above 0, found {value!r}"
            )
        return ms, None

    def messages(self, node: Element) -> list[tuple[int, str]]:
        found = []
        events = [e for e in node.iter() if e.tag.lower() in ("textevent", "textnotification")]
        for event in events:
            # Zwift's own files write textevent/timeoffset/message, TextEvent/TimeOffset,
            # and TextNotification/timeOffset/text
            offset = next((v for k, v in event.attrib.items() if k.lower() == "timeoffset"), None)
            message = event.get("message") or event.get("text") or ""
            if offset is None:
                self.steps.warnings.append(
                    f"step {self.number} ({node.tag}): a message placed by distance "
                    f"({clean(message)!r}) is left out: the audio knows only time"
                )
                continue
            at_ms = seconds_ms(offset, "a textevent's timeoffset", self.steps)
            found.append((at_ms, message))
        return _joined(found)

    def within(self, node: Element, say: list[tuple[int, str]], ms: int) -> list[tuple[int, str]]:
        """The messages before `ms`; each after it is left out with a warning, as a late
        `say` of a routine is."""
        for at_ms, text in say:
            if at_ms >= ms:
                self.steps.warnings.append(
                    f"step {self.number} ({node.tag}): left out the textevent ({text!r}) at "
                    f"{at_ms / 1000:g} s: the step lasts {ms / 1000:g} s"
                )
        return [(at_ms, text) for at_ms, text in say if at_ms < ms]

    def step(self, node: Element) -> list[dict[str, Any]]:
        self.number += 1
        tag = node.tag
        if tag == "IntervalsT":
            return self.intervals(node)
        ms, open_duration = self.length(node, "Duration")
        say = self.messages(node)
        if ms is not None:
            say = self.within(node, say, ms)
        common: dict[str, Any] = {"duration": open_duration, "say": say}
        self.steps.counted(1)
        if tag in ("Warmup", "Cooldown", "Ramp"):
            low = self.number_attr(node, "PowerLow", self.number_attr(node, "Power", 0.0))
            high = self.number_attr(node, "PowerHigh", low)
            name = {"Warmup": "Warm-up", "Cooldown": "Cool-down", "Ramp": "Ramp"}[tag]
            intensity = {"Warmup": "warmup", "Cooldown": "cooldown", "Ramp": "active"}[tag]
            return [
                exercise(name, ms, target=self.target(low, high), intensity=intensity, **common)
            ]
        if tag in ("SteadyState", "SolidState"):
            if node.get("Power") is None and node.get("PowerLow") is not None:
                low = self.number_attr(node, "PowerLow")
                high = self.number_attr(node, "PowerHigh", low)
            else:
                low = high = self.number_attr(node, "Power", 0.0)
            middle = (low + high) / 2
            intensity = "recovery" if middle < 0.6 else "active"
            return [
                exercise(
                    _zone_name(middle),
                    ms,
                    target=self.target(low, high),
                    intensity=intensity,
                    **common,
                )
            ]
        if tag == "FreeRide":
            name = "Free run" if self.run else "Free ride"
            return [exercise(name, ms, intensity="active", **common)]
        # MaxEffort
        return [exercise("Max effort", ms, target="all out", intensity="active", **common)]

    def intervals(self, node: Element) -> list[dict[str, Any]]:
        repeat = self.number_attr(node, "Repeat", 1)
        if repeat != int(repeat) or repeat < 1:
            raise self.steps.fail(
                f"step {self.number} (IntervalsT): expected Repeat as a whole number of 1 or "
                f"more, found {shown(node.get('Repeat', ''))}"
            )
        times = int(repeat)
        on_ms, on_open = self.length(node, "OnDuration")
        off_ms, off_open = self.length(node, "OffDuration")
        on_low = self.number_attr(node, "PowerOnLow", self.number_attr(node, "OnPower", 0.0))
        on_high = self.number_attr(node, "PowerOnHigh", on_low)
        off_low = self.number_attr(node, "PowerOffLow", self.number_attr(node, "OffPower", 0.0))
        off_high = self.number_attr(node, "PowerOffHigh", off_low)
        has_off = off_ms is None or off_ms > 0

        def on(say: list[tuple[int, str]]) -> dict[str, Any]:
            return exercise(
                "Interval",
                on_ms,
                duration=on_open,
                target=self.target(on_low, on_high),
                intensity="active",
                say=say,
            )

        def off(say: list[tuple[int, str]]) -> dict[str, Any]:
            return exercise(
                "Recovery",
                off_ms,
                duration=off_open,
                target=self.target(off_low, off_high),
                intensity="recovery",
                say=say,
            )

        self.steps.counted(times * (2 if has_off else 1))
        messages = self.messages(node)
        if not messages:
            pair = [on([])] + ([off([])] if has_off else [])
            return [{"repeat": times, "exercises": pair}] if times > 1 else pair
        # messages count from the block's start: place each in the round and step it falls in
        on_len = on_ms or self.steps.open_step_ms
        off_len = (off_ms or self.steps.open_step_ms) if has_off else 0
        cycle = on_len + off_len
        messages = self.within(node, messages, times * cycle)
        rounds: list[dict[str, Any]] = []
        for index in range(times):
            start = index * cycle
            mine_on = [(at - start, t) for at, t in messages if start <= at < start + on_len]
            rounds.append(on(mine_on))
            if has_off:
                off_start = start + on_len
                mine_off = [
                    (at - off_start, t) for at, t in messages if off_start <= at < start + cycle
                ]
                rounds.append(off(mine_off))
        return rounds


def read_zwo(path: Path, open_step_ms: int) -> Workout:
    """Read a Zwift workout file."""
    data = read_input(path, "a Zwift workout")
    steps = Steps(str(path), open_step_ms)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    text = _BARE_AMPERSAND.sub("&amp;", text)
    try:
        root = fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise steps.fail(
            "expected a Zwift workout, found XML with a DTD or entities (refused: they can "
            "expand without end or read other files)"
        ) from None
    except ParseError as exc:
        raise steps.fail(
            f"expected a Zwift workout, found XML that cannot be read ({exc})"
        ) from None
    if root.tag != "workout_file":
        raise steps.fail(f"expected a Zwift workout (<workout_file>), found <{root.tag}>")
    workout = root.find("workout")
    if workout is None or not len(workout):
        raise steps.fail("expected steps inside <workout>, found none")
    reader = _Reader(root, steps)
    exercises: list[dict[str, Any]] = []
    for node in workout:
        # tags as Zwift's own files spell them, whatever the case ("Freeride", "freeride")
        node.tag = _CANONICAL.get(node.tag.lower(), node.tag)
        if node.tag.lower() in _NOT_STEPS:
            continue
        if node.tag not in STEP_TAGS:
            raise steps.fail(
                f"step {reader.number + 1}: expected one of {', '.join(STEP_TAGS)}, "
                f"found <{node.tag}>"
            )
        exercises.extend(reader.step(node))
    title = clean(root.findtext("name")) or path.stem
    document: dict[str, Any] = {"title": title}
    description = clean(root.findtext("description"))
    if description:
        document["description"] = description
    document["defaults"] = {"rest": 0}
    document["exercises"] = exercises
    return Workout(document, steps.warnings)
