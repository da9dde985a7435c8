"""The music bed and the metronome, built for real and measured from the stems."""

from __future__ import annotations

import json
import wave
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from tests.support.audio import ebur128
from tests.support.music_files import write_track
from voicecoach.cli import main
from voicecoach.errors import VoicecoachError
from voicecoach.music.bed import ATTACK_MS, RELEASE_MS
from voicecoach.routine.loading import load_routine
from voicecoach.session.build import BuildOptions, build_routine

# Piper, the listening test or decoded audio in every test here
pytestmark = pytest.mark.slow

ROUTINE = """title: Bed Test
defaults: {{rest: 6s, countdown: 2}}
music: {{files: {files}, duck: 12, level: -12, crossfade: 2s, fade: {fade}}}
exercises:
  - {{name: Jog, duration: 25s}}
  - {{name: Squats, reps: 3, tempo: 2s}}
  - {{name: Walk, duration: 12s}}
"""


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """A WAV stem as float32 (first channel) and its rate."""
    with wave.open(str(path)) as opened:
        rate, channels = opened.getframerate(), opened.getnchannels()
        data = np.frombuffer(opened.readframes(opened.getnframes()), dtype="<i2")
    return data.reshape(-1, channels)[:, 0].astype(np.float32) / 32768, rate


def rms_db(samples: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(samples.astype(np.float64) ** 2)) + 1e-12))


def build(tmp_path: Path, text: str, **options: object) -> tuple[Path, dict[str, object]]:
    routine = tmp_path / "r.yaml"
    routine.write_text(text)
    out = tmp_path / "out" / "s.mp3"
    result = build_routine(load_routine(routine), BuildOptions(output=out, **options))  # type: ignore[arg-type]
    return result.audio_path, json.loads(out.with_suffix(".json").read_text())


