"""Build a session from a loaded Routine, one stage after another, as mkdocs builds a site.

    settle settings -> speak and lay out (timeline) -> fit to the codec -> gather sounds
    -> level -> mix layers -> encode, tag and write the sidecars

`build_routine` is the library's build (voicecoach.sources opens the file first);
`plan_routine` and `validate_routine` run the first stages alone, for the commands of the
same names, and `build_many` builds several routines in worker processes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from voicecoach import limits
from voicecoach.audio import encode, sidecars
from voicecoach.audio.dsp import sample_at
from voicecoach.audio.mix import CueLayer, mix
from voicecoach.audio.sounds import SOUND_BUDGET_BYTES, Sounds, level_sounds
from voicecoach.audio.writer import StemWriter, skip_samples, write_session
from voicecoach.errors import (
    ExportError,
    LimitError,
    RoutineError,
    VoicecoachError,
    bug_message,
)
from voicecoach.files.outputs import (
    DEFAULT_OUTPUT_DIR,
    SIDECAR_SUFFIXES,
    check_folder,
    check_outputs,
    output_files,
    slugify,
    stem_paths,
)
from voicecoach.language.tags import language_for, same_language
from voicecoach.music.session import check_tracks, measure_tracks, plan_music, with_files
from voicecoach.routine.durations import format_clock
from voicecoach.routine.loading import audio_value
from voicecoach.routine.model import AudioSettings, Routine
from voicecoach.session.runners import PoolRunner
from voicecoach.speech import Synthesizer
from voicecoach.speech.cache import CachedSynthesizer, CacheStats, ClipCache
from voicecoach.speech.clarity import Clarifying
from voicecoach.speech.pronounce import Pronouncing
from voicecoach.speech.registry import engine
from voicecoach.timeline import Measure, Timeline, cue_count, expand, minimum_duration_ms
from voicecoach.workouts.fit_out import workout_fit

# progress(stage, done, total): stage is "speech" or "audio"
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class BuildOptions:
    """What a build is asked for besides the routine."""

    output: Path | None = None  # the audio's path; default output/<slug>.mp3
    output_dir: Path = DEFAULT_OUTPUT_DIR
    cache_dir: Path | str | None = None
    max_minutes: int = limits.DEFAULT_MAX_MINUTES
    sidecars: bool = True  # the .json timeline and .vtt/.lrc captions beside the audio
    audio: Mapping[str, Any] = field(default_factory=dict)  # overrides of the routine's audio
    music: tuple[str, ...] = ()  # music files, folders or globs, over the routine's own
    no_music: bool = False  # leave the routine's music out
    stems: bool = False  # also write <name>.voice.wav and <name>.music.wav
    not_music: tuple[Path, ...] = ()  # files a folder or glob of music must skip (a plan's)
    cover: bytes | None = None  # a JPEG embedded in the MP3 (a programme's artwork)
    fit: bool = False  # also write <name>.fit, a FIT workout in step with the session


@dataclass(frozen=True)
class BuildResult:
    """What a build wrote and what it cost."""

    audio_path: Path
    timeline: Timeline
    cache: CacheStats
    seconds: float
    files: tuple[Path, ...]

    @property
    def json_path(self) -> Path:
        """Where the JSON timeline is (when sidecars were written)."""
        return self.audio_path.with_suffix(".json")


@dataclass(frozen=True)
class Validation:
    """What `validate` learns of a routine without making a session file."""

    routine: Routine
    timeline: Timeline  # as a build would lay it out: its length, its warnings


# -- checks by arithmetic, before anything is spoken -------------------------------------


def check_length(routine: Routine, max_minutes: int) -> None:
    """Refuse, by arithmetic alone, a routine longer than `max_minutes` or with too many cues."""
    cues = cue_count(routine.items)
    if cues > limits.MAX_CUES:
        raise RoutineError(
            f"expected at most {limits.MAX_CUES} cues, found a routine of about {cues}; check "
            "'repeat', 'sets' and 'reps'",
            source=routine.source,
        )
    least_ms = minimum_duration_ms(routine.items)
    if least_ms > max_minutes * 60_000:
        raise LimitError(
            f"expected a session of at most {max_minutes} minutes, found one of at least "
            f"{least_ms // 60_000} minutes; check 'repeat', 'sets' and 'reps'",
            option="max_minutes",
            source=routine.source,
        )


def check_voice(routine: Routine) -> None:
    """Refuse a voice the engine does not have, before any audio is made."""
    engine(routine.voice.engine).check(routine.voice)


def validate_routine(
    routine: Routine,
    *,
    max_minutes: int = limits.DEFAULT_MAX_MINUTES,
    cache_dir: Path | str | None = None,
    estimate: bool = False,
) -> Validation:
    """Every check a build makes before it writes: length, cue count, voice, music, layout.

    The layout's warnings (cues left out, gaps that grew) are the build's own: speech is
    measured through the clip cache, unless `estimate` guesses it from the words. Each
    music track is found and the start of it decoded.
    """
    check_length(routine, max_minutes)
    check_voice(routine)
    check_tracks(routine.music, routine.audio)
    timeline = plan_routine(
        routine, cache_dir=cache_dir, estimate=estimate, max_minutes=max_minutes
    )
    return Validation(routine, timeline)


# -- the stages ---------------------------------------------------------------------------


def open_synthesizer(routine: Routine, cache: ClipCache) -> CachedSynthesizer:
    """The routine's engine and voice, behind the clip cache; the caller closes it."""
    inner: Synthesizer = engine(routine.voice.engine).open(routine.voice)
    if routine.pronounce:
        inner = Pronouncing(inner, routine.pronounce)
    if routine.voice.clarity != "off":
        inner = Clarifying(inner, routine.voice.clarity)
    return CachedSynthesizer(inner, cache)


