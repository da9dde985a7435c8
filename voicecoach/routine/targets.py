"""Targets and distances (routine format, revision 3): read as written, said as people say them.

A target is what a block asks for: a pace (or pace range, or speed), a heart rate (a zone
or a bpm range), a power (% of FTP or watts) or an effort (a word, or RPE 1-10). The
parsers here raise ValueError with what was expected; the loader adds where.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from voicecoach.language.saying import METRES_PER_MILE, Words, words_for

KINDS = ("pace", "speed", "heart_rate", "power", "effort")
EFFORTS = ("easy", "steady", "tempo", "threshold", "hard", "all out")
INTENSITIES = ("warmup", "active", "recovery", "rest", "cooldown")
# zones 1-5 as fractions of the maximum heart rate (the routine format's default)
HR_ZONE_FRACTIONS = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
# Coggan's power zones 1-7 as % of FTP (the last has no top)
POWER_ZONES = ((0, 55), (56, 75), (76, 90), (91, 105), (106, 120), (121, 150), (151, 200))


@dataclass(frozen=True)
class Target:
    """A block's target, normalised: `low`..`high` in the unit `unit` says."""

    kind: str  # one of KINDS
    unit: str  # pace: "s/km" or "%" (of threshold speed); speed: "m/s"; heart_rate: "bpm",
    # "zone", "%" (of max) or "%lthr"; power: "W", "%" (of FTP) or "zone"; effort: "word"/"rpe"
    low: float = 0.0
    high: float = 0.0
    word: str = ""  # an effort word
    written: str = ""  # as the routine (or the imported file) wrote it

    @property
    def middle(self) -> float:
        """The middle of the range."""
        return (self.low + self.high) / 2


@dataclass(frozen=True)
class Athlete:
    """What relative targets are relative to: threshold pace, FTP, heart-rate zones."""

    threshold_pace_s_km: float | None = None
    ftp_w: int | None = None
    max_heart_rate: int | None = None
    zones: tuple[int, ...] = ()  # six bpm bounds of zones 1-5, when given
    lthr: int | None = None  # lactate-threshold heart rate, bpm

    def heart_zone(self, zone: int) -> tuple[int, int] | None:
        """The bpm range of heart-rate zone 1-5, when it is known."""
        if self.zones:
            return self.zones[zone - 1], self.zones[zone]
        if self.max_heart_rate:
            low, high = HR_ZONE_FRACTIONS[zone - 1], HR_ZONE_FRACTIONS[zone]
            return round(self.max_heart_rate * low), round(self.max_heart_rate * high)
        return None


# -- reading -------------------------------------------------------------------------------

_NUM = r"(\d+(?:\.\d+)?)"
_RANGE = re.compile(rf"^{_NUM}\s*(?:-|to|–)\s*{_NUM}$")
_CLOCK = r"(\d{1,2}:\d{2}(?:\.\d+)?)"
_PACE = re.compile(
    rf"^{_CLOCK}(?:\s*(?:-|to|–)\s*{_CLOCK})?\s*(?:/\s*|per\s+|min/)?\s*"
    r"(km|kilometres?|kilometers?|mi|miles?)?$"
)
_SPEED = re.compile(rf"^{_NUM}(?:\s*(?:-|to|–)\s*{_NUM})?\s*(km/h|kph|mph)$")
_ZONE = re.compile(r"^(?:z|zone\s*)([1-7])$")
_RPE = re.compile(r"^(?:rpe\s*)(\d{1,2})$")


def _numbers(text: str) -> tuple[float, float]:
    """ "130-145" or "130" as (low, high)."""
    text = text.strip()
    if match := _RANGE.match(text):
        low, high = float(match[1]), float(match[2])
    elif re.fullmatch(_NUM, text):
        low = high = float(text)
    else:
        raise ValueError
    if low > high:
        low, high = high, low
    return low, high


def _clock_seconds(text: str) -> float:
    minutes, seconds = text.split(":")
    if float(seconds) >= 60:
        raise ValueError
    return int(minutes) * 60 + float(seconds)


