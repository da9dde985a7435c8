"""The pyttsx3 engine over the bundled espeak-ng: the one module that imports pyttsx3."""

from __future__ import annotations

import contextlib
import io
import shutil
import tempfile
import threading
import time
import wave
from pathlib import Path
from typing import Any

import numpy as np

from voicecoach.errors import SpeechError, close_ones
from voicecoach.files.parts import part_prefix, remove_dead_parts
from voicecoach.language.tags import language_for
from voicecoach.speech.bundled import load_bundled_espeak
from voicecoach.speech.engine import Clip, Voice, VoiceInfo, trim_silence

_ATTEMPTS = 6
_TIMEOUT_S = 60
_SCRATCH = "voicecoach-speech-"
_FINISH_ON_CLOSE_S = 3.0  # an utterance takes well under a second to write


_ENGINE: Any = None


def _engine() -> Any:
    """The one pyttsx3 engine of this process, kept alive for good.

    pyttsx3 keeps engines only weakly; when one is collected its driver clears espeak's
    global synthesis callback, silencing any newer engine. So there is exactly one.
    """
    global _ENGINE
    if _ENGINE is None:
        load_bundled_espeak()
        import pyttsx3

        try:
            _ENGINE = pyttsx3.init("espeak")
        except Exception as exc:  # pyttsx3 raises bare RuntimeErrors and worse
            raise SpeechError(f"the pyttsx3 espeak engine did not start: {exc}") from None
        import atexit

        # let go of it while the interpreter still works: collected at shutdown, its
        # driver's __del__ fails on modules already torn down ("Exception ignored in")
        atexit.register(_release_engine)
    return _ENGINE


def _release_engine() -> None:
    global _ENGINE
    _ENGINE = None
    import gc

    gc.collect()


def list_voices() -> list[VoiceInfo]:
    """Every voice the bundled espeak-ng offers."""
    voices = []
    for voice in _engine().getProperty("voices"):
        language = voice.languages[0] if voice.languages else ""
        voices.append(VoiceInfo(voice.id, voice.name, language))
    return voices


def resolve_voice(name: str) -> VoiceInfo:
    """Find a voice by id ("gmw/en-us"), language code ("en-us") or name ("English (America)")."""
    voices = list_voices()
    wanted = name.strip().lower()
    for voice in voices:
        if wanted in (
            voice.id.lower(),
            voice.id.lower().rsplit("/", 1)[-1],
            voice.language.lower(),
            voice.name.lower(),
        ):
            return voice
    close = close_ones(name, [v.language for v in voices] + [v.name for v in voices])
    hint = f"close ones: {', '.join(close)}; " if close else ""
    raise SpeechError(
        f"expected a voice that espeak-ng has, found '{name}'; {hint}"
        "run 'voicecoach voices' to list them all"
    )


def voice_for(voice: Voice) -> VoiceInfo:
    """The engine's voice for a routine's voice settings; the error names where it was set."""
    try:
        return resolve_voice(voice.name or language_for(voice.language).voice)
    except SpeechError as exc:
        raise SpeechError(f"{voice.where}: {exc}" if voice.where else str(exc)) from None


class Pyttsx3Engine:
    """pyttsx3 over the bundled espeak-ng: the default engine."""

    def voices(self) -> list[VoiceInfo]:
        """Every voice the bundled espeak-ng offers."""
        return list_voices()

    def check(self, voice: Voice) -> None:
        """Raise SpeechError unless espeak-ng has the routine's voice."""
        voice_for(voice)

    def open(self, voice: Voice) -> Pyttsx3Synthesizer:
        """A synthesizer for `voice`."""
        return Pyttsx3Synthesizer(voice)


