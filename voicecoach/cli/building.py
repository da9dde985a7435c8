"""`voicecoach build`: routines into sessions, a programme into its folder."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import click

from voicecoach.cli.base import (
    Bars,
    cache_dir_option,
    clock,
    default_routine,
    echo,
    language_option,
    location,
    main,
    max_minutes_option,
    open_step_option,
    source_options,
    written,
)
from voicecoach.cli.programmes import make_programme, make_squad, parse_base_url
from voicecoach.errors import one_line
from voicecoach.files.outputs import DEFAULT_OUTPUT_DIR
from voicecoach.files.types import AUDIO_FORMATS


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
    callback=location,
    default=str(DEFAULT_OUTPUT_DIR),
    show_default=True,
    metavar="FOLDER|URL",
    help="The folder sessions go into (a programme gets a folder of its own inside it), "
    "or a URL of shared storage (s3://bucket/prefix), published when the build is done.",
)
@click.option("--force", is_flag=True, help="Programme: make every session again.")
@click.option("--session", type=int, help="Programme: make this session (1-based) only.")
@click.option(
    "--base-url",
    callback=lambda _ctx, _param, value: parse_base_url(value),
    help="Programme: where the folder will be served; writes feed.xml (remembered for the "
    "folder). [programme: base_url]",
)
@click.option(
    "--no-feed",
    is_flag=True,
    help="Programme: forget the remembered base URL; removes feed.xml and the chapters files.",
)
@cache_dir_option
@max_minutes_option
@click.option(
    "--format",
    "audio_format",
    type=click.Choice(AUDIO_FORMATS),
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
@click.option(
    "--fit",
    is_flag=True,
    help="Also write <name>.fit: a FIT workout for a Garmin watch, in step with the audio.",
)
@click.option(
    "--scheduler",
    envvar="DASK_SCHEDULER_ADDRESS",
    metavar="ADDRESS",
    help="Programme or squad: build each session as a task on a Dask cluster: its "
    "scheduler's address (tcp://HOST:8786), or 'local' for a cluster on this machine "
    "[env: DASK_SCHEDULER_ADDRESS].",
)
@open_step_option
@language_option
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors and warnings.")
def build(routines: tuple[Path, ...], jobs: int, quiet: bool, **flags: Any) -> None:
    """Build the session MP3 (and its JSON timeline and captions) from each ROUTINE.

    A ROUTINE may also be a workout file: Garmin FIT (.fit), Zwift (.zwo) or
    intervals.icu text (.txt), voiced step by step.

    With no ROUTINE, scripts/routine.yaml if it is there (if not, it says how to start
    one). The MP3 goes to output/<slug>.mp3, <slug> being the title in lower case joined
    by '-'. Several routines are built one after another, or --jobs at a time in parallel
    processes.

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
      voicecoach build threshold.zwo --fit          # and threshold.fit for the watch
      voicecoach build threshold.zwo --language de  # the coach's file, voiced in German
      voicecoach build squad.yaml --scheduler local  # each athlete's plan, on Dask
    """
    paths = routines or (default_routine(),)
    opening = source_options(flags.pop("open_step_ms"), flags.pop("language"))
    publisher = _mirrored(flags)
    options = _build_options(flags)
    _check_flags(paths, flags)
    if publisher is None:
        _build_all(paths, opening, options, flags, jobs, quiet)
        return
    try:
        _build_all(paths, opening, options, flags, jobs, quiet, publisher.folder_done)
    except BaseException:
        publisher.abandon()  # what is made stays in the mirror: the next build puts it
        raise
    _published(publisher.finish(), quiet)


def _build_all(
    paths: tuple[Path, ...],
    opening: Any,
    options: Any,
    flags: dict[str, Any],
    jobs: int,
    quiet: bool,
    on_folder: Callable[[Path], None] | None = None,
) -> None:
    from voicecoach.programme.plan import Programme
    from voicecoach.session.runners import runner_for
    from voicecoach.sources import open_source, writes_a_folder
    from voicecoach.squad.roster import Squad

    if len(paths) > 1 and not any(writes_a_folder(path) for path in paths):
        # routines alone: each reports its own error and the others go on
        _build_routines(paths, opening, options, jobs, quiet)
        return
    items = [(path, open_source(path, opening)) for path in paths]
    squads = [path for path, item in items if isinstance(item, Squad)]
    if squads and len(items) > 1:
        raise click.UsageError(f"{squads[0]} is a squad: build it on its own")
    if len(items) > 1:
        from voicecoach.programme.folder import check_run

        check_run([(p, i) for p, i in items if not isinstance(i, Squad)], options)
    runner = runner_for(flags["scheduler"], jobs)
    try:
        for _path, item in items:
            folders = _programme_options(options, flags, jobs, runner)
            if isinstance(item, Squad):
                make_squad(item, folders, opening, quiet, on_folder)
            elif isinstance(item, Programme):
                make_programme(item, folders, quiet)
            else:
                _build_one(item, options, quiet)
    finally:
        runner.close()


def _mirrored(flags: dict[str, Any]) -> Any:
    """With an output URL, build into its local mirror (fetched first on a new machine),
    and a publisher for it."""
    from voicecoach.files.remote import Publisher, fetch, is_url, mirror_of

    url = flags["output_dir"]
    if not is_url(url):
        return None
    mirror = mirror_of(url)
    fetch(url, mirror)
    flags["output_dir"] = mirror
    return Publisher(mirror, str(url))


def _published(done: Any, quiet: bool) -> None:
    url = done.url
    if not quiet:
        removed = f", {len(done.removed)} removed" if done.removed else ""
        echo(
            f"Published to {url}: {len(done.uploaded)} files put, {done.kept} as they were{removed}"
        )


def _build_options(flags: dict[str, Any]) -> Any:
    """The session build's options, from the command's flags."""
    from voicecoach.session.build import BuildOptions

    audio_keys = ("sample_rate", "channels", "bitrate", "loudness")
    return BuildOptions(
        output=flags["output"],
        output_dir=flags["output_dir"],
        cache_dir=flags["cache_dir"],
        max_minutes=flags["max_minutes"],
        sidecars=not flags["no_sidecars"],
        music=flags["music"],
        no_music=flags["no_music"],
        stems=flags["stems"],
        fit=flags["fit"],
        audio={"format": flags["audio_format"], **{key: flags[key] for key in audio_keys}},
    )


def _programme_options(options: Any, flags: dict[str, Any], jobs: int, runner: Any) -> Any:
    """A programme build's options: the session's, and those only a programme has."""
    from voicecoach.programme.folder import ProgrammeOptions

    return ProgrammeOptions(
        build=options,
        force=flags["force"],
        session=flags["session"],
        jobs=jobs,
        base_url=flags["base_url"],
        no_feed=flags["no_feed"],
        runner=runner,
    )


def _check_flags(paths: tuple[Path, ...], flags: dict[str, Any]) -> None:
    """Refuse flags that cannot go together, before anything is read."""
    from voicecoach.sources import writes_a_folder

    if flags["output"] is not None and len(paths) > 1:
        raise click.UsageError("-o names one output file; give one routine with it")
    if flags["base_url"] is not None and flags["no_feed"]:
        raise click.UsageError("--base-url writes a feed and --no-feed removes it")
    programmes = [path for path in paths if writes_a_folder(path)]
    if programmes and flags["output"] is not None:
        raise click.UsageError(
            "-o names one session file; a programme writes a folder (use --output-dir)"
        )
    only = flags["force"] or flags["session"] is not None or flags["base_url"] or flags["no_feed"]
    if only and len(programmes) < len(paths):
        raise click.UsageError("--force, --session, --base-url and --no-feed are for programmes")
    if flags["scheduler"] and len(programmes) < len(paths):
        raise click.UsageError("--scheduler is for programmes and squads")


def _build_one(routine: Any, options: Any, quiet: bool) -> None:
    from voicecoach.session.build import build_routine

    bars = Bars() if not quiet else None
    try:
        result = build_routine(routine, options, progress=bars)
    finally:
        if bars:
            bars.close()
    written().append(result.audio_path)
    _report(result, quiet)


def _build_routines(
    paths: tuple[Path, ...], opening: Any, options: Any, jobs: int, quiet: bool
) -> None:
    from voicecoach.errors import VoicecoachError
    from voicecoach.session.build import build_many
    from voicecoach.sources import open_routine

    failed = 0
    so_far = written()
    loaded = []
    for path in paths:
        try:
            loaded.append((path, open_routine(path, opening)))
        except VoicecoachError as exc:
            failed += 1
            echo(f"Error: {one_line(str(exc))}", err=True)
    with closing(build_many(loaded, options, jobs)) as outcomes:
        for _path, outcome in outcomes:
            if isinstance(outcome, str):
                failed += 1
                echo(f"Error: {one_line(outcome)}", err=True)
            else:
                so_far.append(outcome.audio_path)
                _report(outcome, quiet)
    if failed:
        raise click.ClickException(f"{failed} of {len(paths)} routines failed")


def _report(result: Any, quiet: bool) -> None:
    for warning in result.timeline.warnings:
        echo(f"Warning: {warning}", err=True)
    if quiet:
        return
    stats = result.cache
    beside = ", ".join(path.name for path in result.files[1:])
    echo(
        f"Wrote {result.audio_path} ({clock(result.timeline.duration_ms)})"
        + (f" and {beside}" if beside else "")
    )
    echo(
        f"{len(result.timeline.cues)} cues, {len(result.timeline.chapters)} chapters; "
        f"speech: {stats.misses} clips spoken, {stats.hits} from the cache; "
        f"{result.seconds:.1f} s"
    )
