"""Write the session: PCM -> MP3 (lameenc), ID3 tags and chapters (mutagen), safe renames."""

from __future__ import annotations

import collections
import datetime
import glob
import math
import os
import tempfile
import threading
import time
import wave
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from voicecoach.audio.dsp import to_pcm16
from voicecoach.errors import ExportError
from voicecoach.files.parts import part_prefix, remove_dead_parts
from voicecoach.routine.model import AudioSettings, Routine
from voicecoach.timeline import Timeline

FRAME_SAMPLES = 1152  # MPEG-1 Layer III, which every supported sample rate uses
# lameenc writes no LAME/Xing header, so decoders cannot trim the encoder's 576 samples of
# delay nor their own 529: every player starts the audio this many samples late.
CODEC_DELAY_SAMPLES = 1105
# LAME scales its input by 0.95 (-0.45 dB) to leave headroom, and lameenc cannot turn that
# off: feed it 1/0.95 as loud, so the decoded session has the loudness that was measured.
LAME_INPUT_SCALE = 0.95
# An ID3 CTOC frame counts its children in one byte. Two levels hold 65,025 chapters; the
# cue limit (limits.MAX_CUES, at least 11 cues a chapter) keeps every session well below.
MAX_TOC_CHILDREN = 255


def decoded_samples(fed_samples: int) -> int:
    """How many samples a decoder plays for an MP3 made from `fed_samples` by lameenc.

    LAME pads the stream to whole frames and flushes one more frame, so this is always a
    little more than the delay plus what was fed; the extra is silence.
    """
    return (math.ceil(fed_samples / FRAME_SAMPLES) + 1) * FRAME_SAMPLES


def encode_mp3(
    windows: Iterable[np.ndarray],
    out: BinaryIO,
    *,
    sample_rate: int,
    channels: int,
    bitrate: int,
    gain: float = 1.0,
) -> int:
    """Encode float windows into `out` as CBR MP3; return the bytes written.

    The encoder runs on a thread of its own (LAME lets go of the GIL while it works), so
    the next windows are mixed while the last ones are encoded: on two cores a build
    costs little more than its encoding.
    """
    encoder = _lame(sample_rate, channels, bitrate)
    # Only the main thread hears signals, and an exception a signal raises inside a lock or
    # queue operation can leave it half done, stranding the other thread. So the threads
    # share nothing that locks: a deque (whose appends and pops are atomic) and flags,
    # and each side waits by sleeping a little, never on the other.
    pcm: collections.deque[bytes] = collections.deque()
    state = _Handoff()
    failure: list[BaseException] = []
    worker = threading.Thread(
        target=_encode, args=(encoder, pcm, state, out, failure), name="voicecoach-encoder"
    )
    worker.daemon = True
    try:
        worker.start()  # inside the try: an interrupt can land while it starts the thread
        for window in windows:
            data = to_pcm16(window, channels, gain)
            while len(pcm) >= ENCODE_AHEAD and worker.is_alive():
                time.sleep(_POLL_S)
            if failure or not worker.is_alive():
                break
            pcm.append(data)
        state.more = False
        while worker.is_alive():
            time.sleep(_POLL_S)
    finally:
        # stopped early (an error, Ctrl-C): the encoder stops at its next look and lets go
        # of `out` before the caller removes the file
        state.abandoned = True
        if worker.ident is not None:
            worker.join(_ABANDON_WAIT_S)
    if failure:
        raise failure[0]
    return state.written


def _lame(sample_rate: int, channels: int, bitrate: int) -> Any:
    """A LAME encoder for CBR speech at the session's own rate."""
    import lameenc

    encoder = lameenc.Encoder()
    encoder.set_bit_rate(bitrate)
    encoder.set_in_sample_rate(sample_rate)
    encoder.set_out_sample_rate(sample_rate)  # or LAME resamples low bitrates on its own
    encoder.set_channels(channels)
    encoder.set_quality(5)  # LAME's own default: 3x faster than 2, no audible loss for speech
    return encoder


def _encode(
    encoder: Any,
    pcm: collections.deque[bytes],
    state: _Handoff,
    out: BinaryIO,
    failure: list[BaseException],
) -> None:
    """The encoding thread: encode what the mixer hands over until told there is no more."""
    try:
        while True:
            if pcm:
                encoded = encoder.encode(pcm.popleft())
            elif state.abandoned:
                return
            elif not state.more:
                break
            else:
                time.sleep(_POLL_S)
                continue
            out.write(encoded)
            state.written += len(encoded)
        tail = encoder.flush()
        out.write(tail)
        state.written += len(tail)
    except BaseException as exc:  # handed to the mixing thread, which raises it
        failure.append(exc)


