"""Try clarity chains in minutes, before the whole measure: a quick loop for tuning.

`bench/intelligibility.py` builds a session for every setting, which is the truth but takes
a quarter of an hour. Here each routine's `off` session is built once (espeak-ng or
Piper), and each candidate chain is applied to its speech cues in place, every cue then
brought back to its own loudness as leveling does (at the recogniser's 16 kHz, from the
decoded MP3: close to the build's own numbers, not the same). The same maskers, SNRs and
recogniser as the whole measure; beside them, a third and quick measure, the glimpse
proportion (Cooke, 2006: the share of the speech's time-frequency cells, ERB bands and
10 ms frames, where the speech is 3 dB over the masker), said as its equivalent
intensity change: how far `off` must be raised to reach a chain's glimpse share.

    .venv/bin/python -m bench.clarity_sweep                       # every chain, espeak-ng
    .venv/bin/python -m bench.clarity_sweep --engine piper v5 v6
    .venv/bin/python -m bench.clarity_sweep --glimpses-only       # a minute, no recogniser

The candidates are below: the product's chains by their numbers (`Shape`), and the
families that were measured and left out (multi-band compression, peak clipping, a
whitened spectrum), so that the figures in docs/performance.md can be made again.
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from bench.intelligibility import ROUTINES, SNRS, cues_of, fifty, masker
from bench.listening import build, with_voice
from tests.support.audio import decode
from tests.support.listening import AROUND_S, HISS, active_level, grammar_decoder, recognise
from voicecoach.audio.loudness import clip_loudness
from voicecoach.speech.clarity import SHAPES, Shape, _compressed, _faded, _shaped, processed

RATE = 16_000
Chain = Callable[[np.ndarray, int], np.ndarray]
Cue = tuple[int, int, str]

# the versions by their numbers, so their figures can be made again once `standard` moves on
V5 = Shape(200.0, 4.0, 2500.0, 2.2, -30.0, 5.0, -50.0, 3.0, 2.0)
V6 = Shape(200.0, 4.0, 2500.0, 2.2, -30.0, 5.0, -50.0, 1.0, 1.0)


def by_shape(shape: Shape) -> Chain:
    """The product's own chain with these numbers."""
    return lambda x, rate: processed(x.astype(np.float32), rate, shape).astype(np.float64)


def multiband(shape: Shape, edges: tuple[float, ...] = (700, 1800, 3500)) -> Chain:
    """AdaptDRC-like: the shaped clip split into bands, each compressed on its own."""

    def chain(x: np.ndarray, rate: int) -> np.ndarray:
        shaped = _shaped(x, rate, shape)
        size = 1 << (len(x) + 512).bit_length()
        spectrum = np.fft.rfft(shaped, size)
        octave = np.log2(np.maximum(np.fft.rfftfreq(size, 1 / rate), 1.0))
        bounds = [0.0, *edges, rate]
        out = np.zeros(len(x))
        for lo, hi in itertools.pairwise(bounds):
            weight = np.ones_like(octave)  # crossovers a sixth of an octave wide
            if lo > 0:
                weight *= np.clip(0.5 + 3 * (octave - np.log2(lo)), 0, 1)
            if hi < rate:
                weight *= np.clip(0.5 - 3 * (octave - np.log2(hi)), 0, 1)
            band = np.fft.irfft(spectrum * weight, size)[: len(x)]
            out += _compressed(band, rate, shape)
        return _faded(out, rate)

    return chain


def clipped(below_peak_db: float) -> Chain:
    """Soft peak clipping (tanh) at this far under the peak, after v6's shaping."""

    def chain(x: np.ndarray, rate: int) -> np.ndarray:
        shaped = _shaped(x, rate, V6)
        knee = float(np.max(np.abs(shaped)) or 1.0) * 10 ** (below_peak_db / 20)
        return _faded(knee * np.tanh(shaped / knee), rate)

    return chain


