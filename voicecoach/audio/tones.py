"""Short synthesized tones (go, stop, end of rest) with soft edges, from pydub's generators."""

from __future__ import annotations

import warnings

import numpy as np

from voicecoach.routine.model import Tone

TONE_DBFS = -9.0  # sits with espeak's voice, which peaks a few dB below full scale
_FADE_MS = 8


def _pydub_sine(hz: float, length_ms: int, sample_rate: int) -> np.ndarray:
    with warnings.catch_warnings():
        # pydub warns at import when ffmpeg is missing (voicecoach never asks it to run one)
        # and, on Python 3.11-3.12, that the audioop module it uses is deprecated.
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        from pydub.generators import Sine

    segment = Sine(hz, sample_rate=sample_rate, bit_depth=16).to_audio_segment(
        duration=length_ms, volume=TONE_DBFS
    )
    segment = segment.fade_in(_FADE_MS).fade_out(min(length_ms // 2, 4 * _FADE_MS))
    samples = np.array(segment.get_array_of_samples(), dtype=np.float32) / 32768.0
    return samples[: round(length_ms * sample_rate / 1000)]


def synthesize_tone(name: str, tone: Tone, sample_rate: int) -> np.ndarray:
    """The samples of the `go`, `stop` or `rest` tone at `sample_rate`."""
    if name == "stop":
        # two falling notes, so "stop" never sounds like "go"
        first = tone.length_ms // 2
        return np.concatenate(
            [
                _pydub_sine(tone.pitch_hz, first, sample_rate),
                _pydub_sine(tone.pitch_hz * 0.75, tone.length_ms - first, sample_rate),
            ]
        )
    return _pydub_sine(tone.pitch_hz, tone.length_ms, sample_rate)