def parse_pace(value: object, units: str) -> Target:
    """ "4:05-4:15/km", "7:30/mi", "4:30" (per the routine's unit), "95%" of threshold."""
    text = str(value).strip().lower()
    if text.endswith("%"):
        try:
            low, high = _numbers(text[:-1])
        except ValueError:
            raise ValueError("a pace such as '4:30/km', '4:05-4:15/km' or '95%'") from None
        if not 10 <= low <= high <= 200:
            raise ValueError("a percentage of threshold pace from 10 to 200")
        return Target("pace", "%", low, high, written=str(value))
    match = _PACE.match(text)
    if not match:
        raise ValueError("a pace such as '4:30/km', '4:05-4:15/km', '7:30/mi' or '95%'")
    low, high = _clock_seconds(match[1]), _clock_seconds(match[2] or match[1])
    per_mile = (match[3] or ("mi" if units == "imperial" else "km")).startswith("mi")
    if per_mile:
        low, high = low / (METRES_PER_MILE / 1000), high / (METRES_PER_MILE / 1000)
    if not (min(low, high) >= 60 and max(low, high) <= 3600):
        raise ValueError("a pace from 1:00 to 60:00 a kilometre")
    # a faster pace is fewer seconds: keep low the faster end
    return Target("pace", "s/km", min(low, high), max(low, high), written=str(value))


def parse_speed(value: object) -> Target:
    """ "14 km/h", "12-14 km/h", "8.5 mph"."""
    text = str(value).strip().lower()
    match = _SPEED.match(text)
    if not match:
        raise ValueError("a speed such as '14 km/h' or '8.5 mph'")
    factor = METRES_PER_MILE / 3600 if match[3] == "mph" else 1000 / 3600
    low, high = float(match[1]) * factor, float(match[2] or match[1]) * factor
    if not (min(low, high) >= 0.5 and max(low, high) <= 15):
        raise ValueError("a running or riding speed from 2 to 54 km/h")
    return Target("speed", "m/s", min(low, high), max(low, high), written=str(value))


def parse_heart_rate(value: object) -> Target:
    """ "zone 2", "Z2", 2 (a zone), "130-145" (bpm), "75-80%" (of the maximum), "90% LTHR"."""
    text = str(value).strip().lower().removesuffix("bpm").strip()
    expected = "a heart rate such as 'zone 2', '130-145' (bpm) or '75-80%' (of your maximum)"
    if (match := _ZONE.match(text)) or (text.isdigit() and 1 <= int(text) <= 5):
        zone = int(match[1] if match else text)
        if zone > 5:
            raise ValueError("a heart-rate zone from 1 to 5")
        return Target("heart_rate", "zone", zone, zone, written=str(value))
    if text.endswith("lthr"):
        try:
            low, high = _numbers(text.removesuffix("lthr").strip().rstrip("%"))
        except ValueError:
            raise ValueError(expected) from None
        if not 30 <= low <= high <= 130:
            raise ValueError("a percentage of your threshold heart rate from 30 to 130")
        return Target("heart_rate", "%lthr", low, high, written=str(value))
    percent = text.endswith("%")
    try:
        low, high = _numbers(text.rstrip("%"))
    except ValueError:
        raise ValueError(expected) from None
    if percent:
        if not 30 <= low <= high <= 110:
            raise ValueError("a percentage of your maximum heart rate from 30 to 110")
        return Target("heart_rate", "%", low, high, written=str(value))
    if not 40 <= low <= high <= 240:
        raise ValueError("a heart rate from 40 to 240 bpm")
    return Target("heart_rate", "bpm", low, high, written=str(value))


def parse_power(value: object) -> Target:
    """ "88-94%" (of FTP), "220-235 W", "250W", "Z2" (a power zone)."""
    text = str(value).strip().lower()
    if match := _ZONE.match(text):
        zone = int(match[1])
        return Target("power", "zone", zone, zone, written=str(value))
    expected = "a power such as '88-94%' (of FTP), '220-235 W' or 'Z2'"
    if text.endswith("%"):
        try:
            low, high = _numbers(text[:-1])
        except ValueError:
            raise ValueError(expected) from None
        if not 0 <= low <= high <= 500:
            raise ValueError("a percentage of FTP from 0 to 500")
        return Target("power", "%", low, high, written=str(value))
    stripped = re.sub(r"\s*(w|watts?)$", "", text)
    if stripped == text:
        raise ValueError(expected)
    try:
        low, high = _numbers(stripped)
    except ValueError:
        raise ValueError(expected) from None
    if not 0 <= low <= high <= 3000:
        raise ValueError("a power from 0 to 3000 W")
    return Target("power", "W", low, high, written=str(value))


