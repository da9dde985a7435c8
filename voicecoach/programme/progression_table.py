"""The progression as a table: a row per session with its values, for `plan`."""

from __future__ import annotations

from collections.abc import Sequence

from voicecoach.programme.progression import PlannedSession, values_of
from voicecoach.programme.publish import describe_values
from voicecoach.routine.durations import counted, format_length
from voicecoach.timeline import Timeline


def progression_lines(sessions: Sequence[tuple[PlannedSession, Timeline]]) -> list[str]:
    """A row per session: number, week, day, date, length, and each exercise's values."""
    names = list(
        dict.fromkeys(e.name for planned, _ in sessions for e in planned.routine.exercises())
    )
    rows = [["#", "Week", "Day", "Date", "Length", *names]]
    milestones: list[str] = []
    for planned, timeline in sessions:
        values = {e.name: describe_values(values_of(e)) for e in planned.routine.exercises()}
        slot = planned.slot
        rows.append(
            [
                str(slot.number),
                str(slot.week),
                str(slot.day),
                f"{slot.date:%a %Y-%m-%d}" if slot.date else "-",
                format_length(timeline.duration_ms),
                *(values.get(name, "-") for name in names),
            ]
        )
        for exercise in planned.routine.exercises():
            if exercise.milestone:
                head = exercise.sets[0]
                said = exercise.milestone.format_map(
                    {
                        "name": exercise.name,
                        "reps": head.reps or "",
                        "duration": round((head.duration_ms or 0) / 1000) or "",
                        "sets": len(exercise.sets),
                    }
                )
                milestones.append(f"session {slot.number}, {exercise.name}: {said}")
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    total = sum(timeline.duration_ms for _, timeline in sessions)
    lines.append(f"{counted(len(sessions), 'session')}, {format_length(total)} in all")
    lines += [f"Milestone: {line}" for line in milestones]
    return lines
