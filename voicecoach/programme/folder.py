"""Build a programme: every session that changed, then the files that list them all."""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import itertools
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

from voicecoach import __version__, limits
from voicecoach.audio import encode
from voicecoach.errors import ExportError, VoicecoachError, bug_message
from voicecoach.files import outputs
from voicecoach.files.outputs import (
    PROGRAMME_FILES,
    SIDECAR_SUFFIXES,
    check_writable,
    output_files,
    slugify,
)
from voicecoach.files.parts import part_prefix, remove_dead_parts
from voicecoach.music.session import with_files
from voicecoach.music.tracks import find_tracks
from voicecoach.programme import cover, publish
from voicecoach.programme.page import page, programme_identity
from voicecoach.programme.plan import Programme
from voicecoach.programme.progression import PlannedSession, plan_sessions, values_of
from voicecoach.routine.model import AudioSettings, Routine
from voicecoach.routine.targets import figures_said
from voicecoach.session.build import (
    BuildOptions,
    BuildResult,
    Validation,
    build_routine,
    check_distinct_outputs,
    check_length,
    check_voice,
    plan_routine,
    settle_audio,
    validate_routine,
)
from voicecoach.session.runners import PoolRunner, Runner
from voicecoach.timeline import Timeline

SessionProgress = Callable[[int, int], None]  # (sessions done, sessions in all)
TASK_FOLDER = "voicecoach-task-"  # a shipping task's own folder: voicecoach-task-<pid>.…
Wanted = list[tuple[PlannedSession, AudioSettings, str]]  # with each one's key


@dataclass(frozen=True)
class ProgrammeOptions:
    """What a programme build is asked for besides the programme."""

    build: BuildOptions = field(default_factory=BuildOptions)  # its output_dir holds the folder
    force: bool = False  # make every session again
    session: int | None = None  # make this session only (again)
    jobs: int = 1
    base_url: str | None = None  # over the programme's own base_url
    no_feed: bool = False  # forget the remembered base URL: no feed.xml, no chapters files
    folder: Path | None = None  # the folder itself, over <output_dir>/<programme-slug>
    runner: Runner | None = None  # where sessions are built (a Dask cluster); else `jobs`


@dataclass(frozen=True)
class ProgrammeResult:
    """What a programme build made, kept and wrote."""

    folder: Path
    records: tuple[publish.Record, ...]
    made: tuple[int, ...]  # the sessions made in this build
    kept: tuple[int, ...]  # those left as they were
    files: tuple[Path, ...]  # the programme's own files, written or already up to date
    warnings: tuple[str, ...]
    seconds: float
    changed: tuple[Path, ...] = ()  # those of `files` this build wrote (the rest were so)
    removed: tuple[Path, ...] = ()  # what an earlier build wrote and this one no longer has


def programme_folder(programme: Programme, options: ProgrammeOptions) -> Path:
    """Where the programme's files go: output/<programme-slug>/, unless given."""
    if options.folder is not None:
        return options.folder
    return options.build.output_dir / slugify(programme.title)


def session_key(routine: Routine, audio: AudioSettings, options: BuildOptions) -> str:
    """A digest of everything a session is made from, to tell when it must be made again.

    The routine after its progression, the audio settings, the music asked for on the
    command line, and each music file's size and time (a track replaced is a change).
    """
    # where the routine was read from is not what it says: moving a line changes no sound;
    # nor does an athlete's figure its targets never say (a new FTP, in a run by pace)
    bare = replace(
        routine,
        source="",
        voice=replace(routine.voice, where=""),
        audio=audio,
        athlete=figures_said(routine.athlete, (e.target for e in routine.exercises())),
    )
    music = None if options.no_music else with_files(routine.music, options.music, ".")
    tracks = []
    if music is not None:
        for path in find_tracks(music, options.not_music):
            stat = path.stat()
            tracks.append(f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}")
    art = hashlib.sha256(options.cover).hexdigest() if options.cover else ""
    text = "\0".join([__version__, repr(bare), repr(music), *tracks, art])
    return hashlib.sha256(text.encode()).hexdigest()


