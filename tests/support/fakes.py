"""Small fakes that record their calls: a synthesizer of tones and an engine of them."""

from __future__ import annotations

import math

import numpy as np

from voicecoach.errors import SpeechError
from voicecoach.speech import Clip, Voice, VoiceInfo


class FakeSynthesizer:
    """Speaks nothing: a tone 40 ms per character, and a record of every call."""

    rate = 22050

    def __init__(self, ms_per_char: int = 40) -> None:
        self.ms_per_char = ms_per_char
        self.calls: list[str] = []

    def identity(self) -> dict[str, object]:
        return {"engine": "fake", "ms_per_char": self.ms_per_char}

    def close(self) -> None:
        pass

    def synthesize(self, text: str) -> Clip:
        self.calls.append(text)
        n = math.ceil(len(text) * self.ms_per_char * self.rate / 1000)
        t = np.arange(n, dtype=np.float32) / self.rate
        return Clip((0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), self.rate)


class FakeEngine:
    """An engine that speaks tones (see FakeSynthesizer): a build without espeak."""

    def __init__(self) -> None:
        self.opened: list[FakeSynthesizer] = []
        self.closed = 0

    def voices(self) -> list[VoiceInfo]:
        return [VoiceInfo("fake/beep", "Beeper", "xx")]

    def check(self, voice: Voice) -> None:
        if voice.name not in (None, "beep"):
            raise SpeechError(f"expected the voice 'beep', found '{voice.name}'")

    def open(self, voice: Voice) -> FakeSynthesizer:
        engine = self

        class Opened(FakeSynthesizer):
            def close(self) -> None:
                engine.closed += 1

        synthesizer = Opened()
        self.opened.append(synthesizer)
        return synthesizer
