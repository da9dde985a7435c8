"""intervals.icu text workouts (.txt): steps, `Nx` repeats, targets, distances, ramps.

    Warmup
    - 10m ramp 50-75%
    Main set 5x
    - Strong but smooth 800mtr 4:05-4:15/km Pace
    - 2m Z2 HR
    Cooldown
    - 10m 55%

A line starting with "-" is a step; other lines head what follows (a name, and with "Nx"
a repeat that lasts to the next blank line or heading). In a step, `m` is minutes, `mtr`
metres (`km`, `mi` as said); `%` alone is of FTP, with `HR` of the maximum heart rate,
with `LTHR` of the threshold heart rate, with `Pace` of threshold pace; `Z2` a power zone
(`Z2 HR` a heart-rate zone); `200w` watts; `4:30/km Pace` a pace. Other words are the
step's text, spoken at its start.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from voicecoach.workouts import Steps, Workout, clean, exercise
from voicecoach.yamlfile import read_input

# 10m, 30s, 1h, 1m30s, and 1m30 (intervals.icu's own shorthand)
_DURATION = re.compile(
    r"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s|(?<=m)(\d+))?$"
)
_DISTANCE = re.compile(r"^(\d+(?:\.\d+)?)(km|mtr|mi)$")
_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)%?(?:-(\d+(?:\.\d+)?))?%$")  # 75%, 50-75%, 50%-75%
_SHORT = re.compile(r"^(?:(\d+)')?(?:(\d+)\")?$")  # 5', 30", 1'30"
_RPE = re.compile(r"^rpe(\d{1,2})$")
_ZONE = re.compile(r"^[zZ]([1-7])(?:-[zZ]?([1-7]))?$")
_WATTS = re.compile(r"^(\d+)[wW]?(?:-(\d+))?[wW]$")
# 4:30/km, 7:15-7:00/km, 8:00/mi, 1:45/100m (any distance: said per km), 5:00 (no unit)
_PACE = re.compile(
    r"^(\d{1,2}:\d{2})(?:/(?:km|mi|\d+m|\d+y))?(?:-(\d{1,2}:\d{2}))?(?:/(km|mi|\d+m|\d+y))?$"
)
_REPEAT = re.compile(r"^(.*?)\s*(\d+)\s*[xX]$")
_CADENCE = re.compile(r"^\d+(?:-\d+)?rpm$", re.IGNORECASE)
_KINDS = {"hr": "heart_rate", "lthr": "heart_rate", "pace": "pace", "power": "power"}


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


def _step(text: str, line: int, section: str, steps: Steps, repeat: bool) -> dict[str, Any]:
    # "315w - 330w" is a range; "press lap" ends the step by the lap button, which the
    # audio cannot hear: the step's own duration stands
    text = re.sub(r"(\d[wW%]?)\s+-\s+(\d)", r"\1-\2", text)
    text = re.sub(r"\bpress lap\b", " ", text, flags=re.IGNORECASE)
    tokens = text.split()
    duration_ms: int | None = None
    distance_m: float | None = None
    words: list[str] = []
    target: Any = None
    pending: tuple[str, str] | None = None  # a value waiting for HR/LTHR/Pace after it
    for token in tokens:
        lower = token.lower()
        if lower in _KINDS and pending is not None:
            kind, value = pending
            if lower == "lthr":
                target = {"heart_rate": f"{value} LTHR"}
            elif lower == "hr":
                target = {"heart_rate": value}
            elif lower == "pace":
                if kind == "zone":
                    steps.warnings.append(
                        f"line {line}: a pace zone ({value}) has no pace here; no target is said"
                    )
                    target = None
                else:
                    target = {"pace": value}
            else:
                target = {"power": value}
            pending = None
            continue
        if pending is not None:
            target = {"power": pending[1]}
            pending = None
        if lower in ("ramp", "freeride") or _CADENCE.match(token) or (lower in _KINDS and target):
            continue
        short = _SHORT.match(token)
        if duration_ms is None and distance_m is None and short and any(short.groups()):
            duration_ms = (int(short[1] or 0) * 60 + int(short[2] or 0)) * 1000
            continue
        if (match := _RPE.match(lower)) and target is None and 1 <= int(match[1]) <= 10:
            target = f"RPE {match[1]}"
            continue
        match = _DURATION.match(lower)
        if duration_ms is None and distance_m is None and match and any(match.groups()):
            hours, minutes, seconds, bare = (float(g or 0) for g in match.groups())
            seconds += bare
            duration_ms = round((hours * 3600 + minutes * 60 + seconds) * 1000)
            continue
        if duration_ms is None and distance_m is None and (match := _DISTANCE.match(lower)):
            factor = {"km": 1000.0, "mtr": 1.0, "mi": 1609.344}[match[2]]
            distance_m = float(match[1]) * factor
            continue
        if match := _PERCENT.match(token):
            pending = ("percent", f"{match[1]}-{match[2]}%" if match[2] else f"{match[1]}%")
            continue
        if match := _ZONE.match(token):
            pending = ("zone", f"Z{match[1]}")
            continue
        if match := _WATTS.match(token):
            target = {"power": f"{match[1]}-{match[2]} W" if match[2] else f"{match[1]} W"}
            continue
        if match := _PACE.match(lower):
            target = {"pace": _pace(match[1], match[2], match[3] or _unit_of(lower))}
            continue
        if token.strip("-–—"):
            words.append(token)
    if pending is not None:
        target = {"power": pending[1]}
    where = f"line {line}"
    said = clean(" ".join(words))
    intensity = _section_intensity(section)
    if intensity is None and target and isinstance(target, dict):
        value = next(iter(target.values()))
        low = re.match(r"^(?:Z)?(\d+(?:\.\d+)?)", value)
        if low and ("%" in value and float(low[1]) < 60 or value in ("Z1", "Z2")):
            intensity = "recovery"
    if intensity == "recovery":
        name = "Recovery"
    else:
        name = clean(section) or ("Interval" if repeat else "Step")
    duration: str | None = None
    if duration_ms is None and distance_m is None:
        duration = steps.open_step(where, "the step has no duration or distance")
    elif distance_m is not None and not (target and "pace" in target and "%" not in target["pace"]):
        duration = steps.open_step(where, f"it is {distance_m:g} m with no pace to time it")
        distance_m = None
    elif duration_ms is not None and duration_ms <= 0:
        raise steps.fail(f"{where}: expected a duration above 0, found {text!r}")
    return exercise(
        name,
        duration_ms,
        duration=duration,
        distance_m=distance_m,
        target=target,
        intensity=intensity,
        say=[(0, said)] if said else None,
    )


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
    exercises: list[dict[str, Any]] = []
    section = ""
    repeat: dict[str, Any] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            repeat = None
            continue
        if line.startswith("-"):
            step = _step(line[1:].strip(), number, section, steps, repeat is not None)
            if repeat is not None:
                repeat["exercises"].append(step)
                steps.counted(repeat["repeat"])
            else:
                exercises.append(step)
                steps.counted(1)
            continue
        match = _REPEAT.match(line)
        if match:
            times = int(match[2])
            if not 1 <= times <= 1000:
                raise steps.fail(
                    f"line {number}: expected a repeat of 1 to 1000 times, found {line!r}"
                )
            section = match[1]
            repeat = {"repeat": times, "exercises": []}
            exercises.append(repeat)
        else:
            section, repeat = line, None
    exercises = [e for e in exercises if "repeat" not in e or e["exercises"]]
    if not exercises:
        raise steps.fail(
            "expected an intervals.icu workout (steps on lines starting '-'), found none"
        )
    title = clean(path.stem.replace("_", " ").replace("-", " ")) or "Workout"
    document: dict[str, Any] = {"title": title[:1].upper() + title[1:]}
    document["defaults"] = {"rest": 0}
    document["exercises"] = exercises
    return Workout(document, steps.warnings)
