"""The voicecoach command line: parse arguments, call one function, print."""

from __future__ import annotations

import os
import signal
import sys
from contextlib import closing, suppress
from pathlib import Path
from typing import Any

import click

from voicecoach import __version__, limits
from voicecoach.durations import counted
from voicecoach.errors import (
    STOP_SIGNALS,
    Terminated,
    VoicecoachError,
    one_line,
    printable,
    stop_on_signals,
)

DEFAULT_ROUTINE = "scripts/routine.yaml"


def _echo(message: str = "", *, err: bool = False, nl: bool = True) -> None:
    """click.echo, with any control character shown escaped, never sent to the terminal."""
    click.echo(printable(message), err=err, nl=nl)


class _Group(click.Group):
    """Turns errors into one `Error: ...` line, and Ctrl-C, SIGTERM and SIGHUP into 128+N.

    A closed pipe (`voicecoach voices | head -2`) ends the command quietly, as it does
    other Unix tools.
    """

    def invoke(self, ctx: click.Context) -> Any:
        stop_on_signals()
        try:
            return super().invoke(ctx)
        except VoicecoachError as exc:
            raise click.ClickException(one_line(str(exc))) from None
        except (KeyboardInterrupt, Terminated) as exc:
            signum = exc.signum if isinstance(exc, Terminated) else signal.SIGINT
            _echo(f"\nInterrupted; {_what_was_written(ctx)}", err=True)
            ctx.exit(128 + signum)
        except BrokenPipeError:
            # whoever read our output has gone: say nothing more, to nobody
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(128 + signal.SIGPIPE)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:  # a bug: still one line, with the details on request
            if os.environ.get("VOICECOACH_DEBUG"):
                raise
            raise click.ClickException(
                f"unexpected {type(exc).__name__}: {exc} (this is a bug in voicecoach; "
                "run again with VOICECOACH_DEBUG=1 for the details and report it)"
            ) from None

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """Suggest `build` to someone who gives a routine file where a command goes."""
        if args and args[0] not in self.commands and Path(args[0]).suffix in (".yaml", ".yml"):
            raise click.UsageError(
                f"'{args[0]}' is not a command; to build it: voicecoach build {args[0]}"
            )
        return super().resolve_command(ctx, args)


def _what_was_written(ctx: click.Context) -> str:
    written: list[Path] = ctx.meta.get(_WRITTEN, [])
    if not written:
        return "no output file was changed."
    return (
        "these were written before the stop: "
        + ", ".join(str(path) for path in written)
        + "; no other output file was changed."
    )


_WRITTEN = "voicecoach.written"


class _Bars:
    """A progress bar on stderr per build stage."""

    labels: dict[str, str] = {
        "speech": "Speaking cues ",
        "audio": "Encoding audio",
        "sessions": "Sessions      ",
    }

    def __init__(self) -> None:
        self.stage: str | None = None
        self.bar: Any = None
        self.done = 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            self.close()
            self.stage, self.done = stage, 0
            self.bar = click.progressbar(
                length=total,
                label=self.labels.get(stage, stage),
                file=sys.stderr,
                width=30,
            )
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _clock(ms: int) -> str:
    from voicecoach.durations import format_clock

    return format_clock(ms)


_cache_dir_option = click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="VOICECOACH_CACHE_DIR",
    help="The cache folder [env: VOICECOACH_CACHE_DIR; default: your user cache folder].",
)


_max_minutes_option = click.option(
    "--max-minutes",
    type=click.IntRange(1, limits.MAX_MINUTES),
    default=limits.DEFAULT_MAX_MINUTES,
    show_default=True,
    help="Refuse routines longer than this before making any audio.",
)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="voicecoach")
def main() -> None:
    """Turn a workout routine in YAML into a voice-guided MP3 you follow hands-free.

    \b
    Quick start:
      voicecoach build                         # scripts/routine.yaml -> output/<title>.mp3
      voicecoach plan scripts/routine.yaml     # see every cue and its time first
    """


