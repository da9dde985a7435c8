"""Mix a Timeline's clips into PCM, streamed in fixed windows so memory stays flat."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator

import numpy as np

from voicecoach.timeline import Cue, Timeline

WINDOW_SAMPLES = 1152 * 128  # about 3.3 s at 44.1 kHz; a whole number of MP3 frames
SILENT_WINDOW = np.zeros(WINDOW_SAMPLES, dtype=np.float32)
SILENT_WINDOW.setflags(write=False)


def resample(samples: np.ndarray, source_rate: int, target_rate: int) -> np.ndarray:
    """Change a clip's sample rate with libsoxr (a no-op when the rates agree)."""
    if source_rate == target_rate or len(samples) == 0:
        return samples
    import soxr

    return np.asarray(
        soxr.resample(samples, source_rate, target_rate, quality="HQ"), dtype=np.float32
    )


def sample_at(ms: int, sample_rate: int) -> int:
    """The sample index of a time in ms."""
    return round(ms * sample_rate / 1000)


def render(
    timeline: Timeline,
    sound_of: Callable[[Cue], np.ndarray],
    sample_rate: int,
    *,
    start_sample: int = 0,
    end_sample: int | None = None,
    on_window: Callable[[int, int], None] | None = None,
) -> Iterator[np.ndarray]:
    """Yield the mixed session as float32 mono windows from `start_sample` to `end_sample`."""
    total = sample_at(timeline.duration_ms, sample_rate) if end_sample is None else end_sample
    cues = timeline.cues
    first = 0  # the first cue that may still sound in the current window
    position = start_sample
    while position < total:
        stop = min(position + WINDOW_SAMPLES, total)
        while first < len(cues) and sample_at(cues[first].end_ms, sample_rate) <= position:
            first += 1
        index = first
        if stop - position == WINDOW_SAMPLES and (
            index == len(cues) or sample_at(cues[index].start_ms, sample_rate) >= stop
        ):
            window = SILENT_WINDOW  # most of a session is silence: share one window for it
        else:
            window = np.zeros(stop - position, dtype=np.float32)
        while index < len(cues) and sample_at(cues[index].start_ms, sample_rate) < stop:
            cue = cues[index]
            sound = sound_of(cue)
            begin = sample_at(cue.start_ms, sample_rate)
            lo, hi = max(begin, position), min(begin + len(sound), stop)
            if hi > lo:
                window[lo - position : hi - position] += sound[lo - begin : hi - begin]
            index += 1
        yield window
        if on_window is not None:
            on_window(stop - start_sample, total - start_sample)
        position = stop


def to_pcm16(window: np.ndarray, channels: int, gain: float = 1.0) -> bytes:
    """Float samples (times `gain`) to interleaved 16-bit PCM, limited, never wrapped."""
    if window is SILENT_WINDOW:
        return _silent_pcm(channels)
    pcm = np.clip(window * (gain * 32768), -32768, 32767).astype("<i2")
    if channels == 2:
        pcm = np.repeat(pcm, 2)
    return bytes(pcm.tobytes())


@functools.lru_cache(maxsize=4)
def _silent_pcm(channels: int) -> bytes:
    return bytes(WINDOW_SAMPLES * channels * 2)


def sound_key(cue: Cue) -> str:
    """The name of a cue's sound: speech by its text, tones by their name."""
    return f"{cue.kind}:{cue.text if cue.kind == 'speech' else cue.cue}"
