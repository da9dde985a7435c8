"""Run the stages in order: load, plan, synthesize, render, export."""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from voicecoach import export, sidecars
from voicecoach.errors import ExportError, RoutineError, VoicecoachError
from voicecoach.loudness import TONE_OFFSET_DB, level
from voicecoach.render import render, resample, sample_at, sound_key
from voicecoach.routine import AudioSettings, Routine, audio_value, load_routine
from voicecoach.speech import Synthesizer
from voicecoach.speech.cache import CachedSynthesizer, CacheStats, ClipCache
from voicecoach.timeline import Timeline, cue_count, expand, minimum_duration_ms
from voicecoach.tones import synthesize_tone

DEFAULT_MAX_MINUTES = 360
MAX_CUES = 200_000  # a six-hour session at a 1 s tempo has about 22,000

# progress(stage, done, total): stage is "speech" or "audio"
Progress = Callable[[str, int, int], None]


def slugify(title: str) -> str:
    """The title in lower case, words joined by '-', only a-z, 0-9 and '-'."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug or "session"


@dataclass(frozen=True)
class BuildOptions:
    """What a build is asked for besides the routine."""

    output: Path | None = None  # the MP3's path; default output/<slug>.mp3
    output_dir: Path = Path("output")
    cache_dir: Path | None = None
    max_minutes: int = DEFAULT_MAX_MINUTES
    sidecars: bool = True  # the .json timeline and .vtt/.lrc captions beside the MP3
    audio: Mapping[str, Any] = field(default_factory=dict)  # overrides of the routine's audio


@dataclass(frozen=True)
class BuildResult:
    """What a build wrote and what it cost."""

    mp3_path: Path
    timeline: Timeline
    cache: CacheStats
    seconds: float
    files: tuple[Path, ...]

    @property
    def json_path(self) -> Path:
        """Where the JSON timeline is (when sidecars were written)."""
        return self.mp3_path.with_suffix(".json")


def make_synthesizer(routine: Routine) -> Synthesizer:
    """The routine's speech engine (the registry of engines lives here)."""
    from voicecoach.speech.pyttsx3_engine import Pyttsx3Synthesizer

    engines: dict[str, Callable[..., Synthesizer]] = {"pyttsx3": Pyttsx3Synthesizer}
    return engines[routine.voice.engine](routine.voice)


def check_length(routine: Routine, max_minutes: int) -> None:
    """Refuse, by arithmetic alone, a routine longer than `max_minutes` or with too many cues."""
    cues = cue_count(routine.items)
    if cues > MAX_CUES:
        raise RoutineError(
            f"expected at most {MAX_CUES} cues, found a routine of about {cues}; check "
            "'repeat', 'sets' and 'reps'",
            source=routine.source,
        )
    least_ms = minimum_duration_ms(routine.items)
    if least_ms > max_minutes * 60_000:
        raise RoutineError(
            f"expected a session of at most {max_minutes} minutes, found one of at least "
            f"{least_ms // 60_000} minutes; check 'repeat', 'sets' and 'reps', or raise the "
            "limit with --max-minutes",
            source=routine.source,
        )


def check_voice(routine: Routine) -> None:
    """Refuse a voice the engine does not have, before any audio is made."""
    from voicecoach.speech.pyttsx3_engine import voice_for

    voice_for(routine.voice)


def plan(routine: Routine, synthesizer: Synthesizer, progress: Progress | None = None) -> Timeline:
    """Speak every text the routine needs (showing progress), then lay out the timeline."""
    # A first pass with rough lengths finds (nearly) every text, so the speech can be made
    # with a known total; the real pass then measures the actual clips.
    rough = expand(routine, lambda text: 60 * len(text))
    texts = rough.speech_texts()
    for done, text in enumerate(texts, start=1):
        synthesizer.synthesize(text)
        if progress:
            progress("speech", done, len(texts))
    return expand(routine, lambda text: synthesizer.synthesize(text).length_ms)


