"""intervals.icu text workouts (.txt): steps, `Nx` repeats, targets, distances, ramps.

    Warmup
    - 10m ramp 50-75%
    Main set 5x
    - Strong but smooth 800mtr 4:05-4:15/km Pace
    - 2m Z2 HR

    Cooldown
    - 10m 55%

A line starting with "-" is a step; other lines are headings. A heading names the steps
under it up to the next blank line or heading, as intervals.icu shows it, and with "Nx"
makes them a repeat (intervals.icu has no repeat inside a repeat). In a step, `m` is
minutes, `mtr` metres (`km`, `mi` as said); `%` alone is of FTP, with `HR` of the maximum
heart rate, with `LTHR` of the threshold heart rate, with `Pace` of threshold pace; `Z2` a
power zone (`Z2 HR` a heart-rate zone); `200w` watts; `4:30/km Pace` a pace. Other words
are the step's own text, which names it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voicecoach import limits
from voicecoach.routine.safe_yaml import read_input
from voicecoach.routine.targets import POWER_ZONES, Athlete, Target, parse_target, speed_of
from voicecoach.workouts.steps import (
    Steps,
    Workout,
    clean,
    digits_checked,
    exercise,
    shown,
)

# 10m, 30s, 1h, 1m30s, and 1m30 (intervals.icu's own shorthand)
_DURATION = re.compile(
    r"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s|(?<=m)(\d+))?$"
)
_DISTANCE = re.compile(r"^(\d+(?:\.\d+)?)(km|mtr|mi)$")
_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)%?(?:-(\d+(?:\.\d+)?))?%$")  # 75%, 50-75%, 50%-75%
_SHORT = re.compile(r"^(?:(\d+)')?(?:(\d+)\")?$")  # 5', 30", 1'30"
_ZONE = re.compile(r"^[zZ]([1-7])(?:-[zZ]?([1-7]))?$")
_WATTS = re.compile(r"^(\d+)[wW]?(?:-(\d+))?[wW]$")
# 4:30/km, 7:15-7:00/km, 8:00/mi, 1:45/100m (any distance: said per km), 5:00 (no unit)
_PACE = re.compile(
    r"^(\d{1,2}:\d{2})(?:/(?:km|mi|\d+m|\d+y))?(?:-(\d{1,2}:\d{2}))?(?:/(km|mi|\d+m|\d+y))?$"
)
_CADENCE = re.compile(r"^\d+(?:-\d+)?rpm$", re.IGNORECASE)
_KINDS = {"hr": "heart_rate", "lthr": "heart_rate", "pace": "pace", "power": "power"}
# what looks like a target but is none intervals.icu knows: refused, never spoken as text
_NEGATIVE = re.compile(r"^-\d+(?:\.\d+)?%$")
_ANY_ZONE = re.compile(r"^[zZ](\d+)$")
_ANY_RPE = re.compile(r"^rpe(\d+)$")
# a step in whole minutes this long, covering this far at its pace, was likely meant in
# metres ("200m" at 3:30/km is 57 km): said, since `m` is minutes in intervals.icu
_SUSPECT_MINUTES = 100
_SUSPECT_KM = 25
# efforts on one scale, as fractions of threshold, so that targets of different kinds
# compare: threshold heart rate is about 90 % of the maximum
_WORD_EFFORT = {"easy": 0.65, "steady": 0.8, "tempo": 0.9, "threshold": 1.0, "hard": 1.1}


def _unit_of(token: str) -> str:
    found = re.search(r"/(km|mi|\d+m|\d+y)", token)
    return found[1] if found else ""


def _pace(low: str, high: str | None, unit: str) -> str:
    """A pace as the routine writes it: per km or per mile (other distances converted)."""
    if unit in ("", "km", "mi"):
        return (f"{low}-{high}" if high else low) + (f"/{unit}" if unit else "")
    metres = float(unit[:-1]) * (0.9144 if unit.endswith("y") else 1.0)

    def per_km(clock: str) -> str:
        minutes, seconds = clock.split(":")
        total = round((int(minutes) * 60 + int(seconds)) * 1000 / metres)
        return f"{total // 60}:{total % 60:02d}"

    return (f"{per_km(low)}-{per_km(high)}" if high else per_km(low)) + "/km"


def _section_intensity(name: str) -> str | None:
    folded = name.casefold()
    if "warm" in folded:
        return "warmup"
    if "cool" in folded:
        return "cooldown"
    return None


@dataclass
class _Parsed:
    """What one step's line says, token by token."""

    duration_ms: int | None = None
    minutes: str | None = None  # the token, when the duration is whole minutes alone ("200m")
    distance_m: float | None = None
    target: Any = None  # as the routine writes it
    written: str = ""  # the target as the line writes it
    words: list[str] = field(default_factory=list)
    pending: tuple[str, str, str] | None = None  # (kind, value, token) before HR/LTHR/Pace


