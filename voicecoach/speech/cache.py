"""A content-addressed clip cache wrapped around any Synthesizer: speak each text once, ever."""

from __future__ import annotations

import hashlib
import json
import os
import struct
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from voicecoach.errors import VoicecoachError
from voicecoach.files.parts import part_prefix, remove_dead_parts
from voicecoach.files.remote import filesystem, is_url, local_path
from voicecoach.speech.engine import Clip, Synthesizer

_MAGIC = b"VCCLIP2\n"
# magic, a number (a clip's sample rate, an analysis's loudness), the count of float32
# values that follow, and the sha256 of those values
_HEADER = struct.Struct("<8sdI32s")
_PART_STEM = ".tmp-"  # a temporary entry is .tmp-<pid>.<random>.part
FORMAT_VERSION = 2  # bump when trimming, analysis or the stored format changes


def default_cache_dir() -> Path | str:
    """VOICECOACH_CACHE_DIR (a folder, or an fsspec URL), else the user cache folder."""
    configured = os.environ.get("VOICECOACH_CACHE_DIR")
    if configured:
        return configured if is_url(configured) else local_path(configured).expanduser()
    return _user_cache() / "clips"


def _user_cache() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("voicecoach", appauthor=False))


def _parse(data: bytes) -> tuple[float, np.ndarray] | None:
    """An entry's number and values, or None when it is truncated or damaged."""
    if len(data) < _HEADER.size:
        return None
    magic, meta, count, digest = _HEADER.unpack_from(data)
    payload = data[_HEADER.size :]
    if magic != _MAGIC or len(payload) != count * 4 or hashlib.sha256(payload).digest() != digest:
        return None
    return meta, np.frombuffer(payload, dtype="<f4").copy()


def _pack(meta: float, values: np.ndarray) -> bytes:
    payload = np.asarray(values, dtype="<f4").tobytes()
    return _HEADER.pack(_MAGIC, meta, len(values), hashlib.sha256(payload).digest()) + payload


@dataclass
class CacheStats:
    """How many clips a build found in the cache and how many it had to speak."""

    hits: int = 0
    misses: int = 0


@dataclass(frozen=True)
class CacheSummary:
    """What the cache holds."""

    folder: Path
    clips: int
    others: int  # loudness analyses
    size_bytes: int
    writing: int = 0  # temporary files of builds writing now