def estimate_measure(routine: Routine) -> Measure:
    """How long a text takes to say, guessed from its letters, digits and the voice's rate.

    Fitted to espeak-ng's clips of the starters and of a routine of 3,600 messages (a
    median error of about 12 %): characters carry the length, and each digit is read as a
    word or two ("3581"); words alone guessed half the length, so `validate --estimate`
    found a quarter of the crowding a build finds.
    """
    scale = 165 / routine.voice.rate

    def measure(text: str) -> int:
        digits = sum(char.isdigit() for char in text)
        return round(max(250, 65 * len(text) + 450 * digits - 300) * scale)

    return measure


def speak_and_lay_out(
    routine: Routine, synthesizer: CachedSynthesizer, progress: Progress | None = None
) -> Timeline:
    """Speak every text the routine needs (showing progress), then lay out the timeline."""
    # A first pass with rough lengths finds (nearly) every text, so the speech can be made
    # with a known total; the real pass then measures the actual clips.
    texts = expand(routine, lambda text: 60 * len(text)).speech_texts()
    for done, text in enumerate(texts, start=1):
        synthesizer.synthesize(text)
        if progress:
            progress("speech", done, len(texts))
    timeline = expand(routine, synthesizer.length_ms)
    warning = voice_language_warning(routine, str(synthesizer.identity().get("language", "")))
    return replace(timeline, warnings=(warning, *timeline.warnings)) if warning else timeline


def voice_language_warning(routine: Routine, spoken: str) -> str | None:
    """A warning when the routine's voice speaks another language than the routine."""
    language = language_for(routine.speaks)
    if not spoken or routine.voice.name is None or same_language(language, spoken):
        return None
    return (
        f"{routine.voice.where or 'voice.name'}: the voice '{routine.voice.name}' speaks "
        f"'{spoken}', but the routine's language is '{language.tag}' ({language.name}): "
        "its words will be read with another language's sounds"
    )