class _Handoff:
    """What the mixing and encoding threads tell each other, by plain assignment."""

    more = True  # windows may still come
    abandoned = False  # the mixer has stopped early: the encoder stops too
    written = 0  # bytes the encoder has written


_POLL_S = 0.002
_ABANDON_WAIT_S = 2.0  # at most one window's encoding (well under a second)
ENCODE_AHEAD = 3  # windows mixed ahead of the encoder: about 10 s of audio


def write_tags(
    path: Path, timeline: Timeline, routine: Routine, cover: bytes | None = None
) -> None:
    """Write ID3v2.3 tags and one CHAP frame per chapter under an ordered top-level CTOC."""
    from mutagen import MutagenError

    tags = _id3(timeline, routine, cover)
    _add_chapters(tags, timeline, routine.tags.title or routine.title)
    try:
        tags.save(str(path), v2_version=3)
    except MutagenError as exc:
        # mutagen wraps the OSError (a full disk, say) in its own type: unwrap it
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, OSError):
            raise cause from None
        raise OSError(str(exc)) from None
    _put_chapters_in_time_order(path)


def _id3(timeline: Timeline, routine: Routine, cover: bytes | None) -> Any:
    """The session's text tags, length and cover."""
    from mutagen.id3 import APIC, COMM, ID3, TALB, TCON, TDRC, TIT2, TLEN, TPE1, TRCK

    tags = ID3()
    tags.add(TIT2(encoding=3, text=routine.tags.title or routine.title))
    if routine.tags.track:
        tags.add(TRCK(encoding=3, text="{}/{}".format(*routine.tags.track)))
    tags.add(TPE1(encoding=3, text=routine.tags.artist))
    tags.add(TALB(encoding=3, text=routine.tags.album))
    tags.add(TCON(encoding=3, text=routine.tags.genre))
    tags.add(TDRC(encoding=3, text=str(routine.tags.year or datetime.date.today().year)))
    if routine.description:
        tags.add(COMM(encoding=3, lang="eng", desc="", text=routine.description))
    tags.add(TLEN(encoding=3, text=str(timeline.duration_ms)))
    if cover:
        tags.add(APIC(encoding=3, mime="image/jpeg", type=3, desc="Cover", data=cover))
    return tags


def _add_chapters(tags: Any, timeline: Timeline, title: str) -> None:
    """A CHAP frame per chapter, listed in order by the top-level CTOC titled `title`."""
    from mutagen.id3 import CHAP, CTOC, TIT2, CTOCFlags

    ids = [f"chp{index}" for index in range(len(timeline.chapters))]
    # one CTOC lists at most 255 children: beyond that, the top one lists tables of
    # contents of 255 chapters each, as ID3v2 chapters allow (players walk them in order)
    top = ids
    if len(ids) > MAX_TOC_CHILDREN:
        parts = [ids[i : i + MAX_TOC_CHILDREN] for i in range(0, len(ids), MAX_TOC_CHILDREN)]
        top = [f"toc{number}" for number in range(1, len(parts) + 1)]
        for element_id, part in zip(top, parts, strict=True):
            first, last = int(part[0][3:]), int(part[-1][3:])
            named = TIT2(encoding=3, text=f"Chapters {first + 1}-{last + 1}")
            tags.add(
                CTOC(
                    element_id=element_id,
                    flags=CTOCFlags.ORDERED,
                    child_element_ids=part,
                    sub_frames=[named],
                )
            )
    tags.add(
        CTOC(
            element_id="toc",
            flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
            child_element_ids=top,
            sub_frames=[TIT2(encoding=3, text=title)],
        )
    )
    for element_id, chapter in zip(ids, timeline.chapters, strict=True):
        tags.add(
            CHAP(
                element_id=element_id,
                start_time=chapter.start_ms,
                end_time=chapter.end_ms,
                start_offset=0xFFFFFFFF,
                end_offset=0xFFFFFFFF,
                sub_frames=[TIT2(encoding=3, text=chapter.title)],
            )
        )


def _put_chapters_in_time_order(path: Path) -> None:
    """Reorder the CHAP frames of a saved ID3v2.3 tag by start time, in place.

    mutagen orders frames by size; players that ignore the CTOC list chapters in the order
    the frames are stored, so they must be stored in time order. Sizes do not change.
    """
    with path.open("r+b") as handle:
        header = handle.read(10)
        if header[:3] != b"ID3" or header[3] != 3:
            raise ExportError(f"{path}: expected an ID3v2.3 tag after tagging")
        size = int.from_bytes(bytes(b & 0x7F for b in header[6:10]), "big")  # syncsafe
        body = handle.read(size)
        frames: list[bytes] = []
        position = 0
        while position + 10 <= len(body) and body[position] != 0:
            length = int.from_bytes(body[position + 4 : position + 8], "big")
            frames.append(body[position : position + 10 + length])
            position += 10 + length
        chapters = [f for f in frames if f[:4] == b"CHAP"]
        if not chapters:
            return

        def start_of(frame: bytes) -> int:
            id_end = frame.index(b"\0", 10)
            return int.from_bytes(frame[id_end + 1 : id_end + 5], "big")

        ordered = iter(sorted(chapters, key=start_of))
        rebuilt = b"".join(next(ordered) if f[:4] == b"CHAP" else f for f in frames)
        handle.seek(10)
        handle.write(rebuilt)


