"""Read back a session MP3 the way a player sees it: tags, chapters, length."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voicecoach.errors import VoicecoachError
from voicecoach.timeline import Chapter

_TAG_NAMES = (
    ("TIT2", "Title"),
    ("TPE1", "Artist"),
    ("TALB", "Album"),
    ("TRCK", "Track"),
    ("TCON", "Genre"),
    ("TDRC", "Year"),
    ("COMM", "Comment"),
)


@dataclass(frozen=True)
class SessionInfo:
    """What a player shows of a session file."""

    tags: tuple[tuple[str, str], ...]
    length_ms: int
    audio: str
    chapters: tuple[Chapter, ...]
    music: tuple[tuple[str, int, int], ...] = ()  # from the JSON beside it: file, start, end
    metronome: tuple[tuple[int, int, int], ...] = ()  # start, end, steps a minute


def _walk(children: list[str], tocs: dict[str, Any], depth: int = 0) -> list[str]:
    """The chapter ids under a table of contents, in order, through nested ones."""
    found: list[str] = []
    for child in children:
        if child in tocs and depth < 4:
            found += _walk(tocs[child].child_element_ids, tocs, depth + 1)
        else:
            found.append(child)
    return found


def read_session(path: Path) -> SessionInfo:
    """Read the tags, chapters and length of a session file (an MP3, or a WAV we wrote)."""
    if path.suffix.lower() == ".wav":
        return _read_wav(path)
    return _read_mp3(path)


def _read_wav(path: Path) -> SessionInfo:
    """A WAV carries no tags: its length from the file, title and chapters from its JSON."""
    import json
    import wave

    try:
        with wave.open(str(path), "rb") as wav:
            frames, rate, channels = wav.getnframes(), wav.getframerate(), wav.getnchannels()
            bits = 8 * wav.getsampwidth()
    except (wave.Error, EOFError, OSError) as exc:
        raise VoicecoachError(f"{path}: expected a WAV file, could not read it ({exc})") from None
    tags: list[tuple[str, str]] = []
    chapters: list[Chapter] = []
    try:
        document = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        tags.append(("Title", str(document["title"])))
        chapters = [
            Chapter(str(c["title"]), int(c["start_ms"]), int(c["end_ms"]))
            for c in document.get("chapters", [])
        ]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass  # no sidecar beside it (or not ours): the length and format alone
    layout = "mono" if channels == 1 else f"{channels} channels"
    music, metronome = _from_sidecar(path.with_suffix(".json"))
    return SessionInfo(
        tuple(tags),
        round(frames * 1000 / rate) if rate else 0,
        f"WAV, {rate} Hz {layout}, {bits}-bit PCM",
        tuple(chapters),
        music,
        metronome,
    )


def _read_mp3(path: Path) -> SessionInfo:
    from mutagen import MutagenError
    from mutagen.mp3 import MP3

    try:
        audio = MP3(str(path))
    except (MutagenError, OSError) as exc:
        raise VoicecoachError(f"{path}: expected an MP3 file, could not read it ({exc})") from None
    stream: Any = audio.info
    id3 = audio.tags
    tags: list[tuple[str, str]] = []
    chapters: list[Chapter] = []
    length_ms = round(stream.length * 1000)
    if id3 is not None:
        for frame_id, label in _TAG_NAMES:
            frames = id3.getall(frame_id)
            if frames:
                tags.append((label, str(frames[0].text[0])))
        if id3.getall("TLEN"):
            length_ms = int(str(id3.getall("TLEN")[0].text[0]))
        by_id = {frame.element_id: frame for frame in id3.getall("CHAP")}
        tocs = {toc.element_id: toc for toc in id3.getall("CTOC")}
        top = [toc for toc in tocs.values() if toc.flags & 0x02] or list(tocs.values())
        order = _walk(top[0].child_element_ids, tocs) if top else sorted(by_id)
        for element_id in order:
            frame = by_id.get(element_id)
            if frame is None:
                continue
            titles = [sub.text[0] for sub in frame.sub_frames.getall("TIT2")]
            title = str(titles[0]) if titles else element_id
            chapters.append(Chapter(title, frame.start_time, frame.end_time))
    channels = "mono" if stream.channels == 1 else f"{stream.channels} channels"
    description = f"MP3, {stream.sample_rate} Hz {channels}, {stream.bitrate // 1000} kbps"
    music, metronome = _from_sidecar(path.with_suffix(".json"))
    return SessionInfo(tuple(tags), length_ms, description, tuple(chapters), music, metronome)


def _from_sidecar(
    path: Path,
) -> tuple[tuple[tuple[str, int, int], ...], tuple[tuple[int, int, int], ...]]:
    """The music and metronome the JSON timeline beside the audio lists (none if absent)."""
    import json

    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        tracks = document.get("music", {}).get("tracks", [])
        music = tuple((str(t["file"]), int(t["start_ms"]), int(t["end_ms"])) for t in tracks)
        ticks = tuple(
            (int(m["start_ms"]), int(m["end_ms"]), int(m["bpm"]))
            for m in document.get("metronome", [])
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return (), ()
    return music, ticks
