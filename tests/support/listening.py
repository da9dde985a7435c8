"""A listening proxy: an offline recogniser, restricted to a session's own phrases, hears
each spoken cue of a built session. A machine's ear, not a person's, but a cue it cannot
tell from the others is a cue a runner may miss."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from tests.support.audio import decode

_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def number_words(n: int) -> str:
    """0..999 as words, as a recogniser's dictionary has them."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + ("" if ones == 0 else " " + _ONES[ones])
    hundreds, rest = divmod(n, 100)
    return _ONES[hundreds] + " hundred" + ("" if rest == 0 else " " + number_words(rest))


def words_of(text: str) -> str:
    """A cue's text as the words a recogniser returns: lower case, numbers spelled out."""
    text = re.sub(r"\d+", lambda m: f" {number_words(int(m[0]))} ", text.lower())
    return " ".join(re.findall(r"[a-z']+", text))


NOISES = ("speech", "pink", "white")


def active_level(audio: np.ndarray, rate: int) -> float:
    """The speech's active level: the RMS of its 20 ms frames within 35 dB of the loudest."""
    size = rate // 50
    frames = audio[: len(audio) // size * size].astype(np.float64).reshape(-1, size)
    power = np.mean(frames * frames, axis=1)
    active = power[power >= power.max() * 10 ** (-35 / 10)]
    return float(np.sqrt(np.mean(active)))


def noise(audio: np.ndarray, rate: int, kind: str, seed: int = 7) -> np.ndarray:
    """Steady noise as long as `audio`, of unit RMS.

    `speech`: random phases over the session's own long-term magnitude spectrum (the
    masker of intelligibility-in-noise tests); `pink`: 1/f, a street's hum; `white`.
    """
    rng = np.random.default_rng(seed)
    if kind == "white":
        made = rng.standard_normal(len(audio))
    else:
        if kind == "speech":
            magnitude = np.abs(np.fft.rfft(audio.astype(np.float64)))
        elif kind == "pink":
            f = np.fft.rfftfreq(len(audio), 1 / rate)
            magnitude = 1 / np.sqrt(np.maximum(f, 20.0))
        else:
            raise ValueError(kind)
        phases = np.exp(2j * np.pi * rng.random(len(magnitude)))
        made = np.fft.irfft(magnitude * phases, len(audio))
    return made / np.sqrt(np.mean(made * made))


# a cue is heard with this much of what surrounds it either side, as a listener hears it:
# the noise goes on before and after a cue, it does not start and stop with the voice
AROUND_S = 0.2
HISS = 1e-3  # the quiet room's floor, -60 dBFS: digital silence upsets the energy scale


def background(
    audio: np.ndarray, rate: int, kind: str | None, snr_db: float, seed: int = 7
) -> np.ndarray:
    """What a listener hears besides the voice: steady noise of `kind` `snr_db` under the
    speech's active level, or a quiet room's faint hiss. Twice `AROUND_S` longer than
    `audio`, so that the stretch of it under a cue and either side starts where the cue
    does: `around[lo : hi + 2 * pad]` for the cue `audio[lo:hi]`."""
    extra = 2 * int(AROUND_S * rate)
    if kind is None:
        return np.random.default_rng(seed).normal(0, HISS, len(audio) + extra)
    level = active_level(audio, rate) / 10 ** (snr_db / 20)
    padded = np.concatenate([audio, np.zeros(extra, dtype=audio.dtype)])
    made: np.ndarray = level * noise(padded, rate, kind, seed)
    return made


def listen(
    mp3: Path, kind: str | None = None, snr_db: float = 10.0, seed: int = 0, every: int = 1
) -> tuple[int, int, list[tuple[str, str]]]:
    """Recognise every speech cue of a built session; (heard right, cues tried, misses).

    With a `kind` of noise, that noise is added at `snr_db` after decoding; each cue is
    heard with `AROUND_S` of the noise either side (a quiet room's hiss without). Cues with a
    word the recogniser's dictionary lacks are not tried. `every`: try only every Nth cue
    (the suite's quicker sample; the benchmark tries them all).
    """
    document = json.loads(mp3.with_suffix(".json").read_text())
    audio, rate = decode(mp3, 16000)
    around = background(audio, rate, kind, snr_db, seed + 7)
    pad = int(AROUND_S * rate)
    spoken = [words_of(c["text"]) if c["kind"] == "speech" else "" for c in document["cues"]]
    decoder, phrases = grammar_decoder(spoken)
    tried = right = 0
    misses: list[tuple[str, str]] = []
    for cue, said in list(zip(document["cues"], spoken, strict=True))[::every]:
        if said not in phrases:
            continue
        # the cue with 60 ms after its end (a last consonant's tail)
        lo = max(0, (cue["start_ms"] - 20) * rate // 1000)
        hi = min(len(audio), (cue["end_ms"] + 60) * rate // 1000)
        heard = recognise(decoder, audio[lo:hi], rate, around[lo : hi + 2 * pad])
        tried += 1
        if heard == said:
            right += 1
        else:
            misses.append((said, heard))
    return right, tried, misses


def grammar_decoder(spoken: list[str]) -> tuple[Any, set[str]]:
    """A recogniser that knows only these phrases (as `words_of` gives them); and those of
    them it can hear (a phrase with a word its dictionary lacks is left out)."""
    from pocketsphinx import Decoder

    # bestpath off: the lattice rescoring drops a phrase's last word ("as high as you")
    decoder = Decoder(samprate=16000, loglevel="FATAL", bestpath=False)
    phrases = {
        said: None
        for said in spoken
        if said and all(decoder.lookup_word(word) for word in said.split())
    }
    grammar = (
        "#JSGF V1.0;\ngrammar cues;\npublic <cue> = "
        + " | ".join(f"( {phrase} )" for phrase in phrases)
        + ";\n"
    )
    decoder.add_jsgf_string("cues", grammar)
    decoder.activate_search("cues")
    return decoder, set(phrases)


def recognise(decoder: Any, part: np.ndarray, rate: int, around: np.ndarray) -> str:
    """What `decoder` hears in `part` (16 kHz float audio): a phrase of its grammar, or "".

    `part` is heard inside `around`, what surrounds it (`AROUND_S` longer either side):
    steady noise, or a quiet room's faint hiss (`background`).
    """
    pad = int(AROUND_S * rate)
    heard = around[: len(part) + 2 * pad].astype(np.float64)  # a copy
    heard[pad : pad + len(part)] += part
    pcm = (np.clip(heard, -1, 1) * 32767).astype("<i2").tobytes()
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    hypothesis = decoder.hyp()
    return hypothesis.hypstr if hypothesis else ""