def check_programme(
    programme: Programme, options: ProgrammeOptions
) -> list[tuple[PlannedSession, AudioSettings]]:
    """Every session, progressed, checked by arithmetic (length, cues, voice) before any audio."""
    found = []
    checked_voices: set[object] = set()
    for planned in plan_sessions(programme):
        try:
            check_length(planned.routine, options.build.max_minutes)
            if planned.routine.voice not in checked_voices:
                check_voice(planned.routine)
                checked_voices.add(planned.routine.voice)
        except VoicecoachError as exc:
            raise type(exc)(f"{planned.title}: {exc}") from None
        found.append((planned, settle_audio(planned.routine.audio, options.build)))
    return found


def check_folder(programme: Programme, sessions: Sequence[PlannedSession], folder: Path) -> None:
    """Before any audio: the folder can be made, is this programme's, and holds no input."""
    if (folder.is_symlink() and not folder.exists()) or (folder.exists() and not folder.is_dir()):
        raise ExportError(
            f"{folder}: expected a folder for the programme's files (or none), found a file or "
            "a broken link; give the programme another title or use another output folder",
            option="output_dir",
        )
    other = publish.read_earlier(folder / "programme.json").title
    if other is not None and other != programme.title:
        raise ExportError(
            f"{folder} holds another programme, '{other}' (its programme.json); give "
            f"'{programme.title}' another title or use another output folder",
            option="output_dir",
        )
    inputs = [Path(name) for name in (programme.source, *programme.inputs) if name]
    written = [folder / name for name in PROGRAMME_FILES]
    for planned in sessions:
        audio = folder / f"{planned.stem}.mp3"
        written += [*output_files(audio, True), audio.with_suffix(".wav")]
        written.append(audio.with_suffix(".chapters.json"))
    check_writable(written, inputs, "choose another output folder", option="output_dir")
    outputs.check_folder(folder)


def check_run(items: Sequence[tuple[Path, Routine | Programme]], options: BuildOptions) -> None:
    """Refuse a run in which two programmes share a folder, or two routines a file."""
    folders: dict[Path, Path] = {}
    for path, item in items:
        if isinstance(item, Programme):
            folder = programme_folder(item, ProgrammeOptions(build=options))
            key = folder.resolve()
            if key in folders:
                raise ExportError(
                    f"{folders[key]} and {path} would both write {folder}/; give one of them "
                    "another title or build them one at a time into another output folder",
                    option="output_dir",
                )
            folders[key] = path
    routines = [(path, item) for path, item in items if not isinstance(item, Programme)]
    check_distinct_outputs(routines, options)


def _session_options(
    planned: PlannedSession, audio: AudioSettings, folder: Path, options: ProgrammeOptions
) -> BuildOptions:
    suffix = encode.FORMATS[audio.format].suffix
    return replace(
        options.build,
        output=folder / f"{planned.stem}{suffix}",
        sidecars=True,
        # music from a folder around this one must not pick up a session made before it
        not_music=(folder,),
    )


def _record(
    planned: PlannedSession, audio_path: Path, folder: Path, timeline: Timeline, key: str
) -> publish.Record:
    stat = audio_path.stat()
    return publish.Record(
        number=planned.slot.number,
        week=planned.slot.week,
        day=planned.slot.day,
        date=planned.slot.date,
        file=audio_path.relative_to(folder).as_posix(),
        title=planned.title,
        duration_ms=timeline.duration_ms,
        bytes=stat.st_size,
        built=datetime.datetime.fromtimestamp(int(stat.st_mtime), datetime.timezone.utc),
        chapters=tuple((c.title, c.start_ms, c.end_ms) for c in timeline.chapters),
        exercises=_values(planned),
        key=key,
    )


def _still_good(record: publish.Record | None, key: str, folder: Path) -> bool:
    return record is not None and record.key == key and _whole(record, folder)


def _whole(record: publish.Record, folder: Path) -> bool:
    """The session's audio is on disk as the record describes it, with its timeline."""
    audio = folder / record.file
    try:
        return audio.stat().st_size == record.bytes and audio.with_suffix(".json").is_file()
    except OSError:
        return False


@dataclass(frozen=True)
class ProgrammeWork:
    """A programme build as planned before any audio: which sessions to make, and what an
    earlier build left (see `prepare_programme`, `session_outcomes`, `finish_programme`)."""

    programme: Programme
    options: ProgrammeOptions  # with the cover drawn
    folder: Path
    count: int  # sessions in the programme
    before: publish.Earlier
    records: dict[int, publish.Record]  # those kept, so far
    wanted: Wanted
    kept: list[int]
    started: float