def plan_routine(
    routine: Routine,
    *,
    cache_dir: Path | str | None = None,
    estimate: bool = False,
    max_minutes: int = limits.MAX_MINUTES,
) -> Timeline:
    """The routine's timeline without audio: speech measured through the cache, or guessed.

    Its length is what a player will play, the codec's last frame included, as the build's.
    """
    check_length(routine, max_minutes)
    audio_format = encode.FORMATS[routine.audio.format]
    if estimate:
        timeline = expand(routine, estimate_measure(routine))
    else:
        cache = ClipCache.at(cache_dir)
        with closing(open_synthesizer(routine, cache)) as synthesizer:
            timeline = with_cache_warning(speak_and_lay_out(routine, synthesizer), cache)
    return fit_to_codec(timeline, audio_format, routine.audio.sample_rate)[0]


def describe_music(routine: Routine, timeline: Timeline, cache_dir: Path | str | None) -> list[str]:
    """Where each track of the bed plays, and where the metronome ticks (for `plan`)."""
    total = sample_at(timeline.duration_ms, routine.audio.sample_rate)
    paths = check_tracks(routine.music, routine.audio)
    tracks = measure_tracks(paths, routine.audio, ClipCache.at(cache_dir), total)
    under = plan_music(routine.music, tracks, timeline, routine.audio, routine.title)
    lines = []
    stretches = under.document.get("music", {}).get("tracks", [])
    if stretches:
        lines.append(
            f"Music: {len(tracks)} track{'s' * (len(tracks) != 1)}, "
            f"{len(stretches)} stretch{'es' * (len(stretches) != 1)}"
        )
        for stretch in stretches:
            start, end = format_clock(stretch["start_ms"]), format_clock(stretch["end_ms"])
            lines.append(f"  {start:>9} - {end:>9}  {stretch['file']}")
    for span in under.document.get("metronome", []):
        lines.append(
            f"Metronome: {format_clock(span['start_ms'])} - {format_clock(span['end_ms'])} "
            f"at {span['bpm']} steps a minute"
        )
    return lines


def with_cache_warning(timeline: Timeline, cache: ClipCache) -> Timeline:
    """The timeline with a warning added when the cache could not be written."""
    if cache.failure is None:
        return timeline
    warning = (
        f"the clip cache at {cache.folder} cannot be written ({cache.failure}); building "
        "without it, so the next build speaks everything again"
    )
    return replace(timeline, warnings=(warning, *timeline.warnings))


def fit_to_codec(
    timeline: Timeline, audio_format: encode.AudioFormat, rate: int
) -> tuple[Timeline, int]:
    """The samples to feed the encoder, and the timeline lengthened to what a player plays.

    The player hears the codec's delay, then what was fed, then the codec's padding:
    feed from that far into the lead-in silence, so each cue is heard at its start_ms.
    """
    fed = sample_at(timeline.duration_ms, rate) - audio_format.delay_samples
    heard = audio_format.heard_samples(fed)
    return timeline.with_duration(max(timeline.duration_ms, round(heard * 1000 / rate))), fed


def describe_audio(audio: AudioSettings, synthesizer: CachedSynthesizer) -> dict[str, Any]:
    """What the JSON sidecar says of how the audio was made."""
    return {
        "format": audio.format,
        "sample_rate": audio.sample_rate,
        "channels": audio.channels,
        "bitrate_kbps": audio.bitrate if audio.format == "mp3" else None,
        "loudness_lufs": audio.target_lufs,
        # the cache keys clips by the identity, where `off` adds nothing; the JSON says it
        "voice": {"clarity": "off", **synthesizer.identity()},
    }


# -- the build ----------------------------------------------------------------------------


def output_path(routine: Routine, options: BuildOptions, audio: AudioSettings) -> Path:
    """Where the session's audio goes: -o, or the output folder with the title's slug."""
    suffix = encode.FORMATS[audio.format].suffix
    return options.output or options.output_dir / f"{slugify(routine.title)}{suffix}"


def routine_inputs(routine: Routine) -> list[Path]:
    """The files a build reads: the routine itself (when it came from a file)."""
    return [Path(routine.source)] if routine.source else []