class ClipCache:
    """Clips (and other arrays, such as loudness analyses) on disk, named by a hash.

    Every entry carries a checksum and is checked when read: a truncated or corrupt entry
    reads as missing, so it is made again, never served.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        # why the cache could not be written, once it could not: from then on the build
        # goes on without storing (the cache only saves time)
        self.failure: str | None = None
        self._swept = False

    @classmethod
    def at(cls, folder: Path | str | None) -> ClipCache:
        """The cache in `folder` (or at an fsspec URL), or in the default location."""
        location = folder or default_cache_dir()
        if is_url(location):
            return SharedClipCache(str(location))
        return cls(local_path(location))

    def path_for(self, key: str, suffix: str = ".clip") -> Path:
        """Where the entry with this key lives."""
        return self.folder / key[:2] / f"{key}{suffix}"

    def read_values(self, key: str, suffix: str) -> tuple[float, np.ndarray] | None:
        """The number and float32 values stored under `key`, or None if missing or damaged."""
        return self._read(self.path_for(key, suffix))

    def write_values(self, key: str, suffix: str, meta: float, values: np.ndarray) -> None:
        """Store a number and float32 values under `key`, atomically."""
        self._write(self.path_for(key, suffix), meta, values)

    def _read(self, path: Path) -> tuple[float, np.ndarray] | None:
        try:
            data = path.read_bytes()
        except OSError:
            return None
        return _parse(data)

    def _write(self, path: Path, meta: float, values: np.ndarray) -> None:
        if self.failure is not None:
            return
        try:
            self._store(path, meta, values)
        except OSError as exc:
            self.failure = f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")

    def _store(self, path: Path, meta: float, values: np.ndarray) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not self._swept:
            self._swept = True
            self.sweep()
        handle, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=part_prefix(_PART_STEM), suffix=".part"
        )
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(_pack(meta, values))
            # atomic, and the first writer wins: builds running at once that both made an
            # entry all use the one kept, so each session is the same as a later rebuild
            try:
                os.link(temporary, path)
            except FileExistsError:
                if self._read(path) is None:  # a damaged entry is replaced
                    os.replace(temporary, path)
            except OSError:  # a file system without hard links
                os.replace(temporary, path)
        finally:
            Path(temporary).unlink(missing_ok=True)

    def flush(self) -> None:
        """Wait for what is being stored elsewhere (nothing here: a folder is written now)."""

    def sweep(self) -> int:
        """Delete temporary files left by writers that were killed; count them."""
        if not self.folder.is_dir():
            return 0
        return remove_dead_parts(self.folder.glob(f"*/{_PART_STEM}*.part"), _PART_STEM)

    def get(self, key: str) -> Clip | None:
        """The stored clip, or None if it is missing, truncated or corrupt."""
        found = self._read(self.path_for(key))
        if found is None or found[0] <= 0:
            return None
        return Clip(found[1], int(found[0]))

    def put(self, key: str, clip: Clip) -> None:
        """Store a clip atomically."""
        self._write(self.path_for(key), clip.sample_rate, clip.samples)

    def clear(self) -> int:
        """Delete every entry (and stray temporary file); return how many entries went."""
        if self.folder.exists() and not self.folder.is_dir():
            raise VoicecoachError(
                f"cannot clear the cache at {self.folder}: expected a folder, found a file"
            )
        entries = self.entries()
        try:
            for path in entries:
                path.unlink(missing_ok=True)
            if self.folder.is_dir():
                self.sweep()
                for sub in self.folder.iterdir():
                    if sub.is_dir() and len(sub.name) == 2 and not any(sub.iterdir()):
                        sub.rmdir()
        except OSError as exc:
            raise VoicecoachError(
                f"cannot clear the cache at {self.folder}: {exc.strerror or exc}"
            ) from None
        return len(entries)

    def entries(self) -> list[Path]:
        """Every stored entry."""
        if not self.folder.is_dir():
            return []
        return sorted(p for p in self.folder.glob("*/*") if not p.name.startswith("."))

    def summary(self) -> CacheSummary:
        """How many clips and other entries the cache holds, and their size.

        Temporary files of killed writers are removed first; those of running ones count.
        """
        self.sweep()
        entries = self.entries()
        clips = sum(1 for path in entries if path.suffix == ".clip")
        parts = list(self.folder.glob(f"*/{_PART_STEM}*.part")) if self.folder.is_dir() else []
        size = sum(path.stat().st_size for path in entries + parts)
        return CacheSummary(self.folder, clips, len(entries) - clips, size, len(parts))


_LISTINGS: dict[str, tuple[float, set[str]]] = {}
_LISTING_S = 30.0  # a process's sessions share the store's listing this long


def _listed(url: str, fs: Any, root: str) -> set[str]:
    """The entries the store holds, listed at most every _LISTING_S in a process."""
    now = time.monotonic()
    kept = _LISTINGS.get(url)
    if kept is not None and now - kept[0] < _LISTING_S:
        return kept[1]
    try:
        listed = fs.find(root) if fs.exists(root) else []
    except OSError:
        listed = []
    there = {key[len(root) :].lstrip("/") for key in listed}
    _LISTINGS[url] = (now, there)
    return there


class SharedClipCache(ClipCache):
    """The cache at an fsspec URL (`s3://bucket/clips`), shared by every machine of a run,
    read through a local copy: an entry is fetched once per machine, and one made here is
    kept here and put there.

    What the store holds is listed once, when the cache is first used, so an entry it
    lacks costs no request; one another worker puts there meanwhile is made again here,
    the same clip under the same name. Entries are named by what they are made from, so
    many writers at once write one entry under one name.
    """

    def __init__(self, url: str) -> None:
        digest = hashlib.sha256(url.rstrip("/").encode()).hexdigest()[:16]
        super().__init__(_user_cache() / "shared" / digest)
        self.url = url.rstrip("/")
        self._fs: Any = None
        self._root = ""
        self._there: set[str] = set()  # the store's entries, listed once, and those put
        self._uploads: Any = None  # entries go up in the background, while speech goes on
        self._pending: list[Any] = []

    def _name(self, path: Path) -> str:
        """An entry's name in the store (listing it the first time)."""
        if self._fs is None:
            self._fs, self._root = filesystem(self.url)
            self._there = _listed(self.url, self._fs, self._root)
        return path.relative_to(self.folder).as_posix()

    def _read(self, path: Path) -> tuple[float, np.ndarray] | None:
        found = super()._read(path)
        if found is not None:
            return found
        name = self._name(path)
        if name not in self._there:
            return None
        try:
            found = _parse(self._fs.cat_file(f"{self._root}/{name}"))
        except (OSError, ValueError):
            return None
        if found is not None:
            super()._write(path, *found)  # this machine's copy
        return found

    def _write(self, path: Path, meta: float, values: np.ndarray) -> None:
        super()._write(path, meta, values)
        if self.failure is not None:
            return
        name = self._name(path)
        if name in self._there:
            return
        self._there.add(name)
        if self._uploads is None:
            from concurrent.futures import ThreadPoolExecutor

            self._uploads = ThreadPoolExecutor(4, thread_name_prefix="voicecoach-cache")
        remote = f"{self._root}/{name}"
        self._pending.append(self._uploads.submit(self._fs.pipe_file, remote, _pack(meta, values)))

    def flush(self) -> None:
        """Wait for the entries going up, and let their threads go; the first failure is
        the cache's."""
        pending, self._pending = self._pending, []
        uploads, self._uploads = self._uploads, None
        if uploads is not None:
            uploads.shutdown(wait=True)
        for future in pending:
            try:
                future.result()
            except (OSError, ValueError) as exc:
                self.failure = self.failure or f"{self.url}: {exc}"


