"""The music bed and the metronome as layers: planned from the timeline, rendered by window.

The bed knows every cue's time before it plays, so it ducks ahead: each cue's ramp down
ends DUCK_LEAD_MS before the cue begins, and the bed comes back up over RELEASE_MS after
it; cues closer together than the two ramps keep it down in between, so it never pumps.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voicecoach.audio.dsp import sample_at
from voicecoach.music.tracks import TrackInfo, decode
from voicecoach.routine.model import Music
from voicecoach.timeline import Block, Cue

ATTACK_MS = 250  # the ramp down
DUCK_LEAD_MS = 60  # fully down this long before a cue begins
RELEASE_MS = 500  # the ramp back up, after the cue ends
HOLD_MS = 80  # stay down a little after a cue, for its tail
TICK_MS = 25
TICK_HZ = 1800.0
TICK_PEAK = 0.12  # about -18 dBFS: a soft click, well under the voice


@dataclass(frozen=True)
class Stretch:
    """One stretch of one track in the bed, played from its start: where, and its fades."""

    track: int  # index into the bed's tracks
    start: int  # sample in the session
    stop: int
    fade_in: int  # samples of crossfade (or the session's fade) at its start
    fade_out: int

    def document(self, tracks: Sequence[TrackInfo], rate: int) -> dict[str, object]:
        return {
            "file": tracks[self.track].path.name,
            "start_ms": round(self.start * 1000 / rate),
            "end_ms": round(self.stop * 1000 / rate),
        }


def track_order(music: Music, tracks: Sequence[TrackInfo], seed: str) -> list[int]:
    """The order tracks play in: as listed, or shuffled the same way every build."""
    order = list(range(len(tracks)))
    if music.order == "shuffle":
        digest = hashlib.sha256(("\0".join([seed, *map(str, music.files)])).encode()).digest()
        random.Random(int.from_bytes(digest[:8], "big")).shuffle(order)
    return order


def plan_bed(
    music: Music, tracks: Sequence[TrackInfo], total: int, rate: int, seed: str
) -> list[Stretch]:
    """Tracks one after another, crossfaded, looped until the session ends."""
    order = [i for i in track_order(music, tracks, seed) if tracks[i].frames > 0]
    crossfade = sample_at(music.crossfade_ms, rate)
    fade = min(sample_at(music.fade_ms, rate), total // 2)
    stretches: list[Stretch] = []
    position, fade_in, index = 0, fade, 0
    while position < total and order:
        track = order[index % len(order)]
        stop = min(position + tracks[track].frames, total)
        if stop >= total:
            stretches.append(Stretch(track, position, stop, fade_in, fade))
            break
        following = order[(index + 1) % len(order)]
        # the next track starts `overlap` before this one ends: both fade across it
        overlap = min(crossfade, tracks[track].frames // 2, tracks[following].frames // 2)
        stretches.append(Stretch(track, position, stop, fade_in, overlap))
        position, fade_in, index = stop - overlap, overlap, index + 1
    return stretches


def duck_spans(cues: Sequence[Cue], rate: int) -> list[tuple[int, int]]:
    """Where the bed is fully down (samples), cues close together merged into one span."""
    spans: list[tuple[int, int]] = []
    for cue in cues:
        start = sample_at(cue.start_ms - DUCK_LEAD_MS, rate)
        stop = sample_at(cue.end_ms + HOLD_MS, rate)
        gap = sample_at(ATTACK_MS + RELEASE_MS, rate)
        if spans and start - spans[-1][1] <= gap:
            spans[-1] = (spans[-1][0], max(spans[-1][1], stop))
        else:
            spans.append((start, stop))
    return spans


class Ducker:
    """The bed's gain over time: 1 in the open, `duck_db` down under cues, smooth between."""

    def __init__(self, spans: Sequence[tuple[int, int]], duck_db: float, rate: int) -> None:
        attack, release = sample_at(ATTACK_MS, rate), sample_at(RELEASE_MS, rate)
        points: list[float] = []
        depth: list[float] = []
        for start, stop in spans:
            points += [start - attack, start, stop, stop + release]
            depth += [0.0, 1.0, 1.0, 0.0]
        self.points = np.array(points, dtype=np.float64)
        self.depth = np.array(depth, dtype=np.float64)
        self.duck_db = duck_db

    def apply(self, sound: np.ndarray, start: int, stop: int) -> None:
        """Duck `sound` ((n,) or (n, 2): samples [start, stop)) in place."""
        gain = self.gain(start, stop)
        if isinstance(gain, float):
            if gain != 1.0:
                sound *= np.float32(gain)
        else:
            sound *= gain if sound.ndim == 1 else gain[:, None]

    def gain(self, start: int, stop: int) -> np.ndarray | float:
        """The gain of samples [start, stop): one number where it does not change."""
        if len(self.points) == 0 or self.duck_db == 0:
            return 1.0
        first, last = np.searchsorted(self.points, [start, stop])
        if first == last:  # no ramp starts or ends here: the depth holds all through
            depth = float(np.interp(start, self.points, self.depth))
            return float(10 ** (-self.duck_db * (0.5 - 0.5 * math.cos(math.pi * depth)) / 20))
        # the ramps are smooth: shape them every GRID samples and draw straight between
        grid = np.arange(start, stop + GRID, GRID, dtype=np.float64)
        fraction = np.interp(grid, self.points, self.depth)
        shaped = 0.5 - 0.5 * np.cos(np.pi * fraction)  # raised cosine: no corners, no clicks
        coarse = np.power(10.0, -self.duck_db * shaped / 20)
        fine: np.ndarray = np.interp(np.arange(start, stop), grid, coarse).astype(np.float32)
        return fine


