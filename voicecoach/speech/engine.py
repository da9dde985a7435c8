"""What every speech engine is and makes: the voice asked for, the protocol, the clip."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np

# Below this level (about -40 dBFS) a clip's edges count as silence and are trimmed, so a
# cue's start_ms is where its sound begins.
SILENCE_THRESHOLD = 0.01
FADE_IN_MS = 2
FADE_OUT_MS = 6


@dataclass(frozen=True)
class Voice:
    """Which engine speaks, in which voice, how fast and how loud."""

    engine: str = "pyttsx3"
    name: str | None = None
    rate: int = 165
    volume: float = 1.0
    clarity: str = "standard"  # standard, strong or off: shaped to be heard over noise
    where: str = ""  # "file:line: voice.name", for messages about the voice
    folder: str = ""  # the routine file's folder: a voice file's path is relative to it
    language: str = "en"  # the routine's language (BCP 47): without a name, its voice speaks


@dataclass(frozen=True, eq=False)
class Clip:
    """Mono audio: float32 samples in [-1, 1] at `sample_rate`."""

    samples: np.ndarray
    sample_rate: int

    @property
    def length_ms(self) -> int:
        """The clip's length, rounded up to whole milliseconds."""
        return math.ceil(len(self.samples) * 1000 / self.sample_rate)


class Synthesizer(Protocol):
    """Something that speaks text into clips, in one voice, until it is closed."""

    def identity(self) -> dict[str, object]:
        """Everything that changes the sound of a clip besides its text (the cache key)."""
        ...

    def synthesize(self, text: str) -> Clip:
        """Speak `text` into a clip trimmed of leading and trailing silence."""
        ...

    def close(self) -> None:
        """Release what the synthesizer holds (scratch files, engine callbacks)."""
        ...


@dataclass(frozen=True)
class VoiceInfo:
    """A voice an engine has."""

    id: str
    name: str
    language: str


class Engine(Protocol):
    """A speech engine: lists and checks its voices, and opens synthesizers."""

    def voices(self) -> list[VoiceInfo]:
        """Every voice the engine offers."""
        ...

    def check(self, voice: Voice) -> None:
        """Raise SpeechError (naming `voice.where`) unless the engine has this voice."""
        ...

    def open(self, voice: Voice) -> Synthesizer:
        """A synthesizer speaking in `voice`; the caller closes it."""
        ...


def trim_silence(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """Cut the silence off both ends and fade the new edges so they do not click."""
    loud = np.flatnonzero(np.abs(samples) >= SILENCE_THRESHOLD)
    if len(loud) == 0:
        return np.zeros(0, dtype=np.float32)
    margin = sample_rate // 1000
    start = max(0, int(loud[0]) - margin)
    end = min(len(samples), int(loud[-1]) + 1 + FADE_OUT_MS * margin)
    clip = np.array(samples[start:end], dtype=np.float32)
    fade_in = min(len(clip), FADE_IN_MS * margin)
    fade_out = min(len(clip), FADE_OUT_MS * margin)
    clip[:fade_in] *= np.linspace(0.0, 1.0, fade_in, endpoint=False, dtype=np.float32)
    clip[len(clip) - fade_out :] *= np.linspace(1.0, 0.0, fade_out, dtype=np.float32)
    return clip
