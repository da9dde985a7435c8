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

from voicecoach.audio.dsp import SILENT_WINDOW, WINDOW_SAMPLES, sample_at
from voicecoach.audio.loudness import limiter_gain, peak_envelope
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
    on_parts: Callable[[int, int, list[np.ndarray | None]], None] | None = None,
) -> Iterator[np.ndarray]:
    """Yield the layers summed, window by window, from `start_sample` to `total_samples`.

    Windows are float32, (n,) when every layer is mono, else (n, 2). Where two layers
    sound at once the sum goes through a look-ahead limiter that sees a little of the
    windows either side, so a peak at a window's edge is held as smoothly as any other.
    `on_parts` sees each window's layers before they are summed (for stems).
    """
    sums = _sums(layers, total_samples, start_sample, on_parts)
    position = start_sample
    before: np.ndarray | None = None
    current = next(sums, None)
    while current is not None:
        following = next(sums, None)
        window, layered = current
        if layered:
            after = following[0] if following is not None else None
            window = _limit_in_context(window, before, after, sample_rate)
        yield window
        position += len(current[0])
        if on_window is not None:
            on_window(position - start_sample, total_samples - start_sample)
        before = current[0][-LIMITER_CONTEXT:]
        current = following


LIMITER_CONTEXT = 4096  # samples either side the limiter sees: more than its hold and smoothing
_NEAR_CEILING = 10 ** (-5.0 / 20)  # a sum with no sample above this needs no limiter


def _sums(
    layers: Sequence[Layer],
    total_samples: int,
    position: int,
    on_parts: Callable[[int, int, list[np.ndarray | None]], None] | None,
) -> Iterator[tuple[np.ndarray, bool]]:
    while position < total_samples:
        stop = min(position + WINDOW_SAMPLES, total_samples)
        every = [layer.window(position, stop) for layer in layers]
        if on_parts is not None:
            on_parts(position, stop, every)
        window = summed(every)
        if window is None:
            # most of a session is silence: share one window for it
            window = (
                SILENT_WINDOW
                if stop - position == WINDOW_SAMPLES
                else np.zeros(stop - position, dtype=np.float32)
            )
        yield window, sum(part is not None for part in every) > 1
        position = stop


def summed(parts: Sequence[np.ndarray | None]) -> np.ndarray | None:
    """Layers' windows added up (stereo if any is), or None when none sounds."""
    sounding = [part for part in parts if part is not None]
    if len(sounding) <= 1:
        return sounding[0] if sounding else None
    if any(part.ndim == 2 for part in sounding):
        total = np.zeros((len(sounding[0]), 2), dtype=np.float32)
        for part in sounding:
            total += part if part.ndim == 2 else part[:, None]
        return total
    added: np.ndarray = np.add.reduce(sounding, dtype=np.float32)
    return added


def _limit_in_context(
    window: np.ndarray, before: np.ndarray | None, after: np.ndarray | None, sample_rate: int
) -> np.ndarray:
    """Hold the sum of layers under the ceiling, its gain shaped with its neighbours in view.

    Only the stretches with a sample near the ceiling (and a context either side) are
    analysed: elsewhere the limiter would not act, and its 4x oversampling is costly.
    """
    parts = [_as_shape(p, window) for p in (before, window, after) if p is not None]
    lead = len(parts[0]) if before is not None else 0
    if after is not None:
        parts[-1] = parts[-1][:LIMITER_CONTEXT]
    region = np.concatenate(parts) if len(parts) > 1 else window
    magnitude = np.abs(region) if region.ndim == 1 else np.abs(region).max(axis=1)
    hot = np.flatnonzero(magnitude >= _NEAR_CEILING)
    if len(hot) == 0:
        return window
    breaks = np.flatnonzero(np.diff(hot) > 2 * LIMITER_CONTEXT)
    firsts = np.concatenate([hot[:1], hot[breaks + 1]])
    lasts = np.concatenate([hot[breaks], hot[-1:]])
    gain: np.ndarray | None = None
    for first, last in zip(firsts, lasts, strict=True):
        lo = max(0, int(first) - LIMITER_CONTEXT)
        hi = min(len(region), int(last) + LIMITER_CONTEXT + 1)
        if hi <= lead or lo >= lead + len(window):
            continue
        columns = region[lo:hi].reshape(hi - lo, -1)
        peaks = np.max(
            [peak_envelope(columns[:, c], sample_rate) for c in range(columns.shape[1])], axis=0
        )
        found = limiter_gain(peaks, sample_rate)
        if found is None:
            continue
        if gain is None:
            gain = np.ones(len(region), dtype=np.float32)
        gain[lo:hi] = np.minimum(gain[lo:hi], found)
    if gain is None:
        return window
    own = gain[lead : lead + len(window)]
    limited: np.ndarray = (window * (own if window.ndim == 1 else own[:, None])).astype(np.float32)
    return limited


def _as_shape(part: np.ndarray, like: np.ndarray) -> np.ndarray:
    if part.ndim == like.ndim:
        return part
    return np.repeat(part[:, None], 2, axis=1) if like.ndim == 2 else part.mean(axis=1)
