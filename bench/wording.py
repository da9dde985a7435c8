"""Which wording of a cue is heard best in noise: candidates tried in a session's own noise.

Builds the seed with each engine (clarity `standard`, or `--clarity`), then speaks each
candidate wording of one cue in that voice and puts it, at the session's speech level, into
the same noise as `make listen` (speech-shaped from the session's own spectrum and pink at 10
and 5 dB, white at 10 dB), many times over with fresh noise. The recogniser knows the
session's phrases with the cue's first candidate replaced by the one tried, so a wording
that sounds like another cue loses. The first candidate is the one the session says now.

    .venv/bin/python -m bench.wording "Stop." "And stop." "Stop there."
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

from bench.listening import build, routines, with_voice
from tests.support.audio import decode
from tests.support.listening import (
    AROUND_S,
    active_level,
    grammar_decoder,
    noise,
    recognise,
    words_of,
)
from voicecoach.speech.clarity import SETTINGS

REPO = Path(__file__).resolve().parent.parent

CONDITIONS = (("speech-shaped", "speech", 10.0), ("speech-shaped", "speech", 5.0))
CONDITIONS += (("pink", "pink", 10.0), ("pink", "pink", 5.0), ("white", "white", 10.0))


def spoken(engine: str, texts: list[str], clarity: str) -> dict[str, tuple[np.ndarray, int]]:
    """Each text in the engine's default voice, with the clarity setting `clarity`."""
    from voicecoach.speech import Voice
    from voicecoach.speech.clarity import Clarifying
    from voicecoach.speech.registry import engine as engine_named

    name = "pyttsx3" if engine == "espeak-ng" else engine
    synthesizer = Clarifying(engine_named(name).open(Voice(engine=name)), clarity)
    try:
        clips = {text: synthesizer.synthesize(text) for text in texts}
    finally:
        synthesizer.close()
    return {text: (clip.samples, clip.sample_rate) for text, clip in clips.items()}


def trial(engine: str, candidates: list[str], tries: int, clarity: str, folder: Path) -> None:
    from scipy.signal import resample_poly

    mp3, _ = build(with_voice(routines([])["seed"], engine, clarity), folder, engine)
    document = json.loads(mp3.with_suffix(".json").read_text())
    audio, rate = decode(mp3, 16000)
    level = active_level(audio, rate)
    shaped = noise(audio, rate, "speech", seed=101)
    session = [words_of(c["text"]) for c in document["cues"] if c["kind"] == "speech"]
    replaced = words_of(candidates[0])
    for text, (samples, clip_rate) in spoken(engine, candidates, clarity).items():
        said = words_of(text)
        clip = resample_poly(samples.astype(np.float64), 16000, clip_rate)
        clip *= level / active_level(clip.astype(np.float32), 16000)
        decoder, phrases = grammar_decoder([p for p in session if p != replaced] + [said])
        if said not in phrases:
            print(f"  {engine:<10} {text!r:<24} has a word the recogniser does not know")
            continue
        cells = []
        for _, kind, snr in CONDITIONS:
            right = 0
            for attempt in range(tries):
                # as a cue is cut from a noisy session: 20 ms before it, 60 ms after, heard
                # inside the noise that goes on around it
                part = np.pad(clip, (320, 960))
                length = len(part) + 2 * int(AROUND_S * rate)
                if kind == "speech":
                    start = (attempt * 40_009) % (len(shaped) - length)
                    masker = shaped[start : start + length]
                else:
                    masker = noise(np.zeros(length, np.float32), rate, kind, seed=attempt)
                masker = masker / np.sqrt(np.mean(masker * masker))
                around = masker * level / 10 ** (snr / 20)
                right += recognise(decoder, part, rate, around) == said
            cells.append(f"{100 * right / tries:>20.0f}%")
        print(f"  {engine:<10} {text!r:<24}" + "".join(cells), flush=True)


def main() -> None:
    from bench.benchlib import stop_cleanly

    stop_cleanly()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("candidates", nargs="+", help="wordings of one cue; the first is today's")
    parser.add_argument("--engines", nargs="*", default=["espeak-ng", "piper"])
    parser.add_argument("--tries", type=int, default=24, help="fresh noise for each")
    parser.add_argument("--clarity", default="standard", choices=SETTINGS)
    args = parser.parse_args()
    heads = "".join(f"{name + f' {snr:.0f} dB':>21}" for name, _, snr in CONDITIONS)
    print(f"heard right, {args.tries} tries each, in the seed's own noise")
    print(f"  {'engine':<10} {'wording':<24}{heads}")
    with tempfile.TemporaryDirectory(prefix="voicecoach-wording-") as scratch:
        for engine in args.engines:
            trial(engine, args.candidates, args.tries, args.clarity, Path(scratch))


if __name__ == "__main__":
    main()
