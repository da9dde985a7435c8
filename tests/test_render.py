from __future__ import annotations

import numpy as np

from voicecoach.audio.dsp import SILENT_WINDOW, WINDOW_SAMPLES, resample, sample_at, to_pcm16
from voicecoach.audio.loudness import true_peak_db
from voicecoach.audio.mix import CueLayer, mix
from voicecoach.timeline import Chapter, Cue, Timeline


def _timeline(cues: list[Cue], duration_ms: int) -> Timeline:
    return Timeline("T", duration_ms, (Chapter("All", 0, duration_ms),), tuple(cues))


def test_streamed_windows_equal_one_straight_mix() -> None:
    rate = 44100
    rng = np.random.default_rng(7)
    cues, sounds = [], {}
    start = 300
    for n in range(40):
        length = int(rng.integers(50, 4000))
        text = f"cue {n}"
        sounds[text] = rng.uniform(-0.5, 0.5, sample_at(length, rate)).astype(np.float32)
        cues.append(Cue(start, start + length, "speech", text, None, "tip"))
        start += length + int(rng.integers(0, 3000))
    timeline = _timeline(cues, start + 500)
    total = sample_at(timeline.duration_ms, rate)
    layer = CueLayer(timeline.cues, lambda cue: sounds[cue.text], rate)
    windows = list(mix([layer], total, sample_rate=rate))
    assert all(len(w) == WINDOW_SAMPLES for w in windows[:-1])
    mixed = np.concatenate(windows)
    expected = np.zeros(sample_at(timeline.duration_ms, rate), dtype=np.float32)
    for cue in cues:
        at = sample_at(cue.start_ms, rate)
        expected[at : at + len(sounds[cue.text])] = sounds[cue.text]
    assert np.array_equal(mixed, expected)
    # starting part-way skips exactly that many samples
    layer = CueLayer(timeline.cues, lambda cue: sounds[cue.text], rate)
    offset = list(mix([layer], total, sample_rate=rate, start_sample=1105))
    assert np.array_equal(np.concatenate(offset), expected[1105:])


def test_pcm_is_limited_not_wrapped_and_stereo_interleaves() -> None:
    pcm = np.frombuffer(to_pcm16(np.array([2.0, -2.0, 0.5], dtype=np.float32), 1), "<i2")
    assert list(pcm) == [32767, -32768, 16384]
    stereo = np.frombuffer(to_pcm16(np.array([0.5, -0.25], dtype=np.float32), 2), "<i2")
    assert list(stereo) == [16384, 16384, -8192, -8192]


def test_resampling_keeps_length_and_pitch() -> None:
    t = np.arange(22050) / 22050
    tone = np.sin(2 * np.pi * 440 * t).astype(np.float32)
    up = resample(tone, 22050, 44100)
    assert abs(len(up) - 44100) <= 1
    spectrum = np.abs(np.fft.rfft(up))
    assert abs(np.argmax(spectrum) * 44100 / len(up) - 440) < 2


def test_two_layers_that_sound_together_are_limited_and_silence_is_shared() -> None:
    rate = 44100
    t = np.arange(rate, dtype=np.float32) / rate
    loud = (0.7 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    cues = [Cue(1_000, 2_000, "speech", "a", None, "tip")]
    first = CueLayer(cues, lambda cue: loud, rate)
    second = CueLayer(cues, lambda cue: loud, rate)
    total = sample_at(8_000, rate)
    mixed = np.concatenate(list(mix([first, second], total, sample_rate=rate)))
    assert np.max(np.abs(loud)) * 2 > 1.0  # the plain sum would clip
    assert true_peak_db(mixed, rate) <= -1.9
    # limited, not silenced: the two together are still louder than one alone
    at = sample_at(1_000, rate)
    assert np.sqrt(np.mean(mixed[at : at + rate] ** 2)) > np.sqrt(np.mean(loud**2))
    windows = list(mix([], total, sample_rate=rate))
    assert windows[0] is SILENT_WINDOW
    assert sum(len(w) for w in windows) == total
