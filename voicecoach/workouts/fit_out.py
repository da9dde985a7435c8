"""`build --fit`: the session as a Garmin FIT workout (file type 5), in step with the MP3.

The steps are read off the built timeline, as the sidecars are: a first step from the
start of the audio to the first go (the lead-in), then each work block and each gap
between blocks, to the millisecond. Started together, the watch and the audio change step
at the same moments. Runs of identical rounds are written once with a repeat step.

The file names its maker (`product_name`), so that importing it again gives back the
routine: its lead-in step is no block, and its gaps are rests again.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from voicecoach.errors import RoutineError
from voicecoach.routine.model import Routine
from voicecoach.routine.targets import Athlete, Target, speed_of
from voicecoach.timeline import Timeline
from voicecoach.timeline.choreography import steps
from voicecoach.workouts.steps import FIT_GAPS, FIT_LEAD_IN, FIT_PRODUCT

MAX_NAME = 50  # characters of a step's name a watch shows
MAX_PERIOD = 64  # the longest round looked for (a routine's repeat of up to 32 blocks)
# message_index numbers a step in 12 bits, and readers (garmin-fit-sdk among them) take
# 4095, all of them set, for no number at all: steps 0 to 4094
MAX_STEPS = 4095


@dataclass(frozen=True)
class FitStep:
    """One step of the workout: how long, what for, at what target."""

    name: str
    duration_ms: int
    intensity: str  # warmup, active, recovery, rest, cooldown
    target: tuple[str, int, int, int]  # (target_type, target_value, custom low, custom high)
    gap: bool = False  # the time between two blocks, or before the first


_OPEN = ("open", 0, 0, 0)


def fit_target(target: Target | None, athlete: Athlete) -> tuple[str, int, int, int]:
    """A target in FIT's terms: speed in mm/s, heart rate bpm + 100, power W + 1000."""
    if target is None:
        return _OPEN
    if target.kind in ("pace", "speed"):
        return _fit_speed(target, athlete)
    # FIT writes a zone as its number, bpm and watts offset by 100 and 1000, % as they are
    offsets = {"heart_rate": {"bpm": 100, "%": 0}, "power": {"W": 1000, "%": 0}}
    kinds = offsets.get(target.kind)
    if kinds is None:
        return _OPEN
    if target.unit == "zone":
        return (target.kind, int(target.low), 0, 0)
    offset = kinds.get(target.unit)
    if offset is None:
        return _OPEN
    return (target.kind, 0, round(target.low) + offset, round(target.high) + offset)


def _fit_speed(target: Target, athlete: Athlete) -> tuple[str, int, int, int]:
    """A pace or speed as FIT's speed range in mm/s (a relative pace needs the athlete's)."""
    if target.kind == "speed":
        slow, fast = target.low, target.high
    elif target.unit == "%":
        middle = speed_of(target, athlete)
        if middle is None:
            return _OPEN
        ratio = target.low / target.high
        fast = middle * 2 / (1 + ratio)
        slow = fast * ratio
    else:
        slow, fast = 1000 / target.high, 1000 / target.low
    return ("speed", 0, round(slow * 1000), round(fast * 1000))


def workout_steps(timeline: Timeline, routine: Routine) -> list[FitStep]:
    """The session's lead-in, blocks and gaps, in order."""
    blocks = timeline.blocks
    planned = steps(routine)
    lead_in = FitStep(FIT_LEAD_IN, blocks[0].go_ms, "rest", _OPEN, gap=True)
    found = [lead_in] if blocks[0].go_ms else []
    for index, (block, step) in enumerate(zip(blocks, planned, strict=True)):
        name = block.exercise + (f", {block.side}" if block.side else "")
        target = fit_target(step.exercise.target, routine.athlete)
        found.append(FitStep(name[:MAX_NAME], block.stop_ms - block.go_ms, block.intensity, target))
        if index + 1 < len(blocks):
            gap = blocks[index + 1].go_ms - block.stop_ms
            if gap > 0:
                following = blocks[index + 1]
                same_set = (following.exercise, following.set, following.round) == (
                    block.exercise,
                    block.set,
                    block.round,
                )
                kind = FIT_GAPS[1] if same_set else FIT_GAPS[0]
                found.append(FitStep(kind, gap, "rest", _OPEN, gap=True))
    return found


