"""Garmin FIT workouts (.fit, file type 5), read with Garmin's own SDK (garmin-fit-sdk).

FIT's conventions: durations in ms (the SDK gives seconds), speeds in mm/s (m/s), a
heart rate over 100 is bpm + 100 (else % of the maximum), a power over 1000 is W + 1000
(else % of FTP), a repeat is a step that points back to the first step it repeats, and a
step's `message_index` is 12 bits (the SDK reads 4095, all of them set, as 'mask').
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voicecoach import limits
from voicecoach.routine.safe_yaml import read_input
from voicecoach.workouts.steps import (
    FIT_GAPS,
    FIT_LEAD_IN,
    FIT_PRODUCT,
    Steps,
    Workout,
    clean,
    duration_text,
    exercise,
    expanded,
)

_INTENSITIES = {
    "warmup": "warmup",
    "active": "active",
    "interval": "active",
    "rest": "rest",
    "recovery": "recovery",
    "cooldown": "cooldown",
}
_NAMES = {
    "warmup": "Warm-up",
    "active": "Work",
    "rest": "Rest",
    "recovery": "Recovery",
    "cooldown": "Cool-down",
}
_INDEX_MASK = 0x0FFF  # the bits of message_index that number the step
_GAP = "gap"  # the key of a gap of our own file, until it joins the step before it


def _text(value: Any) -> str:
    """A FIT string: the SDK splits one holding NUL into a list of strings; keep every word."""
    if isinstance(value, (list, tuple)):
        return clean(" ".join(str(part) for part in value if part))
    return clean(str(value)) if value else ""


def _index(step: dict[str, Any]) -> int:
    value = step.get("message_index", 0)
    if value == "mask":
        return _INDEX_MASK
    return value & _INDEX_MASK if isinstance(value, int) else 0


def _span(low: float, high: float, unit: str = "") -> str:
    """ "140-150", or "140" when the two agree."""
    return f"{low:g}{unit}" if low == high else f"{low:g}-{high:g}{unit}"


def _pace(speed_m_s: float) -> str:
    seconds = round(1000 / speed_m_s)
    return f"{seconds // 60}:{seconds % 60:02d}"


def _heart_rate(step: dict[str, Any], where: str, steps: Steps) -> Any:
    zone = step.get("target_hr_zone") or step.get("target_value") or 0
    if zone:
        if not 1 <= zone <= 5:
            raise steps.fail(f"{where}: expected a heart-rate zone from 1 to 5, found zone {zone}")
        return {"heart_rate": f"zone {zone}"}
    low = step.get("custom_target_heart_rate_low") or step.get("custom_target_value_low") or 0
    high = step.get("custom_target_heart_rate_high") or step.get("custom_target_value_high") or 0
    if not low and not high:
        return None
    if low > 100 and high > 100:
        if not 40 <= min(low, high) - 100 <= max(low, high) - 100 <= 240:
            found = _span(low - 100, high - 100, " bpm")
            raise steps.fail(f"{where}: expected a heart rate from 40 to 240 bpm, found {found}")
        return {"heart_rate": _span(min(low, high) - 100, max(low, high) - 100)}
    if 30 <= low <= 100 and 30 <= high <= 100:
        return {"heart_rate": _span(min(low, high), max(low, high), "%")}
    raise steps.fail(
        f"{where}: expected a heart rate from 40 to 240 bpm or 30 to 100 % of the maximum, "
        f"found a range from {low} to {high} in FIT's terms"
    )


def _power(step: dict[str, Any], where: str, steps: Steps) -> Any:
    zone = step.get("target_power_zone") or step.get("target_value") or 0
    if zone:
        if not 1 <= zone <= 7:
            raise steps.fail(f"{where}: expected a power zone from 1 to 7, found zone {zone}")
        return {"power": f"Z{zone}"}
    low = step.get("custom_target_power_low") or step.get("custom_target_value_low") or 0
    high = step.get("custom_target_power_high") or step.get("custom_target_value_high") or 0
    low, high = min(low, high), max(low, high)
    if not low and not high:
        return None
    if low > 1000 and high <= 4000:
        return {"power": _span(low - 1000, high - 1000, " W")}
    if high <= 500:
        return {"power": _span(low, high, "%")}
    raise steps.fail(
        f"{where}: expected a power from 0 to 3000 W or 0 to 500 % of FTP, found a range "
        f"from {low} to {high} in FIT's terms"
    )


def _speed(step: dict[str, Any], cycling: bool, where: str, steps: Steps) -> Any:
    low = step.get("custom_target_value_low") or 0
    high = step.get("custom_target_value_high") or 0
    fast = step.get("custom_target_speed_high") or high / 1000
    slow = step.get("custom_target_speed_low") or low / 1000
    slow, fast = min(slow, fast), max(slow, fast)
    if fast > 0 and slow > 0:
        # what a routine's pace (1:00 to 60:00 a km) or speed (2 to 54 km/h) allows
        least, most = (0.5, 15.0) if cycling else (1000 / 3600, 1000 / 60)
        if not (least <= slow and fast <= most):
            raise steps.fail(
                f"{where}: expected a speed from {least * 3.6:.0f} to {most * 3.6:.0f} km/h, "
                f"found {slow * 3.6:.1f} to {fast * 3.6:.1f} km/h"
            )
        if cycling:
            return {"speed": f"{slow * 3.6:.1f}-{fast * 3.6:.1f} km/h"}
        return {"pace": _span_pace(fast, slow)}
    if step.get("target_speed_zone"):
        steps.warnings.append(f"{where}: a speed zone has no pace here; no target is said")
    return None


def _span_pace(fast: float, slow: float) -> str:
    quick, easy = _pace(fast), _pace(slow)
    return f"{quick}/km" if quick == easy else f"{quick}-{easy}/km"


def _target(step: dict[str, Any], cycling: bool, where: str, steps: Steps) -> Any:
    kind = step.get("target_type")
    if kind == "heart_rate":
        return _heart_rate(step, where, steps)
    if kind == "power":
        return _power(step, where, steps)
    if kind == "speed":
        return _speed(step, cycling, where, steps)
    return None


def _fields(step: Any) -> dict[str, Any]:
    return {k: v for k, v in step.items() if v is not None}


def _messages(path: Path, steps: Steps) -> dict[str, Any]:
    """The FIT file's messages, once it is known to be a whole FIT workout file."""
    from garmin_fit_sdk import Decoder, Stream

    data = read_input(path, "a FIT workout")
    try:
        decoder = Decoder(Stream.from_byte_array(bytearray(data)))
        if not decoder.is_fit():
            raise steps.fail("expected a FIT workout, found a file that is not FIT")
        if not decoder.check_integrity():
            raise steps.fail("expected a FIT workout, found a damaged FIT file (its CRC is wrong)")
        # the checks read the stream through: read it again from the start
        decoder = Decoder(Stream.from_byte_array(bytearray(data)))
        messages, errors = decoder.read(convert_datetimes_to_dates=False)
    except (ValueError, IndexError, KeyError, TypeError, OverflowError) as exc:
        raise steps.fail(f"expected a FIT workout, found a damaged FIT file ({exc})") from None
    if errors:
        raise steps.fail(f"expected a FIT workout, found a damaged FIT file ({errors[0]})")
    file_ids = messages.get("file_id_mesgs") or [{}]
    kind = file_ids[0].get("type")
    if kind != "workout":
        raise steps.fail(f"expected a FIT workout (file type 5), found a FIT {kind or 'file'} file")
    return dict(messages)


