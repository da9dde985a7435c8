"""Make the espeak-ng bundled by `espeakng-loader` the one pyttsx3 finds: no system install."""

from __future__ import annotations

import ctypes
import os

from voicecoach.errors import SpeechError

_loaded = False


def load_bundled_espeak() -> None:
    """Load the bundled libespeak-ng and point it at its data, before pyttsx3 is imported."""
    global _loaded
    if _loaded:
        return
    try:
        import espeakng_loader
    except ImportError as exc:  # pragma: no cover - a broken install
        raise SpeechError(f"espeakng-loader is not installed ({exc}); run 'make build'") from None
    # Without its data path espeak-ng exits the whole process instead of failing.
    os.environ["ESPEAK_DATA_PATH"] = espeakng_loader.get_data_path()
    try:
        ctypes.CDLL(espeakng_loader.get_library_path())
    except OSError as exc:
        raise SpeechError(f"cannot load the bundled espeak-ng library: {exc}") from None
    _loaded = True
