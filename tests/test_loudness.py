from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest

from voicecoach.loudness import (
    CEILING_DBTP,
    clip_loudness,
    energy_profile,
    level,
    limit,
    session_loudness,
    true_peak_db,
)

RATE = 44100


def _word(seconds: float, hz: float, amplitude: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    envelope = np.abs(np.sin(np.pi * t / t[-1])) ** 0.5
    return (amplitude * envelope * np.sin(2 * np.pi * hz * t)).astype(np.float32)


@pytest.mark.parametrize("channels", [1, 2])
def test_session_loudness_equals_a_meter_run_over_the_rendered_session(channels: int) -> None:
    rng = np.random.default_rng(3)
    total = RATE * 40
    session = np.zeros(total)
    placements = []
    start = RATE // 2
    while start < total - 3 * RATE:
        word = _word(
            float(rng.uniform(0.15, 2.0)),
            float(rng.uniform(150, 3000)),
            float(rng.uniform(0.05, 0.6)),
        )
        session[start : start + len(word)] += word
        placements.append((start, energy_profile(word, RATE), 1.0))
        start += len(word) + int(rng.integers(RATE // 20, 3 * RATE))
    signal = session if channels == 1 else np.stack([session, session], axis=1)
    expected = pyloudnorm.Meter(RATE).integrated_loudness(signal)
    assert session_loudness(placements, total, RATE, channels) == pytest.approx(expected, abs=0.01)


def test_a_short_word_measures_as_loud_as_a_long_one_of_the_same_sound() -> None:
    t = np.arange(2 * RATE) / RATE
    long_word = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    short_word = long_word[: int(0.2 * RATE)]
    assert clip_loudness(short_word, RATE) == pytest.approx(clip_loudness(long_word, RATE), abs=0.2)


def test_limiter_holds_the_true_peak_and_leaves_quiet_sound_alone() -> None:
    loud = _word(1.0, 700, 2.5)
    limited = limit(loud, RATE)
    assert true_peak_db(limited, RATE) <= CEILING_DBTP + 0.05
    assert np.max(np.abs(np.diff(limited))) < 0.2  # smooth gain: no steps, no clicks
    quiet = _word(1.0, 700, 0.2)
    assert np.array_equal(limit(quiet, RATE), quiet)


def test_level_brings_a_session_to_target_with_every_clip_alike() -> None:
    sounds = {"short": _word(0.25, 500, 0.9), "long": _word(3.0, 300, 0.05)}
    placements = [(RATE * (1 + 2 * n), "short" if n % 2 else "long") for n in range(12)]
    total = RATE * 30
    leveled = level(sounds, placements, total, RATE, 1, -19.0)
    profiles = {key: energy_profile(samples, RATE) for key, samples in leveled.items()}
    measured = session_loudness([(s, profiles[k], 1.0) for s, k in placements], total, RATE, 1)
    assert measured == pytest.approx(-19.0, abs=0.1)
    assert clip_loudness(leveled["short"], RATE) == pytest.approx(
        clip_loudness(leveled["long"], RATE), abs=1.0
    )
    for samples in leveled.values():
        assert true_peak_db(samples, RATE) <= CEILING_DBTP + 0.05
