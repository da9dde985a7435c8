"""A session's music and metronome: the layers under the voice, and what the JSON says."""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from voicecoach.audio.dsp import sample_at
from voicecoach.audio.loudness import ValueStore
from voicecoach.audio.mix import Layer
from voicecoach.music.bed import (
    DUCK_LEAD_MS,
    BedLayer,
    Ducker,
    TickLayer,
    duck_spans,
    plan_bed,
    tick_spans,
)
from voicecoach.music.tracks import TrackInfo, check, find_tracks, measure
from voicecoach.routine.model import AudioSettings, Music
from voicecoach.timeline import Timeline


@dataclass
class MusicPlan:
    """The layers to mix under the voice, and the JSON's `music` and `metronome`."""

    layers: list[Layer] = field(default_factory=list)
    document: dict[str, Any] = field(default_factory=dict)


def check_tracks(
    music: Music | None, audio: AudioSettings, exclude: Collection[Path] = ()
) -> list[Path]:
    """Every track of the bed, found and its first sound decoded: a bad one stops us now."""
    if music is None:
        return []
    paths = find_tracks(music, exclude)
    for path in paths:
        check(path, audio.sample_rate, audio.channels)
    return paths


def measure_tracks(
    paths: Sequence[Path], audio: AudioSettings, store: ValueStore | None, total: int
) -> list[TrackInfo]:
    """Each track measured as far as a session of `total` frames can play it (then cached)."""
    return [measure(p, audio.sample_rate, audio.channels, store, total) for p in paths]


def plan_music(
    music: Music | None,
    tracks: list[TrackInfo],
    timeline: Timeline,
    audio: AudioSettings,
    seed: str,
) -> MusicPlan:
    """The bed (when there is music) and the metronome (when a block has a cadence)."""
    plan = MusicPlan()
    ticks = tick_spans(timeline.blocks)
    if music is None and not ticks:
        return plan
    rate, channels = audio.sample_rate, audio.channels
    total = sample_at(timeline.duration_ms, rate)
    spans = duck_spans(timeline.cues, rate)
    # ticks alone duck as a bed would by default
    ducker = Ducker(spans, (music or Music(files=())).duck_db, rate)
    if music is not None:
        stretches = plan_bed(music, tracks, total, rate, seed)
        # each track at one loudness: `level` LU under the speech's, while nothing is said
        wanted = audio.target_lufs + music.level_lu
        gains = [
            0.0 if math.isinf(t.loudness) else 10 ** ((wanted - t.loudness) / 20) for t in tracks
        ]
        plan.layers.append(BedLayer(tracks, stretches, gains, ducker, rate, channels))
        plan.document["music"] = {
            "tracks": [s.document(tracks, rate) for s in stretches],
            "ducked": [[round(a * 1000 / rate), round(b * 1000 / rate)] for a, b in spans],
            "level_lu": music.level_lu,
            "duck_db": music.duck_db,
            "lead_ms": DUCK_LEAD_MS,
        }
    if ticks:
        plan.layers.append(TickLayer(ticks, ducker, rate, channels))
        plan.document["metronome"] = [span.document() for span in ticks]
    return plan


def with_files(music: Music | None, files: tuple[str, ...], folder: str) -> Music | None:
    """The routine's music with `files` from the command line (relative to `folder`)."""
    if not files:
        return music
    if music is None:
        return Music(files=files, folder=folder)
    return replace(music, files=files, folder=folder)