GRID = 32  # samples between the points at which a ramp's shape is computed


class BedLayer:
    """The music bed: tracks at their gains, crossfaded, faded, ducked."""

    def __init__(
        self,
        tracks: Sequence[TrackInfo],
        stretches: Sequence[Stretch],
        gains: Sequence[float],
        ducker: Ducker,
        rate: int,
        channels: int,
    ) -> None:
        self.tracks = tracks
        self.stretches = stretches
        self.gains = gains
        self.ducker = ducker
        self.rate = rate
        self.channels = channels
        self._open: dict[int, _Reader] = {}  # stretch index -> its decoder, while it plays

    def window(self, start: int, stop: int) -> np.ndarray | None:
        """The bed in [start, stop): (n,) mono or (n, 2) stereo float32."""
        shape = (stop - start,) if self.channels == 1 else (stop - start, 2)
        out: np.ndarray | None = None
        for index, stretch in enumerate(self.stretches):
            if stretch.stop <= start or stretch.start >= stop:
                if stretch.stop <= start and index in self._open:
                    del self._open[index]
                continue
            reader = self._open.get(index)
            if reader is None:
                reader = _Reader(self.tracks[stretch.track].path, self.rate, self.channels)
                reader.skip(max(0, start - stretch.start))
                self._open[index] = reader
            lo, hi = max(start, stretch.start), min(stop, stretch.stop)
            samples = reader.take(hi - lo) * np.float32(self.gains[stretch.track])
            fades = _fades(stretch, lo, hi)
            if fades is not None:
                samples *= fades if samples.ndim == 1 else fades[:, None]
            if out is None:
                out = np.zeros(shape, dtype=np.float32)
            out[lo - start : hi - start] += samples
        if out is not None:
            self.ducker.apply(out, start, stop)
        return out


def _fades(stretch: Stretch, lo: int, hi: int) -> np.ndarray | None:
    """Equal-power fades over the stretch's edges for samples [lo, hi); None: no fade here."""
    fading_in = stretch.fade_in and lo < stretch.start + stretch.fade_in
    fading_out = stretch.fade_out and hi > stretch.stop - stretch.fade_out
    if not (fading_in or fading_out):
        return None
    n = np.arange(lo, hi, dtype=np.float64)
    gain = np.ones(hi - lo)
    if fading_in:
        x = np.clip((n - stretch.start) / stretch.fade_in, 0.0, 1.0)
        gain *= np.sin(0.5 * np.pi * x)
    if fading_out:
        x = np.clip((stretch.stop - n) / stretch.fade_out, 0.0, 1.0)
        gain *= np.sin(0.5 * np.pi * x)
    return gain.astype(np.float32)


