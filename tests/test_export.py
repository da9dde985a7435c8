from __future__ import annotations

import io
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tests.audio import decode, ffmpeg
from voicecoach.export import CODEC_DELAY_SAMPLES, decoded_samples, encode_mp3


@pytest.mark.parametrize(
    ("rate", "channels", "bitrate"),
    [(44100, 1, 96), (48000, 1, 64), (32000, 1, 48), (44100, 2, 128), (44100, 1, 32)],
)
@pytest.mark.parametrize("fed", [20_000, 20_736, 20_737, 44_100 * 3 + 17])
def test_decoders_play_delay_then_samples_then_known_padding(
    tmp_path: Path, rate: int, channels: int, bitrate: int, fed: int
) -> None:
    # a click at a known sample: the decoder must play it CODEC_DELAY_SAMPLES late
    click_at = 10_000
    samples = np.zeros(fed, dtype=np.float32)
    samples[click_at : click_at + 200] = np.sin(np.arange(200) * 2 * np.pi / 40) * 0.5
    out = io.BytesIO()
    encode_mp3(
        [samples[:7000], samples[7000:]], out, sample_rate=rate, channels=channels, bitrate=bitrate
    )
    path = tmp_path / "t.mp3"
    path.write_bytes(out.getvalue())
    audio, got_rate = decode(path, rate)
    probe = subprocess.run([ffmpeg(), "-i", str(path)], capture_output=True, text=True).stderr
    assert f"{rate} Hz" in probe  # LAME did not resample
    assert len(audio) == decoded_samples(fed)
    onset = int(np.flatnonzero(np.abs(audio) > 0.1)[0])
    assert abs(onset - (click_at + CODEC_DELAY_SAMPLES)) <= 2
