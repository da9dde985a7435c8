"""Mix the session's layers into PCM, window by window, so memory stays flat.

A layer is a source of samples over time (the speech and tones now; a music bed and a
metronome later). Each window asks every layer for its samples; the mixer sums them, and
where two layers sound at once a look-ahead limiter holds the sum's true peak down. A
single layer is limited by its own maker (each speech clip is limited when it is leveled).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

import numpy as np

from voicecoach.dsp import SILENT_WINDOW, WINDOW_SAMPLES, sample_at
from voicecoach.timeline import Cue


class Layer(Protocol):
    """Something that sounds over the session."""

    def window(self, start_sample: int, stop_sample: int) -> np.ndarray | None:
        """Its float32 mono samples in [start, stop), or None where it is silent."""
        ...


class CueLayer:
    """The timeline's cues (speech and tones), each its sound placed at its start."""

    def __init__(
        self, cues: Sequence[Cue], sound_of: Callable[[Cue], np.ndarray], sample_rate: int
    ) -> None:
        self.cues = cues
        self.sound_of = sound_of
        self.sample_rate = sample_rate
        self._first = 0  # the first cue that may still sound; windows come in order

    def window(self, start_sample: int, stop_sample: int) -> np.ndarray | None:
        """The cues sounding in [start, stop), mixed."""
        cues, rate = self.cues, self.sample_rate
        while self._first < len(cues) and sample_at(cues[self._first].end_ms, rate) <= start_sample:
            self._first += 1
        index = self._first
        window: np.ndarray | None = None
        while index < len(cues) and sample_at(cues[index].start_ms, rate) < stop_sample:
            cue = cues[index]
            sound = self.sound_of(cue)
            begin = sample_at(cue.start_ms, rate)
            lo, hi = max(begin, start_sample), min(begin + len(sound), stop_sample)
            if hi > lo:
                if window is None:
                    window = np.zeros(stop_sample - start_sample, dtype=np.float32)
                window[lo - start_sample : hi - start_sample] += sound[lo - begin : hi - begin]
            index += 1
        return window


def mix(
    layers: Sequence[Layer],
    total_samples: int,
    *,
    sample_rate: int,
    start_sample: int = 0,
    on_window: Callable[[int, int], None] | None = None,
) -> Iterator[np.ndarray]:
    """Yield the layers summed as float32 mono windows from `start_sample` to `total_samples`."""
    position = start_sample
    while position < total_samples:
        stop = min(position + WINDOW_SAMPLES, total_samples)
        parts = [part for layer in layers if (part := layer.window(position, stop)) is not None]
        if not parts:
            # most of a session is silence: share one window for it
            window = (
                SILENT_WINDOW
                if stop - position == WINDOW_SAMPLES
                else np.zeros(stop - position, dtype=np.float32)
            )
        elif len(parts) == 1:
            window = parts[0]
        else:
            window = _limit_sum(np.add.reduce(parts, dtype=np.float32), sample_rate)
        yield window
        if on_window is not None:
            on_window(stop - start_sample, total_samples - start_sample)
        position = stop


def _limit_sum(window: np.ndarray, sample_rate: int) -> np.ndarray:
    """Two layers summed can peak above either: hold the sum under the ceiling."""
    from voicecoach.loudness import limit

    return limit(window, sample_rate)