@main.command()
@click.argument("routines", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Build this many routines (or a programme's sessions) at once, each in its own process.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the MP3 here; the .json goes beside it with the same name.",
)
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("output"),
    show_default=True,
    help="The folder sessions go into (a programme gets a folder of its own inside it).",
)
@click.option("--force", is_flag=True, help="Programme: make every session again.")
@click.option("--session", type=int, help="Programme: make this session (1-based) only.")
@click.option(
    "--base-url",
    callback=lambda _ctx, _param, value: _base_url(value),
    help="Programme: where the folder will be served; writes feed.xml (remembered for the "
    "folder). [programme: base_url]",
)
@click.option(
    "--no-feed",
    is_flag=True,
    help="Programme: forget the remembered base URL; removes feed.xml and the chapters files.",
)
@_cache_dir_option
@_max_minutes_option
@click.option(
    "--format",
    "audio_format",
    type=click.Choice(["mp3", "wav"]),
    help="mp3 (default), or 16-bit wav for post-processing. [routine: audio.format]",
)
@click.option("--sample-rate", type=int, help="32000, 44100 (default) or 48000 Hz.")
@click.option("--channels", type=int, help="1 (mono, default) or 2 (stereo).")
@click.option("--bitrate", type=int, help="MP3 bitrate in kbit/s (default 96).")
@click.option("--loudness", type=float, help="Target LUFS (default -19 mono, -16 stereo).")
@click.option(
    "--no-sidecars",
    is_flag=True,
    help="Write the MP3 alone: no .json timeline, no .vtt or .lrc captions.",
)
@click.option(
    "--music",
    "music",
    multiple=True,
    type=click.Path(path_type=str),
    help="Music under the session: a file, folder or glob (repeatable). [routine: music.files]",
)
@click.option("--no-music", is_flag=True, help="Leave the routine's music out.")
@click.option(
    "--stems",
    is_flag=True,
    help="Also write <name>.voice.wav and <name>.music.wav (the bed and ticks) beside it.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors and warnings.")
def build(
    routines: tuple[Path, ...],
    jobs: int,
    output: Path | None,
    output_dir: Path,
    force: bool,
    session: int | None,
    base_url: str | None,
    no_feed: bool,
    cache_dir: Path | None,
    max_minutes: int,
    audio_format: str | None,
    sample_rate: int | None,
    channels: int | None,
    bitrate: int | None,
    loudness: float | None,
    no_sidecars: bool,
    music: tuple[str, ...],
    no_music: bool,
    stems: bool,
    quiet: bool,
) -> None:
    """Build the session MP3 (and its JSON timeline and captions) from each ROUTINE.

    ROUTINE defaults to scripts/routine.yaml; the MP3 goes to output/<slug>.mp3, where
    <slug> is the title in lower case joined by '-'. Several routines are built one after
    another, or --jobs at a time in parallel processes.

    A programme (a file with 'weeks') builds every session into output/<slug>/ with a
    playlist, a calendar, a page and programme.json; a rebuild makes again only the
    sessions that changed.

    \b
    Examples:
      voicecoach build
      voicecoach build my-run.yaml -o sessions/tuesday.mp3
      voicecoach build my-run.yaml --channels 2 --bitrate 128
      voicecoach build my-run.yaml --format wav -o raw/tuesday.wav
      voicecoach build plans/*.yaml --jobs 2
      voicecoach build scripts/programme.yaml --jobs 2
      voicecoach build long-run.yaml --music ~/Music/running/ --stems
      voicecoach build scripts/programme.yaml --session 3 --base-url https://example.org/legs/
    """
    from voicecoach.build import BuildOptions, build_routine
    from voicecoach.programme.loader import load_either
    from voicecoach.programme.model import Programme

    options = BuildOptions(
        output=output,
        output_dir=output_dir,
        cache_dir=cache_dir,
        max_minutes=max_minutes,
        sidecars=not no_sidecars,
        music=music,
        no_music=no_music,
        stems=stems,
        audio={
            "format": audio_format,
            "sample_rate": sample_rate,
            "channels": channels,
            "bitrate": bitrate,
            "loudness": loudness,
        },
    )
    paths = routines or (_default_routine(),)
    if output is not None and len(paths) > 1:
        raise click.UsageError("-o names one output file; give one routine with it")
    if len(paths) > 1:
        from voicecoach.programme.loader import read_is_programme

        if not any(read_is_programme(path) for path in paths):
            # routines alone: each reports its own error and the others go on
            _build_routines(paths, options, jobs, quiet)
            return
    items = [(path, load_either(path)) for path in paths]
    if len(items) > 1:
        from voicecoach.programme.build import check_run

        check_run(items, options)
    for _path, item in items:
        if isinstance(item, Programme):
            if output is not None:
                raise click.UsageError(
                    "-o names one session file; a programme writes a folder (use --output-dir)"
                )
            from voicecoach.programme.build import ProgrammeOptions

            if base_url is not None and no_feed:
                raise click.UsageError("--base-url writes a feed and --no-feed removes it")
            programme_options = ProgrammeOptions(
                build=options,
                force=force,
                session=session,
                jobs=jobs,
                base_url=base_url,
                no_feed=no_feed,
            )
            _build_programme(item, programme_options, quiet)
            continue
        if force or session is not None or base_url is not None or no_feed:
            raise click.UsageError(
                "--force, --session, --base-url and --no-feed are for programmes"
            )
        bars = _Bars() if not quiet else None
        try:
            result = build_routine(item, options, progress=bars)
        finally:
            if bars:
                bars.close()
        click.get_current_context().meta.setdefault(_WRITTEN, []).append(result.audio_path)
        _report(result, quiet)


