"""Write a session: the audio, its tags, its sidecars and its stems, all or nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path

import numpy as np

from voicecoach.audio import encode, sidecars
from voicecoach.audio.dsp import to_pcm16
from voicecoach.audio.mix import summed
from voicecoach.errors import ExportError
from voicecoach.routine.model import AudioSettings, Routine
from voicecoach.timeline import Timeline


def write_session(
    out_path: Path,
    windows: Callable[[Mapping[Path, Path]], Iterator[np.ndarray]],
    audio: AudioSettings,
    texts: Mapping[str, str | bytes],
    timeline: Timeline,
    routine: Routine,
    stems: Sequence[Path] = (),
    cover: bytes | None = None,
) -> list[Path]:
    """Encode, tag and write the sidecars under temporary names, then publish them all.

    `windows` is given the temporary name of each of the `stems` to fill while it mixes.
    """
    audio_format = encode.FORMATS[audio.format]
    files = [out_path] + [out_path.with_suffix(suffix) for suffix in texts] + list(stems)
    with ExitStack() as stack:
        parts = {final: stack.enter_context(encode.staged(final)) for final in files}
        try:
            with parts[out_path].open("wb") as out:
                audio_format.write(windows({stem: parts[stem] for stem in stems}), out, audio)
            audio_format.tag(parts[out_path], timeline, routine, cover)
            for suffix, text in texts.items():
                sidecars.write_text(parts[out_path.with_suffix(suffix)], text)
        except OSError as exc:
            raise ExportError(
                f"cannot write {out_path}: {exc.strerror or exc}; it and the files beside it "
                "were left as they were"
            ) from None
        # every file is complete: only now replace what was there
        for final, part in parts.items():
            encode.publish(part, final)
    return files


def skip_samples(windows: Iterator[np.ndarray], count: int) -> Iterator[np.ndarray]:
    """The windows without their first `count` samples."""
    for window in windows:
        if count >= len(window):
            count -= len(window)
            continue
        yield window[count:] if count else window
        count = 0


class StemWriter:
    """Writes each window's voice and music (before the mix's limiter) as 16-bit WAVs."""

    def __init__(self, parts: Mapping[Path, Path], rate: int, channels: int) -> None:
        import wave

        self.channels = channels
        self.files: list[wave.Wave_write] = []
        for part in parts.values():
            opened = wave.open(str(part), "wb")  # noqa: SIM115 (closed by close())
            opened.setnchannels(channels)
            opened.setsampwidth(2)
            opened.setframerate(rate)
            self.files.append(opened)

    def __call__(self, start: int, stop: int, parts: list[np.ndarray | None]) -> None:
        for file, sound in zip(self.files, (parts[0], summed(parts[1:])), strict=True):
            window = np.zeros(stop - start, dtype=np.float32) if sound is None else sound
            file.writeframes(to_pcm16(window, self.channels))

    def close(self) -> None:
        for file in self.files:
            file.close()