def test_every_format_is_decoded_and_each_track_plays_where_the_json_says(
    tmp_path: Path,
) -> None:
    tones = {"a.mp3": 220, "b.flac": 330, "c.m4a": 440, "d.ogg": 550, "e.opus": 660, "f.wav": 770}
    rates = {"a.mp3": 44100, "b.flac": 48000, "c.m4a": 32000, "d.ogg": 48000, "e.opus": 48000}
    for name, hz in tones.items():
        write_track(tmp_path / name, 9, hz, rates.get(name, 22050), 1 if name == "b.flac" else 2)
    files = "[" + ", ".join(tones) + "]"
    mp3, document = build(tmp_path, ROUTINE.format(files=files, fade="2s"), stems=True)
    tracks = document["music"]["tracks"]  # type: ignore[index]
    names = [t["file"] for t in tracks]
    # in order, then looped: the session is longer than the six tracks
    assert names[:7] == [*tones, "a.mp3"]
    music, rate = read_wav(mp3.with_suffix(".music.wav"))
    for stretch in tracks[1:-1]:
        middle = (stretch["start_ms"] + stretch["end_ms"]) // 2 * rate // 1000
        part = music[middle - rate // 4 : middle + rate // 4]
        spectrum = np.abs(np.fft.rfft(part * np.hanning(len(part))))
        heard = np.argmax(spectrum) * rate / len(part)
        assert abs(heard - tones[stretch["file"]]) <= 4, (stretch, heard)


def test_the_bed_is_down_before_every_cue_and_back_up_after(tmp_path: Path) -> None:
    write_track(tmp_path / "long.flac", 120, 300)
    mp3, document = build(tmp_path, ROUTINE.format(files="[long.flac]", fade=0), stems=True)
    music, rate = read_wav(mp3.with_suffix(".music.wav"))
    spans = document["music"]["ducked"]  # type: ignore[index]

    def level(start_ms: int, end_ms: int) -> float:
        return rms_db(music[start_ms * rate // 1000 : end_ms * rate // 1000])

    # in the open: a stretch well away from every cue
    gaps = [
        (a[1] + RELEASE_MS + 100, b[0] - ATTACK_MS - 100)
        for a, b in pairwise(spans)
        if b[0] - ATTACK_MS - a[1] - RELEASE_MS > 500
    ]
    assert gaps, spans
    open_db = np.median([level(lo, hi) for lo, hi in gaps])
    cues = document["cues"]
    assert len(cues) > 15
    for cue in cues:
        # already down 50 ms before the cue starts, and down all through it
        under = level(cue["start_ms"] - 50, max(cue["end_ms"], cue["start_ms"] + 20))
        assert abs(under - (open_db - 12)) <= 1, (cue, under, open_db)
    for lo, hi in gaps:
        # back up within the release after each ducked span
        assert abs(level(lo, hi) - open_db) <= 1
    # the voice stem keeps the loudness of the same session without music
    voice_lufs, _ = ebur128(mp3.with_suffix(".voice.wav"))
    routine = tmp_path / "r.yaml"
    alone = build_routine(
        load_routine(routine), BuildOptions(output=tmp_path / "alone.mp3", no_music=True)
    )
    alone_lufs, _ = ebur128(alone.audio_path)
    assert abs(voice_lufs - alone_lufs) <= 0.5
    assert "music" not in json.loads((tmp_path / "alone.json").read_text())
    _, mix_peak = ebur128(mp3)
    assert mix_peak <= -1.0


def test_the_stems_add_up_to_the_session(tmp_path: Path) -> None:
    write_track(tmp_path / "t.wav", 30, 250, 44100, 2)
    text = ROUTINE.format(files="[t.wav]", fade="1s").replace(
        "title: Bed Test", "title: Stems\naudio: {channels: 2, format: wav}"
    )
    routine = tmp_path / "r.yaml"
    routine.write_text(text)
    out = tmp_path / "s.wav"
    build_routine(load_routine(routine), BuildOptions(output=out, stems=True))
    with wave.open(str(out)) as opened:
        assert opened.getnchannels() == 2
        mixed = np.frombuffer(opened.readframes(opened.getnframes()), "<i2").astype(np.int32)
    stems = []
    for name in ("s.voice.wav", "s.music.wav"):
        with wave.open(str(tmp_path / name)) as opened:
            assert (opened.getnchannels(), opened.getsampwidth()) == (2, 2)
            stems.append(
                np.frombuffer(opened.readframes(opened.getnframes()), "<i2").astype(np.int32)
            )
    assert len(stems[0]) == len(stems[1]) == len(mixed)
    total = stems[0] + stems[1]
    # the stems are what the mix sums before its limiter: equal wherever the limiter rests
    # (nothing near the ceiling within 50 ms), and the limiter only ever lowers
    near = np.abs(total).reshape(-1, 2).max(axis=1) > 0.7 * 32768
    window = 2 * 44100 // 20
    near = np.convolve(near, np.ones(window), "same") > 0
    calm = ~np.repeat(near, 2)
    assert calm.mean() > 0.9
    assert np.max(np.abs(total - mixed)[calm]) <= 2
    assert np.all(np.abs(mixed) <= np.abs(total) + 2)


def test_ticks_keep_the_cadence_over_twenty_minutes(tmp_path: Path) -> None:
    text = (
        "title: Easy Run\naudio: {sample_rate: 32000}\ncues: {halfway: '', remaining: ''}\n"
        "exercises:\n  - {name: Easy run, duration: 20m, cadence: 170}\n"
    )
    mp3, document = build(tmp_path, text, stems=True)
    (span,) = document["metronome"]  # type: ignore[misc]
    assert span["bpm"] == 170
    block = document["blocks"][0]  # type: ignore[index]
    assert (span["start_ms"], span["end_ms"]) == (block["go_ms"], block["stop_ms"])
    music, rate = read_wav(mp3.with_suffix(".music.wav"))
    loud = np.abs(music) > 0.004
    onsets = (
        np.flatnonzero(
            loud[1:] & ~np.convolve(loud, np.ones(64), "full")[: len(loud) - 1].astype(bool)
        )
        + 1
    )
    heard_ms = onsets * 1000 / rate
    period_ms = 60_000 / 170
    expected = span["start_ms"] + period_ms * np.arange(len(heard_ms))
    assert len(heard_ms) == int(np.ceil((span["end_ms"] - span["start_ms"]) / period_ms))
    assert len(heard_ms) > 3000
    assert np.max(np.abs(heard_ms - expected)) <= 1.0
    # nothing ticks outside the block
    assert heard_ms[0] >= span["start_ms"]
    assert heard_ms[-1] < span["end_ms"]


def test_the_bed_loops_crossfades_and_fades(tmp_path: Path) -> None:
    write_track(tmp_path / "one.mp3", 10, 200)
    write_track(tmp_path / "two.ogg", 10, 400)
    mp3, document = build(
        tmp_path, ROUTINE.format(files="[one.mp3, two.ogg]", fade="3s"), stems=True
    )
    tracks = document["music"]["tracks"]  # type: ignore[index]
    assert [t["file"] for t in tracks][:4] == ["one.mp3", "two.ogg", "one.mp3", "two.ogg"]
    for before, after in pairwise(tracks):
        assert before["end_ms"] - after["start_ms"] == 2000  # the crossfade
    assert tracks[0]["start_ms"] == 0
    assert tracks[-1]["end_ms"] == document["duration_ms"]
    music, rate = read_wav(mp3.with_suffix(".music.wav"))
    # faded in from silence and out to silence
    assert np.max(np.abs(music[: rate // 100])) < 0.002
    assert np.max(np.abs(music[-rate // 100 :])) < 0.002


def test_shuffle_is_the_same_every_build(tmp_path: Path) -> None:
    for n in range(6):
        write_track(tmp_path / f"{n}.wav", 4, 200 + 50 * n, 22050, 1)
    text = ROUTINE.format(files="['*.wav']", fade="1s").replace(
        "duck: 12", "duck: 12, order: shuffle"
    )
    _, first = build(tmp_path, text)
    _, again = build(tmp_path, text)
    order = [t["file"] for t in first["music"]["tracks"]]  # type: ignore[index]
    assert order == [t["file"] for t in again["music"]["tracks"]]  # type: ignore[index]
    assert order[:6] != sorted(order[:6])
    assert sorted(order[:6]) == [f"{n}.wav" for n in range(6)]


@pytest.mark.parametrize(
    ("files", "make", "message"),
    [
        ("[bad.mp3]", "corrupt", "cannot read the music file {dir}/bad.mp3"),
        ("[empty/]", "folder", "music: the folder {dir}/empty holds no music file"),
        ("['*.flac']", None, "music: the pattern '*.flac' matches no music file"),
        (
            "[gone.mp3]",
            None,
            "music: expected a music file, folder or pattern, found no {dir}/gone.mp3",
        ),
    ],
)
def test_music_that_cannot_be_read_is_one_error_naming_it(
    tmp_path: Path, files: str, make: str | None, message: str
) -> None:
    if make == "corrupt":
        (tmp_path / "bad.mp3").write_bytes(
            b"ID3\x03\x00\x00\x00\x00\x00\x00" + bytes(range(256)) * 40
        )
    elif make == "folder":
        (tmp_path / "empty").mkdir()
        (tmp_path / "empty" / "notes.txt").write_text("no music here")
    routine = tmp_path / "r.yaml"
    routine.write_text(ROUTINE.format(files=files, fade="1s"))
    result = CliRunner().invoke(
        main, ["build", str(routine), "-o", str(tmp_path / "out" / "s.mp3")]
    )
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("Error: " + message.format(dir=tmp_path)), lines
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_music_from_the_command_line_and_no_music(tmp_path: Path) -> None:
    write_track(tmp_path / "cli.wav", 5, 300, 22050, 1)
    routine = tmp_path / "r.yaml"
    routine.write_text("title: Plain\nexercises: [{name: Jog, duration: 20s, cadence: 160}]\n")
    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "build",
            str(routine),
            "-o",
            str(tmp_path / "s.mp3"),
            "--music",
            str(tmp_path / "cli.wav"),
        ],
    )
    assert result.exit_code == 0, result.output
    document = json.loads((tmp_path / "s.json").read_text())
    assert document["music"]["tracks"][0]["file"] == "cli.wav"
    shown = runner.invoke(main, ["info", str(tmp_path / "s.mp3")])
    assert "cli.wav" in shown.stdout
    assert "at 160 steps a minute" in shown.stdout
    planned = runner.invoke(main, ["plan", str(routine), "--estimate"])
    assert "Metronome: " in planned.stdout
    routine.write_text(
        "title: Plain\nmusic: {files: [cli.wav]}\nexercises: [{name: Jog, duration: 20s}]\n"
    )
    planned = runner.invoke(main, ["plan", str(routine), "--estimate"])
    assert "Music: 1 track, " in planned.stdout
    none = runner.invoke(main, ["build", str(routine), "-o", str(tmp_path / "n.mp3"), "--no-music"])
    assert none.exit_code == 0, none.output
    assert "music" not in json.loads((tmp_path / "n.json").read_text())


def test_cadence_belongs_on_a_timed_exercise(tmp_path: Path) -> None:
    routine = tmp_path / "r.yaml"
    routine.write_text("title: T\nexercises:\n  - {name: Squats, reps: 5, cadence: 170}\n")
    with pytest.raises(VoicecoachError) as caught:
        load_routine(routine)
    assert str(caught.value) == (
        f"{routine}:3: exercises[0].cadence: expected cadence on a timed exercise (with "
        "'duration'), found it on one that counts reps"
    )
    routine.write_text("title: T\nexercises:\n  - {name: Run, duration: 1m, cadence: 300}\n")
    with pytest.raises(VoicecoachError, match=r"expected a whole number from 100 to 220"):
        load_routine(routine)


def test_validate_reads_the_music_too(tmp_path: Path) -> None:
    (tmp_path / "bad.flac").write_bytes(b"fLaC" + bytes(500))
    routine = tmp_path / "r.yaml"
    routine.write_text(ROUTINE.format(files="[bad.flac]", fade="1s"))
    result = CliRunner().invoke(main, ["validate", str(routine), "--estimate"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: cannot read the music file {tmp_path / 'bad.flac'}")


def test_links_are_followed_once_and_published_sessions_are_never_music(tmp_path: Path) -> None:
    from voicecoach.music.tracks import find_tracks
    from voicecoach.routine.model import Music

    loop = tmp_path / "loop"
    loop.mkdir()
    write_track(loop / "beat.wav", seconds=1, hz=440)
    (loop / "a").symlink_to(".")
    (loop / "b").symlink_to(".")
    for files in (("loop/**/*.wav",), ("loop",), ("**/*.wav",)):
        found = find_tracks(Music(files=files, folder=str(tmp_path)))
        assert [p.resolve() for p in found] == [(loop / "beat.wav").resolve()], files
    # a programme's folder under the music: its sessions are not music
    plan = tmp_path / "plan"
    plan.mkdir()
    write_track(plan / "01-week-1-session-1.wav", seconds=1, hz=440)
    (plan / "programme.json").write_text(
        json.dumps({"sessions": [{"file": "01-week-1-session-1.wav"}]})
    )
    found = find_tracks(Music(files=(".",), folder=str(tmp_path)))
    assert [p.name for p in found] == ["beat.wav"]


def test_a_long_track_is_decoded_only_as_far_as_the_session_plays_it(tmp_path: Path) -> None:
    # a track whose second half no decoder can read: only a build that decodes past what
    # the session plays ever meets it
    track = write_track(tmp_path / "long.mp3", 120, 300, 22050, 1)
    data = track.read_bytes()
    middle = len(data) // 2
    track.write_bytes(data[:middle] + np.random.default_rng(5).bytes(len(data) - middle))
    routine = tmp_path / "r.yaml"
    routine.write_text(
        "title: Short\nmusic: {files: [long.mp3]}\nexercises: [{name: Jog, duration: 20s}]\n"
    )
    out = tmp_path / "out" / "s.mp3"
    result = CliRunner().invoke(main, ["build", str(routine), "-o", str(out)])
    assert result.exit_code == 0, result.output
    document = json.loads(out.with_suffix(".json").read_text())
    [stretch] = document["music"]["tracks"]
    assert stretch["file"] == "long.mp3"
    assert stretch["end_ms"] == document["duration_ms"]


def test_a_track_longer_than_the_session_is_measured_where_it_plays(tmp_path: Path) -> None:
    from voicecoach.music.tracks import measure
    from voicecoach.speech.cache import ClipCache

    rate = 22050
    quiet = 0.05 * np.sin(2 * np.pi * 300 * np.arange(rate * 10) / rate)
    path = tmp_path / "rising.wav"
    with wave.open(str(path), "wb") as out:  # ten quiet seconds, then ten loud ones
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((np.concatenate([quiet, 10 * quiet]) * 32767).astype("<i2").tobytes())
    store = ClipCache.at(tmp_path / "cache")
    played = measure(path, rate, 1, store, limit=rate * 8)
    whole = measure(path, rate, 1, store)
    assert (played.frames, played.whole) == (rate * 8, False)
    assert (whole.frames, whole.whole) == (rate * 20, True)
    # the part the runner hears: the quiet one (-3 dB for a sine, K-weighting about flat)
    assert played.loudness == pytest.approx(20 * np.log10(0.05) - 3.7, abs=0.5)
    assert whole.loudness > played.loudness + 15
    # a session longer than the track plays it all, looped: its whole measure, from the cache
    assert measure(path, rate, 1, store, limit=rate * 30) == whole