def parse_effort(value: object) -> Target:
    """An effort word (easy, steady, tempo, threshold, hard, all out) or RPE 1-10."""
    if isinstance(value, bool):
        raise ValueError("an effort word or RPE 1-10")
    text = str(value).strip().lower()
    if text in EFFORTS:
        return Target("effort", "word", word=text, written=str(value))
    match = _RPE.match(text) or (re.fullmatch(r"\d{1,2}", text) and re.match(r"(\d+)", text))
    if match and 1 <= int(match[1]) <= 10:
        rpe = int(match[1])
        return Target("effort", "rpe", rpe, rpe, written=str(value))
    raise ValueError(f"an effort ({', '.join(EFFORTS)}) or RPE 1-10")


def parse_target(kind: str, value: object, units: str) -> Target:
    """One target of kind `kind` (a key of a routine's `target:` mapping)."""
    if kind == "pace":
        return parse_pace(value, units)
    if kind == "speed":
        return parse_speed(value)
    if kind == "heart_rate":
        return parse_heart_rate(value)
    if kind == "power":
        return parse_power(value)
    return parse_effort(value)


# -- times and distances -------------------------------------------------------------------


def speed_of(target: Target | None, athlete: Athlete) -> float | None:
    """The speed (m/s) in the middle of a pace or speed target, when there is one."""
    if target is None:
        return None
    if target.kind == "speed":
        return target.middle
    if target.kind != "pace":
        return None
    if target.unit == "%":
        if athlete.threshold_pace_s_km is None:
            return None
        return 1000 / athlete.threshold_pace_s_km * target.middle / 100
    # the middle of a pace range is the middle of its speeds: 4:05-4:15 is not 4:10.0 exactly
    return (1000 / target.low + 1000 / target.high) / 2


def distance_ms(distance_m: float, speed_m_s: float) -> int:
    """How long a distance takes at a speed, in whole seconds (a watch's step is too)."""
    return max(1000, round(distance_m / speed_m_s) * 1000)


def parse_distance(value: object) -> float:
    """ "800m", "1.5km", "1 mi", "400mtr", 800 (metres) as metres."""
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, (int, float)):
        metres = float(value)
    else:
        match = re.fullmatch(
            r"(\d+(?:\.\d+)?)\s*(m|mtr|metres?|meters?|km|kilometres?|kilometers?|mi|miles?|yd|yards?)?",
            str(value).strip().lower(),
        )
        if not match:
            raise ValueError
        unit = match[2] or "m"
        factor = (
            1000.0
            if unit.startswith("k")
            else METRES_PER_MILE
            if unit.startswith("mi")
            else 0.9144
            if unit.startswith("y")
            else 1.0
        )
        metres = float(match[1]) * factor
    if not 1 <= metres <= 1_000_000:
        raise ValueError
    return metres


# -- saying --------------------------------------------------------------------------------


def _whole_span(low: float, high: float, words: Words) -> str:
    """Watts and beats a minute worked out from a percentage: said whole, as a watch shows."""
    return words.span(round(low), round(high))


def spoken_target(
    target: Target | None, units: str, athlete: Athlete, words: Words | None = None
) -> str:
    """A target as said after the work ("at 4 oh 5 to 4 15 per kilometre"); empty for none.

    With `athlete` known, a relative target adds its absolute figure. `words`: the
    routine's language (English unless given).
    """
    if target is None:
        return ""
    words = words or words_for()
    say = _SAID.get(target.kind)
    if say is not None:
        return say(target, units, athlete, words)
    if target.unit == "rpe":
        return words.text("target", "at effort {effort} out of 10", effort=int(target.low))
    return words.text("effort", target.word)


def _percent(target: Target, words: Words) -> str:
    return words.unit_span(target.low, target.high, "concentr-percent")


