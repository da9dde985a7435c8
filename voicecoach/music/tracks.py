"""Music files: found from files, folders and globs; decoded as a stream; measured once.

Decoding is PyAV's (FFmpeg's decoders, bundled in its wheel: MP3, AAC/M4A, Ogg Vorbis,
Opus, FLAC, WAV and more, with no system ffmpeg). Resampling is libsoxr's, as for speech.
"""

from __future__ import annotations

import fnmatch
import hashlib
from collections.abc import Callable, Collection, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from voicecoach import limits
from voicecoach.audio.loudness import LoudnessMeter, ValueStore
from voicecoach.errors import VoicecoachError
from voicecoach.routine.model import Music

AUDIO_SUFFIXES = (
    ".mp3", ".m4a", ".aac", ".mp4", ".ogg", ".oga", ".opus", ".flac", ".wav", ".wave",
    ".aif", ".aiff", ".wma", ".webm", ".mka",
)  # fmt: skip
CHUNK_FRAMES = 1 << 16  # what the decoder hands on at a time (about 1.5 s)
MEASURE_VERSION = 3


class MusicError(VoicecoachError):
    """A music file cannot be found or read."""


def _named(entry: str, base: Path, is_track: Callable[[Path], bool]) -> list[Path]:
    """The tracks one entry of `files` names: a file, or a folder's or a glob's, sorted."""
    path = Path(entry).expanduser()
    if not path.is_absolute():
        path = base / path
    if any(char in entry for char in "*?["):
        tracks = [p for p in _glob(path) if is_track(p)]
        if not tracks:
            raise MusicError(f"music: the pattern '{entry}' matches no music file")
        return tracks
    if path.is_dir():
        tracks = [p for p in _walk(path) if is_track(p)]
        if not tracks:
            raise MusicError(
                f"music: the folder {path} holds no music file "
                f"({', '.join(s.lstrip('.') for s in AUDIO_SUFFIXES[:7])}, ...)"
            )
        return tracks
    if path.is_file():
        return [path]
    raise MusicError(f"music: expected a music file, folder or pattern, found no {path}")


def find_tracks(music: Music, exclude: Collection[Path] = ()) -> list[Path]:
    """Every music file `files` names, in order: files as given, folders and globs sorted.

    A folder or glob never picks up one of `exclude` (the files this build writes, or any
    file in a folder it names), nor a session a programme build wrote (one its folder's
    programme.json lists). Links to folders are followed, but no folder twice, and a file
    reached twice counts once.
    """
    base = Path(music.folder)
    skipped = {path.resolve() for path in exclude}
    published: dict[Path, set[str]] = {}

    def is_track(path: Path) -> bool:
        if not path.is_file() or path.suffix.lower() not in AUDIO_SUFFIXES:
            return False
        real = path.resolve()
        return not skipped.intersection((real, *real.parents)) and path.name not in (
            _published_in(path.parent, published)
        )

    found: list[Path] = []
    for entry in music.files:
        found += _named(entry, base, is_track)
    distinct = len({track.resolve() for track in found})
    if distinct > limits.MAX_TRACKS:
        raise MusicError(f"music: expected at most {limits.MAX_TRACKS} tracks, found {distinct}")
    return found


def _published_in(folder: Path, known: dict[Path, set[str]]) -> set[str]:
    """The files a programme build wrote into `folder`, as its programme.json lists them."""
    if folder not in known:
        import json

        names: set[str] = set()
        try:
            document = json.loads((folder / "programme.json").read_text(encoding="utf-8"))
            for session in document["sessions"]:
                names.add(Path(str(session["file"])).name)
        except (OSError, ValueError, KeyError, TypeError):
            pass
        known[folder] = names
    return known[folder]


def _walk(folder: Path) -> list[Path]:
    """Every file below `folder`, sorted; a link to a folder is followed, no folder twice."""
    seen: set[tuple[int, int]] = set()
    files: list[Path] = []
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            status = current.stat()
            entries = list(current.iterdir())
        except OSError:
            continue
        if (status.st_dev, status.st_ino) in seen:
            continue
        seen.add((status.st_dev, status.st_ino))
        for entry in entries:
            if entry.is_dir():
                pending.append(entry)
            else:
                files.append(entry)
    # a file reached by two paths (through a link) is one track
    return sorted({file.resolve(): file for file in sorted(files, reverse=True)}.values())


def _glob(pattern: Path) -> list[Path]:
    """The files a glob matches, sorted; `**` is any depth, through _walk's rules."""
    parts = pattern.parts
    magic = next(i for i, part in enumerate(parts) if any(c in part for c in "*?["))
    root, wanted = Path(*parts[:magic]), parts[magic:]
    return [path for path in _walk(root) if _matches(path.relative_to(root).parts, wanted)]


def _matches(names: tuple[str, ...], patterns: tuple[str, ...]) -> bool:
    if not patterns:
        return not names
    if patterns[0] == "**":
        return any(_matches(names[skip:], patterns[1:]) for skip in range(len(names) + 1))
    return (
        bool(names)
        and (not names[0].startswith(".") or patterns[0].startswith("."))  # as glob does
        and fnmatch.fnmatchcase(names[0], patterns[0])
        and _matches(names[1:], patterns[1:])
    )