class Mp3Format:
    """CBR MP3 through lameenc, with ID3v2.3 tags and chapters."""

    suffix = ".mp3"
    delay_samples = CODEC_DELAY_SAMPLES

    def check_size(self, samples: int, channels: int) -> None:
        """An MP3 of any length the limits allow can be written."""

    def heard_samples(self, fed_samples: int) -> int:
        """How many samples a player plays for `fed_samples` encoded."""
        return decoded_samples(fed_samples)

    def write(self, windows: Iterable[np.ndarray], out: BinaryIO, audio: AudioSettings) -> None:
        """Encode the windows into `out`, undoing LAME's own input scaling."""
        encode_mp3(
            windows,
            out,
            sample_rate=audio.sample_rate,
            channels=audio.channels,
            bitrate=audio.bitrate,
            gain=1 / LAME_INPUT_SCALE,
        )

    def tag(
        self, path: Path, timeline: Timeline, routine: Routine, cover: bytes | None = None
    ) -> None:
        """Write ID3 tags and chapters (and the cover, when there is one)."""
        write_tags(path, timeline, routine, cover)


class WavFormat:
    """16-bit PCM WAV for people who post-process: exact length, no codec delay, no tags."""

    suffix = ".wav"
    delay_samples = 0
    max_bytes = 0xFFFF_FFFF - 44  # a RIFF file counts its bytes in 32 bits

    def check_size(self, samples: int, channels: int) -> None:
        """Refuse a session too long for a WAV file, with the way out."""
        if samples * channels * 2 > self.max_bytes:
            raise ExportError(
                f"expected a session a WAV file can hold (4 GiB, {self.max_bytes // 2 // channels} "
                f"samples at {channels} channel{'s' * (channels > 1)}), found {samples}; "
                "write MP3, mono, or fewer minutes",
                option="format",
            )

    def heard_samples(self, fed_samples: int) -> int:
        """A WAV plays exactly what was written."""
        return fed_samples

    def write(self, windows: Iterable[np.ndarray], out: BinaryIO, audio: AudioSettings) -> None:
        """Write the windows as PCM."""
        with wave.open(out, "wb") as wav:
            wav.setnchannels(audio.channels)
            wav.setsampwidth(2)
            wav.setframerate(audio.sample_rate)
            for window in windows:
                wav.writeframes(to_pcm16(window, audio.channels))

    def tag(
        self, path: Path, timeline: Timeline, routine: Routine, cover: bytes | None = None
    ) -> None:
        """WAV files carry no tags here; the JSON sidecar has the chapters."""


AudioFormat = Mp3Format | WavFormat
FORMATS: dict[str, AudioFormat] = {"mp3": Mp3Format(), "wav": WavFormat()}


@contextmanager
def staged(final: Path) -> Iterator[Path]:
    """A temporary file beside `final`, for the caller to fill; never left behind on failure.

    The caller renames it into place with `publish` only once every output is complete.
    Its name carries this process's id, so parts left by a killed build are cleared later.
    """
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_parts(final)
        handle, name = tempfile.mkstemp(
            dir=final.parent, prefix=part_prefix(_part_stem(final)), suffix=".part"
        )
    except OSError as exc:
        raise ExportError(f"cannot write to {final.parent}: {exc.strerror or exc}") from None
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
    finally:
        temporary.unlink(missing_ok=True)


def _remove_stale_parts(final: Path) -> None:
    """Delete the temporary files of builds of `final` whose process is gone (killed)."""
    stem = _part_stem(final)
    remove_dead_parts(final.parent.glob(f"{glob.escape(stem)}*.part"), stem)


def _part_stem(final: Path) -> str:
    """`.<name>.`, the name cut short enough that the temporary name fits any file system.

    A temporary name adds 23 bytes or so to the final one (the dot, the process id, a
    random part and `.part`); a name of 240 bytes, which file systems allow, would not fit.
    """
    name = final.name
    while len(name.encode()) > _PART_NAME_BYTES:
        name = name[:-1]
    return f".{name}."


_PART_NAME_BYTES = 200


def publish(temporary: Path, final: Path) -> None:
    """Move a complete temporary file to its final name in one step."""
    try:
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, final)
    except OSError as exc:
        raise ExportError(f"cannot write {final}: {exc.strerror}") from None


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