def _settle(found: _Parsed, kind_token: str, where: str, steps: Steps) -> None:
    """A value waiting for the word after it: `75% HR`, `90% LTHR`, `Z2 Pace`, or power."""
    if found.pending is None:
        return
    kind, value, token = found.pending
    found.pending = None
    lower = kind_token.lower()
    found.written = f"{token} {kind_token}" if lower in _KINDS else token
    if lower == "lthr":
        found.target = {"heart_rate": f"{value} LTHR"}
    elif lower == "hr":
        found.target = {"heart_rate": value}
    elif lower == "pace" and kind == "zone":
        steps.warnings.append(f"{where}: a pace zone ({value}) has no pace here; no target is said")
        found.target = None
    elif lower == "pace":
        found.target = {"pace": value}
    else:
        found.target = {"power": value}


def _amount(token: str, found: _Parsed, where: str, steps: Steps) -> bool:
    """Take the step's duration or distance from `token`, when it is one."""
    if found.duration_ms is not None or found.distance_m is not None:
        return False
    lower = token.lower()
    short = _SHORT.match(token)
    if short and any(short.groups()):
        found.duration_ms = (int(short[1] or 0) * 60 + int(short[2] or 0)) * 1000
    elif (match := _DURATION.match(lower)) and any(match.groups()):
        hours, minutes, seconds, bare = (float(g or 0) for g in match.groups())
        found.duration_ms = round((hours * 3600 + minutes * 60 + seconds + bare) * 1000)
        if match[2] and not (match[1] or match[3] or match[4]):
            found.minutes = token
    elif match := _DISTANCE.match(lower):
        factor = {"km": 1000.0, "mtr": 1.0, "mi": 1609.344}[match[2]]
        found.distance_m = float(match[1]) * factor
        if not 1 <= found.distance_m <= 1_000_000:
            raise steps.fail(f"{where}: expected a distance from 1 m to 1000 km, found {token!r}")
        return True
    else:
        return False
    if found.duration_ms > limits.MAX_MINUTES * 60_000:
        raise steps.fail(f"{where}: expected a step of at most 24 hours, found {token!r}")
    return True


def _target(token: str, found: _Parsed, where: str, steps: Steps) -> bool:
    """Take a target (or a value waiting for its kind) from `token`, when it is one."""
    lower = token.lower()
    if match := _ANY_RPE.match(lower):
        return _take_rpe(int(match[1]), token, found, where, steps)
    if match := _PERCENT.match(token):
        value = f"{match[1]}-{match[2]}%" if match[2] else f"{match[1]}%"
        found.pending = ("percent", value, token)
    elif _NEGATIVE.match(token):
        raise steps.fail(f"{where}: expected a percentage of 0 or more, found {token!r}")
    elif match := _ZONE.match(token):
        found.pending = ("zone", f"Z{match[1]}", token)
    elif _ANY_ZONE.match(token):
        raise steps.fail(f"{where}: expected a zone from Z1 to Z7, found {token!r}")
    elif match := _WATTS.match(token):
        watts = f"{match[1]}-{match[2]} W" if match[2] else f"{match[1]} W"
        found.target, found.written = {"power": watts}, token
    elif match := _PACE.match(lower):
        unit = match[3] or _unit_of(lower)
        if unit[:-1].isdigit() and int(unit[:-1]) == 0:
            raise steps.fail(f"{where}: expected a pace per a distance above 0, found {token!r}")
        found.target, found.written = {"pace": _pace(match[1], match[2], unit)}, token
    else:
        return False
    return True


def _take_rpe(rpe: int, token: str, found: _Parsed, where: str, steps: Steps) -> bool:
    """Take an RPE as the step's target, unless it has one already."""
    if not 1 <= rpe <= 10:
        raise steps.fail(f"{where}: expected an effort from RPE1 to RPE10, found {token!r}")
    if found.target is not None:
        return False
    found.target, found.written = f"RPE {rpe}", token
    return True


def _parse(text: str, where: str, steps: Steps) -> _Parsed:
    """A step's line, read token by token."""
    # "315w - 330w" is a range; "press lap" ends the step by the lap button, which the
    # audio cannot hear: the step's own duration stands
    text = re.sub(r"(\d[wW%]?)\s+-\s+(\d)", r"\1-\2", text)
    text = re.sub(r"\bpress lap\b", " ", text, flags=re.IGNORECASE)
    found = _Parsed()
    for token in text.split():
        if token[:1].isdigit() or token[:1] == "-":
            digits_checked(token, where, steps)
        lower = token.lower()
        if lower in _KINDS and found.pending is not None:
            _settle(found, token, where, steps)
            continue
        if found.pending is not None:
            _settle(found, "", where, steps)
        if (
            lower in ("ramp", "freeride")
            or _CADENCE.match(token)
            or (lower in _KINDS and found.target)
        ):
            continue
        if _amount(token, found, where, steps) or _target(token, found, where, steps):
            continue
        if token.strip("-–—"):
            found.words.append(token)
    _settle(found, "", where, steps)
    return found