def _said_pace(target: Target, units: str, athlete: Athlete, words: Words) -> str:
    low, high = target.low, target.high
    if target.unit != "%":
        return words.text("target", "at {pace}", pace=words.pace(low, high, units))
    said = words.text("target", "at {percent} of threshold pace", percent=_percent(target, words))
    if athlete.threshold_pace_s_km:
        fast = athlete.threshold_pace_s_km * 100 / high
        slow = athlete.threshold_pace_s_km * 100 / low
        said += ", " + words.pace(fast, slow, units)
    return said


def _said_speed(target: Target, units: str, _athlete: Athlete, words: Words) -> str:
    low, high = target.low, target.high
    if units == "imperial":
        factor = 3600 / METRES_PER_MILE
        speed = words.unit_span(low * factor, high * factor, "speed-mile-per-hour")
    else:
        speed = words.unit_span(low * 3.6, high * 3.6, "speed-kilometer-per-hour")
    return words.text("target", "at {speed}", speed=speed)


def _said_heart_rate(target: Target, _units: str, athlete: Athlete, words: Words) -> str:
    low, high = target.low, target.high
    if target.unit == "zone":
        bounds = athlete.heart_zone(int(low))
        said = words.text("target", "in heart rate zone {zone}", zone=int(low))
        return said + (f", {words.span(bounds[0], bounds[1])}" if bounds else "")
    if target.unit == "%lthr":
        percent = _percent(target, words)
        said = words.text("target", "at {percent} of threshold heart rate", percent=percent)
        if athlete.lthr:
            said += f", {_whole_span(athlete.lthr * low / 100, athlete.lthr * high / 100, words)}"
        return said
    if target.unit != "%":
        return words.text("target", "at a heart rate of {beats}", beats=words.span(low, high))
    percent = _percent(target, words)
    said = words.text("target", "at {percent} of your maximum heart rate", percent=percent)
    if athlete.max_heart_rate:
        top = athlete.max_heart_rate
        said += f", {_whole_span(top * low / 100, top * high / 100, words)}"
    return said


def _said_power(target: Target, _units: str, athlete: Athlete, words: Words) -> str:
    low, high = target.low, target.high
    if target.unit == "zone":
        return words.text("target", "in power zone {zone}", zone=int(low))
    if target.unit != "%":
        power = words.unit_span(low, high, "power-watt")
        return words.text("target", "at {power}", power=power)
    said = words.text("target", "at {percent} of FTP", percent=_percent(target, words))
    if athlete.ftp_w:
        ftp = athlete.ftp_w
        said += ", " + words.unit_span(
            round(ftp * low / 100), round(ftp * high / 100), "power-watt"
        )
    return said


_SAID: dict[str, Callable[[Target, str, Athlete, Words], str]] = {
    "pace": _said_pace,
    "speed": _said_speed,
    "heart_rate": _said_heart_rate,
    "power": _said_power,
}


def figures_said(athlete: Athlete, targets: Iterable[Target | None]) -> Athlete:
    """The athlete's figures that saying these targets uses; the others left out.

    A distance's time is worked out when the routine is read, so it is in the routine
    already: what is left is what the spoken words take from the athlete.
    """
    kept: dict[str, Any] = {}
    for target in targets:
        if target is None:
            continue
        if target.kind == "pace" and target.unit == "%":
            kept["threshold_pace_s_km"] = athlete.threshold_pace_s_km
        elif target.kind == "power" and target.unit == "%":
            kept["ftp_w"] = athlete.ftp_w
        elif target.kind == "heart_rate" and target.unit == "%lthr":
            kept["lthr"] = athlete.lthr
        elif target.kind == "heart_rate" and target.unit in ("%", "zone"):
            kept["max_heart_rate"] = athlete.max_heart_rate
            if target.unit == "zone":
                kept["zones"] = athlete.zones
    return Athlete(**kept)


def intensity_of(name: str) -> str:
    """The intensity a block's name suggests: warm-up, cool-down, recovery, rest, or active."""
    folded = name.casefold()
    if "warm" in folded:
        return "warmup"
    if "cool" in folded:
        return "cooldown"
    if re.search(r"\b(recover|recovery|jog|walk|easy)\b", folded):
        return "recovery"
    if re.search(r"\brest\b", folded):
        return "rest"
    return "active"
