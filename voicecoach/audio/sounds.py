"""The sounds of a session's cues: made (spoken or synthesized), leveled, kept for reuse."""

from __future__ import annotations

import numpy as np

from voicecoach.audio.dsp import ArrayBank, resample
from voicecoach.audio.loudness import TONE_OFFSET_DB, gains, leveled, stored_analysis
from voicecoach.audio.tones import synthesize_tone
from voicecoach.routine.model import AudioSettings
from voicecoach.speech.cache import CachedSynthesizer, ClipCache
from voicecoach.timeline import Cue, Timeline

SOUND_BUDGET_BYTES = 8_000_000  # leveled sounds kept for reuse while mixing (rep counts, tones)


def sound_key(cue: Cue) -> str:
    """The name of a cue's sound: speech by its text, tones by their name."""
    return f"{cue.kind}:{cue.text if cue.kind == 'speech' else cue.name}"


class Sounds:
    """The session's sounds at its rate: made when asked for, the recent ones kept.

    Speech is read back from the clip cache by its text, so memory holds only what the
    mixing window needs (and a few reused sounds, such as rep counts), whatever the
    amount of distinct speech in the session.
    """

    def __init__(
        self, synthesizer: CachedSynthesizer, audio: AudioSettings, budget_bytes: int
    ) -> None:
        self.synthesizer = synthesizer
        self.audio = audio
        self.gains: dict[str, float] = {}  # once set, the sounds come leveled
        self.peaks: dict[str, float] = {}  # each sound's true peak, from its analysis
        self._kept = ArrayBank(budget_bytes)

    def raw(self, cue: Cue) -> np.ndarray:
        """A cue's sound at the session's rate, as spoken or synthesized."""
        rate = self.audio.sample_rate
        if cue.kind == "speech":
            clip = self.synthesizer.synthesize(cue.text)
            return resample(clip.samples, clip.sample_rate, rate)
        tone = self.audio.tones.get(cue.name)
        assert tone is not None
        return synthesize_tone(cue.name, tone, rate)

    def __call__(self, cue: Cue) -> np.ndarray:
        """A cue's sound, leveled."""
        key = sound_key(cue)
        found = self._kept.get(key)
        if found is not None:
            return found
        found = leveled(
            self.raw(cue), self.gains[key], self.audio.sample_rate, peak=self.peaks.get(key)
        )
        return self._kept.put(key, found)


def level_sounds(
    sounds: Sounds, timeline: Timeline, audio: AudioSettings, cache: ClipCache
) -> None:
    """Set every sound's gain so the session measures the loudness target.

    Each distinct sound is made once here, measured (or its analysis read from the
    cache) and let go: leveling needs a few numbers a millisecond, not the samples.
    """
    rate = audio.sample_rate
    analyses = {}
    for cue in timeline.cues:
        key = sound_key(cue)
        if key not in analyses:
            analyses[key] = stored_analysis(sounds.raw(cue), rate, cache)
    sounds.peaks = {
        key: float(np.max(found.peak_ms, initial=0.0)) for key, found in analyses.items()
    }
    sounds.gains = gains(
        analyses,
        [(cue.start_ms, sound_key(cue)) for cue in timeline.cues],
        timeline.duration_ms,
        rate,
        audio.channels,
        audio.target_lufs,
        offsets_db={key: TONE_OFFSET_DB for key in analyses if key.startswith("tone:")},
    )
