from __future__ import annotations

import io
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tests.support.audio import decode, ffmpeg
from voicecoach.audio.encode import CODEC_DELAY_SAMPLES, decoded_samples, encode_mp3


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
    audio, _rate = decode(path, rate)
    probe = subprocess.run([ffmpeg(), "-i", str(path)], capture_output=True, text=True).stderr
    assert f"{rate} Hz" in probe  # LAME did not resample
    assert len(audio) == decoded_samples(fed)
    onset = int(np.flatnonzero(np.abs(audio) > 0.1)[0])
    assert abs(onset - (click_at + CODEC_DELAY_SAMPLES)) <= 2


# Ctrl-C at any moment of an encode, 150 times: an interrupt that lands inside a lock or a
# queue operation once stranded the encoder thread and the build waited for it forever.
_INTERRUPTED_ENCODES = """
import _thread, io, random, threading, time
import numpy as np
from voicecoach.audio.encode import encode_mp3
random.seed(7)
window = np.zeros((11025, 1), dtype=np.float32)
for trial in range(150):
    timer = threading.Timer(random.uniform(0, 0.05), _thread.interrupt_main)
    try:
        timer.start()  # on a busy machine the interrupt may land before start() returns
        try:
            encode_mp3((window for _ in range(40)), io.BytesIO(), sample_rate=44100,
                       channels=1, bitrate=64)
        finally:
            timer.cancel()
            timer.join()
        time.sleep(0.001)  # an interrupt already on its way lands here
    except KeyboardInterrupt:
        pass
time.sleep(0.1)  # an encoder told to stop looks again within milliseconds
print(sorted(t.name for t in threading.enumerate()))
"""


@pytest.mark.slow
def test_an_interrupt_at_any_moment_of_an_encode_ends_it_and_its_thread() -> None:
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _INTERRUPTED_ENCODES], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['MainThread']"  # no encoder thread left behind


def test_an_encoder_that_fails_stops_the_mix_at_once() -> None:
    class Full(io.RawIOBase):
        def write(self, data: object) -> int:
            raise OSError(28, "No space left on device")

    fed = 0

    def windows():  # type: ignore[no-untyped-def]
        nonlocal fed
        while True:  # endless: only the encoder's failure ends it
            fed += 1
            yield np.zeros(44100, dtype=np.float32)

    with pytest.raises(OSError, match="No space"):
        encode_mp3(windows(), Full(), sample_rate=44100, channels=1, bitrate=64)  # type: ignore[arg-type]
    assert fed < 10


def test_a_session_of_600_chapters_keeps_its_title_on_the_top_table_of_contents(
    tmp_path: Path,
) -> None:
    from mutagen.id3 import ID3

    from voicecoach.audio.encode import write_tags
    from voicecoach.routine.model import Routine
    from voicecoach.timeline import Chapter, Timeline

    chapters = tuple(Chapter(f"Block {n}", n * 1000, (n + 1) * 1000) for n in range(600))
    path = tmp_path / "long.mp3"
    path.write_bytes(b"")
    write_tags(path, Timeline("Long Plan", 600_000, chapters, ()), Routine("Long Plan", ()))
    tags = ID3(str(path))
    tocs = {toc.element_id: toc for toc in tags.getall("CTOC")}
    (top,) = [toc for toc in tocs.values() if toc.flags & 0x02]
    assert str(top.sub_frames.getall("TIT2")[0].text[0]) == "Long Plan"
    assert top.child_element_ids == ["toc1", "toc2", "toc3"]  # 255 + 255 + 90 chapters
    listed = [chap for toc in top.child_element_ids for chap in tocs[toc].child_element_ids]
    titles = {
        chap.element_id: str(chap.sub_frames.getall("TIT2")[0].text[0])
        for chap in tags.getall("CHAP")
    }
    assert [titles[chap] for chap in listed] == [c.title for c in chapters]