def build(
    routine_path: str | Path,
    options: BuildOptions = BuildOptions(),
    progress: Progress | None = None,
) -> BuildResult:
    """Build the session audio and its sidecars from a routine file."""
    started = time.perf_counter()
    routine = load_routine(routine_path)
    check_length(routine, options.max_minutes)
    audio = settle_audio(routine.audio, options)
    audio_format = export.FORMATS[audio.format]
    out_path = (
        options.output or options.output_dir / f"{slugify(routine.title)}{audio_format.suffix}"
    )

    cache = ClipCache.at(options.cache_dir)
    synthesizer = CachedSynthesizer(make_synthesizer(routine), cache)
    timeline = plan(replace(routine, audio=audio), synthesizer, progress)

    rate = audio.sample_rate
    # The player hears the codec's delay, then what was fed, then the codec's padding:
    # feed from that far into the lead-in silence, so each cue is heard at its start_ms.
    fed = sample_at(timeline.duration_ms, rate) - audio_format.delay_samples
    heard = audio_format.heard_samples(fed)
    timeline = timeline.with_duration(max(timeline.duration_ms, round(heard * 1000 / rate)))

    sounds: dict[str, np.ndarray] = {}
    for cue in timeline.cues:
        key = sound_key(cue)
        if key not in sounds:
            if cue.kind == "speech":
                clip = synthesizer.synthesize(cue.text)
                sounds[key] = resample(clip.samples, clip.sample_rate, rate)
            else:
                tone = audio.tones.get(cue.cue)
                assert tone is not None
                sounds[key] = synthesize_tone(cue.cue, tone, rate)
    leveled = level(
        sounds,
        {key: cache.analysis(samples, rate) for key, samples in sounds.items()},
        [(cue.start_ms, sound_key(cue)) for cue in timeline.cues],
        timeline.duration_ms,
        rate,
        audio.channels,
        audio.target_lufs,
        offsets_db={key: TONE_OFFSET_DB for key in sounds if key.startswith("tone:")},
    )
    del sounds  # only the leveled sounds are needed from here on
    synthesizer.forget()
    windows = render(
        timeline,
        lambda cue: leveled[sound_key(cue)],
        rate,
        start_sample=audio_format.delay_samples,
        end_sample=audio_format.delay_samples + fed,
        on_window=(lambda done, total: progress("audio", done, total)) if progress else None,
    )
    document = sidecars.timeline_document(
        timeline,
        {
            "format": audio.format,
            "sample_rate": rate,
            "channels": audio.channels,
            "bitrate_kbps": audio.bitrate if audio.format == "mp3" else None,
            "loudness_lufs": audio.target_lufs,
            "voice": synthesizer.identity(),
        },
    )
    texts = {}
    if options.sidecars:
        texts = {
            ".json": sidecars.json_text(document),
            ".vtt": sidecars.vtt_text(timeline),
            ".lrc": sidecars.lrc_text(timeline),
        }
    files = [out_path] + [out_path.with_suffix(suffix) for suffix in texts]
    with ExitStack() as stack:
        parts = {final: stack.enter_context(export.staged(final)) for final in files}
        try:
            with parts[out_path].open("wb") as out:
                audio_format.write(windows, out, audio)
            audio_format.tag(parts[out_path], timeline, routine)
            for suffix, text in texts.items():
                sidecars.write_text(parts[out_path.with_suffix(suffix)], text)
        except OSError as exc:
            raise ExportError(
                f"cannot write {out_path}: {exc.strerror or exc}; nothing was changed"
            ) from None
        # every file is complete: only now replace what was there
        for final, part in parts.items():
            export.publish(part, final)
    return BuildResult(
        out_path, timeline, synthesizer.stats, time.perf_counter() - started, tuple(files)
    )


def _build_in_worker(path: Path, options: BuildOptions) -> BuildResult | str:
    try:
        return build(path, options)
    except VoicecoachError as exc:
        return str(exc)


def build_many(
    paths: Sequence[Path], options: BuildOptions, jobs: int
) -> Iterator[tuple[Path, BuildResult | str]]:
    """Build several routines, `jobs` at a time in separate processes, in the given order.

    Yields each routine with its result, or the message of the error that stopped it.
    """
    if jobs == 1:
        for path in paths:
            yield path, _build_in_worker(path, options)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawn, not fork: espeak-ng and pyttsx3 keep global state that must not be shared
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = [pool.submit(_build_in_worker, path, options) for path in paths]
        for path, future in zip(paths, futures, strict=True):
            yield path, future.result()


def settle_audio(audio: AudioSettings, options: BuildOptions) -> AudioSettings:
    """The routine's audio settings with the command line's on top, checked."""
    changes: dict[str, Any] = {}
    for key, value in options.audio.items():
        if value is None:
            continue
        try:
            changes[key] = audio_value(key, value)
        except ValueError as exc:
            raise VoicecoachError(
                f"--{key.replace('_', '-')}: expected {exc}, found {value!r}"
            ) from None
    if "format" not in changes and options.output is not None:
        by_suffix = {f.suffix: name for name, f in export.FORMATS.items()}
        if options.output.suffix.lower() in by_suffix:
            changes["format"] = by_suffix[options.output.suffix.lower()]
    settled = replace(audio, **changes)
    suffix = export.FORMATS[settled.format].suffix
    given = options.output.suffix.lower() if options.output is not None else suffix
    # any name is taken as it is, except one that says it is the other format
    if given != suffix and given in {f.suffix for f in export.FORMATS.values()}:
        raise VoicecoachError(
            f"-o {options.output}: expected a name ending in {suffix} for {settled.format} "
            f"output, found '{given}'"
        )
    return settled
