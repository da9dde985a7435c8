from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import numpy as np
import pytest

from tests.support.fakes import FakeSynthesizer
from voicecoach.audio.loudness import stored_analysis
from voicecoach.speech import Clip
from voicecoach.speech.cache import CachedSynthesizer, ClipCache, default_cache_dir


def test_a_text_is_spoken_once_then_served_from_disk(tmp_path: Path) -> None:
    inner = FakeSynthesizer()
    first = CachedSynthesizer(inner, ClipCache(tmp_path))
    clip = first.synthesize("Go!")
    first.synthesize("Go!")
    assert inner.calls == ["Go!"]
    again = CachedSynthesizer(inner, ClipCache(tmp_path))
    served = again.synthesize("Go!")
    assert inner.calls == ["Go!"]
    assert (again.stats.hits, again.stats.misses) == (1, 0)
    assert np.array_equal(served.samples, clip.samples)
    assert served.sample_rate == clip.sample_rate


def test_key_covers_engine_settings_and_text(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    slow, brisk = FakeSynthesizer(40), FakeSynthesizer(20)
    a, b = CachedSynthesizer(slow, cache), CachedSynthesizer(brisk, cache)
    assert a.key("Go") != b.key("Go")
    assert a.key("Go") != a.key("Go!")
    a.synthesize("Go")
    b.synthesize("Go")
    assert slow.calls == ["Go"]
    assert brisk.calls == ["Go"]


def test_truncated_or_corrupt_entries_are_spoken_again(tmp_path: Path) -> None:
    inner = FakeSynthesizer()
    cached = CachedSynthesizer(inner, ClipCache(tmp_path))
    original = cached.synthesize("Rest")
    path = cached.cache.path_for(cached.key("Rest"))
    data = path.read_bytes()
    for damaged in (data[: len(data) // 2], data[:10], b"", data[:-4] + b"\x00\x00\x00\x01"):
        path.write_bytes(damaged)
        fresh = CachedSynthesizer(inner, ClipCache(tmp_path))
        assert np.array_equal(fresh.synthesize("Rest").samples, original.samples)
        assert fresh.stats.misses == 1
        assert path.read_bytes() == data  # repaired
    assert len(inner.calls) == 5


def test_no_temporary_files_are_left(tmp_path: Path) -> None:
    cached = CachedSynthesizer(FakeSynthesizer(), ClipCache(tmp_path))
    for text in ("a", "b", "c"):
        cached.synthesize(text)
    files = sorted(p.name for p in tmp_path.rglob("*") if p.is_file())
    assert len(files) == 3
    assert all(name.endswith(".clip") for name in files)
    assert len(cached.cache.entries()) == 3


def _fill(folder: str, worker: int) -> int:
    cached = CachedSynthesizer(FakeSynthesizer(), ClipCache(Path(folder)))
    for round_ in range(30):
        clip = cached.synthesize(f"text {round_ % 7}")
        assert isinstance(clip, Clip)
        assert len(clip.samples) > 0
    return worker


def test_concurrent_writers_share_a_cache(tmp_path: Path) -> None:
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        assert sorted(pool.starmap(_fill, [(str(tmp_path), n) for n in range(4)])) == [0, 1, 2, 3]
    cache = ClipCache(tmp_path)
    assert len(cache.entries()) == 7
    probe = CachedSynthesizer(FakeSynthesizer(), cache)
    for n in range(7):
        assert probe.cache.get(probe.key(f"text {n}")) is not None


def test_cache_location_follows_the_environment(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("VOICECOACH_CACHE_DIR", str(tmp_path / "here"))
    assert default_cache_dir() == tmp_path / "here"
    monkeypatch.delenv("VOICECOACH_CACHE_DIR")
    assert "voicecoach" in str(default_cache_dir())


def test_loudness_analyses_are_kept_and_checked(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    sound = (0.3 * np.sin(np.arange(44100) / 7)).astype(np.float32)
    first = stored_analysis(sound, 44100, cache)
    stored = [p for p in cache.entries() if p.suffix == ".loud"]
    assert len(stored) == 1
    again = stored_analysis(sound, 44100, cache)
    assert again.loudness == first.loudness
    assert np.allclose(again.energy_ms, first.energy_ms, rtol=1e-6)
    stored[0].write_bytes(stored[0].read_bytes()[:-8])  # truncated: measured again
    assert stored_analysis(sound, 44100, cache).loudness == pytest.approx(first.loudness)
    assert cache.clear() == 1
    assert cache.entries() == []


def test_a_cache_that_cannot_be_written_slows_the_build_but_never_stops_it(
    tmp_path: Path,
) -> None:
    from click.testing import CliRunner

    from tests.support.audio import check_session
    from voicecoach.cli import main

    routine = tmp_path / "r.yaml"
    routine.write_text("title: Tiny\nexercises: [{name: Hop, reps: 4, tempo: 2s}]\n")
    blocked = tmp_path / "cache"
    blocked.mkdir()
    for prefix in range(256):  # files where the cache's folders belong
        (blocked / f"{prefix:02x}").write_text("in the way")
    out = tmp_path / "tiny.mp3"
    result = CliRunner().invoke(
        main, ["build", str(routine), "-q", "-o", str(out), "--cache-dir", str(blocked)]
    )
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith(f"Warning: the clip cache at {blocked} cannot be written (")
    assert result.stderr.count("\n") == 1
    measured = check_session(out)
    assert measured["worst_onset_ms"] <= 20
    assert measured["true_peak_db"] <= -1.0
    assert all(path.read_text() == "in the way" for path in blocked.iterdir())
    odd = tmp_path / "odd"
    (odd / "ab" / ("ab" + "0" * 62 + ".clip")).mkdir(parents=True)  # a folder for an entry
    cleared = CliRunner().invoke(main, ["cache", "clear", "--cache-dir", str(odd)])
    assert cleared.exit_code == 1
    assert cleared.stderr == f"Error: cannot clear the cache at {odd}: Is a directory\n"


def test_temporary_entries_of_killed_writers_are_cleaned(tmp_path: Path) -> None:
    import subprocess
    import sys

    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_pid = int(gone.stdout)
    cache = ClipCache(tmp_path)
    (tmp_path / "ab").mkdir()
    dead = tmp_path / "ab" / f".tmp-{dead_pid}.xyz.part"
    dead.write_bytes(b"half an entry")
    live = tmp_path / "ab" / f".tmp-{os.getppid()}.xyz.part"  # a process that is running
    live.write_bytes(b"being written")
    summary = cache.summary()
    assert not dead.exists()
    assert live.exists()
    assert summary.writing == 1
    assert summary.size_bytes == len(b"being written")
    # a writer sweeps too, once
    dead.write_bytes(b"half an entry")
    cache2 = ClipCache(tmp_path)
    cache2.put("cd" + "0" * 62, Clip(np.zeros(4, dtype=np.float32), 22050))
    assert not dead.exists()
    assert live.exists()