def _base_url(value: str | None) -> str | None:
    from voicecoach.programme.loader import checked_base_url

    if value is None:
        return None
    try:
        return checked_base_url(value)
    except ValueError as exc:
        raise click.BadParameter(f"expected {exc}, found {value!r}") from None


def _default_routine() -> Path:
    path = Path(DEFAULT_ROUTINE)
    if not path.exists():
        raise click.UsageError(
            f"no routine given, and there is no {DEFAULT_ROUTINE} here. Start one with "
            "'voicecoach new my-routine.yaml' (see 'voicecoach new --list'), then "
            "'voicecoach build my-routine.yaml'"
        )
    return path


def _build_routines(paths: tuple[Path, ...], options: Any, jobs: int, quiet: bool) -> None:
    from voicecoach.build import build_many

    failed = 0
    written = click.get_current_context().meta.setdefault(_WRITTEN, [])
    with closing(build_many(paths, options, jobs)) as outcomes:
        for _path, outcome in outcomes:
            if isinstance(outcome, str):
                failed += 1
                _echo(f"Error: {one_line(outcome)}", err=True)
            else:
                written.append(outcome.audio_path)
                _report(outcome, quiet)
    if failed:
        raise click.ClickException(f"{failed} of {len(paths)} routines failed")


def _build_programme(programme: Any, options: Any, quiet: bool) -> None:
    from voicecoach.programme.build import build_programme

    bars = _Bars() if not quiet else None
    try:
        result = build_programme(
            programme,
            options,
            progress=(lambda done, total: bars("sessions", done, total)) if bars else None,
            on_made=click.get_current_context().meta.setdefault(_WRITTEN, []).append,
        )
    finally:
        if bars:
            bars.close()
    for warning in result.warnings:
        _echo(f"Warning: {warning}", err=True)
    if quiet:
        return
    total = sum(record.duration_ms for record in result.records)
    listed = [p for p in result.files if p.suffix != ".json" or p.name == "programme.json"]
    wrote = [p.name for p in listed if p in result.changed]
    left = [p.name for p in listed if p not in result.changed]
    files = "; ".join(
        part
        for part in (
            "wrote " + ", ".join(wrote) if wrote else "",
            "nothing changed in " + ", ".join(left) if left else "",
        )
        if part
    )
    verb = "Wrote" if result.made or wrote else "Nothing changed in"
    _echo(
        f"{verb} {result.folder}/: {counted(len(result.records), 'session')} "
        f"({len(result.made)} made, {len(result.kept)} unchanged), {_clock(total)} in all; " + files
    )
    _echo(f"{result.seconds:.1f} s")