def _grouped(found: list[FitStep]) -> list[FitStep | tuple[int, list[Any]]]:
    """Runs of identical rounds as (times, steps); each round written once."""
    out: list[FitStep | tuple[int, list[Any]]] = []
    index = 0
    while index < len(found):
        best_period, best_times = 0, 1
        # a round starts with a block, so that each gap stays after the block it follows
        longest = 0 if found[index].gap else min(MAX_PERIOD, (len(found) - index) // 2)
        for period in range(1, longest + 1):
            pattern = found[index : index + period]
            times = 1
            while found[index + times * period : index + (times + 1) * period] == pattern:
                times += 1
            if times > 1 and times * period > best_times * best_period:
                best_period, best_times = period, times
        if best_times > 1:
            out.append((best_times, found[index : index + best_period]))
            index += best_times * best_period
        else:
            out.append(found[index])
            index += 1
    return out


def _sport(routine: Routine) -> str:
    targets = [e.target for e in routine.exercises() if e.target is not None]
    timed_by_distance = any(w.distance_m for e in routine.exercises() for w in e.sets)
    if timed_by_distance or any(t.kind in ("pace", "speed") for t in targets):
        return "running"
    if any(t.kind == "power" for t in targets):
        return "cycling"
    return "training"


def _step_messages(grouped: list[FitStep | tuple[int, list[Any]]], mesg_num: int) -> list[Any]:
    """The workout_step messages, numbered in order, each round followed by its repeat."""
    messages: list[dict[str, Any]] = []

    def step_message(step: FitStep) -> dict[str, Any]:
        kind, value, low, high = step.target
        message = {
            "mesg_num": mesg_num,
            "message_index": len(messages),
            "wkt_step_name": step.name,
            "duration_type": "time",
            "duration_value": step.duration_ms,
            "target_type": kind,
            "target_value": value,
            "intensity": step.intensity,
        }
        if low or high:
            message["custom_target_value_low"] = low
            message["custom_target_value_high"] = high
        return message

    for item in grouped:
        if isinstance(item, FitStep):
            messages.append(step_message(item))
            continue
        times, pattern = item
        first = len(messages)
        for step in pattern:
            messages.append(step_message(step))
        messages.append(
            {
                "mesg_num": mesg_num,
                "message_index": len(messages),
                "duration_type": "repeat_until_steps_cmplt",
                "duration_value": first,
                "target_value": times,
            }
        )
    return messages


def workout_fit(timeline: Timeline, routine: Routine) -> bytes:
    """The FIT workout file's bytes."""
    from garmin_fit_sdk import Encoder, Profile

    numbers = Profile["mesg_num"]
    grouped = _grouped(workout_steps(timeline, routine))
    messages = _step_messages(grouped, numbers["WORKOUT_STEP"])
    if len(messages) > MAX_STEPS:
        raise RoutineError(
            f"expected a session a FIT workout can hold, at most {MAX_STEPS} steps (identical "
            f"rounds written once), found {len(messages)}",
            source=routine.source,
        )
    encoder = Encoder()
    encoder.write_mesg(
        {
            "mesg_num": numbers["FILE_ID"],
            "type": "workout",
            "manufacturer": "development",
            "product": 0,
            "product_name": FIT_PRODUCT,
            "serial_number": 1,
            "time_created": datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0),
        }
    )
    encoder.write_mesg(
        {
            "mesg_num": numbers["WORKOUT"],
            "wkt_name": routine.title[:MAX_NAME],
            "sport": _sport(routine),
            "num_valid_steps": len(messages),
        }
    )
    for message in messages:
        encoder.write_mesg(message)
    data: bytes = encoder.close()
    return data
