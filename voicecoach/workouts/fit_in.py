"""Garmin FIT workouts (.fit, file type 5), read with Garmin's own SDK (garmin-fit-sdk).

FIT's conventions: durations in ms (the SDK gives seconds), speeds in mm/s (m/s), a
heart rate over 100 is bpm + 100 (else % of the maximum), a power over 1000 is W + 1000
(else % of FTP), and a repeat is a step that points back to the first step it repeats.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from voicecoach.workouts import Steps, Workout, clean, exercise
from voicecoach.yamlfile import read_input

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


def _pace(speed_m_s: float) -> str:
    seconds = round(1000 / speed_m_s)
    return f"{seconds // 60}:{seconds % 60:02d}"


def _target(step: dict[str, Any], cycling: bool, where: str, steps: Steps) -> Any:
    kind = step.get("target_type")
    low = step.get("custom_target_value_low") or 0
    high = step.get("custom_target_value_high") or 0
    if kind == "heart_rate":
        zone = step.get("target_hr_zone") or step.get("target_value") or 0
        if zone:
            return {"heart_rate": f"zone {zone}"} if 1 <= zone <= 5 else None
        if low > 100 and high > 100:
            return {"heart_rate": f"{low - 100}-{high - 100}"}
        if 0 < low <= 100 and 0 < high <= 100:
            return {"heart_rate": f"{low}-{high}%"}
    elif kind == "power":
        zone = step.get("target_power_zone") or step.get("target_value") or 0
        if zone:
            return {"power": f"Z{zone}"} if 1 <= zone <= 7 else None
        if low > 1000 and high > 1000:
            return {"power": f"{low - 1000}-{high - 1000} W"}
        if 0 < low <= 1000 and 0 < high <= 1000:
            return {"power": f"{low}-{high}%"}
    elif kind == "speed":
        fast = step.get("custom_target_speed_high") or high / 1000
        slow = step.get("custom_target_speed_low") or low / 1000
        if fast > 0 and slow > 0:
            if cycling:
                return {"speed": f"{slow * 3.6:.1f}-{fast * 3.6:.1f} km/h"}
            return {"pace": f"{_pace(fast)}-{_pace(slow)}/km"}
        if step.get("target_speed_zone"):
            steps.warnings.append(f"{where}: a speed zone has no pace here; no target is said")
    return None


def _fields(step: Any) -> dict[str, Any]:
    return {k: v for k, v in step.items() if v is not None}


def read_fit(path: Path, open_step_ms: int) -> Workout:
    """Read a Garmin FIT workout file."""
    from garmin_fit_sdk import Decoder, Stream

    data = read_input(path, "a FIT workout")
    steps = Steps(str(path), open_step_ms)
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
    header = (messages.get("workout_mesgs") or [{}])[0]
    sport = str(header.get("sport") or "")
    cycling = sport == "cycling"
    raw_steps = sorted(
        (_fields(step) for step in messages.get("workout_step_mesgs") or []),
        key=lambda step: step.get("message_index", 0),
    )
    if not raw_steps:
        raise steps.fail("expected workout steps in the FIT file, found none")
    # items with the index of the first step each holds, so a repeat can gather its own
    items: list[tuple[int, dict[str, Any]]] = []
    for index, step in enumerate(raw_steps):
        number = index + 1
        name = clean(step.get("wkt_step_name"))
        where = f"step {number}" + (f" ({name})" if name else "")
        duration = str(step.get("duration_type") or "")
        if duration.startswith("repeat"):
            first = step.get("duration_step")
            if not isinstance(first, int) or not 0 <= first < index:
                raise steps.fail(f"{where}: expected a repeat of earlier steps, found {first!r}")
            times = step.get("repeat_steps") if duration == "repeat_until_steps_cmplt" else None
            if not isinstance(times, int) or times < 1:
                steps.warnings.append(
                    f"{where}: repeats until a condition the audio cannot know; done once"
                )
                times = 1
            inner = [item for start, item in items if start >= first]
            items = [(start, item) for start, item in items if start < first]
            steps.counted(len(inner) * (times - 1))
            block = {"repeat": times, "exercises": inner} if times > 1 else None
            if block is not None:
                items.append((first, block))
            else:
                items.extend((first, item) for item in inner)
            continue
        steps.counted(1)
        intensity = _INTENSITIES.get(str(step.get("intensity") or "active"), "active")
        target = _target(step, cycling, where, steps)
        notes = [clean(step.get("notes"))] if step.get("notes") else []
        name = name or _NAMES[intensity]
        reps = step.get("duration_reps") or (
            step.get("duration_value") if duration == "reps" else 0
        )
        if duration == "reps" and isinstance(reps, int) and 1 <= reps <= 1000:
            # a strength step: counted reps, at the routine's tempo
            made = exercise(name, reps=reps, target=target, intensity=intensity, tips=notes)
            items.append((index, made))
            continue
        if duration == "time" and (step.get("duration_time") or 0) > 0:
            ms = round(float(step["duration_time"]) * 1000)
            items.append(
                (index, exercise(name, ms, target=target, intensity=intensity, tips=notes))
            )
            continue
        if duration == "distance" and (step.get("duration_distance") or 0) > 0:
            metres = float(step["duration_distance"])
            if target and "pace" in target or target and "speed" in target:
                items.append(
                    (
                        index,
                        exercise(
                            name, distance_m=metres, target=target, intensity=intensity, tips=notes
                        ),
                    )
                )
                continue
            why = f"it is {metres:g} m with no pace to time it"
        else:
            why = f"it ends by '{duration or 'nothing'}', which the audio cannot know"
        open_duration = steps.open_step(where, why)
        items.append(
            (
                index,
                exercise(
                    name, duration=open_duration, target=target, intensity=intensity, tips=notes
                ),
            )
        )
    document: dict[str, Any] = {"title": clean(str(header.get("wkt_name") or "")) or path.stem}
    description = clean(str(header.get("wkt_description") or ""))
    if description:
        document["description"] = description
    document["defaults"] = {"rest": 0}
    document["exercises"] = [item for _, item in items]
    return Workout(document, steps.warnings)