def _report(result: Any, quiet: bool) -> None:
    for warning in result.timeline.warnings:
        _echo(f"Warning: {warning}", err=True)
    if quiet:
        return
    stats = result.cache
    beside = ", ".join(path.name for path in result.files[1:])
    _echo(
        f"Wrote {result.audio_path} ({_clock(result.timeline.duration_ms)})"
        + (f" and {beside}" if beside else "")
    )
    _echo(
        f"{len(result.timeline.cues)} cues, {len(result.timeline.chapters)} chapters; "
        f"speech: {stats.misses} clips spoken, {stats.hits} from the cache; "
        f"{result.seconds:.1f} s"
    )


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
@_cache_dir_option
def plan(
    routine: Path | None,
    estimate: bool,
    as_json: bool,
    session: int | None,
    cache_dir: Path | None,
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
    from voicecoach.build import plan_routine
    from voicecoach.programme.loader import load_either
    from voicecoach.programme.model import Programme

    routine = routine or _default_routine()
    loaded = load_either(routine)
    if isinstance(loaded, Programme):
        from voicecoach.programme.progression import plan_sessions

        sessions = plan_sessions(loaded)
        if session is None:
            from voicecoach.programme.build import plan_programme
            from voicecoach.programme.report import progression_lines

            planned = plan_programme(loaded, cache_dir=cache_dir, estimate=estimate)
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
                _echo(json.dumps({"title": loaded.title, "sessions": rows}, indent=2))
            else:
                _echo("\n".join(progression_lines(planned)))
            for p, t in planned:
                for warning in t.warnings:
                    _echo(f"Warning: {p.title}: {warning}", err=True)
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
        from voicecoach import sidecars

        _echo(sidecars.json_text(sidecars.timeline_document(timeline, {})), nl=False)
    else:
        from voicecoach.report import plan_lines

        _echo("\n".join(plan_lines(timeline)))
        if loaded.music is not None or any(b.cadence for b in timeline.blocks):
            from voicecoach.build import describe_music

            _echo("\n".join(describe_music(loaded, timeline, cache_dir)))
    for warning in timeline.warnings:
        _echo(f"Warning: {warning}", err=True)


@main.command()
@click.argument("routine", nargs=-1, type=click.Path(path_type=Path))
@_max_minutes_option
@click.option(
    "--estimate",
    is_flag=True,
    help="Guess speech lengths from the text instead of speaking it (rougher).",
)
@_cache_dir_option
def validate(
    routine: tuple[Path, ...], max_minutes: int, estimate: bool, cache_dir: Path | None
) -> None:
    """Check ROUTINE files as a build would, without writing a session.

    Every check a build makes runs: the format, the limits, the voice, and the layout,
    whose cues left out and gaps that grew are printed as warnings (they do not fail the
    check). Speech is measured through the clip cache, so a later build is quick.

    \b
    Examples:
      voicecoach validate scripts/routine.yaml
      voicecoach validate plans/*.yaml --estimate
    """
    from voicecoach.build import validate_routine
    from voicecoach.programme.loader import load_either
    from voicecoach.programme.model import Programme

    for path in routine or (_default_routine(),):
        loaded = load_either(path)
        if isinstance(loaded, Programme):
            _validate_programme(path, loaded, max_minutes, cache_dir, estimate)
            continue
        checked = validate_routine(
            loaded, max_minutes=max_minutes, cache_dir=cache_dir, estimate=estimate
        )
        count = len(checked.routine.exercises())
        timeline = checked.timeline
        _echo(
            f"{path}: OK — '{checked.routine.title}', {count} exercise{'s' * (count != 1)}, "
            f"{_clock(timeline.duration_ms)} long"
            + (f", {len(timeline.warnings)} warnings" if timeline.warnings else "")
        )
        for warning in timeline.warnings:
            _echo(f"Warning: {warning}", err=True)


def _validate_programme(
    path: Path, programme: Any, max_minutes: int, cache_dir: Path | None, estimate: bool
) -> None:
    from voicecoach.programme.build import validate_programme

    checked = validate_programme(
        programme, max_minutes=max_minutes, cache_dir=cache_dir, estimate=estimate
    )
    lengths = [validation.timeline.duration_ms for _, validation in checked]
    warnings = [f"{p.title}: {w}" for p, v in checked for w in v.timeline.warnings]
    _echo(
        f"{path}: OK — programme '{programme.title}', {counted(programme.weeks, 'week')}, "
        f"{counted(len(lengths), 'session')} of {_clock(min(lengths))} to {_clock(max(lengths))}"
        + (f", {counted(len(warnings), 'warning')}" if warnings else "")
    )
    for warning in warnings:
        _echo(f"Warning: {warning}", err=True)


@main.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-t",
    "--template",
    default="leg-workout",
    show_default=True,
    help="Which starter to write (see --list).",
)
@click.option("--list", "list_them", is_flag=True, help="List the starters and stop.")
def new(file: Path | None, template: str, list_them: bool) -> None:
    """Write a starter routine or programme to FILE, to edit and build.

    It never writes over a file that is there.

    \b
    Examples:
      voicecoach new --list
      voicecoach new my-legs.yaml
      voicecoach new my-plan.yaml --template leg-programme
      voicecoach new intervals.yaml -t run-walk
    """
    from voicecoach.templates import TEMPLATES, write_template

    if list_them:
        width = max(len(name) for name in TEMPLATES)
        for name, about in TEMPLATES.items():
            _echo(f"{name:<{width}}  {about}")
        return
    if file is None:
        raise click.UsageError("give the FILE to write, e.g. voicecoach new my-routine.yaml")
    write_template(template, file)
    _echo(f"Wrote {file} ({template}). Next: voicecoach build {file}")


