"""Synthetic music for the tests: tones and noise, written in every format runners have."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np


def signal(seconds: float, rate: int, hz: float, seed: int = 1) -> np.ndarray:
    """A steady tone with a little noise: its level is the same from end to end."""
    t = np.arange(int(seconds * rate)) / rate
    noise = np.random.default_rng(seed).standard_normal(len(t))
    return (0.3 * np.sin(2 * np.pi * hz * t) + 0.03 * noise).astype(np.float32)


def write_track(
    path: Path, seconds: float, hz: float, rate: int = 44100, channels: int = 2
) -> Path:
    """Write a track; the format follows the suffix (.mp3, .flac, .m4a, .ogg, .opus, .wav)."""
    mono = signal(seconds, rate, hz)
    data = np.tile(mono, (channels, 1))
    if path.suffix == ".wav":
        with wave.open(str(path), "wb") as out:
            out.setnchannels(channels)
            out.setsampwidth(2)
            out.setframerate(rate)
            out.writeframes((data.T * 32767).astype("<i2").tobytes())
        return path
    import av

    codec = {
        ".mp3": "libmp3lame",
        ".flac": "flac",
        ".m4a": "aac",
        ".ogg": "libvorbis" if "libvorbis" in av.codecs_available else "vorbis",
        ".opus": "libopus",
    }[path.suffix]
    layout = "mono" if channels == 1 else "stereo"
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=rate)
        stream.layout = layout
        if codec == "vorbis":
            stream.codec_context.options = {"strict": "experimental"}
        convert = av.AudioResampler(
            format=stream.codec_context.format.name, layout=layout, rate=rate
        )
        for start in range(0, data.shape[1], 1152):
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(data[:, start : start + 1152]), format="fltp", layout=layout
            )
            frame.rate = rate
            for converted in convert.resample(frame):
                container.mux(stream.encode(converted))
        for converted in convert.resample(None):
            container.mux(stream.encode(converted))
        container.mux(stream.encode(None))
    return path