def decode(path: Path, rate: int, channels: int) -> Generator[np.ndarray, None, None]:
    """A track as float32 chunks at `rate`, shaped (frames,) for mono or (frames, 2)."""
    import av

    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise MusicError(f"cannot read the music file {path}: {_reason(exc)}") from None
    try:
        if not container.streams.audio:
            raise MusicError(f"cannot read the music file {path}: it has no audio")
        stream = container.streams.audio[0]
        resampler: Any = None
        pending: list[np.ndarray] = []
        pending_frames = 0
        source_rate = stream.codec_context.sample_rate or rate
        try:
            # frames are gathered as they come and converted a chunk at a time: a track
            # has tens of thousands of frames, and per-frame work in Python would cost more
            # than decoding them
            for frame in container.decode(stream):
                pending.append(_planar(frame))
                pending_frames += frame.samples
                source_rate = frame.sample_rate
                if pending_frames >= CHUNK_FRAMES:
                    chunk, resampler = _converted(pending, source_rate, rate, channels, resampler)
                    yield chunk
                    pending, pending_frames = [], 0
        except av.error.FFmpegError as exc:
            raise MusicError(f"cannot decode the music file {path}: {_reason(exc)}") from None
        if pending or resampler is not None:
            chunk, resampler = _converted(
                pending, source_rate, rate, channels, resampler, last=True
            )
            if len(chunk):
                yield chunk
    finally:
        container.close()


_SCALE = {"s16": 32768.0, "s32": 2147483648.0, "u8": 128.0, "s64": 2.0**63}


def _planar(frame: Any) -> np.ndarray:
    """A decoded frame as float32 (channels, samples), whatever its sample format."""
    data = frame.to_ndarray()
    name = frame.format.name.rstrip("p")
    if not frame.format.is_planar:
        data = data.reshape(-1, len(frame.layout.channels)).T
    if name == "u8":
        data = data.astype(np.float32) - 128.0
    planar: np.ndarray = data.astype(np.float32, copy=False)
    scale = _SCALE.get(name)
    return planar / np.float32(scale) if scale else planar


def _converted(
    frames: list[np.ndarray],
    source_rate: int,
    rate: int,
    channels: int,
    resampler: Any,
    last: bool = False,
) -> tuple[np.ndarray, Any]:
    """Frames joined, mapped to the session's channels and resampled with libsoxr."""
    import soxr

    joined = np.concatenate(frames, axis=1) if frames else np.zeros((1, 0), np.float32)
    if channels == 1:
        mapped = joined.mean(axis=0) if len(joined) > 1 else joined[0]
    elif len(joined) == 1:
        mapped = np.repeat(joined.T, 2, axis=1)
    else:
        mapped = joined[:2].T  # a surround track: its front pair
    mapped = np.ascontiguousarray(mapped, dtype=np.float32)
    if source_rate == rate:
        return mapped, resampler
    if resampler is None:
        resampler = soxr.ResampleStream(source_rate, rate, channels, dtype="float32", quality="HQ")
    return np.asarray(resampler.resample_chunk(mapped, last=last), dtype=np.float32), resampler


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.split(": '")[0].strip() or type(exc).__name__


@dataclass(frozen=True)
class TrackInfo:
    """What the bed needs of a track before playing it: its length and loudness.

    A track longer than the session is measured only as far as the session could play it
    (every stretch plays a track from its start): `frames` is then that much, `whole` False,
    and the loudness is the loudness of that part, the part the runner hears.
    """

    path: Path
    frames: int  # at the session's rate
    loudness: float  # LUFS (-inf when silent)
    whole: bool = True


def check(path: Path, rate: int, channels: int) -> None:
    """Stop now if `path` is no music file voicecoach can play: its first sound is decoded."""
    chunks = decode(path, rate, channels)
    try:
        if next(chunks, None) is None:
            raise MusicError(f"cannot read the music file {path}: it holds no sound")
    finally:
        chunks.close()


def measure(
    path: Path, rate: int, channels: int, store: ValueStore | None, limit: int | None = None
) -> TrackInfo:
    """A track's length and integrated loudness, decoded once and then kept in the cache.

    With a `limit` (frames), decoding stops there: a ten-hour track under a short session
    costs what the session plays, and the meter keeps memory flat however far it goes.
    """
    stat = path.stat()
    source = (
        f"{MEASURE_VERSION}:{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}:{rate}:{channels}"
    )
    whole_key = hashlib.sha256(source.encode()).hexdigest()
    part_key = hashlib.sha256(f"{source}:{limit}".encode()).hexdigest()
    for key in (whole_key, part_key) if limit is not None else (whole_key,):
        found = store.read_values(key, ".track") if store is not None else None
        if found is not None and len(found[1]) == 2:  # frames in two parts: float32 values
            frames = int(found[1][0]) * 65536 + int(found[1][1])
            return TrackInfo(path, frames, found[0], whole=key == whole_key)
    meter = LoudnessMeter(rate)
    chunks = decode(path, rate, channels)
    whole = True
    try:
        for chunk in chunks:
            if limit is not None and meter.frames + len(chunk) > limit:
                meter.feed(chunk[: limit - meter.frames])
                whole = False  # the session plays no further
                break
            meter.feed(chunk)
    finally:
        chunks.close()
    if meter.frames == 0:
        raise MusicError(f"cannot read the music file {path}: it holds no sound")
    loudness = meter.loudness()
    if store is not None:
        parts = np.array(divmod(meter.frames, 65536), dtype=np.float32)
        store.write_values(whole_key if whole else part_key, ".track", loudness, parts)
    return TrackInfo(path, meter.frames, loudness, whole)