@main.command()
@click.argument("mp3", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def info(mp3: Path) -> None:
    """Show what a player will see in MP3: its tags, chapters and length.

    \b
    Example:
      voicecoach info output/leg-workout-for-runners.mp3
    """
    from voicecoach.info import read_session

    session = read_session(mp3)
    width = max(len(name) for name, _ in session.tags) if session.tags else 0
    for name, value in session.tags:
        _echo(f"{name + ':':<{width + 1}} {value}")
    _echo(f"{'Length:':<{width + 1}} {_clock(session.length_ms)} ({session.audio})")
    if session.chapters:
        _echo(f"Chapters ({len(session.chapters)}):")
        for chapter in session.chapters:
            _echo(f"  {_clock(chapter.start_ms):>9} - {_clock(chapter.end_ms):>9}  {chapter.title}")
    if session.music:
        _echo(f"Music ({len(session.music)}, from {mp3.with_suffix('.json').name}):")
        for file, start_ms, end_ms in session.music:
            _echo(f"  {_clock(start_ms):>9} - {_clock(end_ms):>9}  {file}")
    for start_ms, end_ms, bpm in session.metronome:
        _echo(f"Metronome: {_clock(start_ms)} - {_clock(end_ms)} at {bpm} steps a minute")


@main.group()
def cache() -> None:
    """See or empty the clip cache (spoken phrases kept between builds).

    \b
    Examples:
      voicecoach cache info
      voicecoach cache clear
    """


@cache.command("info")
@_cache_dir_option
def cache_info(cache_dir: Path | None) -> None:
    """Show where the clip cache is, how many entries it has and its size.

    \b
    Example:
      voicecoach cache info
    """
    from voicecoach.speech.cache import ClipCache

    summary = ClipCache.at(cache_dir).summary()
    _echo(f"Location: {summary.folder}")
    _echo(
        f"Entries:  {summary.clips} clips, {summary.others} loudness analyses"
        + (f", {summary.writing} being written" if summary.writing else "")
    )
    _echo(f"Size:     {summary.size_bytes / 1_000_000:.1f} MB")


@cache.command("clear")
@_cache_dir_option
def cache_clear(cache_dir: Path | None) -> None:
    """Delete every entry of the clip cache (the next build speaks everything again).

    \b
    Example:
      voicecoach cache clear
    """
    from voicecoach.speech.cache import ClipCache

    store = ClipCache.at(cache_dir)
    removed = store.clear()
    _echo(f"Removed {removed} entries from {store.folder}")


@main.command()
@click.option("--lang", help="Only voices whose language code starts with this, e.g. 'en'.")
def voices(lang: str | None) -> None:
    """List the voices of every speech engine (use an id or language as voice.name).

    \b
    Examples:
      voicecoach voices
      voicecoach voices --lang de
    """
    from voicecoach.speech.registry import engine, engine_names

    found = [
        (name, voice)
        for name in engine_names()
        for voice in engine(name).voices()
        if not lang or voice.language.startswith(lang.lower())
    ]
    if not found:
        raise click.ClickException(f"no voice's language starts with '{lang}'")
    width = max(len(voice.language) for _, voice in found)
    for name, voice in found:
        _echo(f"{voice.language:<{width}}  {voice.name}  ({voice.id}; engine {name})")


@main.command()
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="The address to listen on; 0.0.0.0 lets a phone on your network in.",
)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="0: any free."
)
def serve(folder: Path | None, host: str, port: int) -> None:
    """Serve a built programme's FOLDER (default: the one under output/) over HTTP.

    A phone on the same network opens the page or subscribes to the feed, with no web
    host: the feed and page carry this server's address. Only the programme's published
    files are served (with byte ranges, for seeking). Ctrl-C stops it.

    \b
    Examples:
      voicecoach serve                                  # http://127.0.0.1:8000/
      voicecoach serve output/stronger-legs-for-runners --host 0.0.0.0
    """
    import asyncio

    from voicecoach.serve import find_folder, network_address, serve_forever

    where = find_folder(folder)

    def ready(bound: int) -> None:
        shown = network_address() if host in ("0.0.0.0", "::", "") else host
        base = f"http://{shown or host}:{bound}/"
        _echo(f"Serving {where} at {base} (Ctrl-C stops)")
        _echo(f"  page: {base}\n  feed: {base}feed.xml")
        if host in ("0.0.0.0", "::", ""):
            import segno

            _echo("Scan the feed's address with the phone's camera:")
            segno.make(f"{base}feed.xml", error="m").terminal(compact=True)
        sys.stdout.flush()

    try:
        asyncio.run(serve_forever(where, host, port, ready))
    except (KeyboardInterrupt, Terminated) as exc:
        signum = exc.signum if isinstance(exc, Terminated) else signal.SIGINT
        _echo("Stopped.", err=True)
        click.get_current_context().exit(128 + signum)