def _validated(found: _Parsed, where: str, steps: Steps) -> Target | None:
    """The step's target, checked here so that a refusal quotes the line, not the routine."""
    if found.target is None:
        return None
    if isinstance(found.target, str):
        kind, value = "effort", found.target
    else:
        kind, value = next(iter(found.target.items()))
    try:
        return parse_target(kind, value, "metric")
    except ValueError as exc:
        raise steps.fail(f"{where}: expected {exc}, found {found.written!r}") from None


def _minutes_trap(found: _Parsed, target: Target | None, where: str, steps: Steps) -> None:
    """Say that `m` is minutes when a step in minutes is far longer than its pace suits."""
    speed = speed_of(target, Athlete())
    if found.minutes is None or found.duration_ms is None or speed is None:
        return
    number = found.minutes[:-1]
    minutes = found.duration_ms // 60_000
    hint = (
        f"{minutes} minutes: in intervals.icu m is minutes; metres are written {number}mtr "
        f"or {float(number) / 1000:g}km"
    )
    if found.duration_ms > limits.DEFAULT_MAX_MINUTES * 60_000:
        raise steps.fail(
            f"{where}: expected a step of at most {limits.DEFAULT_MAX_MINUTES // 60} hours at "
            f"{found.written}, found {found.minutes!r} ({hint})"
        )
    km = found.duration_ms / 1000 * speed / 1000
    if minutes >= _SUSPECT_MINUTES and km >= _SUSPECT_KM:
        steps.warnings.append(
            f"{where}: {found.minutes!r} is {minutes} minutes, {km:.0f} km at {found.written} "
            f"(in intervals.icu m is minutes; metres are written {number}mtr)"
        )


@dataclass
class _Step:
    """A step read, before the heading and repeat around it decide its name."""

    line: int
    text: str  # its own words: its name when it has some
    made: dict[str, Any]  # the exercise, but for its name and intensity
    target: Target | None


def _step(text: str, line: int, steps: Steps) -> _Step:
    where = f"line {line}"
    found = _parse(text, where, steps)
    target = _validated(found, where, steps)
    _minutes_trap(found, target, where, steps)
    duration: str | None = None
    distance_m = found.distance_m
    if found.duration_ms is None and distance_m is None:
        duration = steps.open_step(where, "the step has no duration or distance")
    elif distance_m is not None and not (target and target.kind == "pace" and target.unit != "%"):
        duration = steps.open_step(where, f"it is {distance_m:g} m with no pace to time it")
        distance_m = None
    elif found.duration_ms is not None and found.duration_ms <= 0:
        raise steps.fail(f"{where}: expected a duration above 0, found {text!r}")
    made = {"duration_ms": found.duration_ms, "duration": duration, "distance_m": distance_m}
    made["target"] = found.target
    return _Step(line, clean(" ".join(found.words)), made, target)


def _effort(target: Target | None) -> tuple[str, float] | None:
    """How hard a target asks for, on a scale (the first item) shared by what compares."""
    if target is None:
        return None
    if target.kind == "power" and target.unit == "zone":
        return "threshold", sum(POWER_ZONES[int(target.low) - 1]) / 200
    relative = {
        ("power", "%"): target.middle / 100,
        ("heart_rate", "%"): target.middle / 90,
        ("heart_rate", "zone"): (45 + 10 * target.low) / 90,
        ("heart_rate", "%lthr"): target.middle / 100,
        ("pace", "%"): target.middle / 100,
        ("effort", "rpe"): target.low / 8,
    }
    if (target.kind, target.unit) in relative:
        return "threshold", relative[target.kind, target.unit]
    if target.kind == "effort":
        return "threshold", _WORD_EFFORT.get(target.word, 1.5)
    # absolute figures compare only with their own kind; a faster pace is fewer seconds
    return target.unit, -target.middle if target.unit == "s/km" else target.middle


def _easy(target: Target | None) -> bool:
    """Whether a target alone says recovery: zone 1 or 2, or under 60 %."""
    if target is None or target.kind not in ("power", "heart_rate", "pace"):
        return False
    if target.unit == "zone":
        return target.low <= 2
    return target.unit in ("%", "%lthr") and target.low < 60