def build_routine(
    routine: Routine, options: BuildOptions = BuildOptions(), progress: Progress | None = None
) -> BuildResult:
    """Build the session audio and its sidecars from a loaded routine."""
    started = time.perf_counter()
    routine, out_path, fit_path = _check_before_audio(routine, options)
    audio = routine.audio
    audio_format = encode.FORMATS[audio.format]
    rate = audio.sample_rate
    music = None if options.no_music else with_files(routine.music, options.music, ".")
    written = (
        output_files(out_path, True) + fit_path + stem_paths(out_path) + list(options.not_music)
    )
    cache = ClipCache.at(options.cache_dir)
    # every track is found and its start decoded before any speech: a bad one stops us now
    paths = check_tracks(music, audio, written)
    with closing(open_synthesizer(routine, cache)) as synthesizer:
        timeline, fed = fit_to_codec(
            speak_and_lay_out(routine, synthesizer, progress), audio_format, rate
        )
        timeline = with_cache_warning(timeline, cache)
        audio_format.check_size(fed, audio.channels)
        sounds = Sounds(synthesizer, audio, SOUND_BUDGET_BYTES)
        level_sounds(sounds, timeline, audio, cache)
        # each track measured as far as this session plays it, no further
        tracks = measure_tracks(paths, audio, cache, sample_at(timeline.duration_ms, rate))
        under = plan_music(music, tracks, timeline, audio, routine.title)
        layers = [CueLayer(timeline.cues, sounds, rate), *under.layers]
        windows = _windows(layers, audio, fed, progress)
        texts: dict[str, str | bytes] = {}
        if options.sidecars:
            extra = {**describe_audio(audio, synthesizer), **under.document}
            texts = sidecar_texts(timeline, extra)
        if options.fit:
            texts[".fit"] = workout_fit(timeline, routine)
        stems = stem_paths(out_path) if options.stems else []
        files = write_session(
            out_path, windows, audio, texts, timeline, routine, stems, options.cover
        )
    return BuildResult(
        out_path, timeline, synthesizer.stats, time.perf_counter() - started, tuple(files)
    )


def _check_before_audio(
    routine: Routine, options: BuildOptions
) -> tuple[Routine, Path, list[Path]]:
    """Every check that needs no speech: length, settings, where the files go, their size.

    Returns the routine with its settled audio, the audio's path and the FIT's (if any).
    """
    check_length(routine, options.max_minutes)
    audio = settle_audio(routine.audio, options)
    routine = replace(routine, audio=audio)
    out_path = output_path(routine, options, audio)
    fit_path = [out_path.with_suffix(".fit")] if options.fit else []
    check_outputs(
        output_files(out_path, options.sidecars)
        + fit_path
        + (stem_paths(out_path) if options.stems else []),
        routine_inputs(routine),
    )
    check_folder(out_path.parent)
    # the least the session can last already tells whether its file can hold it
    least = sample_at(minimum_duration_ms(routine.items), audio.sample_rate)
    encode.FORMATS[audio.format].check_size(least, audio.channels)
    return routine, out_path, fit_path


def _windows(
    layers: Sequence[Any], audio: AudioSettings, fed: int, progress: Progress | None
) -> Callable[[Mapping[Path, Path]], Iterator[np.ndarray]]:
    """The mix as the encoder is fed it, writing the stems to the parts it is given."""
    audio_format = encode.FORMATS[audio.format]
    rate = audio.sample_rate

    def windows(stem_parts: Mapping[Path, Path]) -> Iterator[np.ndarray]:
        writer = StemWriter(stem_parts, rate, audio.channels) if stem_parts else None
        mixed = mix(
            layers,
            audio_format.delay_samples + fed,
            sample_rate=rate,
            on_window=(lambda done, total: progress("audio", done, total)) if progress else None,
            on_parts=writer,
        )
        try:
            # the encoder adds its own delay ahead of what it is fed: feed from there
            yield from skip_samples(mixed, audio_format.delay_samples)
        finally:
            if writer is not None:
                writer.close()

    return windows


