"""Run the stages in order: load, plan, synthesize, render, export."""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from voicecoach import export, sidecars
from voicecoach.errors import RoutineError
from voicecoach.render import render, resample, sample_at, sounds_for
from voicecoach.routine import Routine, load_routine
from voicecoach.speech import Synthesizer
from voicecoach.speech.cache import CachedSynthesizer, CacheStats, ClipCache, default_cache_dir
from voicecoach.timeline import Timeline, expand, minimum_duration_ms
from voicecoach.tones import synthesize_tone

DEFAULT_MAX_MINUTES = 360

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
    """Refuse, by arithmetic alone, a routine longer than `max_minutes`."""
    least_ms = minimum_duration_ms(routine.items)
    if least_ms > max_minutes * 60_000:
        raise RoutineError(
            f"expected a session of at most {max_minutes} minutes, found one of at least "
            f"{least_ms // 60_000} minutes; check 'repeat', 'sets' and 'reps', or raise the "
            "limit with --max-minutes",
            source=routine.source,
        )


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
    """Build the session MP3 and its JSON timeline from a routine file."""
    started = time.perf_counter()
    routine = load_routine(routine_path)
    check_length(routine, options.max_minutes)
    mp3_path = options.output or options.output_dir / f"{slugify(routine.title)}.mp3"

    cache = ClipCache(options.cache_dir or default_cache_dir())
    synthesizer = CachedSynthesizer(make_synthesizer(routine), cache)
    timeline = plan(routine, synthesizer, progress)

    audio = routine.audio
    rate = audio.sample_rate
    fed = sample_at(timeline.duration_ms, rate) - export.CODEC_DELAY_SAMPLES
    # what a player plays: the delay, then what was fed, then LAME's padding (silence)
    heard = export.decoded_samples(fed)
    timeline = timeline.with_duration(max(timeline.duration_ms, round(heard * 1000 / rate)))

    clips = {}
    for text in timeline.speech_texts():
        clip = synthesizer.synthesize(text)
        clips[text] = resample(clip.samples, clip.sample_rate, rate)
    tones = (
        {name: synthesize_tone(name, audio.tones, rate) for name in ("go", "stop")}
        if audio.tones.enabled
        else {}
    )
    windows = render(
        timeline,
        sounds_for(clips, tones),
        rate,
        # the decoder plays everything CODEC_DELAY_SAMPLES late: start that far in, so the
        # listener hears each cue at its start_ms (the lead-in silence is what is skipped)
        start_sample=export.CODEC_DELAY_SAMPLES,
        end_sample=export.CODEC_DELAY_SAMPLES + fed,
        on_window=(lambda done, total: progress("audio", done, total)) if progress else None,
    )
    document = sidecars.timeline_document(
        timeline,
        {
            "sample_rate": rate,
            "channels": audio.channels,
            "bitrate_kbps": audio.bitrate,
            "format": "mp3",
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
    files = [mp3_path] + [mp3_path.with_suffix(suffix) for suffix in texts]
    with ExitStack() as stack:
        parts = {final: stack.enter_context(export.staged(final)) for final in files}
        with parts[mp3_path].open("wb") as out:
            export.encode_mp3(
                windows, out, sample_rate=rate, channels=audio.channels, bitrate=audio.bitrate
            )
        export.write_tags(parts[mp3_path], timeline, routine)
        for suffix, text in texts.items():
            sidecars.write_text(parts[mp3_path.with_suffix(suffix)], text)
        # every file is complete: only now replace what was there
        for final, part in parts.items():
            export.publish(part, final)
    return BuildResult(
        mp3_path, timeline, synthesizer.stats, time.perf_counter() - started, tuple(files)
    )
