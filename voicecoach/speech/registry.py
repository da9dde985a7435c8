"""The one list of speech engines: the loader checks names against it, the CLI walks it.

Like pre-commit's `all_languages`: a dict from the name a routine writes (`voice.engine`)
to a factory. Factories import their engine only when called, so listing names is free.
Tests register a fake engine through the same door (`register_engine`).
"""

from __future__ import annotations

from collections.abc import Callable

from voicecoach.errors import SpeechError
from voicecoach.speech.engine import Engine

DEFAULT_ENGINE = "pyttsx3"


def _pyttsx3() -> Engine:
    from voicecoach.speech.pyttsx3_engine import Pyttsx3Engine

    return Pyttsx3Engine()


def _piper() -> Engine:
    from voicecoach.speech.piper_engine import PiperEngine

    return PiperEngine()


_FACTORIES: dict[str, Callable[[], Engine]] = {"pyttsx3": _pyttsx3, "piper": _piper}
_OPENED: dict[str, Engine] = {}


def engine_names() -> list[str]:
    """The names a routine may give as `voice.engine`, the default first."""
    return list(_FACTORIES)


def engine(name: str) -> Engine:
    """The engine called `name` (made once per process)."""
    if name not in _OPENED:
        if name not in _FACTORIES:
            raise SpeechError(
                f"expected one of {', '.join(engine_names())} as the engine, found '{name}'"
            )
        _OPENED[name] = _FACTORIES[name]()
    return _OPENED[name]


def register_engine(name: str, factory: Callable[[], Engine]) -> None:
    """Add (or replace) an engine under `name`."""
    _FACTORIES[name] = factory
    _OPENED.pop(name, None)


def unregister_engine(name: str) -> None:
    """Remove an engine added with register_engine."""
    _FACTORIES.pop(name, None)
    _OPENED.pop(name, None)
