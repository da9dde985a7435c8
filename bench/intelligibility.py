"""How far clarity moves the intelligibility curve, measured as enhancement is measured.

As the Hurricane Challenge does: the same masker for the processed and the unprocessed
speech, its spectrum and level taken from the session built with `clarity: off`, both
sessions at the same integrated loudness (the build's target). For each engine, setting
and masker (speech-shaped: the off session's long-term spectrum; pink; four-talker
babble: the off session shifted and summed), every speech cue is heard by an offline
recogniser restricted to the session's phrases at SNRs from -7.5 to +10 dB in 2.5 dB
steps (the SNR is the masker under the off speech's active level), pooled over three
routines (the seed, the run/walk starter with long rests, the Tabata's fast intervals).
The 50 % point of each curve is found by interpolation; the gain is how far it moves.
A second, independent measure: extended STOI (pystoi) of the same noisy cues against the
clean unprocessed speech.

    .venv/bin/python -m bench.intelligibility                       # the whole measure
    .venv/bin/python -m bench.intelligibility --engines espeak-ng --every 3   # quicker

It prints the curves and the gains, and draws them into docs/intelligibility.png. Not yet
part of `make listen`: the measure is in place, the clarity chain it is to tune is not.
"""

from __future__ import annotations

import argparse
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


def masker(off: np.ndarray, kind: str, length: int) -> np.ndarray:
    """A masker of unit RMS, `length` long, made from the off session."""
    padded = np.concatenate([off, np.zeros(max(0, length - len(off)))])[:length]
    if kind == "babble":  # four talkers: the session from four places in it, summed
        made = sum(np.roll(padded, (k + 1) * length // 5) for k in range(4))
        made = np.asarray(made, dtype=np.float64)
        return made / np.sqrt(np.mean(made * made))
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
    sessions: dict[str, np.ndarray], cues: list[tuple[int, int, str]], every: int
) -> Iterator[tuple[str, str, float, float, float]]:
    """(setting, masker, snr, share heard right, ESTOI) for each condition."""
    from pystoi import stoi

    off = sessions["off"]
    pad = int(AROUND_S * RATE)
    decoder, phrases = grammar_decoder([said for _lo, _hi, said in cues])
    chosen = [cue for cue in cues[::every] if cue[2] in phrases]
    reference = active_level(off, RATE)
    for kind in MASKERS:
        base = masker(off, kind, len(off) + 2 * pad)
        for snr in SNRS:
            around = base * reference / 10 ** (snr / 20)
            for setting, audio in sessions.items():
                right = 0
                clean, noisy = [], []
                for lo, hi, said in chosen:
                    part = audio[lo:hi]
                    right += recognise(decoder, part, RATE, around[lo : hi + 2 * pad]) == said
                    clean.append(off[lo:hi])
                    noisy.append(part + around[lo + pad : hi + pad][: len(part)])
                index = stoi(np.concatenate(clean), np.concatenate(noisy), RATE, extended=True)
                yield setting, kind, snr, right / max(1, len(chosen)), float(index)


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
            mp3 = None
            for setting in settings:
                label = f"{engine}-{setting}-{name}"
                mp3, _ = build(with_voice(path.read_text(), engine, setting), root, label)
                sessions[setting] = decode(mp3, RATE)[0].astype(np.float64)
            assert mp3 is not None
            for setting, kind, snr, share, index in heard(sessions, cues_of(mp3), every):
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
    print("\n50 % points and gains (pooled over the routines)")
    for engine in engines:
        for kind in MASKERS:
            off = points.get(f"{engine} {kind} off")
            for setting in settings:
                point = points.get(f"{engine} {kind} {setting}")
                gain = f"{off - point:+.1f} dB" if off is not None and point is not None else "-"
                shown = f"{point:.1f} dB" if point is not None else "never 50 %"
                print(f"  {engine:<10} {kind:<14} {setting:<9} {shown:>14}  gain {gain}")
    return points


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
