"""Shared fixtures: a real clip cache for the session, routine files, a recording fake."""

from __future__ import annotations

import math
import shutil
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from voicecoach.errors import SpeechError
from voicecoach.model import Voice
from voicecoach.speech import Clip, VoiceInfo
from voicecoach.speech.registry import register_engine, unregister_engine


def pytest_configure(config: pytest.Config) -> None:
    # every temporary path of the run under one folder of its own, removed when it ends:
    # the suite leaves nothing behind (pass --basetemp to keep a run's files)
    if config.option.basetemp is None:
        config.option.basetemp = tempfile.mkdtemp(prefix="voicecoach-tests-")
        config.stash[_OWN_TEMP] = Path(config.option.basetemp)


def pytest_unconfigure(config: pytest.Config) -> None:
    own = config.stash.get(_OWN_TEMP, None)
    if own is not None:
        shutil.rmtree(own, ignore_errors=True)


_OWN_TEMP = pytest.StashKey[Path]()


@pytest.fixture(scope="session")
def clip_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real clip cache for the whole run: each text is spoken once, as in real use."""
    return tmp_path_factory.mktemp("clip-cache")


@pytest.fixture(autouse=True)
def _isolated_cache(monkeypatch: pytest.MonkeyPatch, clip_cache: Path) -> None:
    # never touch the developer's own cache folder
    monkeypatch.setenv("VOICECOACH_CACHE_DIR", str(clip_cache))


@pytest.fixture
def write_routine(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write YAML text (dedented) to a file in tmp_path and return its path."""

    def write(text: str, name: str = "routine.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


class FakeSynthesizer:
    """Speaks nothing: a tone 40 ms per character, and a record of every call."""

    rate = 22050

    def __init__(self, ms_per_char: int = 40) -> None:
        self.ms_per_char = ms_per_char
        self.calls: list[str] = []

    def identity(self) -> dict[str, object]:
        return {"engine": "fake", "ms_per_char": self.ms_per_char}

    def close(self) -> None:
        pass

    def synthesize(self, text: str) -> Clip:
        self.calls.append(text)
        n = math.ceil(len(text) * self.ms_per_char * self.rate / 1000)
        t = np.arange(n, dtype=np.float32) / self.rate
        return Clip((0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), self.rate)


@pytest.fixture
def fake_synth() -> FakeSynthesizer:
    return FakeSynthesizer()


class FakeEngine:
    """An engine that speaks tones (see FakeSynthesizer): a build without espeak."""

    def __init__(self) -> None:
        self.opened: list[FakeSynthesizer] = []
        self.closed = 0

    def voices(self) -> list[VoiceInfo]:
        return [VoiceInfo("fake/beep", "Beeper", "xx")]

    def check(self, voice: Voice) -> None:
        if voice.name not in (None, "beep"):
            raise SpeechError(f"expected the voice 'beep', found '{voice.name}'")

    def open(self, voice: Voice) -> FakeSynthesizer:
        engine = self

        class Opened(FakeSynthesizer):
            def close(self) -> None:
                engine.closed += 1

        synthesizer = Opened()
        self.opened.append(synthesizer)
        return synthesizer


@pytest.fixture
def fake_engine() -> Iterator[FakeEngine]:
    """A FakeEngine registered as `engine: fake` for the length of one test."""
    engine = FakeEngine()
    register_engine("fake", lambda: engine)
    yield engine
    unregister_engine("fake")


REPO = Path(__file__).resolve().parent.parent
SEED_ROUTINE = REPO / "scripts" / "routine.yaml"
