"""How a programme's build, check and plan are printed: one line per folder, a table."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from voicecoach.cli.base import Bars, clock, echo, written
from voicecoach.routine.durations import counted


def parse_base_url(value: str | None) -> str | None:
    """--base-url, checked as the programme's `base_url` key is."""
    from voicecoach.programme.loader import checked_base_url

    if value is None:
        return None
    try:
        return checked_base_url(value)
    except ValueError as exc:
        raise click.BadParameter(f"expected {exc}, found {value!r}") from None


def programme_summary(result: Any, session: int | None) -> str:
    """One line: the sessions made and kept, the programme's files written and removed."""
    total = sum(record.duration_ms for record in result.records)
    listed = [p for p in result.files if p.suffix != ".json" or p.name == "programme.json"]
    wrote = [p.name for p in listed if p in result.changed]
    left = [p.name for p in listed if p not in result.changed]
    chapters = sum(p.name.endswith(".chapters.json") for p in result.removed)
    removed = [p.name for p in result.removed if not p.name.endswith(".chapters.json")]
    if chapters:
        removed.append(counted(chapters, "chapters file"))
    files = "; ".join(
        part
        for part in (
            "wrote " + ", ".join(wrote) if wrote else "",
            "nothing changed in " + ", ".join(left) if left else "",
            "removed " + ", ".join(removed) if removed else "",
        )
        if part
    )
    count = len(result.records)
    if session is not None:
        sessions = (
            f"session {session} of {count} made again (the others left as they were)"
            if result.made
            else f"session {session} of {count} not made"
        )
    else:
        sessions = (
            f"{counted(count, 'session')} ({len(result.made)} made, {len(result.kept)} unchanged)"
        )
    verb = "Wrote" if result.made or wrote or removed else "Nothing changed in"
    return f"{verb} {result.folder}/: {sessions}, {clock(total)} in all; {files}"


def make_programme(programme: Any, options: Any, quiet: bool) -> None:
    """Build a programme's folder with a progress bar; say what was written and what was not."""
    from voicecoach.programme.folder import build_programme

    bars = Bars() if not quiet else None
    try:
        result = build_programme(
            programme,
            options,
            progress=(lambda done, total: bars("sessions", done, total)) if bars else None,
            on_made=written().append,
        )
    finally:
        if bars:
            bars.close()
    for warning in result.warnings:
        echo(f"Warning: {warning}", err=True)
    if quiet:
        return
    echo(programme_summary(result, options.session))
    echo(f"{result.seconds:.1f} s")


def make_squad(
    squad: Any,
    options: Any,
    opening: Any,
    quiet: bool,
    on_folder: Callable[[Path], None] | None = None,
) -> None:
    """Build every athlete's folder, a line each; then where the manifest and overview are.

    `on_folder` hears of each athlete's folder when it is done (to publish it)."""
    from voicecoach.squad.team import SquadOptions, build_squad

    def done(member: Any, result: Any) -> None:
        made = set(result.made)
        written().extend(result.folder / r.file for r in result.records if r.number in made)
        for warning in result.warnings:
            echo(f"Warning: {member.name}: {warning}", err=True)
        if not quiet:
            echo(f"{member.name}: {programme_summary(result, options.session)}")
        if on_folder is not None:
            on_folder(result.folder)

    result = build_squad(squad, SquadOptions(options, opening.open_step_ms), on_athlete=done)
    if quiet:
        return
    sessions = sum(len(r.records) for _m, _n, r in result.athletes)
    made = sum(len(r.made) for _m, _n, r in result.athletes)
    echo(
        f"Squad {result.folder}/: {counted(len(result.athletes), 'athlete')}, "
        f"{counted(sessions, 'session')} ({made} made, {sessions - made} unchanged); "
        f"manifest {result.manifest}, overview {result.overview}; {result.seconds:.1f} s"
    )


def check_programme(
    path: Path, programme: Any, max_minutes: int, cache_dir: Path | str | None, estimate: bool
) -> None:
    """Check every session of a programme as a build would; one line, then the warnings."""
    from voicecoach.programme.folder import validate_programme

    checked = validate_programme(
        programme, max_minutes=max_minutes, cache_dir=cache_dir, estimate=estimate
    )
    lengths = [validation.timeline.duration_ms for _, validation in checked]
    warnings = [f"{p.title}: {w}" for p, v in checked for w in v.timeline.warnings]
    echo(
        f"{path}: OK — programme '{programme.title}', {counted(programme.weeks, 'week')}, "
        f"{counted(len(lengths), 'session')} of {clock(min(lengths))} to {clock(max(lengths))}"
        + (f", {counted(len(warnings), 'warning')}" if warnings else "")
    )
    for warning in warnings:
        echo(f"Warning: {warning}", err=True)


def print_programme_plan(
    programme: Any, *, as_json: bool, cache_dir: Path | str | None, estimate: bool
) -> None:
    """A programme's plan: a row per session (or JSON), and each session's warnings."""
    from voicecoach.programme.folder import plan_programme
    from voicecoach.programme.progression_table import progression_lines

    planned = plan_programme(programme, cache_dir=cache_dir, estimate=estimate)
    if as_json:
        import json

        from voicecoach.programme.progression import values_of

        rows = [
            {
                "number": p.slot.number,
                "week": p.slot.week,
                "day": p.slot.day,
                "date": p.slot.date.isoformat() if p.slot.date else None,
                "duration_ms": t.duration_ms,
                "exercises": {e.name: values_of(e) for e in p.routine.exercises()},
            }
            for p, t in planned
        ]
        echo(json.dumps({"title": programme.title, "sessions": rows}, indent=2))
    else:
        echo("\n".join(progression_lines(planned)))
    for p, t in planned:
        for warning in t.warnings:
            echo(f"Warning: {p.title}: {warning}", err=True)