class _Reader:
    """A track's decoded samples, taken in order, a chunk ahead at most."""

    def __init__(self, path: Path, rate: int, channels: int) -> None:
        self._chunks: Iterator[np.ndarray] = decode(path, rate, channels)
        self._buffer = np.zeros((0,) if channels == 1 else (0, 2), dtype=np.float32)

    def _fill(self, count: int) -> None:
        parts = [self._buffer]
        have = len(self._buffer)
        while have < count:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            parts.append(chunk)
            have += len(chunk)
        if len(parts) > 1:
            self._buffer = np.concatenate(parts)

    def skip(self, count: int) -> None:
        while count > 0:
            self._fill(min(count, 1 << 16))
            if len(self._buffer) == 0:
                return
            step = min(count, len(self._buffer))
            self._buffer = self._buffer[step:]
            count -= step

    def take(self, count: int) -> np.ndarray:
        self._fill(count)
        taken = self._buffer[:count]
        self._buffer = self._buffer[count:]
        if len(taken) < count:  # a track a little shorter than measured: pad with silence
            pad = ((0, count - len(taken)),) + (((0, 0),) if taken.ndim == 2 else ())
            taken = np.pad(taken, pad)
        result: np.ndarray = taken.copy()
        return result


@dataclass(frozen=True)
class TickSpan:
    """A stretch of the session that ticks: a timed block with a cadence."""

    start_ms: int
    end_ms: int
    bpm: int

    def document(self) -> dict[str, int]:
        return {"start_ms": self.start_ms, "end_ms": self.end_ms, "bpm": self.bpm}

    def tick(self, k: int, rate: int) -> int:
        """The sample of the k-th tick: each placed from the span's start, so none drifts."""
        return round((self.start_ms / 1000 + k * 60 / self.bpm) * rate)


def tick_spans(blocks: Sequence[Block]) -> list[TickSpan]:
    """The spans that tick: every timed block with a cadence."""
    return [TickSpan(b.go_ms, b.stop_ms, b.cadence) for b in blocks if b.cadence is not None]


def tick_sound(rate: int) -> np.ndarray:
    """A short, soft click: a decaying sine."""
    n = sample_at(TICK_MS, rate)
    t = np.arange(n, dtype=np.float64) / rate
    envelope = np.exp(-t / (TICK_MS / 5000)) * np.minimum(1.0, np.arange(n) / (0.001 * rate))
    return (TICK_PEAK * envelope * np.sin(2 * np.pi * TICK_HZ * t)).astype(np.float32)


class TickLayer:
    """The metronome: a tick on every step of each span, sample-accurate (no drift)."""

    def __init__(self, spans: Sequence[TickSpan], ducker: Ducker, rate: int, channels: int) -> None:
        self.spans = spans
        self.ducker = ducker
        self.rate = rate
        self.channels = channels
        self.sound = tick_sound(rate)

    def window(self, start: int, stop: int) -> np.ndarray | None:
        """The ticks sounding in [start, stop)."""
        rate, length = self.rate, len(self.sound)
        out: np.ndarray | None = None
        for span in self.spans:
            end = sample_at(span.end_ms, rate)
            if end <= start - length or sample_at(span.start_ms, rate) >= stop:
                continue
            period = 60 * rate / span.bpm
            k = max(0, math.floor((start - length - span.start_ms * rate / 1000) / period))
            while (at := span.tick(k, rate)) < min(stop, end):
                lo, hi = max(at, start), min(at + length, stop)
                if hi > lo:
                    if out is None:
                        out = np.zeros(stop - start, dtype=np.float32)
                    out[lo - start : hi - start] += self.sound[lo - at : hi - at]
                k += 1
        if out is None:
            return None
        self.ducker.apply(out, start, stop)
        return out if self.channels == 1 else np.repeat(out[:, None], 2, axis=1)