def sidecar_texts(timeline: Timeline, extra: dict[str, Any]) -> dict[str, str | bytes]:
    """The JSON timeline, WebVTT captions and LRC lyrics written beside the audio."""
    document = sidecars.timeline_document(timeline, extra)
    return {
        ".json": sidecars.json_text(document),
        ".vtt": sidecars.vtt_text(timeline),
        ".lrc": sidecars.lrc_text(timeline),
    }


def _build_in_worker(label: str, routine: Routine, options: BuildOptions) -> BuildResult | str:
    try:
        return build_routine(routine, options)
    except VoicecoachError as exc:
        return str(exc)
    except Exception as exc:  # a bug, but one routine's: the run goes on and says which
        return f"{label}: {bug_message(exc)}"


def build_many(
    routines: Sequence[tuple[Path, Routine]], options: BuildOptions, jobs: int
) -> Generator[tuple[Path, BuildResult | str], None, None]:
    """Build several routines, `jobs` at a time in separate processes, in the given order.

    Each routine comes with the path it was read from. Yields each path with its result,
    or the message of the error that stopped it. Two routines that would write the same
    file are refused before anything is built. Should the run be stopped (Ctrl-C, SIGTERM,
    SIGHUP), every worker is stopped too and cleans up its temporary files before the
    exception goes on.
    """
    check_distinct_outputs(routines, options)
    # each worker is handed the routine itself, as read here: nothing is read again
    arguments = [(str(path), routine, options) for path, routine in routines]
    paths = [path for path, _routine in routines]
    outcomes = PoolRunner(jobs).map(_build_in_worker, arguments)
    yield from zip(paths, outcomes, strict=True)


def check_distinct_outputs(routines: Sequence[tuple[Path, Routine]], options: BuildOptions) -> None:
    """Refuse a run in which one routine would write another's files, or read them."""
    writers: dict[Path, Path] = {}
    for path, routine in routines:
        try:
            audio = settle_audio(routine.audio, options)
        except VoicecoachError:
            continue  # reported when that routine is built
        for file in output_files(output_path(routine, options, audio), options.sidecars):
            key = file.resolve()
            if key in writers and writers[key] != path:
                raise ExportError(
                    f"{writers[key]} and {path} would both write {file}; give one of them "
                    "another title or build them one at a time under another output name",
                    option="output",
                )
            writers[key] = path
    for path, _routine in routines:
        if path.resolve() in writers:
            raise ExportError(
                f"{writers[path.resolve()]} would write over {path}, another routine of this run"
            )


def settle_audio(audio: AudioSettings, options: BuildOptions) -> AudioSettings:
    """The routine's audio settings with the command line's on top, checked."""
    changes: dict[str, Any] = {}
    for key, value in options.audio.items():
        if value is None:
            continue
        try:
            changes[key] = audio_value(key, value)
        except ValueError as exc:
            raise VoicecoachError(f"{key}: expected {exc}, found {value!r}", option=key) from None
    if "format" not in changes and options.output is not None:
        by_suffix = {f.suffix: name for name, f in encode.FORMATS.items()}
        if options.output.suffix.lower() in by_suffix:
            changes["format"] = by_suffix[options.output.suffix.lower()]
    settled = replace(audio, **changes)
    suffix = encode.FORMATS[settled.format].suffix
    given = options.output.suffix.lower() if options.output is not None else suffix
    # a name that is no audio file (-o legs.yaml, -o notes.txt) would replace that file
    if given != suffix and given not in SIDECAR_SUFFIXES and options.output is not None:
        raise VoicecoachError(
            f"-o {options.output}: expected a name ending in {suffix} for {settled.format} "
            f"output, found '{given or 'no extension'}'; try -o "
            f"{options.output.with_suffix(suffix) if given else options.output.name + suffix}"
        )
    return settled
