"""Bring the spoken session to a loudness target (ITU-R BS.1770 / EBU R128) without clipping.

Every clip is first brought to the same loudness of its own (so "one" and a long tip sound
equally loud), then the whole session's gated integrated loudness is computed from where
the clips sit, and one common gain moves it onto the target. A look-ahead limiter keeps each
clip's true peak under the ceiling. Clips never overlap, so limiting each clip limits the mix.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from voicecoach.render import resample

BLOCK_S = 0.4  # BS.1770 gating block
STEP_S = 0.1  # 75 % overlap
ABSOLUTE_GATE = -70.0
RELATIVE_GATE = -10.0
CEILING_DBTP = -2.0  # leaves room for the MP3 encoder's overshoot under -1 dBTP
OVERSAMPLE = 4  # true peak as BS.1770 Annex 2: the peak of a 4x oversampled signal
TONE_OFFSET_DB = -4.0  # tones sit a little under the voice: a beep cuts through easily
_FLOOR = 1e-12
_HOLD_S = 0.020
_SMOOTH_S = 0.008


@functools.lru_cache(maxsize=8)
def _meter(rate: int) -> Any:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pyloudnorm

    return pyloudnorm.Meter(rate)


def clip_loudness(samples: np.ndarray, rate: int) -> float:
    """The loudness (LUFS) of a clip's own sound, however short it is."""
    if len(samples) == 0 or not np.any(samples):
        return -math.inf
    needed = int(BLOCK_S * rate) * 2
    if len(samples) < needed:
        # a word shorter than a gating block is measured as itself, repeated
        samples = np.tile(samples, needed // len(samples) + 1)
    with np.errstate(divide="ignore"):
        return float(_meter(rate).integrated_loudness(samples.astype(np.float64)))


def k_weighted(samples: np.ndarray, rate: int) -> np.ndarray:
    """The clip through pyloudnorm's K-weighting filters (plus a short tail)."""
    padded = np.concatenate([samples.astype(np.float64), np.zeros(int(0.04 * rate))])
    # In silence an IIR filter's state decays into subnormal numbers, which the CPU handles
    # a hundred times slower; a -240 dB alternating floor keeps it normal and changes nothing.
    padded[::2] += _FLOOR
    padded[1::2] -= _FLOOR
    for stage in _meter(rate)._filters.values():  # the meter's own filters, not a copy
        padded = stage.apply_filter(padded)
    return padded


@dataclass(frozen=True)
class Placement:
    """A sound placed at a sample, with the cumulative K-weighted energy of that sound."""

    start: int
    energy: np.ndarray  # cumulative sum of squares of the K-weighted sound, len + 1


def energy_profile(samples: np.ndarray, rate: int) -> np.ndarray:
    """The cumulative K-weighted energy of a sound, for session_loudness."""
    weighted = k_weighted(samples, rate)
    return np.concatenate([[0.0], np.cumsum(weighted * weighted)])


def session_loudness(
    placements: Iterable[tuple[int, np.ndarray, float]], total: int, rate: int, channels: int
) -> float:
    """Gated integrated loudness (LUFS) of a session made of sounds placed in silence.

    `placements` gives each sound's start sample, its energy_profile and a gain factor
    (amplitude). The result equals BS.1770 run over the rendered session, without
    rendering it.
    """
    step = round(STEP_S * rate)
    placed = list(placements)
    end = max([total] + [start + len(energy) for start, energy, _ in placed])
    per_step = np.zeros(end // step + 2)
    for start, energy, gain in placed:
        length = len(energy) - 1
        first, last = start // step, (start + length) // step
        bounds = np.arange(first, last + 2) * step - start
        cumulative = energy[np.clip(bounds, 0, length)]
        per_step[first : last + 1] += np.diff(cumulative) * gain * gain
    blocks_per = round(BLOCK_S / STEP_S)
    count = max(1, (total - round(BLOCK_S * rate)) // step + 1)
    window = np.convolve(per_step, np.ones(blocks_per), mode="valid")[:count]
    z = window / (BLOCK_S * rate) * channels  # identical channels, each weighted 1.0
    with np.errstate(divide="ignore"):
        loudness = -0.691 + 10 * np.log10(z)
    above = z[loudness > ABSOLUTE_GATE]
    if len(above) == 0:
        return -math.inf
    relative = -0.691 + 10 * math.log10(float(np.mean(above))) + RELATIVE_GATE
    gated = z[(loudness > ABSOLUTE_GATE) & (loudness > relative)]
    return -0.691 + 10 * math.log10(float(np.mean(gated)))


def true_peak_db(samples: np.ndarray, rate: int) -> float:
    """The true peak (dBTP) of a sound: the peak of it oversampled four times."""
    chunk, overlap = rate * 10, rate // 100  # in pieces: a long session stays small in memory
    peak = 0.0
    for start in range(0, len(samples), chunk):
        piece = samples[max(0, start - overlap) : start + chunk + overlap].astype(np.float32)
        over = resample(piece, rate, rate * OVERSAMPLE)
        peak = max(peak, float(np.max(np.abs(over))) if len(over) else 0.0)
    return 20 * math.log10(peak) if peak > 0 else -math.inf


def _running_min(values: np.ndarray, radius: int) -> np.ndarray:
    """min(values[n - radius : n + radius + 1]) for every n, in O(n log radius)."""
    width = 2 * radius + 1
    window = np.concatenate([np.full(radius, np.inf), values, np.full(radius, np.inf)])
    span = 1  # invariant: window[n] is the min over [n, n + span) of the padded values
    while span < width:
        step = min(span, width - span)
        window = np.minimum(window, np.concatenate([window[step:], np.full(step, np.inf)]))
        span += step
    result: np.ndarray = window[: len(values)]
    return result


def peak_envelope(samples: np.ndarray, rate: int) -> np.ndarray:
    """Each sample's true-peak magnitude: the largest of its four oversampled neighbours."""
    over = np.abs(resample(samples.astype(np.float32), rate, rate * OVERSAMPLE))
    length = min(len(samples), len(over) // OVERSAMPLE)
    peaks: np.ndarray = np.abs(samples).astype(np.float64)
    peaks[:length] = np.maximum(
        peaks[:length], over[: length * OVERSAMPLE].reshape(length, OVERSAMPLE).max(axis=1)
    )
    return peaks


def limit(
    samples: np.ndarray,
    rate: int,
    ceiling_db: float = CEILING_DBTP,
    peaks: np.ndarray | None = None,
) -> np.ndarray:
    """A look-ahead peak limiter: smooth gain that keeps the true peak under the ceiling.

    `peaks` (the peak_envelope of `samples`) may be passed in when it is already known.
    """
    if len(samples) == 0:
        return samples
    if peaks is None:
        peaks = peak_envelope(samples, rate)
    ceiling = 10 ** (ceiling_db / 20)
    if float(peaks.max()) <= ceiling:
        return samples
    needed = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-9))
    # hold each reduction a little either side, then average it: an average of minima
    # that all include sample n can never exceed what n itself needs
    smooth = max(1, round(_SMOOTH_S * rate))
    held = _running_min(needed, max(smooth, round(_HOLD_S * rate)))
    padded = np.concatenate([[0.0], np.cumsum(np.pad(held, smooth, mode="edge"))])
    width = 2 * smooth + 1
    gain = (padded[width:] - padded[:-width]) / width  # a moving average, in O(n)
    limited: np.ndarray = (samples * np.minimum(gain, needed)).astype(np.float32)
    return limited


def level(
    sounds: Mapping[str, np.ndarray],
    placements: list[tuple[int, str]],
    total: int,
    rate: int,
    channels: int,
    target_lufs: float,
    offsets_db: Mapping[str, float] | None = None,
) -> dict[str, np.ndarray]:
    """Scale and limit every sound so the session measures `target_lufs`.

    `sounds` maps a key to mono samples; `placements` lists (start sample, key) for every
    cue. Each sound is first matched to a common loudness of its own, give or take its
    offset in `offsets_db`.
    """
    offsets = offsets_db or {}
    own = {key: clip_loudness(samples, rate) for key, samples in sounds.items()}
    gains_db = {
        key: (0.0 if math.isinf(value) else target_lufs - value) + offsets.get(key, 0.0)
        for key, value in own.items()
    }
    # a sound's peaks and energy scale with its gain: measure them once, unless limited
    peaks = {key: peak_envelope(samples, rate) for key, samples in sounds.items()}
    base_energy = {key: energy_profile(samples, rate) for key, samples in sounds.items()}
    result: dict[str, np.ndarray] = {}
    shift, slope = 0.0, 1.0  # dB added to every gain, and how much of it was heard
    previous: tuple[float, float] | None = None
    for _ in range(6):
        profiles: dict[str, np.ndarray] = {}
        for key, samples in sounds.items():
            factor = 10 ** ((gains_db[key] + shift) / 20)
            result[key] = limit(samples * factor, rate, peaks=peaks[key] * factor)
            if float(peaks[key].max()) * factor <= 10 ** (CEILING_DBTP / 20):
                profiles[key] = base_energy[key] * (factor * factor)
            else:
                profiles[key] = energy_profile(result[key], rate)
        measured = session_loudness(
            ((start, profiles[key], 1.0) for start, key in placements), total, rate, channels
        )
        if math.isinf(measured) or abs(target_lufs - measured) < 0.05:
            break
        if previous is not None and shift != previous[0]:
            # the limiter takes back part of each raise: step by what was really heard
            slope = min(1.0, max(0.2, (measured - previous[1]) / (shift - previous[0])))
        previous = (shift, measured)
        shift += (target_lufs - measured) / slope
    return result