def _recoveries(found: list[_Step]) -> list[bool]:
    """Which steps of a repeat are its recovery: the easiest, by any kind of target."""
    efforts = [_effort(step.target) for step in found]
    flags = []
    for step, mine in zip(found, efforts, strict=True):
        alike = [other[1] for other in efforts if other and mine and other[0] == mine[0]]
        easiest = mine is not None and max(alike) > mine[1] and min(alike) == mine[1]
        flags.append(easiest or _easy(step.target))
    return flags


def _finished(step: _Step, name: str, intensity: str | None) -> dict[str, Any]:
    made = step.made
    return exercise(
        step.text or name,
        made["duration_ms"],
        duration=made["duration"],
        distance_m=made["distance_m"],
        target=made["target"],
        intensity=intensity,
    )


@dataclass
class _Section:
    """A heading and the steps under it, up to a blank line or the next heading."""

    heading: str  # as written
    line: int
    times: int | None = None  # a repeat's count
    name: str = ""  # what names its steps: the heading, without a repeat's count
    found: list[_Step] = field(default_factory=list)

    def exercises(self, steps: Steps) -> list[dict[str, Any]]:
        """The section's steps as exercises (a repeat as one block), each named."""
        own = _section_intensity(self.heading)
        if self.times is None:
            return [
                _finished(
                    step, self.name or "Step", own or ("recovery" if _easy(step.target) else None)
                )
                for step in self.found
            ]
        if not self.found:
            raise steps.fail(
                f"line {self.line}: expected steps under {shown(self.heading)}, found none"
            )
        name = self.name or "Interval"
        made = [
            _finished(step, "Recovery" if easy else name, own or ("recovery" if easy else None))
            for step, easy in zip(self.found, _recoveries(self.found), strict=True)
        ]
        return [{"repeat": self.times, "exercises": made}]


def _repeat_of(line: str) -> tuple[str, str] | None:
    """A repeat's heading ("Main set 4x") as its name and count, read from the end: a
    regular expression would try every start of a long line of digits."""
    if line[-1:] not in ("x", "X"):
        return None
    body = line[:-1].rstrip()
    name = body.rstrip("0123456789")
    return (name.rstrip(), body[len(name) :]) if len(name) < len(body) else None


def _heading(line: str, number: int, open_section: _Section | None, steps: Steps) -> _Section:
    if open_section is not None and open_section.times is not None and not open_section.found:
        nested = "; intervals.icu has no repeat inside a repeat" if _repeat_of(line) else ""
        raise steps.fail(
            f"line {number}: expected the steps of {shown(open_section.heading)} (line "
            f"{open_section.line}), found the heading {shown(line)}{nested}"
        )
    repeat = _repeat_of(line)
    if repeat is None:
        return _Section(line, number, name=line)
    digits_checked(repeat[1], f"line {number}", steps)
    times = int(repeat[1])
    if not 1 <= times <= limits.MAX_REPEAT:
        raise steps.fail(
            f"line {number}: expected a repeat of 1 to {limits.MAX_REPEAT} times, "
            f"found {shown(line)}"
        )
    return _Section(line, number, times, repeat[0])


# a routine's, programme's or squad's top-level key at the start of a line: YAML, not a workout
_YAML_KEY = re.compile(r"^(title|exercises|weeks|athletes|routine|defaults|cues)\s*:", re.M)


def read_icu(path: Path, open_step_ms: int) -> Workout:
    """Read an intervals.icu text workout."""
    data = read_input(path, "an intervals.icu workout")
    steps = Steps(str(path), open_step_ms)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise steps.fail(
            f"expected an intervals.icu workout in UTF-8 text, found the byte "
            f"0x{data[exc.start]:02x}"
        ) from None
    if yaml_key := _YAML_KEY.search(text):
        at_line = text[: yaml_key.start()].count("\n") + 1
        raise steps.fail(
            f"line {at_line}: expected an intervals.icu workout, found YAML "
            f"('{yaml_key[1]}:'); a routine, programme or squad is read from a .yaml file"
        )
    exercises: list[dict[str, Any]] = []
    section: _Section | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("-"):
            section = section or _Section("", number)
            section.found.append(_step(line[1:].strip(), number, steps))
            steps.counted(section.times or 1)
            continue
        if section is not None and (not line or line.startswith("#")):
            exercises.extend(section.exercises(steps))
            section = None
        elif line and not line.startswith("#"):
            heading = _heading(line, number, section, steps)
            if section is not None:
                exercises.extend(section.exercises(steps))
            section = heading
    if section is not None:
        exercises.extend(section.exercises(steps))
    if not exercises:
        raise steps.fail(
            "expected an intervals.icu workout (steps on lines starting '-'), found none"
        )
    title = clean(path.stem.replace("_", " ").replace("-", " ")) or "Workout"
    document: dict[str, Any] = {"title": title[:1].upper() + title[1:]}
    document["defaults"] = {"rest": 0}
    document["exercises"] = exercises
    return Workout(document, steps.warnings)
