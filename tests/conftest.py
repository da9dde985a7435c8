"""Fixtures: a real clip cache for the session, routine files, recording fakes (tests.support)."""

from __future__ import annotations

import shutil
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.fakes import FakeEngine, FakeSynthesizer
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


@pytest.fixture
def fake_synth() -> FakeSynthesizer:
    return FakeSynthesizer()


@pytest.fixture
def fake_engine() -> Iterator[FakeEngine]:
    """A FakeEngine registered as `engine: fake` for the length of one test."""
    engine = FakeEngine()
    register_engine("fake", lambda: engine)
    yield engine
    unregister_engine("fake")