class Pyttsx3Synthesizer:
    """Speaks through pyttsx3, working around its espeak driver's known defects."""

    def __init__(self, voice: Voice) -> None:
        self.voice = voice
        self.voice_info = voice_for(voice)
        self._engine = _engine()
        # named after this process, so the folders of killed builds are swept by the next
        scratch = Path(tempfile.gettempdir())
        remove_dead_parts(scratch.glob(f"{_SCRATCH}*"), _SCRATCH)
        self._folder = Path(tempfile.mkdtemp(prefix=part_prefix(_SCRATCH)))
        self._finished = threading.Event()
        self._finished.set()  # no utterance under way
        self._token = self._engine.connect("finished-utterance", lambda **_: self._finished.set())

    def identity(self) -> dict[str, object]:
        """The engine, voice, rate and volume: what changes the sound besides the text."""
        return {
            "engine": "pyttsx3",
            "voice": self.voice_info.id,
            "language": self.voice_info.language,
            "rate": self.voice.rate,
            "volume": self.voice.volume,
        }

    def _settings_hold(self) -> bool:
        engine = self._engine
        return bool(
            engine.getProperty("voice") == self.voice_info.id
            and engine.getProperty("rate") == self.voice.rate
            and round(engine.getProperty("volume"), 2) == round(self.voice.volume, 2)
        )

    def synthesize(self, text: str) -> Clip:
        """Speak `text` into a trimmed clip; check the audio and the settings, retry if not.

        pyttsx3's espeak driver finishes each utterance on espeak's own thread and can race
        the next one (an empty file, a lost setting); a failed try is made again.
        """
        failure = SpeechError(f"pyttsx3 could not speak '{text}'")
        for attempt in range(_ATTEMPTS):
            if attempt:
                time.sleep(0.05 * attempt)  # let the driver's thread settle
            try:
                return self._speak_once(text)
            except SpeechError as exc:
                failure = exc
        raise failure

    def _speak_once(self, text: str) -> Clip:
        target = self._folder / "clip.wav"
        if not self._settings_hold():
            # espeak is one global synthesizer. pyttsx3's engine queues a property set
            # behind its callback thread, which can lose it; its espeak driver's own
            # (static) setter applies it at once, and the settings are checked before the
            # utterance. Not after it: espeak changes its current voice on its own for
            # words of another language, which is no lost setting.
            from pyttsx3.drivers.espeak import EspeakDriver

            EspeakDriver.setProperty("voice", self.voice_info.id)
            EspeakDriver.setProperty("rate", self.voice.rate)
            EspeakDriver.setProperty("volume", self.voice.volume)
            if not self._settings_hold():
                raise SpeechError(f"pyttsx3 did not apply the voice settings for '{text}'")
        target.unlink(missing_ok=True)
        self._finished.clear()
        with contextlib.redirect_stdout(io.StringIO()):  # it prints "Audio saved to ..."
            self._engine.save_to_file(text, str(target))
            self._engine.runAndWait()
            # runAndWait returns while espeak's thread is still speaking; the file is
            # complete only once the driver reports the utterance finished.
            if not self._finished.wait(_TIMEOUT_S):
                raise SpeechError(f"pyttsx3 did not finish speaking '{text}' within {_TIMEOUT_S} s")
        return Clip(*_read_wav(target, text))

    def close(self) -> None:
        """Let an utterance under way finish, stop listening, remove the scratch folder.

        Stopped in the middle (Ctrl-C), espeak's own thread is still writing into the
        folder: removing it first makes pyttsx3 fail loudly on a file that is gone.
        """
        _wait_for(self._finished, _FINISH_ON_CLOSE_S)
        self._engine.disconnect(self._token)
        shutil.rmtree(self._folder, ignore_errors=True)


def _wait_for(event: threading.Event, seconds: float) -> None:
    # in short sleeps, never a wait on a lock a signal could have left held
    deadline = time.monotonic() + seconds
    while not event.is_set() and time.monotonic() < deadline:
        time.sleep(0.005)


def _read_wav(path: Path, text: str) -> tuple[np.ndarray, int]:
    # pyttsx3 swallows write errors, so a missing or empty file is the only sign of one.
    try:
        with wave.open(str(path), "rb") as wav:
            rate, width, frames = wav.getframerate(), wav.getsampwidth(), wav.getnframes()
            data = wav.readframes(frames)
    except (OSError, EOFError, wave.Error) as exc:
        raise SpeechError(f"pyttsx3 wrote no audio for '{text}': {exc}") from None
    if width != 2 or not data:
        raise SpeechError(f"pyttsx3 wrote no usable audio for '{text}'")
    samples = np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0
    return trim_silence(samples, rate), rate
