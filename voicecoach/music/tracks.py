"""Music files: found from files, folders and globs; decoded as a stream; measured once.

Decoding is PyAV's (FFmpeg's decoders, bundled in its wheel: MP3, AAC/M4A, Ogg Vorbis,
Opus, FLAC, WAV and more, with no system ffmpeg). Resampling is libsoxr's, as for speech.
"""

from __future__ import annotations

import glob
import hashlib
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voicecoach import limits
from voicecoach.errors import VoicecoachError
from voicecoach.loudness import BLOCK_S, ValueStore, k_weighted, per_ms, session_loudness
from voicecoach.model import Music

AUDIO_SUFFIXES = (
    ".mp3", ".m4a", ".aac", ".mp4", ".ogg", ".oga", ".opus", ".flac", ".wav", ".wave",
    ".aif", ".aiff", ".wma", ".webm", ".mka",
)  # fmt: skip
CHUNK_FRAMES = 1 << 16  # what the decoder hands on at a time (about 1.5 s)
MEASURE_VERSION = 1


class MusicError(VoicecoachError):
    """A music file cannot be found or read."""


def find_tracks(music: Music, exclude: Collection[Path] = ()) -> list[Path]:
    """Every music file `files` names, in order: files as given, folders and globs sorted.

    A folder or glob never picks up one of `exclude` (the files this build writes).
    """
    base = Path(music.folder)
    skipped = {path.resolve() for path in exclude}
    found: list[Path] = []
    for entry in music.files:
        path = Path(entry).expanduser()
        if not path.is_absolute():
            path = base / path
        if any(char in entry for char in "*?["):
            matches = sorted(Path(p) for p in glob.glob(str(path), recursive=True))
            tracks = [
                p
                for p in matches
                if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES and p.resolve() not in skipped
            ]
            if not tracks:
                raise MusicError(f"music: the pattern '{entry}' matches no music file")
            found += tracks
        elif path.is_dir():
            tracks = sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES and p.resolve() not in skipped
            )
            if not tracks:
                raise MusicError(
                    f"music: the folder {path} holds no music file "
                    f"({', '.join(s.lstrip('.') for s in AUDIO_SUFFIXES[:7])}, ...)"
                )
            found += tracks
        elif path.is_file():
            found.append(path)
        else:
            raise MusicError(f"music: expected a music file, folder or pattern, found no {path}")
    if len(found) > limits.MAX_TRACKS:
        raise MusicError(f"music: expected at most {limits.MAX_TRACKS} tracks, found {len(found)}")
    return found


def decode(path: Path, rate: int, channels: int) -> Iterator[np.ndarray]:
    """A track as float32 chunks at `rate`, shaped (frames,) for mono or (frames, 2)."""
    import av
    import soxr

    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise MusicError(f"cannot read the music file {path}: {_reason(exc)}") from None
    try:
        if not container.streams.audio:
            raise MusicError(f"cannot read the music file {path}: it has no audio")
        stream = container.streams.audio[0]
        layout = "mono" if channels == 1 else "stereo"
        converter = av.AudioResampler(format="flt", layout=layout)  # format only, same rate
        resampler: soxr.ResampleStream | None = None
        pending: list[np.ndarray] = []
        pending_frames = 0
        try:
            for frame in container.decode(stream):
                for converted in converter.resample(frame):
                    samples = converted.to_ndarray().reshape(-1, channels)
                    if resampler is None and converted.sample_rate != rate:
                        resampler = soxr.ResampleStream(
                            converted.sample_rate, rate, channels, dtype="float32", quality="HQ"
                        )
                    if resampler is not None:
                        samples = resampler.resample_chunk(samples)
                    pending.append(samples)
                    pending_frames += len(samples)
                    if pending_frames >= CHUNK_FRAMES:
                        yield _shaped(pending, channels)
                        pending, pending_frames = [], 0
            for converted in converter.resample(None):
                samples = converted.to_ndarray().reshape(-1, channels)
                pending.append(resampler.resample_chunk(samples) if resampler else samples)
            if resampler is not None:
                pending.append(
                    resampler.resample_chunk(np.zeros((0, channels), "float32"), last=True)
                )
        except av.error.FFmpegError as exc:
            raise MusicError(f"cannot decode the music file {path}: {_reason(exc)}") from None
        if pending:
            yield _shaped(pending, channels)
    finally:
        container.close()


def _shaped(parts: list[np.ndarray], channels: int) -> np.ndarray:
    joined = np.concatenate(parts).astype(np.float32, copy=False)
    return joined[:, 0].copy() if channels == 1 else joined


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.split(": '")[0].strip() or type(exc).__name__


@dataclass(frozen=True)
class TrackInfo:
    """What the bed needs of a track before playing it: its length and loudness."""

    path: Path
    frames: int  # at the session's rate
    loudness: float  # LUFS (-inf when silent)


def measure(path: Path, rate: int, channels: int, store: ValueStore | None) -> TrackInfo:
    """A track's length and integrated loudness, decoded once and then kept in the cache."""
    stat = path.stat()
    key = hashlib.sha256(
        f"{MEASURE_VERSION}:{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}:{rate}:{channels}".encode()
    ).hexdigest()
    found = store.read_values(key, ".track") if store is not None else None
    if found is not None and len(found[1]) == 2:  # frames in two parts: float32 values
        return TrackInfo(path, int(found[1][0]) * 65536 + int(found[1][1]), found[0])
    energies: list[np.ndarray] = []
    frames = 0
    for chunk in decode(path, rate, channels):
        frames += len(chunk)
        columns = chunk.reshape(len(chunk), -1)
        energy = sum(
            per_ms(weighted * weighted, rate)
            for weighted in (
                k_weighted(columns[:, c], rate)[: len(chunk)] for c in range(columns.shape[1])
            )
        )
        energies.append(np.asarray(energy))
    if frames == 0:
        raise MusicError(f"cannot read the music file {path}: it holds no sound")
    energy_ms = np.concatenate(energies)
    # per-channel energies are summed, as BS.1770 sums channels; measure as one channel
    loudness = session_loudness([(0, energy_ms, 1.0)], len(energy_ms), rate, 1)
    if frames < BLOCK_S * rate:
        loudness = float("-inf") if not np.any(energy_ms) else loudness
    if store is not None:
        parts = np.array(divmod(frames, 65536), dtype=np.float32)
        store.write_values(key, ".track", loudness, parts)
    return TrackInfo(path, frames, loudness)
