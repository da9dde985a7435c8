"""Sample-level helpers every audio stage shares: times to samples, resampling, PCM."""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Hashable

import numpy as np

WINDOW_SAMPLES = 1152 * 128  # about 3.3 s at 44.1 kHz; a whole number of MP3 frames
SILENT_WINDOW = np.zeros(WINDOW_SAMPLES, dtype=np.float32)
SILENT_WINDOW.setflags(write=False)


def sample_at(ms: int, sample_rate: int) -> int:
    """The sample index of a time in ms."""
    return round(ms * sample_rate / 1000)


def resample(samples: np.ndarray, source_rate: int, target_rate: int) -> np.ndarray:
    """Change a sound's sample rate with libsoxr (a no-op when the rates agree)."""
    if source_rate == target_rate or len(samples) == 0:
        return samples
    import soxr

    return np.asarray(
        soxr.resample(samples, source_rate, target_rate, quality="HQ"), dtype=np.float32
    )


def to_pcm16(window: np.ndarray, channels: int, gain: float = 1.0) -> bytes:
    """Float samples (times `gain`) to interleaved 16-bit PCM, limited, never wrapped.

    A mono window is copied to every channel; a stereo one is (samples, 2).
    """
    if window is SILENT_WINDOW:
        return _silent_pcm(channels)
    pcm = np.clip(window * (gain * 32768), -32768, 32767).astype("<i2")
    if channels == 2 and pcm.ndim == 1:
        pcm = np.repeat(pcm, 2)
    return bytes(pcm.tobytes())


@functools.lru_cache(maxsize=4)
def _silent_pcm(channels: int) -> bytes:
    return bytes(WINDOW_SAMPLES * channels * 2)


class ArrayBank:
    """Arrays kept by key within a memory budget, the least recently used let go first."""

    def __init__(self, budget_bytes: int) -> None:
        self.budget_bytes = budget_bytes
        self._kept: OrderedDict[Hashable, np.ndarray] = OrderedDict()
        self._bytes = 0

    def get(self, key: Hashable) -> np.ndarray | None:
        """The array kept under `key`, or None."""
        found = self._kept.get(key)
        if found is not None:
            self._kept.move_to_end(key)
        return found

    def put(self, key: Hashable, array: np.ndarray) -> np.ndarray:
        """Keep `array` under `key` (always at least the latest one); return it."""
        self._kept[key] = array
        self._bytes += array.nbytes
        while self._bytes > self.budget_bytes and len(self._kept) > 1:
            _, dropped = self._kept.popitem(last=False)
            self._bytes -= dropped.nbytes
        return array
