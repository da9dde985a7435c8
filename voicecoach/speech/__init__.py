"""Speech: turn cue texts into clips of audio, through a swappable engine and a cache.

The engines (`pyttsx3_engine`, `piper_engine`) are listed in `registry`; what they share
is in `engine`; the cache, clarity and pronunciation wrap any of them.
"""

from voicecoach.speech.engine import (
    FADE_IN_MS,
    FADE_OUT_MS,
    SILENCE_THRESHOLD,
    Clip,
    Engine,
    Synthesizer,
    Voice,
    VoiceInfo,
    trim_silence,
)

__all__ = [
    "FADE_IN_MS",
    "FADE_OUT_MS",
    "SILENCE_THRESHOLD",
    "Clip",
    "Engine",
    "Synthesizer",
    "Voice",
    "VoiceInfo",
    "trim_silence",
]
