"""Decode what a build wrote and measure it the way a listener would notice."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np


def ffmpeg() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def decode(path: Path, sample_rate: int | None = None) -> tuple[np.ndarray, int]:
    """The decoded audio of an MP3 (first channel) as float32, and its sample rate."""
    rate = sample_rate or json.loads(path.with_suffix(".json").read_text())["sample_rate"]
    raw = subprocess.run(
        [
            ffmpeg(),
            "-v",
            "error",
            "-i",
            str(path),
            "-f",
            "s16le",
            "-ac",
            "1",
            "-ar",
            str(rate),
            "-",
        ],
        check=True,
        capture_output=True,
    ).stdout
    return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0, rate


def onset_ms(
    audio: np.ndarray, rate: int, from_ms: int, to_ms: int, threshold: float = 0.02
) -> float | None:
    """The first time in [from_ms, to_ms) where the audio rises above `threshold`."""
    lo, hi = max(0, from_ms * rate // 1000), min(len(audio), to_ms * rate // 1000)
    loud = np.flatnonzero(np.abs(audio[lo:hi]) >= threshold)
    return None if len(loud) == 0 else (lo + int(loud[0])) * 1000 / rate


def peak(audio: np.ndarray, rate: int, from_ms: int, to_ms: int) -> float:
    """The largest absolute sample in [from_ms, to_ms)."""
    part = audio[max(0, from_ms * rate // 1000) : max(0, to_ms * rate // 1000)]
    return float(np.max(np.abs(part))) if len(part) else 0.0


def check_session(mp3: Path) -> dict[str, Any]:
    """Measure a built session against its JSON; return the worst figures found."""
    document = json.loads(mp3.with_suffix(".json").read_text())
    audio, rate = decode(mp3)
    cues = document["cues"]
    worst_onset = 0.0
    worst_gap_peak = 0.0
    for index, cue in enumerate(cues):
        previous_end = cues[index - 1]["end_ms"] if index else 0
        heard = onset_ms(
            audio, rate, max(previous_end + 15, cue["start_ms"] - 100), cue["end_ms"] + 1
        )
        assert heard is not None, f"cue {cue} is silent in the decoded audio"
        worst_onset = max(worst_onset, abs(heard - cue["start_ms"]))
        gap_end = cues[index + 1]["start_ms"] if index + 1 < len(cues) else document["duration_ms"]
        if gap_end - cue["end_ms"] > 60:
            worst_gap_peak = max(
                worst_gap_peak, peak(audio, rate, cue["end_ms"] + 25, gap_end - 25)
            )
    lead = peak(audio, rate, 0, cues[0]["start_ms"] - 25) if cues else 0.0
    from voicecoach.audio.loudness import analyze, session_loudness, true_peak_db

    # BS.1770 over the decoded file as one sound: test_loudness checks this meter against
    # pyloudnorm, which is too slow (a Python loop per block) for whole sessions
    energy = analyze(audio, rate).energy_ms
    lufs = session_loudness([(0, energy, 1.0)], len(energy), rate, document["channels"])
    return {
        "worst_onset_ms": worst_onset,
        "worst_gap_peak": max(worst_gap_peak, lead),
        "decoded_ms": len(audio) * 1000 / rate,
        "duration_ms": document["duration_ms"],
        "lufs": lufs,
        "true_peak_db": true_peak_db(audio, rate),
        "document": document,
        "audio": audio,  # decoded once: a test may look further without decoding again
        "rate": rate,
    }


def ebur128(path: Path) -> tuple[float, float]:
    """ffmpeg's EBU R128 meter on a file: (integrated LUFS, true peak dBTP)."""
    import re

    err = subprocess.run(
        [
            ffmpeg(),
            "-hide_banner",
            "-nostats",
            "-i",
            str(path),
            "-af",
            "ebur128=peak=true",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    summary = err[err.rfind("Summary:") :]
    lufs = re.search(r"I:\s+(-?[\d.]+) LUFS", summary)
    peak_db = re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary)
    assert lufs, summary
    assert peak_db, summary
    return float(lufs[1]), float(peak_db[1])