class CachedSynthesizer:
    """A Synthesizer that asks the cache first and stores what the inner one speaks.

    Clips live on disk, not in memory: a session's distinct speech can be far larger than
    the memory a build may take. Only while the cache cannot be written are clips kept.
    """

    def __init__(self, inner: Synthesizer, cache: ClipCache) -> None:
        self.inner = inner
        self.cache = cache
        self.stats = CacheStats()
        self._lengths: dict[str, int] = {}
        self._kept: dict[str, Clip] = {}  # only when the cache failed
        self._identity = json.dumps({**inner.identity(), "format": FORMAT_VERSION}, sort_keys=True)

    def identity(self) -> dict[str, object]:
        """The inner synthesizer's identity."""
        return self.inner.identity()

    def close(self) -> None:
        """Close the inner synthesizer; what the cache is storing elsewhere is stored."""
        try:
            self.inner.close()
        finally:
            self.cache.flush()

    def key(self, text: str) -> str:
        """The cache key of a text spoken by this synthesizer."""
        return hashlib.sha256(f"{self._identity}\n{text}".encode()).hexdigest()

    def length_ms(self, text: str) -> int:
        """How long `text` takes to say (it is spoken, or read from the cache, if need be)."""
        if text not in self._lengths:
            self.synthesize(text)
        return self._lengths[text]

    def synthesize(self, text: str) -> Clip:
        """The clip for `text`: from disk, or freshly spoken and stored."""
        clip = self._kept.get(text)
        if clip is not None:
            return clip
        key = self.key(text)
        clip = self.cache.get(key)
        first = text not in self._lengths
        if clip is None:
            if first:
                self.stats.misses += 1
            clip = self.inner.synthesize(text)
            self.cache.put(key, clip)
            if self.cache.failure is not None:
                self._kept[text] = clip
            else:  # another build may have stored this text first: theirs is the one
                clip = self.cache.get(key) or clip
        elif first:
            self.stats.hits += 1
        self._lengths[text] = clip.length_ms
        return clip