def whitened(strength: float) -> Chain:
    """The clip's own spectrum flattened (to the power `strength`), then v6's compression."""

    def chain(x: np.ndarray, rate: int) -> np.ndarray:
        size = 1 << (len(x) + 256).bit_length()
        spectrum = np.fft.rfft(x, size)
        power = np.convolve(np.abs(spectrum) ** 2, np.ones(64) / 64, mode="same") + 1e-12
        gain = (power / power.mean()) ** (-strength / 2)
        gain[np.fft.rfftfreq(size, 1 / rate) < 150] = 0
        flat = np.fft.irfft(spectrum * gain, size)[: len(x)]
        return _faded(_compressed(flat, rate, V6), rate)

    return chain


CHAINS: dict[str, Chain] = {
    "off": lambda x, rate: x,
    "v5": by_shape(V5),
    "v6": by_shape(V6),
    "strong": by_shape(SHAPES["strong"]),
    "v6, no compression": by_shape(replace(V6, ratio=1.0)),
    "v6, 10 ms envelope": by_shape(replace(V6, envelope_ms=10.0, smooth_ms=10.0)),
    "v6, 20:1 from 45 dB": by_shape(replace(V6, threshold_db=-45.0, ratio=20.0, floor_db=-60.0)),
    "v6, cut at 500 Hz": by_shape(replace(V6, high_pass_hz=500.0)),
    "multi-band 10:1": multiband(replace(V6, threshold_db=-40.0, ratio=10.0, envelope_ms=3.0)),
    "clipped 20 dB": clipped(-20.0),
    "whitened": whitened(0.5),
}


def sessions(engine: str, root: Path) -> dict[str, tuple[np.ndarray, list[Cue]]]:
    """Each routine's `off` session at `RATE` and its speech cues."""
    made = {}
    for name, path in ROUTINES.items():
        mp3, _ = build(with_voice(path.read_text(), engine, "off"), root, f"{engine}-{name}")
        made[name] = (decode(mp3, RATE)[0].astype(np.float64), cues_of(mp3))
    return made


def applied(audio: np.ndarray, cues: list[Cue], chain: Chain) -> np.ndarray:
    """The session with each cue through `chain`, brought back to its own loudness."""
    made = audio.copy()
    for lo, hi, _said in cues:
        start, end = lo + RATE // 50, hi - 3 * RATE // 50  # the cue itself, as cues_of pads
        part = audio[start:end]
        if len(part) < RATE // 100:
            continue
        out = chain(part.copy(), RATE)
        before, after = clip_loudness(part, RATE), clip_loudness(out, RATE)
        if np.isfinite(before) and np.isfinite(after):
            out = out * 10 ** ((before - after) / 20)
        made[start:end] = out
    return made


def _bands(count: int = 34) -> np.ndarray:
    erb = 21.4 * np.log10(1 + 0.00437 * np.array([100.0, 7500.0]))
    edges: np.ndarray = (10 ** (np.linspace(erb[0], erb[1], count + 1) / 21.4) - 1) / 0.00437
    return edges


def cells(x: np.ndarray, rate: int) -> np.ndarray:
    """Power in ERB-spaced bands (100-7500 Hz), 25 ms frames every 10 ms."""
    size, hop = rate // 40, rate // 100
    frames = np.lib.stride_tricks.sliding_window_view(x, size)[::hop] * np.hanning(size)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    f = np.fft.rfftfreq(size, 1 / rate)
    edges = _bands()
    return np.stack(
        [power[:, (f >= lo) & (f < hi)].sum(axis=1) for lo, hi in itertools.pairwise(edges)], axis=1
    )


def glimpse_gains(
    data: dict[str, tuple[np.ndarray, list[Cue]]], kind: str, every: int
) -> dict[str, float]:
    """Each chain's equivalent intensity change by the glimpse proportion, from -7.5 to
    +2.5 dB, pooled over the routines."""
    steps = np.arange(-10.0, 5.01, 0.5)
    shares = {name: np.zeros(len(steps)) for name in CHAINS}
    for off, cues in data.values():
        chosen = cues[::every]
        reference = active_level(off, RATE)
        base = masker(off, kind, len(off))

        def joined(audio: np.ndarray, chosen: list[Cue] = chosen) -> np.ndarray:
            return np.concatenate([audio[lo:hi] for lo, hi, _said in chosen])

        clean = cells(joined(off), RATE).sum(axis=1)
        active = clean > clean.max() * 1e-4  # within 40 dB of the loudest frame
        noise = cells(joined(base), RATE)[active] * reference**2
        for name, chain in CHAINS.items():
            speech = cells(joined(applied(off, chosen, chain)), RATE)[active]
            for i, snr in enumerate(steps):
                glimpsed = speech > 2 * noise * 10 ** (-snr / 10)
                shares[name][i] += float(np.mean(glimpsed)) / len(data)
    middle = (steps >= -7.5) & (steps <= 2.5)
    return {
        name: float(np.mean((np.interp(share, shares["off"], steps) - steps)[middle]))
        for name, share in shares.items()
    }


