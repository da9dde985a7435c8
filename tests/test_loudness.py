from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest

from voicecoach.audio.loudness import (
    CEILING_DBTP,
    LoudnessMeter,
    analyze,
    clip_loudness,
    gains,
    k_filter_coefficients,
    k_weighted,
    leveled,
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
    total_ms = 40_000
    session = np.zeros(total_ms * RATE // 1000)
    placements = []
    start_ms = 500
    while start_ms < total_ms - 3_000:
        word = _word(
            float(rng.uniform(0.15, 2.0)),
            float(rng.uniform(150, 3000)),
            float(rng.uniform(0.05, 0.6)),
        )
        at = round(start_ms * RATE / 1000)
        session[at : at + len(word)] += word
        placements.append((start_ms, analyze(word, RATE).energy_ms, 1.0))
        start_ms += len(word) * 1000 // RATE + int(rng.integers(60, 3000))
    signal = session if channels == 1 else np.stack([session, session], axis=1)
    expected = pyloudnorm.Meter(RATE).integrated_loudness(signal)
    measured = session_loudness(placements, total_ms, RATE, channels)
    assert measured == pytest.approx(expected, abs=0.02)


def test_a_short_word_measures_as_loud_as_a_long_one_of_the_same_sound() -> None:
    t = np.arange(2 * RATE) / RATE
    long_word = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    short_word = long_word[: int(0.2 * RATE)]
    assert clip_loudness(short_word, RATE) == pytest.approx(clip_loudness(long_word, RATE), abs=0.2)


def test_limiter_holds_the_true_peak_and_leaves_quiet_sound_alone() -> None:
    loud = _word(1.0, 700, 2.5)
    limited = leveled(loud, 1.0, RATE)  # the limiter every sound goes through
    assert true_peak_db(limited, RATE) <= CEILING_DBTP + 0.05
    assert np.max(np.abs(np.diff(limited))) < 0.2  # smooth gain: no steps, no clicks
    quiet = _word(1.0, 700, 0.2)
    assert np.array_equal(leveled(quiet, 1.0, RATE), quiet)


def test_level_brings_a_session_to_target_with_every_clip_alike() -> None:
    sounds = {"short": _word(0.25, 500, 0.9), "long": _word(3.0, 300, 0.05)}
    analyses = {key: analyze(samples, RATE) for key, samples in sounds.items()}
    placements = [(1000 + 4000 * n, "short" if n % 2 else "long") for n in range(12)]
    total_ms = 50_000
    found = gains(analyses, placements, total_ms, RATE, 1, -19.0)
    result = {key: leveled(samples, found[key], RATE) for key, samples in sounds.items()}
    # render the session for real and measure it with pyloudnorm itself
    session = np.zeros(total_ms * RATE // 1000)
    for start_ms, key in placements:
        at = round(start_ms * RATE / 1000)
        session[at : at + len(result[key])] += result[key]
    assert pyloudnorm.Meter(RATE).integrated_loudness(session) == pytest.approx(-19.0, abs=0.2)
    assert clip_loudness(result["short"], RATE) == pytest.approx(
        clip_loudness(result["long"], RATE), abs=1.0
    )
    for samples in result.values():
        assert true_peak_db(samples, RATE) <= CEILING_DBTP + 0.05


@pytest.mark.parametrize("rate", [32000, 44100, 48000])
def test_k_weighting_is_pyloudnorms(rate: int) -> None:
    meter = pyloudnorm.Meter(rate)
    theirs = [(stage.b, stage.a) for stage in meter._filters.values()]
    for (b, a), (their_b, their_a) in zip(k_filter_coefficients(rate), theirs, strict=True):
        assert np.allclose(b, their_b, rtol=1e-12)
        assert np.allclose(a, their_a, rtol=1e-12)
    noise = np.random.default_rng(rate).standard_normal(rate * 3) * 0.1
    expected = noise
    for stage in meter._filters.values():
        expected = stage.apply_filter(expected)
    assert np.max(np.abs(k_weighted(noise, rate)[: len(noise)] - expected)) < 1e-9
    assert clip_loudness(noise, rate) == pytest.approx(meter.integrated_loudness(noise), abs=1e-6)


@pytest.mark.parametrize("rate", [22050, 44100, 48000])
def test_a_long_sound_fed_in_any_chunks_measures_as_a_whole(rate: int) -> None:
    rng = np.random.default_rng(rate)
    # loud, quiet, silent and in between: the gates have work to do
    parts = [(0.3, 3.0), (0.02, 4.0), (0.0, 1.5), (0.1, 2.3)]
    mono = np.concatenate([a * rng.standard_normal(int(s * rate)) for a, s in parts])
    stereo = np.stack([mono, 0.5 * mono], axis=1).astype(np.float32)
    expected = pyloudnorm.Meter(rate).integrated_loudness(stereo.astype(np.float64))
    meter = LoudnessMeter(rate)
    at = 0
    while at < len(stereo):  # chunks of every size, most not a 100 ms step long
        size = int(rng.integers(1, rate))
        meter.feed(stereo[at : at + size])
        at += size
    assert meter.frames == len(stereo)
    assert meter.loudness() == pytest.approx(expected, abs=0.01)
    assert LoudnessMeter(rate).loudness() == float("-inf")