def build_programme(
    programme: Programme,
    options: ProgrammeOptions = ProgrammeOptions(),
    progress: SessionProgress | None = None,
    on_made: Callable[[Path], None] | None = None,
) -> ProgrammeResult:
    """Make the sessions whose inputs changed (all with force), then the programme's files.

    `on_made` hears of each session's audio as soon as it is written.
    """
    work = prepare_programme(programme, options)
    with session_outcomes([work], work.options) as outcomes:
        return finish_programme(work, outcomes, progress, on_made)


@contextlib.contextmanager
def session_outcomes(
    works: Sequence[ProgrammeWork], options: ProgrammeOptions
) -> Iterator[Iterator[object]]:
    """The wanted sessions of every build in `works` made, in order, as one stream (a
    squad's athletes one after another), for `finish_programme` to take each build's share.

    Made here one by one with one job (or one session); else on the runner, which is let
    go of at the end: the tasks not yet done are cancelled when the run stops early.
    """
    wanted = sum(len(work.wanted) for work in works)
    if options.runner is None and (options.jobs == 1 or wanted <= 1):
        yield itertools.chain.from_iterable(_made_here(work) for work in works)
        return
    runner = options.runner or PoolRunner(options.jobs)
    function = _build_and_ship if getattr(runner, "ships_files", False) else _build_in_worker
    arguments = [args for work in works for args in _session_arguments(work)]
    stream = runner.map(function, arguments)
    try:
        yield stream
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()


def prepare_programme(programme: Programme, options: ProgrammeOptions) -> ProgrammeWork:
    """Everything before any audio: the sessions checked, the folder checked, the cover
    drawn, and which sessions an earlier build already made as they are now."""
    started = time.perf_counter()
    sessions = check_programme(programme, options)
    if options.session is not None and not 1 <= options.session <= len(sessions):
        raise VoicecoachError(
            f"session: expected a session from 1 to {len(sessions)}, found {options.session}",
            option="session",
        )
    folder = programme_folder(programme, options)
    check_folder(programme, [planned for planned, _audio in sessions], folder)
    artwork = cover.cover(programme.title, programme.artwork)  # before any audio
    options = replace(options, build=replace(options.build, cover=artwork))
    before = publish.read_earlier(folder / "programme.json")
    records, wanted, kept = _triage(sessions, before.records, folder, options)
    return ProgrammeWork(
        programme, options, folder, len(sessions), before, records, wanted, kept, started
    )


def _session_arguments(work: ProgrammeWork) -> list[tuple[Routine, BuildOptions]]:
    """Each wanted session's task arguments: the routine as planned, and its options.

    Each worker is handed the session's routine as planned here, never a path to read
    again: what it builds is what the key was made from, whatever options made it. A
    cluster's workers may be other machines: each builds in a folder of its own and sends
    the files back (`ships_files`), and `finish_programme` puts them in place.
    """
    return [
        (planned.routine, _session_options(planned, audio, work.folder, work.options))
        for planned, audio, _key in work.wanted
    ]


def finish_programme(
    work: ProgrammeWork,
    outcomes: Iterable[object],
    progress: SessionProgress | None = None,
    on_made: Callable[[Path], None] | None = None,
) -> ProgrammeResult:
    """Take each wanted session's outcome (in order, from `outcomes`: a result, a shipped
    result and its files, or an error's message), then write the programme's own files.

    Reads only as many outcomes as sessions are wanted: a squad's athletes share one
    stream of them.
    """
    records, folder = dict(work.records), work.folder
    warnings: list[str] = list(work.before.warnings)
    made: list[int] = []
    total = len(work.wanted)
    if progress and total:
        progress(0, total)
    try:
        for done, ((planned, _audio, key), outcome) in enumerate(
            zip(work.wanted, itertools.islice(outcomes, total), strict=True), start=1
        ):
            result = _outcome(planned, outcome, folder)
            number = planned.slot.number
            records[number] = _record(planned, result.audio_path, folder, result.timeline, key)
            warnings += [f"{planned.title}: {w}" for w in result.timeline.warnings]
            made.append(number)
            if on_made is not None:
                on_made(result.audio_path)
            if progress:
                progress(done, total)
    finally:
        # what was made stays listed, even when a later session failed or the run was
        # stopped; so does every session of an earlier build still whole on disk (a
        # stopped --force has not made it again yet, but it is there to play)
        for number, record in work.before.records.items():
            if number not in records and number <= work.count and _whole(record, folder):
                records[number] = record
        files, changed, removed = _publish(
            work.programme, [records[n] for n in sorted(records)], folder, work.options, work.before
        )
    return ProgrammeResult(
        folder,
        tuple(records[n] for n in sorted(records)),
        tuple(made),
        tuple(work.kept),
        tuple(files),
        tuple(warnings),
        time.perf_counter() - work.started,
        tuple(changed),
        tuple(removed),
    )