@dataclass
class _Reader:
    """Turns FIT steps into exercises, gathering repeats as their steps point back."""

    steps: Steps
    cycling: bool
    ours: bool  # written by `build --fit`: a lead-in first, then blocks and gaps

    def __post_init__(self) -> None:
        # items with the index of the first step each holds, so a repeat can gather its own
        self.items: list[tuple[int, dict[str, Any]]] = []

    def read(self, index: int, step: dict[str, Any]) -> None:
        """Take one step (its position `index`): an exercise, a gap, or a repeat."""
        name = _text(step.get("wkt_step_name"))
        where = f"step {index + 1}" + (f" ({name})" if name else "")
        kind = str(step.get("duration_type") or "")
        if kind.startswith("repeat"):
            self.repeat(index, step, where)
            return
        intensity = _INTENSITIES.get(str(step.get("intensity") or "active"), "active")
        target = _target(step, self.cycling, where, self.steps)
        if self.ours and intensity == "rest" and target is None and kind == "time":
            if index == 0 and name == FIT_LEAD_IN:
                return  # the lead-in: the routine's own comes back when it is built
            if name in FIT_GAPS:
                self.items.append((index, {_GAP: self.time_ms(step, where)}))
                return
        self.steps.counted(1)
        notes = [_text(step.get("notes"))] if step.get("notes") else []
        common: dict[str, Any] = {"target": target, "intensity": intensity, "tips": notes}
        self.items.append((index, self.timed(step, name or _NAMES[intensity], where, common)))

    def time_ms(self, step: dict[str, Any], where: str) -> int:
        ms = round(float(step.get("duration_time") or 0) * 1000)
        if ms <= 0:
            raise self.steps.fail(f"{where}: expected a time above 0, found {ms / 1000:g} s")
        if ms > limits.MAX_MINUTES * 60_000:
            raise self.steps.fail(
                f"{where}: expected a time of at most 24 hours, found {ms / 3_600_000:.1f} h"
            )
        return ms

    def timed(self, step: dict[str, Any], name: str, where: str, common: Any) -> dict[str, Any]:
        """One step as an exercise: reps, a time, a distance at a pace, or an open step."""
        kind = str(step.get("duration_type") or "")
        if kind == "reps":
            reps = step.get("duration_reps") or step.get("duration_value") or 0
            if not 1 <= reps <= limits.MAX_REPS:
                raise self.steps.fail(
                    f"{where}: expected reps from 1 to {limits.MAX_REPS}, found {reps}"
                )
            # a strength step: counted reps, at the routine's tempo
            return exercise(name, reps=reps, **common)
        if kind == "time":
            return exercise(name, self.time_ms(step, where), **common)
        if kind == "distance":
            metres = float(step.get("duration_distance") or 0)
            if metres <= 0:
                raise self.steps.fail(f"{where}: expected a distance above 0, found {metres:g} m")
            target = common["target"]
            if target and ("pace" in target or "speed" in target):
                return exercise(name, distance_m=metres, **common)
            why = f"it is {metres:g} m with no pace to time it"
        else:
            why = f"it ends by '{kind or 'nothing'}', which the audio cannot know"
        return exercise(name, duration=self.steps.open_step(where, why), **common)

    def repeat(self, index: int, step: dict[str, Any], where: str) -> None:
        """A repeat step: the steps from the one it points back to, done again."""
        first = step.get("duration_step")
        if not isinstance(first, int) or not 0 <= first < index:
            raise self.steps.fail(f"{where}: expected a repeat of earlier steps, found {first!r}")
        kind = str(step.get("duration_type") or "")
        times = step.get("repeat_steps") if kind == "repeat_until_steps_cmplt" else None
        if times is None:
            self.steps.warnings.append(
                f"{where}: repeats until a condition the audio cannot know; done once"
            )
            times = 1
        elif not isinstance(times, int) or times < 1:
            raise self.steps.fail(f"{where}: expected a repeat count of 1 or more, found {times}")
        inner = [item for start, item in self.items if start >= first]
        self.items = [(start, item) for start, item in self.items if start < first]
        # every step counts, however deeply its repeats nest
        self.steps.counted(expanded(_without_gaps(inner)) * (times - 1))
        if times > 1:
            self.items.append((first, {"repeat": times, "exercises": _joined(inner)}))
        else:
            self.items.extend((first, item) for item in inner)

    def exercises(self) -> list[dict[str, Any]]:
        return _joined([item for _, item in self.items])


