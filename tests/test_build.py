"""End to end: real speech, a real MP3, decoded again and measured as a listener would."""

from __future__ import annotations

import json
import os
import re
import subprocess
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.support.audio import check_session, decode, ebur128, ffmpeg, onset_ms
from tests.support.fakes import FakeEngine
from tests.support.paths import REPO, SEED_ROUTINE
from tests.support.routines import WriteRoutine
from tests.support.routines import build_file as build
from voicecoach.audio import encode
from voicecoach.errors import VoicecoachError
from voicecoach.files.outputs import slugify
from voicecoach.routine.loading import load_routine
from voicecoach.session.build import BuildOptions, BuildResult, build_routine

ONSET_TOLERANCE_MS = 20
SILENCE = 0.003  # -50 dBFS: what counts as silent between cues


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory, clip_cache: Path) -> BuildResult:
    out = tmp_path_factory.mktemp("seed")
    return build(SEED_ROUTINE, BuildOptions(output_dir=out, cache_dir=clip_cache))


def chapters_by_ffmpeg(path: Path) -> list[tuple[str, float, float]]:
    meta = subprocess.run(
        [ffmpeg(), "-v", "error", "-i", str(path), "-f", "ffmetadata", "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = []
    for block in meta.split("[CHAPTER]")[1:]:
        base = re.search(r"TIMEBASE=(\d+)/(\d+)", block)
        assert base
        scale = int(base[1]) / int(base[2]) * 1000
        start = int(re.search(r"START=(\d+)", block)[1]) * scale  # type: ignore[index]
        end = int(re.search(r"END=(\d+)", block)[1]) * scale  # type: ignore[index]
        title = re.search(r"title=(.*)", block)[1]  # type: ignore[index]
        found.append((title, start, end))
    return found


def assert_sounds_right(mp3: Path, measured: dict[str, Any] | None = None) -> dict[str, Any]:
    measured = measured or check_session(mp3)
    assert measured["worst_onset_ms"] <= ONSET_TOLERANCE_MS
    assert measured["worst_gap_peak"] <= SILENCE
    assert abs(measured["decoded_ms"] - measured["duration_ms"]) <= 1
    document = measured["document"]
    assert measured["lufs"] == pytest.approx(document["loudness_lufs"], abs=1.0)
    assert measured["true_peak_db"] <= -1.0
    return measured["document"]  # type: ignore[no-any-return]


@pytest.mark.slow
def test_seed_session_is_heard_exactly_as_its_timeline_says(seed: BuildResult) -> None:
    assert seed.audio_path.name == "leg-workout-for-runners.mp3"
    assert seed.json_path == seed.audio_path.with_suffix(".json")
    document = assert_sounds_right(seed.audio_path)
    assert document["title"] == "Leg Workout for Runners"
    assert 8 * 60_000 < document["duration_ms"] < 20 * 60_000
    names = [c["title"] for c in document["chapters"]]
    assert names == ["Intro", "Calf raises", "Kickbacks", "Lunges", "Shin pulls", "Squats", "Outro"]
    kinds = {c["cue"] for c in document["cues"]}
    assert {
        "intro",
        "exercise",
        "tip",
        "set",
        "last_set",
        "side",
        "switch",
        "countdown",
        "go",
        "rep",
        "halfway",
        "stop",
        "rest",
        "next",
        "outro",
    } <= kinds
    assert {c["kind"] for c in document["cues"]} == {"speech", "tone"}
    assert document["cues"][0]["exercise"] is None
    assert document["cues"][-1]["exercise"] is None
    assert not document["warnings"]
    assert not document["left_out"]
    # the rests are 30 s and the switches 8 s, exactly, from a stop to the next go
    gaps = {b["go_ms"] - a["stop_ms"] for a, b in pairwise(document["blocks"])}
    assert gaps == {30_000, 8_000}
    assert sorted(p.name for p in seed.audio_path.parent.iterdir()) == [
        "leg-workout-for-runners.json",
        "leg-workout-for-runners.lrc",
        "leg-workout-for-runners.mp3",
        "leg-workout-for-runners.vtt",
    ]
    vtt = seed.audio_path.with_suffix(".vtt").read_text()
    spoken = [c for c in document["cues"] if c["kind"] == "speech"]
    assert vtt.startswith("WEBVTT")
    assert vtt.count(" --> ") == len(spoken)


@pytest.mark.slow
def test_seed_session_chapters_and_tags_read_back(seed: BuildResult) -> None:
    from mutagen.id3 import ID3

    document = json.loads(seed.json_path.read_text())
    tags = ID3(seed.audio_path)
    assert str(tags["TIT2"]) == "Leg Workout for Runners"
    assert tags.version[:2] == (2, 3)
    toc = tags.getall("CTOC")[0]
    assert len(toc.child_element_ids) == len(document["chapters"])
    read = chapters_by_ffmpeg(seed.audio_path)
    assert [t for t, _, _ in read] == [c["title"] for c in document["chapters"]]
    for (_, start, end), chapter in zip(read, document["chapters"], strict=True):
        assert abs(start - chapter["start_ms"]) <= 1
        assert abs(end - chapter["end_ms"]) <= 1


@pytest.mark.slow
def test_second_build_speaks_nothing_and_gives_the_same_timeline(
    seed: BuildResult, tmp_path: Path, clip_cache: Path
) -> None:
    again = build(SEED_ROUTINE, BuildOptions(output_dir=tmp_path, cache_dir=clip_cache))
    assert again.cache.misses == 0
    assert again.cache.hits > 20
    assert json.loads(again.json_path.read_text()) == json.loads(seed.json_path.read_text())


@pytest.mark.parametrize(
    "routine", sorted((REPO / "tests" / "routines").glob("*.yaml")), ids=lambda p: p.stem
)
@pytest.mark.slow
def test_routines_written_from_the_contract_alone(
    routine: Path, tmp_path: Path, clip_cache: Path
) -> None:
    result = build(routine, BuildOptions(output_dir=tmp_path, cache_dir=clip_cache))
    measured = check_session(result.audio_path)
    document = assert_sounds_right(result.audio_path, measured)
    assert result.audio_path.name == f"{slugify(document['title'])}.mp3"
    assert len(document["chapters"]) >= 3
    # every block's go tone is heard at its go_ms
    audio, rate = measured["audio"], measured["rate"]
    tones = [c for c in document["cues"] if c["kind"] == "tone" and c["cue"] == "go"]
    for block in document["blocks"]:
        if tones:  # tones may be off
            heard = onset_ms(audio, rate, block["go_ms"] - 40, block["go_ms"] + 200)
            assert heard is not None
            assert abs(heard - block["go_ms"]) <= ONSET_TOLERANCE_MS


@pytest.mark.slow
def test_tabata_keeps_its_twenty_on_ten_off_in_the_decoded_audio(
    tmp_path: Path, clip_cache: Path
) -> None:
    result = build(
        REPO / "tests" / "routines" / "tabata.yaml",
        BuildOptions(output_dir=tmp_path, cache_dir=clip_cache),
    )
    document = json.loads(result.json_path.read_text())
    blocks = document["blocks"]
    assert len(blocks) == 8
    audio, rate = decode(result.audio_path)
    heard = [onset_ms(audio, rate, b["go_ms"] - 300, b["go_ms"] + 300) for b in blocks]
    assert all(h is not None for h in heard)
    # from the first go to the last stop: 8 x 20 s of work and 7 x 10 s of rest, heard
    last_stop = onset_ms(audio, rate, blocks[-1]["stop_ms"] - 300, blocks[-1]["stop_ms"] + 300)
    assert last_stop is not None
    assert abs(last_stop - heard[0] - (8 * 20_000 + 7 * 10_000)) <= 20  # type: ignore[operator]
    for before, after in pairwise(heard):
        assert abs(after - before - 30_000) <= 20  # type: ignore[operator]


@pytest.mark.slow
def test_run_walk_changes_over_without_a_pause(tmp_path: Path, clip_cache: Path) -> None:
    result = build(
        REPO / "tests" / "routines" / "run-walk.yaml",
        BuildOptions(output_dir=tmp_path, cache_dir=clip_cache),
    )
    document = json.loads(result.json_path.read_text())
    audio, rate = decode(result.audio_path)
    for before, after in pairwise(document["blocks"]):
        assert after["go_ms"] == before["stop_ms"]
        change = next(
            c for c in document["cues"] if c["cue"] == "change" and c["start_ms"] >= after["go_ms"]
        )
        assert change["start_ms"] - before["stop_ms"] <= 300  # after the tone, at once
        heard = onset_ms(audio, rate, after["go_ms"] - 20, after["go_ms"] + 400)
        assert heard is not None
        assert abs(heard - before["stop_ms"]) <= 20
        # nothing waits: no silence longer than a countdown beat from 3 s before the change
        # until the change cue has been said
        lo, hi = before["stop_ms"] - 3_000, change["end_ms"]
        loud = np.abs(audio[lo * rate // 1000 : hi * rate // 1000]) >= SILENCE
        idx = np.flatnonzero(loud)
        assert len(idx)
        assert np.max(np.diff(idx)) / rate * 1000 <= 1_000


def test_output_path_names_every_file_beside_it(
    tmp_path: Path, clip_cache: Path, write_routine
) -> None:  # type: ignore[no-untyped-def]
    routine = write_routine("title: Tiny\nexercises: [{name: Hop, reps: 2, tempo: 1s}]\n")
    result = build(
        routine, BuildOptions(output=tmp_path / "sessions" / "x.mp3", cache_dir=clip_cache)
    )
    assert result.audio_path == tmp_path / "sessions" / "x.mp3"
    assert sorted(p.name for p in (tmp_path / "sessions").iterdir()) == [
        "x.json",
        "x.lrc",
        "x.mp3",
        "x.vtt",
    ]
    assert_sounds_right(result.audio_path)
    alone = build(
        routine, BuildOptions(output=tmp_path / "alone.mp3", cache_dir=clip_cache, sidecars=False)
    )
    assert alone.files == (tmp_path / "alone.mp3",)
    assert not (tmp_path / "alone.json").exists()


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Leg Workout for Runners", "leg-workout-for-runners"),
        ("../../etc/passwd", "etc-passwd"),
        ("Beinkraft für Läufer", "beinkraft-fur-laufer"),
        ("Run/Walk: week 3", "run-walk-week-3"),
        ("!!!", "session"),
    ],
)
def test_slug(title: str, slug: str) -> None:
    assert slugify(title) == slug


def test_a_failed_build_leaves_existing_files_untouched(
    tmp_path: Path,
    clip_cache: Path,
    write_routine,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    target = tmp_path / "keep.mp3"
    target.write_bytes(b"the session I had")
    target.with_suffix(".json").write_text("{}")
    bad_voice = write_routine("title: T\nvoice: {name: xx-nope}\nexercises: [{name: A, reps: 2}]\n")
    with pytest.raises(VoicecoachError):
        build(bad_voice, BuildOptions(output=target, cache_dir=clip_cache))

    def broken(*args: object, **kwargs: object) -> int:
        raise OSError("disk full")

    good = write_routine("title: T\nexercises: [{name: A, reps: 2, tempo: 1s}]\n", "good.yaml")
    monkeypatch.setattr(encode, "write_tags", broken)
    with pytest.raises(VoicecoachError, match=r"cannot write .*keep\.mp3: disk full"):
        build(good, BuildOptions(output=target, cache_dir=clip_cache))
    assert target.read_bytes() == b"the session I had"
    assert target.with_suffix(".json").read_text() == "{}"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["keep.mp3", "keep.json", "routine.yaml", "good.yaml"]
    )


@pytest.mark.slow
def test_ffmpegs_ebu_r128_meter_agrees(tmp_path: Path, clip_cache: Path) -> None:
    # the shortest-cue routine, measured by a second, independent meter
    routine = REPO / "tests" / "routines" / "counts-only.yaml"
    result = build(routine, BuildOptions(output_dir=tmp_path, cache_dir=clip_cache))
    lufs, true_peak = ebur128(result.audio_path)
    assert lufs == pytest.approx(-19.0, abs=1.0)
    assert true_peak <= -1.0


def test_wav_output_and_stereo_at_the_stereo_target(
    tmp_path: Path,
    clip_cache: Path,
    write_routine,  # type: ignore[no-untyped-def]
) -> None:
    routine = write_routine(
        "title: Wav\nexercises: [{name: Hop, reps: 4, tempo: 1s, countdown: 1}]\n"
    )
    result = build(
        routine,
        BuildOptions(
            output_dir=tmp_path, cache_dir=clip_cache, audio={"format": "wav", "channels": 2}
        ),
    )
    assert result.audio_path.name == "wav.wav"
    document = json.loads(result.json_path.read_text())
    assert (document["format"], document["channels"], document["bitrate_kbps"]) == ("wav", 2, None)
    lufs, true_peak = ebur128(result.audio_path)
    assert lufs == pytest.approx(-16.0, abs=1.0)
    assert true_peak <= -1.0
    import wave

    with wave.open(str(result.audio_path)) as wav:
        assert wav.getnchannels() == 2
        assert wav.getframerate() == 44100
        assert round(wav.getnframes() * 1000 / 44100) == document["duration_ms"]


@pytest.mark.slow
def test_a_whole_session_builds_through_a_registered_engine(
    fake_engine: FakeEngine, write_routine: WriteRoutine, tmp_path: Path
) -> None:
    # the library build over a loaded routine, with an engine from the registry: no espeak
    path = write_routine(
        """
        title: Beeps
        voice: {engine: fake, name: beep}
        exercises:
          - {name: Hop, reps: 4, tempo: 2s, countdown: 2}
          - {name: Hold, duration: 25s, sets: 2, rest: 8s}
        """
    )
    result = build_routine(load_routine(path), BuildOptions(output=tmp_path / "beeps.mp3"))
    document = assert_sounds_right(result.audio_path)
    from voicecoach.speech.clarity import CLARITY_VERSION

    assert document["voice"] == {
        "engine": "fake",
        "ms_per_char": 40,
        "clarity": f"standard/{CLARITY_VERSION}",
    }
    assert [c["title"] for c in document["chapters"]] == ["Intro", "Hop", "Hold", "Outro"]
    spoken = [c["text"] for c in document["cues"] if c["kind"] == "speech"]
    assert set(spoken) <= set(fake_engine.opened[0].calls)
    assert len(fake_engine.opened) == 1
    assert fake_engine.closed == 1


def test_an_engine_the_registry_lacks_is_refused_with_the_known_ones(
    write_routine: WriteRoutine,
) -> None:
    path = write_routine("title: T\nvoice: {engine: fake}\nexercises: [{name: A, reps: 1}]\n")
    with pytest.raises(VoicecoachError) as caught:
        load_routine(path)
    assert (
        str(caught.value) == f"{path}:2: voice.engine: expected one of pyttsx3, piper, found 'fake'"
    )


@pytest.mark.slow
def test_more_chapters_than_one_table_of_contents_holds_all_read_back(
    fake_engine: FakeEngine, write_routine: WriteRoutine, tmp_path: Path
) -> None:
    from voicecoach.audio.info import read_session

    path = write_routine(
        """
        title: Many Intervals
        voice: {engine: fake}
        defaults: {rest: 0, countdown: 0}
        cues: {intro: "", outro: "", change: "", go: "", remaining: "", halfway: ""}
        exercises:
          - repeat: 150
            exercises:
              - {name: J, duration: 2s}
              - {name: W, duration: 2s}
        """
    )
    result = build_routine(load_routine(path), BuildOptions(output=tmp_path / "many.mp3"))
    expected = [(c.title, c.start_ms, c.end_ms) for c in result.timeline.chapters]
    assert len(expected) == 302
    by_ffmpeg = chapters_by_ffmpeg(result.audio_path)
    assert [(t, round(s), round(e)) for t, s, e in by_ffmpeg] == expected
    read = read_session(result.audio_path)
    assert [(c.title, c.start_ms, c.end_ms) for c in read.chapters] == expected


def test_a_build_leaves_nothing_in_the_temp_directory(
    write_routine: WriteRoutine, tmp_path: Path, clip_cache: Path
) -> None:
    import tempfile

    def scratch() -> set[str]:
        # this process's own scratch folders: another build on the machine has its own
        mine = f"voicecoach-speech-{os.getpid()}.*"
        return {p.name for p in Path(tempfile.gettempdir()).glob(mine)}

    before = scratch()
    path = write_routine("title: Tiny\nexercises: [{name: Hop, reps: 2, tempo: 1s}]\n")
    build(path, BuildOptions(output=tmp_path / "t.mp3", cache_dir=clip_cache))
    with pytest.raises(VoicecoachError):
        build(path, BuildOptions(output=tmp_path / "t.json", cache_dir=clip_cache))
    assert scratch() == before
