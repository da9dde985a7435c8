"""Clarity: the voice shaped to be heard over traffic and breath, at the same loudness.

Two steps, both on the clip as the engine made it and before leveling (which then brings
every clip to the session's loudness and keeps the true peak under the ceiling, as ever):

1. Spectral shaping. Energy below about 200 Hz masks nothing a listener needs to tell words
   apart and costs loudness, so it is taken away (12 dB an octave under 200 Hz); the band
   where consonants live, 1-4 kHz, is lifted by a broad bell (4 dB at 2.5 kHz, 2.2 octaves
   wide at half height; `strong`: 8 dB, its low cut at 250 Hz). The filter is zero-phase, applied
   to the whole clip at once in the frequency domain: clips are short, and no phase
   shift smears a consonant's onset.
2. Fast compression, as SSDRC's: a short RMS envelope (1 ms, under a pitch period) drives
   a gain by a static input-output curve (5:1 above 30 dB under the clip's loudest
   millisecond, worked out every millisecond), which pulls the loud vowels down
   toward the weak consonants and syllable ends; leveling then raises the clip as a whole,
   so the weak parts come up toward the vowels' level. Below a floor (50 dB under: breath,
   the engine's hiss) nothing is lifted.

`standard` is on by default; `strong` compresses more, for loud places; `off` leaves the
voice as the engine made it. Both engines' voices take the same numbers. Tones and music
never pass through here.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from voicecoach.speech.engine import FADE_IN_MS, FADE_OUT_MS, Clip, Synthesizer

CLARITY_VERSION = 6
SETTINGS = ("standard", "strong", "off")


@dataclass(frozen=True)
class Shape:
    """One setting's numbers."""

    high_pass_hz: float  # the low cut's corner (12 dB an octave below it)
    lift_db: float  # the bell's height at its centre
    lift_hz: float  # the bell's centre
    lift_octaves: float  # the bell's width (its half-height width, in octaves)
    threshold_db: float  # compression above this, relative to the clip's loudest envelope
    ratio: float
    floor_db: float  # below this (relative to the loudest) the gain is the threshold's
    envelope_ms: float = 10.0  # the power envelope's window
    smooth_ms: float = 5.0  # the gain's smoothing


# tuned with bench/intelligibility.py (the Hurricane-style measure: the same masker for off
# and standard at equal loudness, the 50 % point of a phrase recogniser's curve) over the
# seed and two starters, and with bench/clarity_sweep.py (the quicker loop): a short
# envelope and a strong static curve (5:1 from 30 dB under the clip's loudest) lift the
# weak parts toward the vowels, as SSDRC's compression does, and move the curve in babble
# most; slower speech, longer word gaps, a steeper HF shelf, formant sharpening, multi-band
# compression, peak clipping and a flattened spectrum moved nothing more or cost the quiet
# room, so they are not here; a gentler bell (4 dB, not 8) keeps ESTOI up. Version 6: a
# 1 ms envelope (was 3 ms, the gain smoothed over 2) moves the curve as far and keeps every
# cue in a quiet room; a steeper cut at 300 Hz kept the quiet room too but cost ESTOI.
# `strong` compresses harder still (8:1 from 35 dB under, on a 2 ms envelope)
SHAPES = {
    "standard": Shape(200.0, 4.0, 2500.0, 2.2, -30.0, 5.0, -50.0, 1.0, 1.0),
    "strong": Shape(250.0, 8.0, 2500.0, 2.2, -35.0, 8.0, -50.0, 2.0, 2.0),
}


def clarified(samples: np.ndarray, rate: int, setting: str) -> np.ndarray:
    """`samples` (mono float32) with the clarity processing of `setting`, same length."""
    shape = SHAPES.get(setting)
    if shape is None:
        return samples
    return processed(samples, rate, shape)


def processed(samples: np.ndarray, rate: int, shape: Shape) -> np.ndarray:
    """`samples` (mono float32) shaped, then compressed if `shape` compresses."""
    if len(samples) == 0:
        return samples
    shaped = _shaped(samples.astype(np.float64), rate, shape)
    if shape.ratio > 1:
        shaped = _compressed(shaped, rate, shape)
    return _faded(shaped, rate).astype(np.float32)