def _without_gaps(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [item for item in items if _GAP not in item]


def _joined(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each gap of our own file as the rest of the exercise before it (else a Rest step)."""
    out: list[dict[str, Any]] = []
    for item in items:
        if _GAP not in item:
            out.append(item)
        elif out and "repeat" not in out[-1] and "rest" not in out[-1]:
            out[-1]["rest"] = duration_text(item[_GAP])
        else:
            out.append(exercise("Rest", item[_GAP], intensity="rest"))
    return out


def read_fit(path: Path, open_step_ms: int) -> Workout:
    """Read a Garmin FIT workout file."""
    steps = Steps(str(path), open_step_ms)
    messages = _messages(path, steps)
    header = (messages.get("workout_mesgs") or [{}])[0]
    raw_steps = [_fields(step) for step in messages.get("workout_step_mesgs") or []]
    if not raw_steps:
        raise steps.fail("expected workout steps in the FIT file, found none")
    # each step that is not a repeat is a block at least: refuse before reading them all
    steps.check(sum(not str(s.get("duration_type", "")).startswith("repeat") for s in raw_steps))
    product = _text((messages.get("file_id_mesgs") or [{}])[0].get("product_name"))
    reader = _Reader(steps, str(header.get("sport") or "") == "cycling", product == FIT_PRODUCT)
    for index, step in enumerate(sorted(raw_steps, key=_index)):
        reader.read(index, step)
    document: dict[str, Any] = {"title": _text(header.get("wkt_name")) or path.stem}
    description = _text(header.get("wkt_description"))
    if description:
        document["description"] = description
    document["defaults"] = {"rest": 0}
    document["exercises"] = reader.exercises()
    return Workout(document, steps.warnings)
