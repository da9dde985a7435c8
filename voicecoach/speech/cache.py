"""A content-addressed clip cache wrapped around any Synthesizer: speak each text once, ever."""

from __future__ import annotations

import hashlib
import json
import os
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voicecoach.speech import Clip, Synthesizer

_MAGIC = b"VCCLIP1\n"
_HEADER = struct.Struct("<8sII32s")  # magic, sample rate, sample count, sha256 of the samples
_FORMAT_VERSION = 1  # bump when trimming or the stored format changes


def default_cache_dir() -> Path:
    """VOICECOACH_CACHE_DIR, else the platform's user cache folder."""
    configured = os.environ.get("VOICECOACH_CACHE_DIR")
    if configured:
        return Path(configured).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("voicecoach", appauthor=False)) / "clips"


@dataclass
class CacheStats:
    """How many clips a build found in the cache and how many it had to speak."""

    hits: int = 0
    misses: int = 0


class ClipCache:
    """Clips on disk, named by a hash of everything that made them; checked when read."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path_for(self, key: str) -> Path:
        """Where the clip with this key lives."""
        return self.folder / key[:2] / f"{key}.clip"

    def get(self, key: str) -> Clip | None:
        """The stored clip, or None if it is missing, truncated or corrupt."""
        try:
            data = self.path_for(key).read_bytes()
        except OSError:
            return None
        if len(data) < _HEADER.size:
            return None
        magic, rate, count, digest = _HEADER.unpack_from(data)
        payload = data[_HEADER.size :]
        if (
            magic != _MAGIC
            or len(payload) != count * 4
            or rate <= 0
            or hashlib.sha256(payload).digest() != digest
        ):
            return None
        return Clip(np.frombuffer(payload, dtype="<f4").copy(), rate)

    def put(self, key: str, clip: Clip) -> None:
        """Store a clip atomically: readers see the whole entry or none of it."""
        path = self.path_for(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = np.asarray(clip.samples, dtype="<f4").tobytes()
        header = _HEADER.pack(
            _MAGIC, clip.sample_rate, len(clip.samples), hashlib.sha256(payload).digest()
        )
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".clip")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(header)
                out.write(payload)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def entries(self) -> list[Path]:
        """Every stored clip file."""
        return sorted(self.folder.glob("*/*.clip")) if self.folder.is_dir() else []


class CachedSynthesizer:
    """A Synthesizer that asks the cache first and stores what the inner one speaks."""

    def __init__(self, inner: Synthesizer, cache: ClipCache) -> None:
        self.inner = inner
        self.cache = cache
        self.stats = CacheStats()
        self._memory: dict[str, Clip] = {}
        self._identity = json.dumps({**inner.identity(), "format": _FORMAT_VERSION}, sort_keys=True)

    def identity(self) -> dict[str, object]:
        """The inner synthesizer's identity."""
        return self.inner.identity()

    def key(self, text: str) -> str:
        """The cache key of a text spoken by this synthesizer."""
        return hashlib.sha256(f"{self._identity}\n{text}".encode()).hexdigest()

    def synthesize(self, text: str) -> Clip:
        """The clip for `text`: from memory, from disk, or freshly spoken and stored."""
        clip = self._memory.get(text)
        if clip is not None:
            return clip
        key = self.key(text)
        clip = self.cache.get(key)
        if clip is None:
            self.stats.misses += 1
            clip = self.inner.synthesize(text)
            self.cache.put(key, clip)
        else:
            self.stats.hits += 1
        self._memory[text] = clip
        return clip