def _shaped(samples: np.ndarray, rate: int, shape: Shape) -> np.ndarray:
    pad = int(0.05 * rate)  # room for the filter's short ringing either side
    size = _fast_size(len(samples) + 2 * pad)
    spectrum = np.fft.rfft(np.pad(samples, (pad, 0)), size)
    spectrum *= _gain(shape, rate, size)
    out: np.ndarray = np.fft.irfft(spectrum, size)[pad : pad + len(samples)]
    return out


def _fast_size(n: int) -> int:
    """The least length of at least `n` with no prime factor over 5: FFTs of it are quick."""
    best = 1 << (n - 1).bit_length()
    fives = 1
    while fives < best:
        threes = fives
        while threes < best:
            twos = threes
            while twos < n:
                twos *= 2
            best = min(best, twos)
            threes *= 3
        fives *= 5
    return best


@functools.lru_cache(maxsize=16)
def _curve(shape: Shape, rate: int) -> tuple[np.ndarray, np.ndarray]:
    """The shaping's gain at 8193 frequencies from 0 to `rate`/2 (drawn between them)."""
    f = np.linspace(0, rate / 2, 8193)
    ratio = f / shape.high_pass_hz
    low_cut = ratio**2 / np.sqrt(1 + ratio**4)  # a 2nd-order Butterworth's magnitude
    octaves = np.log2(np.maximum(f, 1.0) / shape.lift_hz)
    bell = shape.lift_db * np.exp(-0.5 * (octaves / (shape.lift_octaves / 2.355)) ** 2)
    return f, low_cut * 10 ** (bell / 20)


def _gain(shape: Shape, rate: int, size: int) -> np.ndarray:
    f, gain = _curve(shape, rate)
    drawn: np.ndarray = np.interp(np.fft.rfftfreq(size, 1 / rate), f, gain)
    return drawn


def _moving_mean(values: np.ndarray, width: int) -> np.ndarray:
    """The centred mean of `values` over `width` samples (the edges held out beyond)."""
    width = max(1, width)
    half = width // 2
    padded = np.pad(values, (half, width - half), mode="edge")
    cumulative = np.cumsum(padded)
    means: np.ndarray = (cumulative[width:] - cumulative[:-width])[: len(values)] / width
    return means


def _compressed(samples: np.ndarray, rate: int, shape: Shape) -> np.ndarray:
    power = _moving_mean(samples * samples, max(1, round(shape.envelope_ms * rate / 1000)))
    # the gain moves no faster than a few ms: worked out every millisecond, drawn between
    step = max(1, rate // 1000)
    grid = np.arange(0, len(samples), step)
    with np.errstate(divide="ignore"):
        level = 10 * np.log10(power[grid])
    top = float(np.max(level))
    if not np.isfinite(top):
        return samples
    relative = np.maximum(level - top, shape.floor_db)
    over = np.maximum(relative - shape.threshold_db, 0.0)
    gain_db = _moving_mean(-over * (1 - 1 / shape.ratio), max(1, round(shape.smooth_ms)))
    gain = np.interp(np.arange(len(samples)), grid, 10 ** (gain_db / 20))
    out: np.ndarray = samples * gain
    return out


def _faded(samples: np.ndarray, rate: int) -> np.ndarray:
    fade_in = min(len(samples), max(1, FADE_IN_MS * rate // 1000))
    fade_out = min(len(samples), max(1, FADE_OUT_MS * rate // 1000))
    samples[:fade_in] *= np.linspace(0, 1, fade_in)
    samples[len(samples) - fade_out :] *= np.linspace(1, 0, fade_out)
    return samples


class Clarifying:
    """A Synthesizer whose clips come out with the clarity processing of one setting.

    It sits under the clip cache: the setting is part of its identity, so the cache keeps
    each setting's clips apart.
    """

    def __init__(self, inner: Synthesizer, setting: str) -> None:
        self.inner = inner
        self.setting = setting

    def identity(self) -> dict[str, object]:
        """The inner identity and the setting (with the chain's version)."""
        return {**self.inner.identity(), "clarity": f"{self.setting}/{CLARITY_VERSION}"}

    def synthesize(self, text: str) -> Clip:
        """Speak `text`, then shape it."""
        clip = self.inner.synthesize(text)
        return Clip(clarified(clip.samples, clip.sample_rate, self.setting), clip.sample_rate)

    def close(self) -> None:
        """Close the inner synthesizer."""
        self.inner.close()
