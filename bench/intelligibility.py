"""How far clarity moves the intelligibility curve, measured as enhancement is measured.

As the Hurricane Challenge does: the same masker for the processed and the unprocessed
speech, its spectrum and level taken from the session built with `clarity: off`, both
sessions at the same integrated loudness (the build's target). For each engine, setting
and masker, every speech cue is heard by an offline recogniser restricted to the
session's phrases at SNRs from -7.5 to +10 dB in 2.5 dB steps (the SNR is the masker
under the off speech's active level), pooled over three routines (the seed, the
run/walk starter with long rests, the Tabata's fast intervals). The maskers:

- speech-shaped: random phases over the off session's long-term spectrum;
- pink: 1/f, a street's broadband hum;
- babble: four other espeak-ng voices, at other rates and pitches, reading ordinary
  sentences that are no cue's words, summed.

The 50 % point of each curve is found by interpolation; the gain is how far it moves.
A second, independent measure: extended STOI (pystoi) of the same noisy cues against the
clean unprocessed speech, with a line per masker saying whether the two agree. And the
quiet room: the share of cues heard right with only a faint hiss (clarity must keep it).

    .venv/bin/python -m bench.intelligibility --every 3   # make listen: every third cue
    .venv/bin/python -m bench.intelligibility             # every cue (three times longer)
    .venv/bin/python -m bench.intelligibility --engines espeak-ng --every 6   # quicker

It prints the curves and the gains, and draws them into docs/intelligibility.png.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from bench.listening import REPO, build, with_voice
from tests.support.audio import decode
from tests.support.listening import (
    AROUND_S,
    HISS,
    active_level,
    grammar_decoder,
    noise,
    recognise,
    words_of,
)

SNRS = (-7.5, -5.0, -2.5, 0.0, 2.5, 5.0, 7.5, 10.0)
MASKERS = ("speech-shaped", "pink", "babble")
ROUTINES = {
    "seed": REPO / "scripts" / "routine.yaml",
    "run-walk": REPO / "voicecoach" / "templates" / "run-walk.yaml",
    "tabata": REPO / "voicecoach" / "templates" / "tabata.yaml",
}
RATE = 16_000
PLOT = REPO / "docs" / "intelligibility.png"

Tally = dict[tuple[str, str, str, float], list[float]]  # (engine, setting, masker, snr)


# ordinary text, no cue's words: four talkers, each with sentences of its own
BABBLE = (
    (
        "gmw/en-gb-scotland",
        150,
        1.0,
        "The library opens early each morning and closes at "
        "noon on public holidays. Visitors may borrow several books at once, and the reading "
        "room upstairs is kept quiet for students.",
    ),
    (
        "gmw/en-029",
        175,
        0.86,
        "Yesterday the council agreed to repair the old bridge near "
        "the harbour. Work will begin in spring, and buses will take a longer route while the "
        "road is closed.",
    ),
    (
        "gmw/en",
        160,
        1.22,
        "My grandmother grew tomatoes, beans and potatoes behind her "
        "cottage. Every summer we picked berries and made jam that lasted until the winter.",
    ),
    (
        "gmw/en-us-nyc",
        185,
        1.1,
        "The weather tomorrow will be cloudy with light rain "
        "spreading from the west. It should stay mild, and the wind will drop by the evening.",
    ),
)


@functools.cache
def talkers() -> tuple[np.ndarray, ...]:
    """Each babble talker's sentences at `RATE`, joined by short pauses (made once a run).

    A talker's pitch factor plays its voice that much higher (and quicker): a different
    talker, not the same voice at another setting."""
    from voicecoach.audio.dsp import resample
    from voicecoach.speech.engine import Voice
    from voicecoach.speech.pyttsx3_engine import Pyttsx3Engine

    made = []
    for name, rate, pitch, text in BABBLE:
        synthesizer = Pyttsx3Engine().open(Voice(name=name, rate=rate, clarity="off"))
        try:
            parts = []
            for sentence in text.split(". "):
                clip = synthesizer.synthesize(sentence.rstrip(".") + ".")
                parts.append(resample(clip.samples, round(clip.sample_rate * pitch), RATE))
                parts.append(np.zeros(RATE // 6, dtype=np.float32))
        finally:
            synthesizer.close()
        voice = np.concatenate(parts).astype(np.float64)
        made.append(voice / np.sqrt(np.mean(voice * voice)))
    return tuple(made)


def babble(length: int) -> np.ndarray:
    """Four talkers, each looped to `length` from a place of its own, summed."""
    made = np.zeros(length)
    for k, voice in enumerate(talkers()):
        looped = np.tile(voice, length // len(voice) + 2)
        start = (k * len(voice)) // len(BABBLE)
        made += looped[start : start + length]
    return made


def masker(off: np.ndarray, kind: str, length: int) -> np.ndarray:
    """A masker of unit RMS, `length` long: babble, or noise made from the off session."""
    if kind == "babble":
        made = babble(length)
        return made / np.sqrt(np.mean(made * made))
    padded = np.concatenate([off, np.zeros(max(0, length - len(off)))])[:length]
    return noise(padded, RATE, "speech" if kind == "speech-shaped" else kind)


def cues_of(mp3: Path) -> list[tuple[int, int, str]]:
    """(start sample, end sample, the words) of every speech cue."""
    document = json.loads(mp3.with_suffix(".json").read_text())
    found = []
    for cue in document["cues"]:
        if cue["kind"] == "speech" and cue["text"]:
            lo = max(0, (cue["start_ms"] - 20) * RATE // 1000)
            found.append((lo, (cue["end_ms"] + 60) * RATE // 1000, words_of(cue["text"])))
    return found


def heard(
    sessions: dict[str, tuple[np.ndarray, list[tuple[int, int, str]]]], every: int
) -> Iterator[tuple[str, str, float, float, float]]:
    """(setting, masker, snr, share heard right, ESTOI) for each condition; the quiet room
    as the masker "quiet" (its snr inf, its ESTOI nan).

    Each setting's cues are its own session's (a slower voice's cues end later); the
    masker is the same, from the off session, at the same place under each cue's onset.
    ESTOI's reference is the off session's clean cue where the cue is as long, else (a
    setting that changes the timing) the setting's own clean cue."""
    from pystoi import stoi

    off, off_cues = sessions["off"]
    pad = int(AROUND_S * RATE)
    decoder, phrases = grammar_decoder([said for _lo, _hi, said in off_cues])
    chosen = {
        setting: [cue for cue in cues[::every] if cue[2] in phrases]
        for setting, (_audio, cues) in sessions.items()
    }
    reference = active_level(off, RATE)
    longest = max(len(audio) for audio, _cues in sessions.values())
    hiss = np.random.default_rng(7).normal(0, HISS, longest + 2 * pad)
    for setting, (audio, _cues) in sessions.items():
        right = sum(
            recognise(decoder, audio[lo:hi], RATE, hiss[lo : hi + 2 * pad]) == said
            for lo, hi, said in chosen[setting]
        )
        yield setting, "quiet", float("inf"), right / max(1, len(chosen[setting])), float("nan")
    for kind in MASKERS:
        base = masker(off, kind, longest + 2 * pad)
        for snr in SNRS:
            around = base * reference / 10 ** (snr / 20)
            for setting, (audio, _cues) in sessions.items():
                right = 0
                clean, noisy = [], []
                for (lo, hi, said), (olo, ohi, _) in zip(
                    chosen[setting], chosen["off"], strict=True
                ):
                    part = audio[lo:hi]
                    right += recognise(decoder, part, RATE, around[lo : hi + 2 * pad]) == said
                    aligned = (olo, ohi) == (lo, hi)
                    clean.append(off[lo:hi] if aligned else part)
                    noisy.append(part + around[lo + pad : hi + pad][: len(part)])
                index = stoi(np.concatenate(clean), np.concatenate(noisy), RATE, extended=True)
                yield setting, kind, snr, right / max(1, len(chosen[setting])), float(index)


def fifty(points: list[tuple[float, float]]) -> float | None:
    """The SNR where the share heard right first reaches 50 %, interpolated between the
    two steps either side (None: never within the SNRs tried)."""
    points = sorted(points)
    for (s0, p0), (s1, p1) in itertools.pairwise(points):
        if p0 < 0.5 <= p1:
            return s0 + (0.5 - p0) * (s1 - s0) / (p1 - p0)
    return None


def measure(engines: list[str], settings: list[str], every: int, root: Path) -> Tally:
    tally: Tally = {}
    for engine in engines:
        for name, path in ROUTINES.items():
            sessions = {}
            for setting in settings:
                label = f"{engine}-{setting}-{name}"
                mp3, _ = build(with_voice(path.read_text(), engine, setting), root, label)
                audio = decode(mp3, RATE)[0].astype(np.float64)
                sessions[setting] = (audio, cues_of(mp3))
            for setting, kind, snr, share, index in heard(sessions, every):
                cell = tally.setdefault((engine, setting, kind, snr), [0.0, 0.0, 0])
                cell[0] += share
                cell[1] += index
                cell[2] += 1
            print(f"  heard {engine} {name}", file=sys.stderr, flush=True)
    return tally


def report(tally: Tally, engines: list[str], settings: list[str]) -> dict[str, float | None]:
    points: dict[str, float | None] = {}
    for engine in engines:
        for kind in MASKERS:
            print(f"\n{engine}, {kind} masker: share of cues heard right (ESTOI)")
            print(f"{'SNR dB':>7}" + "".join(f"{s:>20}" for s in settings))
            for snr in SNRS:
                cells = []
                for setting in settings:
                    share, index, n = tally[(engine, setting, kind, snr)]
                    cells.append(f"{100 * share / n:>11.1f}% ({index / n:.3f})")
                print(f"{snr:>7.1f}" + "".join(cells))
            for setting in settings:
                cells = [tally[(engine, setting, kind, snr)] for snr in SNRS]
                curve = [(snr, share / n) for snr, (share, _i, n) in zip(SNRS, cells, strict=True)]
                points[f"{engine} {kind} {setting}"] = fifty(curve)
    print("\nthe quiet room: share of cues heard right (pooled over the routines)")
    for engine in engines:
        for setting in settings:
            share, _index, n = tally[(engine, setting, "quiet", float("inf"))]
            print(f"  {engine:<10} {setting:<9} {100 * share / n:6.1f}%")
    print("\n50 % points and gains (pooled over the routines)")
    for engine in engines:
        for kind in MASKERS:
            off = points.get(f"{engine} {kind} off")
            for setting in settings:
                point = points.get(f"{engine} {kind} {setting}")
                gain = f"{off - point:+.1f} dB" if off is not None and point is not None else "-"
                shown = f"{point:.1f} dB" if point is not None else "never 50 %"
                print(f"  {engine:<10} {kind:<14} {setting:<9} {shown:>14}  gain {gain}")
    agreement(tally, engines, settings)
    return points


def agreement(tally: Tally, engines: list[str], settings: list[str]) -> None:
    """Where the recogniser and ESTOI disagree: the SNRs at which one says a setting is
    better than off and the other worse."""
    print("\nwhere the two measures disagree on a setting against off (SNR: heard, ESTOI)")
    for engine in engines:
        for kind in MASKERS:
            for setting in settings:
                if setting == "off":
                    continue
                split = []
                for snr in SNRS:
                    s0, i0, n0 = tally[(engine, "off", kind, snr)]
                    s1, i1, n1 = tally[(engine, setting, kind, snr)]
                    heard, index = s1 / n1 - s0 / n0, i1 / n1 - i0 / n0
                    if heard * index < 0:
                        split.append(f"{snr:+.1f} dB: {100 * heard:+.0f} points, {index:+.3f}")
                said = "; ".join(split) if split else "nowhere"
                print(f"  {engine:<10} {kind:<14} {setting:<9} {said}")


def plot(tally: Tally, engines: list[str], settings: list[str]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(
        len(engines), len(MASKERS), figsize=(12, 3.6 * len(engines)), squeeze=False
    )
    for row, engine in enumerate(engines):
        for column, kind in enumerate(MASKERS):
            axis = axes[row][column]
            for setting in settings:
                shares = [tally[(engine, setting, kind, snr)] for snr in SNRS]
                axis.plot(SNRS, [100 * s / n for s, _i, n in shares], marker="o", label=setting)
            axis.axhline(50, color="grey", linewidth=0.5)
            axis.set_title(f"{engine}, {kind}")
            axis.set_xlabel("SNR (dB, masker under the off speech)")
            axis.set_ylabel("cues heard right (%)")
            axis.set_ylim(0, 100)
            axis.legend()
    figure.tight_layout()
    figure.savefig(PLOT, dpi=80)


def main() -> None:
    from bench.benchlib import stop_cleanly

    stop_cleanly()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", nargs="*", default=["espeak-ng", "piper"])
    parser.add_argument("--settings", nargs="*", default=["off", "standard"])
    parser.add_argument("--every", type=int, default=1, help="hear every Nth cue only")
    parser.add_argument("--no-plot", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="voicecoach-intelligibility-") as scratch:
        tally = measure(args.engines, args.settings, args.every, Path(scratch))
    report(tally, args.engines, args.settings)
    if not args.no_plot:
        plot(tally, args.engines, args.settings)
        print(f"\nthe curves: {PLOT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