def heard(
    data: dict[str, tuple[np.ndarray, list[Cue]]], kind: str, every: int
) -> dict[str, list[float]]:
    """Each chain's share of cues heard right at each SNR ("quiet": the quiet room's
    share alone), pooled over the routines."""
    pad = int(AROUND_S * RATE)
    right = {name: np.zeros(len(SNRS)) for name in CHAINS}
    tried = 0
    for off, cues in data.values():
        decoder, phrases = grammar_decoder([said for _lo, _hi, said in cues])
        chosen = [cue for cue in cues[::every] if cue[2] in phrases]
        tried += len(chosen)
        reference = active_level(off, RATE)
        if kind == "quiet":
            around = [np.random.default_rng(7).normal(0, HISS, len(off) + 2 * pad)]
        else:
            base = masker(off, kind, len(off) + 2 * pad)
            around = [base * reference / 10 ** (snr / 20) for snr in SNRS]
        for name, chain in CHAINS.items():
            audio = applied(off, chosen, chain)
            for i, noise in enumerate(around):
                right[name][i] += sum(
                    recognise(decoder, audio[lo:hi], RATE, noise[lo : hi + 2 * pad]) == said
                    for lo, hi, said in chosen
                )
    return {name: list(counts / max(1, tried)) for name, counts in right.items()}


def main() -> None:
    from bench.benchlib import stop_cleanly

    stop_cleanly()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chains", nargs="*", help="only these (off is always tried)")
    parser.add_argument("--engine", default="espeak-ng", choices=["espeak-ng", "piper"])
    parser.add_argument("--every", type=int, default=6, help="hear every Nth cue only")
    parser.add_argument("--glimpses-only", action="store_true")
    args = parser.parse_args()
    if args.chains:
        unknown = set(args.chains) - set(CHAINS)
        if unknown:
            parser.error(f"no chain {sorted(unknown)}; the chains: {', '.join(CHAINS)}")
        for name in set(CHAINS) - {"off", *args.chains}:
            del CHAINS[name]
    with tempfile.TemporaryDirectory(prefix="voicecoach-sweep-") as scratch:
        data = sessions(args.engine, Path(scratch))
    kinds = ("speech-shaped", "pink", "babble")
    glimpses = {kind: glimpse_gains(data, kind, args.every) for kind in kinds}
    print(f"\n{args.engine}, every {args.every}th cue: gains against off, in dB")
    header = "".join(f"{kind:>16}" for kind in kinds)
    if args.glimpses_only:
        print(f"{'chain':<22}{header}   (glimpse proportion)")
        for name in CHAINS:
            print(f"{name:<22}" + "".join(f"{glimpses[k][name]:>+16.1f}" for k in kinds))
        return
    curves = {kind: heard(data, kind, args.every) for kind in kinds}
    quiet = heard(data, "quiet", args.every)
    print(f"{'chain':<22}{'quiet room':>11}{header}   (recogniser; glimpses)")
    for name in CHAINS:
        cells_ = []
        for kind in kinds:
            off = fifty(list(zip(SNRS, curves[kind]["off"], strict=True)))
            point = fifty(list(zip(SNRS, curves[kind][name], strict=True)))
            gain = "-" if off is None or point is None else f"{off - point:+.1f}"
            cells_.append(f"{gain:>9}; {glimpses[kind][name]:+.1f}")
        print(f"{name:<22}{100 * quiet[name][0]:>10.1f}%" + "".join(cells_))


if __name__ == "__main__":
    main()