def _triage(
    sessions: Sequence[tuple[PlannedSession, AudioSettings]],
    earlier: dict[int, publish.Record],
    folder: Path,
    options: ProgrammeOptions,
) -> tuple[dict[int, publish.Record], Wanted, list[int]]:
    """Which sessions to make, which an earlier build made as they are now (kept, listed
    with today's values), and, with `session`, the others as they were."""
    records: dict[int, publish.Record] = {}
    wanted: Wanted = []
    kept: list[int] = []
    for planned, audio in sessions:
        number = planned.slot.number
        key = session_key(planned.routine, audio, replace(options.build, not_music=(folder,)))
        if options.session is not None and number != options.session:
            record = earlier.get(number)
            if record is not None and (folder / record.file).is_file():
                records[number] = record  # listed as it was, made or not from this input
            continue
        fresh = options.force or options.session is not None
        if not fresh and _still_good(earlier.get(number), key, folder):
            records[number] = replace(earlier[number], exercises=_values(planned))
            kept.append(number)
            continue
        wanted.append((planned, audio, key))
    return records, wanted, kept


def _values(planned: PlannedSession) -> dict[str, dict[str, object]]:
    return {e.name: values_of(e) for e in planned.routine.exercises()}


def _made_here(work: ProgrammeWork) -> Iterator[BuildResult]:
    """The wanted sessions built one after another in this process."""
    for planned, audio, _key in work.wanted:
        session_options = _session_options(planned, audio, work.folder, work.options)
        try:
            yield build_routine(planned.routine, session_options)
        except VoicecoachError as exc:
            raise type(exc)(f"{planned.title}: {exc}") from None


def _outcome(planned: PlannedSession, outcome: object, folder: Path) -> BuildResult:
    """A session's result from what its task gave back (its files put in place if sent)."""
    if isinstance(outcome, str):
        raise VoicecoachError(f"{planned.title}: {outcome}")
    if isinstance(outcome, tuple):
        return _landed(outcome[0], outcome[1], folder)
    assert isinstance(outcome, BuildResult)
    return outcome


def _build_in_worker(routine: Routine, options: BuildOptions) -> BuildResult | str:
    try:
        return build_routine(routine, options)
    except VoicecoachError as exc:
        return str(exc)
    except Exception as exc:  # a bug, but one session's: say which
        return bug_message(exc)


def _build_and_ship(
    routine: Routine, options: BuildOptions
) -> tuple[BuildResult, dict[str, bytes]] | str:
    """Build a session in a folder of this worker's own; its result and its files' bytes."""
    import tempfile

    target = options.output
    assert target is not None
    # a worker killed mid-task (Dask runs the task again elsewhere) left its folder: the
    # next task on this machine removes the folders of workers no longer running
    scratch_root = Path(tempfile.gettempdir())
    remove_dead_parts(scratch_root.glob(f"{TASK_FOLDER}*"), TASK_FOLDER)
    with tempfile.TemporaryDirectory(prefix=part_prefix(TASK_FOLDER)) as scratch:
        here = Path(scratch) / target.name
        outcome = _build_in_worker(routine, replace(options, output=here))
        if isinstance(outcome, str):
            return outcome
        files = {path.name: path.read_bytes() for path in outcome.files if path.is_file()}
    return outcome, files


