"""Pronunciations: respell whole words before the engine speaks them, for any engine."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from voicecoach.speech.engine import Clip, Synthesizer


def respeller(pronounce: Mapping[str, str]) -> re.Pattern[str] | None:
    """One pattern matching every word to respell, whole words, case-insensitive."""
    if not pronounce:
        return None
    # longest first, so that "shin pulls" wins over "shin"
    words = sorted(pronounce, key=len, reverse=True)
    alternatives = "|".join(re.escape(word) for word in words)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def fold(word: str) -> str:
    """A word as case-insensitive matching sees it: "Isınma", "ısınma", "LİFT", "ſquats".

    Folded through upper case, so that dotless ı and long ſ meet I and S, and without the
    dot that İ keeps when lowered: the word the pattern matched always finds its entry.
    """
    return unicodedata.normalize("NFKD", word.upper().casefold()).replace("\u0307", "")


class Pronouncing:
    """A Synthesizer that respells words before the inner one speaks them.

    It sits under the clip cache, which keys on the written text: the respellings are part
    of this synthesizer's identity, so changing one speaks the texts that use it again.
    """

    def __init__(self, inner: Synthesizer, pronounce: Mapping[str, str]) -> None:
        self.inner = inner
        self.pronounce = dict(pronounce)
        self._pattern = respeller(pronounce)
        self._said = {fold(word): said for word, said in pronounce.items()}

    def identity(self) -> dict[str, object]:
        """The inner identity and the respellings."""
        return {**self.inner.identity(), "pronounce": sorted(self.pronounce.items())}

    def synthesize(self, text: str) -> Clip:
        """Speak `text` with its words respelled."""
        if self._pattern is not None:
            text = self._pattern.sub(lambda m: self._said.get(fold(m[0]), m[0]), text)
        return self.inner.synthesize(text)

    def close(self) -> None:
        """Close the inner synthesizer."""
        self.inner.close()
