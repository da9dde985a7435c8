"""`voicecoach plan`, `validate` and `new`: see a routine's timeline, check it, start one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from voicecoach.cli.base import (
    cache_dir_option,
    clock,
    default_routine,
    echo,
    error_text,
    language_option,
    main,
    max_minutes_option,
    open_step_option,
    source_options,
)
from voicecoach.cli.programmes import check_programme, print_programme_plan
from voicecoach.errors import VoicecoachError
from voicecoach.routine.durations import counted


@main.command()
@click.argument("routine", required=False, type=click.Path(path_type=Path))
@click.option(
    "--estimate",
    is_flag=True,
    help="Guess speech lengths from the text instead of speaking it (rougher).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the JSON timeline a build writes.")
@click.option(
    "--session", type=int, help="Programme: print this session's cues instead of the table."
)
@cache_dir_option
@open_step_option
@language_option
def plan(
    routine: Path | None,
    estimate: bool,
    as_json: bool,
    session: int | None,
    cache_dir: Path | str | None,
    open_step_ms: int | None,
    language: str | None,
) -> None:
    """Print ROUTINE's timeline as a table of times and cues, without writing an MP3.

    Gaps between work blocks are shown as they will be heard, and the end says where the
    time goes: work, gaps, and speech alone. Speech is measured through the clip cache (so
    a later build is quick) unless --estimate is given. Cues that do not fit are left out
    and each is a warning.

    For a programme, the table has a row per session with its date, its length and what
    each exercise takes that day; --session N prints that session's cues.

    \b
    Examples:
      voicecoach plan scripts/routine.yaml | less
      voicecoach plan scripts/programme.yaml
      voicecoach plan scripts/programme.yaml --session 15
    """
    from voicecoach.programme.plan import Programme
    from voicecoach.session.build import plan_routine
    from voicecoach.sources import open_source
    from voicecoach.squad.roster import Squad

    routine = routine or default_routine()
    loaded = open_source(routine, source_options(open_step_ms, language))
    if isinstance(loaded, Squad):
        raise click.UsageError(
            f"{routine} is a squad: plan its programme ({loaded.programme}), or check every "
            f"athlete's with voicecoach validate {routine}"
        )
    if isinstance(loaded, Programme):
        from voicecoach.programme.progression import plan_sessions

        sessions = plan_sessions(loaded)
        if session is None:
            print_programme_plan(loaded, as_json=as_json, cache_dir=cache_dir, estimate=estimate)
            return
        if not 1 <= session <= len(sessions):
            raise click.UsageError(
                f"--session: expected a session from 1 to {len(sessions)}, found {session}"
            )
        loaded = sessions[session - 1].routine
    elif session is not None:
        raise click.UsageError("--session is for programmes; this is a routine")
    timeline = plan_routine(loaded, cache_dir=cache_dir, estimate=estimate)
    if as_json:
        from voicecoach.audio import sidecars

        echo(sidecars.json_text(sidecars.timeline_document(timeline, {})), nl=False)
    else:
        from voicecoach.timeline.table import plan_lines

        echo("\n".join(plan_lines(timeline)))
        if loaded.music is not None or any(b.cadence for b in timeline.blocks):
            from voicecoach.session.build import describe_music

            echo("\n".join(describe_music(loaded, timeline, cache_dir)))
    for warning in timeline.warnings:
        echo(f"Warning: {warning}", err=True)


@main.command()
@click.argument("routine", nargs=-1, type=click.Path(path_type=Path))
@max_minutes_option
@click.option(
    "--estimate",
    is_flag=True,
    help="Guess speech lengths from the text instead of speaking it (rougher).",
)
@cache_dir_option
@open_step_option
@language_option
def validate(
    routine: tuple[Path, ...],
    max_minutes: int,
    estimate: bool,
    cache_dir: Path | str | None,
    open_step_ms: int | None,
    language: str | None,
) -> None:
    """Check ROUTINE files as a build would, without writing a session.

    Every check a build makes runs: the format, the limits, the voice, and the layout,
    whose cues left out and gaps that grew are printed as warnings (they do not fail the
    check). Speech is measured through the clip cache, so a later build is quick. Every
    file is checked; the exit code is 1 if any of them failed.

    \b
    Examples:
      voicecoach validate scripts/routine.yaml
      voicecoach validate plans/*.yaml --estimate
    """
    paths = routine or (default_routine(),)
    failed = 0
    for path in paths:
        try:
            opening = source_options(open_step_ms, language)
            _validate_one(path, max_minutes, estimate, cache_dir, opening, len(paths) > 1)
        except VoicecoachError as exc:
            if len(paths) == 1:
                raise
            echo(f"Error: {error_text(exc, click.get_current_context().command)}", err=True)
            failed += 1
    if failed:
        raise click.ClickException(f"{failed} of {len(paths)} files failed the check")


def _validate_one(
    path: Path,
    max_minutes: int,
    estimate: bool,
    cache_dir: Path | str | None,
    opening: Any,
    several: bool,
) -> None:
    from voicecoach.programme.plan import Programme
    from voicecoach.session.build import validate_routine
    from voicecoach.sources import open_source
    from voicecoach.squad.personal import personal_programme
    from voicecoach.squad.roster import Squad

    loaded = open_source(path, opening)
    if isinstance(loaded, Squad):
        for member in loaded.members:
            programme = personal_programme(loaded, member, opening.open_step_ms)
            check_programme(Path(member.name), programme, max_minutes, cache_dir, estimate)
        return
    if isinstance(loaded, Programme):
        check_programme(path, loaded, max_minutes, cache_dir, estimate)
        return
    checked = validate_routine(
        loaded, max_minutes=max_minutes, cache_dir=cache_dir, estimate=estimate
    )
    count = len(checked.routine.exercises())
    timeline = checked.timeline
    echo(
        f"{path}: OK — '{checked.routine.title}', {count} exercise{'s' * (count != 1)}, "
        f"{clock(timeline.duration_ms)} long"
        + (f", {counted(len(timeline.warnings), 'warning')}" if timeline.warnings else "")
    )
    for warning in timeline.warnings:
        # several files checked at once: each warning says which it is about
        echo(f"Warning: {path}: {warning}" if several else f"Warning: {warning}", err=True)


@main.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-t",
    "--template",
    default="leg-workout",
    show_default=True,
    help="Which starter to write (see --list).",
)
@click.option(
    "-l",
    "--language",
    default="en",
    show_default=True,
    help="The starter's language: en, en-US, de, fr, es, it, nl, pt-PT, pt-BR, sv, da, nb, fi, pl.",
)
@click.option("--list", "list_them", is_flag=True, help="List the starters and stop.")
def new(file: Path | None, template: str, language: str, list_them: bool) -> None:
    """Write a starter routine or programme to FILE, to edit and build.

    It never writes over a file that is there.

    \b
    Examples:
      voicecoach new --list
      voicecoach new my-legs.yaml
      voicecoach new my-plan.yaml --template leg-programme
      voicecoach new meine-beine.yaml --language de
      voicecoach new intervals.yaml -t run-walk
    """
    from voicecoach.templates import TEMPLATES, write_template

    if list_them:
        width = max(len(name) for name in TEMPLATES)
        for name, about in TEMPLATES.items():
            echo(f"{name:<{width}}  {about}")
        return
    if file is None:
        raise click.UsageError("give the FILE to write, e.g. voicecoach new my-routine.yaml")
    write_template(template, file, language)
    echo(f"Wrote {file} ({template}). Next: voicecoach build {file}")