def _landed(result: BuildResult, files: dict[str, bytes], folder: Path) -> BuildResult:
    """A shipped session's files put in the programme's folder, each whole."""
    placed = []
    for name, data in files.items():
        path = folder / name
        publish.write_if_changed(path, data)
        placed.append(path)
    return replace(result, audio_path=folder / result.audio_path.name, files=tuple(placed))


def _publish(
    programme: Programme,
    records: list[publish.Record],
    folder: Path,
    options: ProgrammeOptions,
    before: publish.Earlier,
) -> tuple[list[Path], list[Path], list[Path]]:
    """Write the playlist, calendar, feed, page and JSON (each only if it changed).

    Returns every file the programme has, those of them this build wrote, and those of an
    earlier build it removed.

    The base URL is the command line's, the programme's, or the one the folder's last
    build used. What an earlier build wrote and this one does not (a session the
    programme no longer has, the feed after --no-feed) is removed, but only files that
    the earlier programme.json names.
    """
    base_url = options.base_url or programme.base_url
    if base_url is None and not options.no_feed:
        base_url = before.base_url
    if base_url is not None:
        base_url = base_url.rstrip("/") + "/"
    written: dict[Path, str | bytes] = {
        folder / "playlist.m3u8": publish.playlist(programme, records),
    }
    if options.build.cover:
        written[folder / cover.NAME] = options.build.cover
    dated = any(record.date for record in records)
    if dated:
        written[folder / "calendar.ics"] = publish.calendar(programme, records)
    if base_url:
        art = cover.NAME if options.build.cover else None
        written[folder / "feed.xml"] = publish.feed(programme, records, base_url, art)
        for record in records:
            written[folder / record.chapters_file] = publish.chapters_json(record)
    written[folder / "index.html"] = page(
        programme,
        records,
        calendar=dated,
        feed=bool(base_url),
        cover=cover.NAME if options.build.cover else None,
        identity=programme_identity(programme.title, base_url),
    )
    published = [path.name for path in written if path.parent == folder and not _is_chapters(path)]
    written[folder / "programme.json"] = publish.programme_json(
        programme, records, base_url, published
    )
    changed = [path for path, content in written.items() if publish.write_if_changed(path, content)]
    removed = _remove_stale(folder, before, records, set(written))
    return list(written), changed, removed


def _is_chapters(path: Path) -> bool:
    return path.name.endswith(".chapters.json")


def _remove_stale(
    folder: Path, before: publish.Earlier, records: list[publish.Record], kept: set[Path]
) -> list[Path]:
    """Remove what the earlier build listed and this one no longer has; say what that was."""
    listed = {record.file for record in records}
    stale: list[Path] = [folder / name for name in before.published]
    for record in before.records.values():
        if record.file not in listed:
            audio = folder / record.file
            stale += [audio, *(audio.with_suffix(s) for s in SIDECAR_SUFFIXES)]
        stale.append(folder / record.chapters_file)
    removed = []
    for path in stale:
        if path not in kept and (path.is_file() or path.is_symlink()):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def plan_programme(
    programme: Programme,
    *,
    cache_dir: Path | str | None = None,
    estimate: bool = False,
    max_minutes: int = 24 * 60,
) -> list[tuple[PlannedSession, Timeline]]:
    """Every session with its timeline, without audio (speech measured through the cache)."""
    return _each_session(
        programme,
        lambda routine: plan_routine(
            routine, cache_dir=cache_dir, estimate=estimate, max_minutes=max_minutes
        ),
    )


def validate_programme(
    programme: Programme,
    *,
    max_minutes: int = limits.DEFAULT_MAX_MINUTES,
    cache_dir: Path | str | None = None,
    estimate: bool = False,
) -> list[tuple[PlannedSession, Validation]]:
    """Every check a build makes, for every session, without writing one."""
    return _each_session(
        programme,
        lambda routine: validate_routine(
            routine, max_minutes=max_minutes, cache_dir=cache_dir, estimate=estimate
        ),
    )


T = TypeVar("T")


def _each_session(
    programme: Programme, run: Callable[[Routine], T]
) -> list[tuple[PlannedSession, T]]:
    """`run` on every session's routine; an error names the session it stopped at."""
    found = []
    for planned in plan_sessions(programme):
        try:
            found.append((planned, run(planned.routine)))
        except VoicecoachError as exc:
            raise type(exc)(f"{planned.title}: {exc}") from None
    return found
