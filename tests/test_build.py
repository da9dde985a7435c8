"""End to end: real speech, a real MP3, decoded again and measured as a listener would."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.audio import check_session, ebur128, ffmpeg
from tests.conftest import REPO, SEED_ROUTINE, FakeEngine
from tests.test_routine import WriteRoutine
from voicecoach import export
from voicecoach.build import BuildOptions, BuildResult, build, build_routine, slugify
from voicecoach.errors import VoicecoachError
from voicecoach.loader import load_routine

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


def assert_sounds_right(mp3: Path) -> dict[str, Any]:
    measured = check_session(mp3)
    assert measured["worst_onset_ms"] <= ONSET_TOLERANCE_MS
    assert measured["worst_gap_peak"] <= SILENCE
    assert abs(measured["decoded_ms"] - measured["duration_ms"]) <= 1
    document = measured["document"]
    assert measured["lufs"] == pytest.approx(document["loudness_lufs"], abs=1.0)
    assert measured["true_peak_db"] <= -1.0
    return measured["document"]  # type: ignore[no-any-return]


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
    assert document["cues"][0]["exercise"] is None and document["cues"][-1]["exercise"] is None
    assert not document["warnings"]
    assert sorted(p.name for p in seed.audio_path.parent.iterdir()) == [
        "leg-workout-for-runners.json",
        "leg-workout-for-runners.lrc",
        "leg-workout-for-runners.mp3",
        "leg-workout-for-runners.vtt",
    ]
    vtt = seed.audio_path.with_suffix(".vtt").read_text()
    spoken = [c for c in document["cues"] if c["kind"] == "speech"]
    assert vtt.startswith("WEBVTT") and vtt.count(" --> ") == len(spoken)


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
        assert abs(start - chapter["start_ms"]) <= 1 and abs(end - chapter["end_ms"]) <= 1


def test_second_build_speaks_nothing_and_gives_the_same_timeline(
    seed: BuildResult, tmp_path: Path, clip_cache: Path
) -> None:
    again = build(SEED_ROUTINE, BuildOptions(output_dir=tmp_path, cache_dir=clip_cache))
    assert again.cache.misses == 0 and again.cache.hits > 20
    assert json.loads(again.json_path.read_text()) == json.loads(seed.json_path.read_text())


@pytest.mark.parametrize(
    "routine", sorted((REPO / "tests" / "routines").glob("*.yaml")), ids=lambda p: p.stem
)
def test_routines_written_from_the_contract_alone(
    routine: Path, tmp_path: Path, clip_cache: Path
) -> None:
    result = build(routine, BuildOptions(output_dir=tmp_path, cache_dir=clip_cache))
    document = assert_sounds_right(result.audio_path)
    assert result.audio_path.name == f"{slugify(document['title'])}.mp3"
    assert len(document["chapters"]) >= 3


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
    monkeypatch.setattr(export, "write_tags", broken)
    with pytest.raises(VoicecoachError, match="cannot write .*keep.mp3: disk full"):
        build(good, BuildOptions(output=target, cache_dir=clip_cache))
    assert target.read_bytes() == b"the session I had"
    assert target.with_suffix(".json").read_text() == "{}"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["keep.mp3", "keep.json", "routine.yaml", "good.yaml"]
    )


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
    assert lufs == pytest.approx(-16.0, abs=1.0) and true_peak <= -1.0
    import wave

    with wave.open(str(result.audio_path)) as wav:
        assert wav.getnchannels() == 2 and wav.getframerate() == 44100
        assert round(wav.getnframes() * 1000 / 44100) == document["duration_ms"]


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
    assert document["voice"] == {"engine": "fake", "ms_per_char": 40}
    assert [c["title"] for c in document["chapters"]] == ["Intro", "Hop", "Hold", "Outro"]
    spoken = [c["text"] for c in document["cues"] if c["kind"] == "speech"]
    assert set(spoken) <= set(fake_engine.opened[0].calls)
    assert len(fake_engine.opened) == 1 and fake_engine.closed == 1  # closed after use


def test_an_engine_the_registry_lacks_is_refused_with_the_known_ones(
    write_routine: WriteRoutine,
) -> None:
    path = write_routine("title: T\nvoice: {engine: fake}\nexercises: [{name: A, reps: 1}]\n")
    with pytest.raises(VoicecoachError) as caught:
        load_routine(path)
    assert str(caught.value) == f"{path}:2: voice.engine: expected one of pyttsx3, found 'fake'"
