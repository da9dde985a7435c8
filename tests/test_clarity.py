"""`voice.clarity`: the voice shaped to cut through noise, at the same loudness and peak."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from tests.support.audio import check_session
from voicecoach.cli import main
from voicecoach.errors import VoicecoachError
from voicecoach.routine.loading import load_routine
from voicecoach.routine.model import Voice
from voicecoach.speech.clarity import SHAPES, Clarifying, clarified, processed
from voicecoach.speech.pyttsx3_engine import Pyttsx3Synthesizer

# Piper, the listening test or decoded audio in every test here
pytestmark = pytest.mark.slow

RATE = 22050


def _band_db(samples: np.ndarray, hz: float) -> float:
    """The level of the component at `hz` (a whole number of cycles in the window)."""
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    index = round(hz * len(samples) / RATE)
    return float(20 * np.log10(spectrum[index - 2 : index + 3].max()))


def test_clarity_takes_away_the_low_end_and_lifts_the_consonant_band() -> None:
    t = np.arange(RATE) / RATE
    tones = {80: 0.3, 500: 0.3, 2500: 0.3, 8000: 0.1}
    sound = sum(a * np.sin(2 * np.pi * hz * t) for hz, a in tones.items()).astype(np.float32)
    for setting, low_cut, lift in (("standard", 6.0, 3.0), ("strong", 15.0, 5.0)):
        shaped = clarified(sound, RATE, setting)
        assert len(shaped) == len(sound)
        assert shaped.dtype == np.float32
        middle = slice(RATE // 4, 3 * RATE // 4)  # away from the fades
        change = {hz: _band_db(shaped[middle], hz) - _band_db(sound[middle], hz) for hz in tones}
        # relative to 500 Hz, which the shaping leaves about alone
        assert change[80] - change[500] <= -low_cut, change
        assert change[2500] - change[500] >= lift, change
        assert abs(change[8000] - change[500]) <= 3.0, change
    assert clarified(sound, RATE, "off") is sound
    silent = np.zeros(RATE, dtype=np.float32)
    assert not np.any(clarified(silent, RATE, "strong"))


def test_clarity_lifts_weak_sounds_toward_the_loud_ones() -> None:
    t = np.arange(RATE // 2) / RATE
    loud = 0.5 * np.sin(2 * np.pi * 1000 * t)
    weak = 0.02 * np.sin(2 * np.pi * 1000 * t)
    sound = np.concatenate([loud, weak]).astype(np.float32)

    def ratio_db(samples: np.ndarray) -> float:
        first, second = samples[RATE // 8 : RATE // 4], samples[-RATE // 4 : -RATE // 8]
        return float(20 * np.log10(np.std(second) / np.std(first)))

    before = ratio_db(sound)
    standard = ratio_db(clarified(sound, RATE, "standard"))
    assert standard >= before + 10  # 28 dB apart, then ~6
    # both compress nearly all of it: what is left between them is 28 dB over each ratio
    assert ratio_db(clarified(sound, RATE, "strong")) >= standard + 1.5  # then ~3.5
    assert ratio_db(processed(sound, RATE, replace(SHAPES["standard"], ratio=1.0))) == (
        pytest.approx(before, abs=0.5)  # the shaping alone leaves the levels be
    )


def test_each_setting_is_its_own_voice_to_the_cache(tmp_path: Path) -> None:
    inner = Pyttsx3Synthesizer(Voice(name="en-us"))
    try:
        standard, strong = Clarifying(inner, "standard"), Clarifying(inner, "strong")
        assert len({str(inner.identity()), str(standard.identity()), str(strong.identity())}) == 3
        plain, clear = inner.synthesize("Switch legs."), standard.synthesize("Switch legs.")
        assert abs(len(plain.samples) - len(clear.samples)) < len(plain.samples) // 100

        def low_share(samples: np.ndarray) -> float:  # of the energy, the share under 150 Hz
            power = np.abs(np.fft.rfft(samples)) ** 2
            cut = round(150 * len(samples) / plain.sample_rate)
            return float(power[:cut].sum() / power.sum())

        assert low_share(clear.samples) < 0.5 * low_share(plain.samples)
    finally:
        inner.close()


def test_clarity_is_read_from_the_routine_and_a_bad_value_is_one_line(tmp_path: Path) -> None:
    routine = tmp_path / "r.yaml"
    for written, setting in (
        ("off", "off"),
        ("'off'", "off"),
        ("strong", "strong"),
        ("on", "standard"),
    ):
        routine.write_text(
            f"title: T\nvoice: {{clarity: {written}}}\nexercises: [{{name: A, reps: 2}}]\n"
        )
        assert load_routine(routine).voice.clarity == setting
    routine.write_text("title: T\nexercises: [{name: A, reps: 2}]\n")
    assert load_routine(routine).voice.clarity == "standard"
    routine.write_text("title: T\nvoice:\n  clarity: loud\nexercises: [{name: A, reps: 2}]\n")
    with pytest.raises(VoicecoachError) as caught:
        load_routine(routine)
    assert str(caught.value) == (
        f"{routine}:3: voice.clarity: expected one of standard, strong, off, found 'loud'"
    )


@pytest.mark.parametrize("setting", ["strong", "off"])
def test_a_session_with_clarity_keeps_its_loudness_peak_and_timing(
    tmp_path: Path, setting: str
) -> None:
    routine = tmp_path / "r.yaml"
    routine.write_text(
        f"title: Clear\nvoice: {{clarity: {setting}}}\ndefaults: {{rest: 6s, tempo: 2s}}\n"
        "exercises:\n  - {name: Squats, reps: 4, tips: [Sit back as if into a chair.]}\n"
        "  - {name: Plank, duration: 25s}\n"
    )
    out = tmp_path / "s.mp3"
    result = CliRunner().invoke(main, ["build", "-q", str(routine), "-o", str(out)])
    assert result.exit_code == 0, result.output
    figures = check_session(out)
    assert figures["worst_onset_ms"] <= 20
    assert abs(figures["lufs"] - -19.0) <= 0.5
    assert figures["true_peak_db"] <= -1.0
    voice = json.loads(out.with_suffix(".json").read_text())["voice"]
    assert voice.get("clarity", "off").startswith(setting)
