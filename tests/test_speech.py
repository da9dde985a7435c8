"""The real engine: pyttsx3 over the bundled espeak-ng (no system espeak needed)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from voicecoach.errors import SpeechError
from voicecoach.routine.model import Voice
from voicecoach.speech import SILENCE_THRESHOLD, trim_silence
from voicecoach.speech.pyttsx3_engine import Pyttsx3Synthesizer, list_voices, resolve_voice


@pytest.fixture(scope="module")
def us() -> Iterator[Pyttsx3Synthesizer]:
    synthesizer = Pyttsx3Synthesizer(Voice(name="en-us", rate=165))
    yield synthesizer
    synthesizer.close()


def test_speech_is_real_and_trimmed(us: Pyttsx3Synthesizer) -> None:
    clip = us.synthesize("Rest for thirty seconds.")
    samples = clip.samples
    assert clip.sample_rate == 22050
    assert 0.8 < len(samples) / clip.sample_rate < 3.0
    assert np.max(np.abs(samples)) > 0.2
    loud = np.flatnonzero(np.abs(samples) >= SILENCE_THRESHOLD)
    # sound begins within 2 ms of the clip's start and ends within 10 ms of its end
    assert loud[0] <= clip.sample_rate * 0.002
    assert len(samples) - loud[-1] <= clip.sample_rate * 0.010
    assert samples[0] == 0.0  # faded in: no click


def test_long_text_is_spoken_to_the_end(us: Pyttsx3Synthesizer) -> None:
    # pyttsx3 returns before espeak finishes: a long text proves the wait works
    text = " ".join(["Keep your knees over your toes and push up through your heels."] * 4)
    clip = us.synthesize(text)
    assert len(clip.samples) / clip.sample_rate > 12


def test_rate_and_voice_apply(us: Pyttsx3Synthesizer) -> None:
    slow = Pyttsx3Synthesizer(Voice(name="en-us", rate=100))
    text = "Switch to your right leg."
    slow_len = len(slow.synthesize(text).samples)
    fast_len = len(us.synthesize(text).samples)
    assert slow_len > 1.3 * fast_len
    assert us.identity() == {
        "engine": "pyttsx3",
        "voice": "gmw/en-us",
        "language": "en-us",
        "rate": 165,
        "volume": 1.0,
    }
    slow.close()


def test_voices_resolve_by_id_language_or_name() -> None:
    assert resolve_voice("en-us").id == "gmw/en-us"
    assert resolve_voice("gmw/en-us").id == "gmw/en-us"
    assert resolve_voice("English (America)").id == "gmw/en-us"
    assert resolve_voice("de").language == "de"
    assert len(list_voices()) > 50


def test_unknown_voice_lists_close_ones() -> None:
    with pytest.raises(SpeechError) as caught:
        resolve_voice("en-uss")
    message = str(caught.value)
    assert message.startswith("expected a voice that espeak-ng has, found 'en-uss'; close ones: ")
    assert "en-us" in message
    assert message.endswith("run 'voicecoach voices' to list them all")


def test_trim_silence_of_pure_silence_is_empty() -> None:
    assert len(trim_silence(np.zeros(1000, dtype=np.float32), 22050)) == 0