HELP_TOPICS = {
    "routine": "writing a routine: every key, with its default",
    "cues": "every spoken phrase: the cue table, its placeholders and defaults",
    "timing": "how a session is laid out: gaps, countdowns, what is left out",
    "programme": "a plan over weeks: progression, the folder a build writes",
    "phone": "getting sessions onto your phone: files, podcast app, calendar, page",
}


def help_text(topic: str) -> str:
    """A help topic's text, shipped in the package (the README holds the same text)."""
    from importlib.resources import files

    return (files("voicecoach") / "help" / f"{topic}.md").read_text(encoding="utf-8")


@main.command(name="help")
@click.argument("topic", required=False)
def help_command(topic: str | None) -> None:
    """Print a guide: the routine format, the cues, timing, programmes, or the phone.

    With a command's name, that command's options (as --help gives them).

    \b
    Examples:
      voicecoach help
      voicecoach help cues
      voicecoach help build
    """
    context = click.get_current_context()
    if topic is None:
        _echo("voicecoach help TOPIC, one of:\n")
        for name, about in HELP_TOPICS.items():
            _echo(f"  {name:<10} {about}")
        _echo("\nand voicecoach help COMMAND (or COMMAND --help) for any command:")
        _echo("  " + ", ".join(sorted(main.commands)))
        return
    if topic in HELP_TOPICS:
        _echo(help_text(topic).rstrip("\n"))
        return
    command = main.get_command(context, topic)
    if command is None:
        raise click.UsageError(
            f"expected a topic ({', '.join(HELP_TOPICS)}) or a command "
            f"({', '.join(sorted(main.commands))}), found '{topic}'"
        )
    with click.Context(command, info_name=topic, parent=context.parent) as sub:
        _echo(command.get_help(sub))


def run() -> None:
    """The `voicecoach` program: the command line, then an exit that no late stop can spoil.

    A stop that arrives after the command has returned, while Python would be shutting
    down (when it puts the default handlers back), would kill the process by the signal,
    or raise where nothing catches it and print a traceback. Instead, once the command has
    returned, a stop is only noted; the output is flushed and the process ends at once with
    the command's code, or 128+N for a stop that came meanwhile.
    """
    stop_on_signals()
    try:
        main()
        code: int | str | None = 0
    except SystemExit as exc:
        code = exc.code
    except KeyboardInterrupt:  # between the handlers and the command: nothing was begun
        code = 128 + signal.SIGINT
    except Terminated as exc:
        code = 128 + exc.signum
    late: list[int] = []

    def note(signum: int, _frame: object) -> None:
        late.append(signum)

    for name in STOP_SIGNALS:
        if hasattr(signal, name) and signal.getsignal(getattr(signal, name)) != signal.SIG_IGN:
            signal.signal(getattr(signal, name), note)
    if isinstance(code, str):  # sys.exit("message"), as click's Abort does
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):  # a closed pipe: nobody is reading
            stream.flush()
    os._exit(128 + late[0] if late else code or 0)


if __name__ == "__main__":  # pragma: no cover
    run()
