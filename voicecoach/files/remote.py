"""Shared storage through fsspec: an output folder or a clip cache at a URL (`s3://...`).

A build writes into a local mirror of the output URL (so a rebuild still makes only what
changed, and every check of a local build holds), then publishes it: each changed file
goes up whole under a temporary key and is then moved into place, sessions first, then
each programme's own files, the squad's manifest and overview last; what an earlier
publish put there and the mirror no longer has is removed. A machine with no mirror yet
fetches the published tree first, so its first build is a rebuild too.

The `s3` extra installs s3fs; the standard AWS variables (`AWS_ENDPOINT_URL`,
`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`) reach it through botocore.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from voicecoach.errors import ExportError
from voicecoach.files.outputs import PROGRAMME_FILES, SQUAD_MANIFEST, SQUAD_OVERVIEW

RECORD = ".voicecoach-published.json"  # in the mirror: what was published, and as what
_UPLOADS = ".voicecoach-upload"  # under the URL: whole files waiting to be moved in place


def is_url(location: str | Path | None) -> bool:
    """Whether a location is an fsspec URL of remote storage (`file://` is a folder)."""
    text = str(location or "")
    return "://" in text and not text.startswith("file://")


def local_path(location: str | Path) -> Path:
    """A local location as a path (`file://` taken off)."""
    text = str(location)
    return Path(text.removeprefix("file://")) if text.startswith("file://") else Path(text)


def filesystem(url: str) -> tuple[Any, str]:
    """The fsspec file system of a URL and the path in it."""
    try:
        import fsspec
    except ImportError:
        raise ExportError(
            f"{url}: storage at a URL needs fsspec; pip install 'voicecoach[s3]'",
            option="output_dir",
        ) from None
    try:
        fs, root = fsspec.core.url_to_fs(url)
    except (ImportError, ValueError) as exc:
        raise ExportError(
            f"{url}: expected a URL of storage fsspec knows (s3://bucket/prefix with "
            f"pip install 'voicecoach[s3]'), found an error: {exc}",
            option="output_dir",
        ) from None
    return fs, root.rstrip("/")


def mirror_of(url: str) -> Path:
    """The local mirror of an output URL (one per URL, kept between builds)."""
    digest = hashlib.sha256(url.rstrip("/").encode()).hexdigest()[:16]
    return Path(platformdirs.user_cache_dir("voicecoach", appauthor=False)) / "outputs" / digest


@dataclass(frozen=True)
class Published:
    """What a publish did."""

    url: str
    uploaded: tuple[str, ...]
    removed: tuple[str, ...]
    kept: int


def _tier(relative: str) -> int:
    """Published in this order: sessions, a programme's own files, then a squad's."""
    name = relative.rsplit("/", 1)[-1]
    if name.endswith((SQUAD_MANIFEST, SQUAD_OVERVIEW)):
        return 2
    return 1 if name in PROGRAMME_FILES else 0


def _local_files(folder: Path, mirror: Path) -> dict[str, os.stat_result]:
    found = {}
    for path in folder.rglob("*"):
        if path.is_file() and path.name != RECORD and not path.name.endswith(".part"):
            found[path.relative_to(mirror).as_posix()] = path.stat()
    return found


def _read_record(mirror: Path) -> dict[str, list[Any]]:
    try:
        data = json.loads((mirror / RECORD).read_text(encoding="utf-8"))
        return {str(k): list(v) for k, v in data.items()}
    except (OSError, ValueError, AttributeError, TypeError):
        return {}


def _write_record(mirror: Path, record: dict[str, list[Any]]) -> None:
    temporary = mirror / f"{RECORD}.{secrets.token_hex(4)}.part"
    temporary.write_text(json.dumps(record, sort_keys=True), encoding="utf-8")
    temporary.replace(mirror / RECORD)


def fetch(url: str, mirror: Path) -> int:
    """Bring the published tree into a mirror that has none yet; count the files."""
    if (mirror / RECORD).exists():
        return 0
    fs, root = filesystem(url)
    mirror.mkdir(parents=True, exist_ok=True)
    record: dict[str, list[Any]] = {}
    try:
        remote = fs.find(root, detail=True) if fs.exists(root) else {}
    except OSError as exc:
        raise ExportError(f"{url}: cannot be read: {exc}", option="output_dir") from None
    for key, info in remote.items():
        relative = key[len(root) :].lstrip("/")
        if not relative or relative.startswith(_UPLOADS) or info.get("type") == "directory":
            continue
        target = mirror / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        data = fs.cat_file(key)
        target.write_bytes(data)
        stat = target.stat()
        record[relative] = [stat.st_size, stat.st_mtime_ns, hashlib.sha256(data).hexdigest()]
    _write_record(mirror, record)
    return len(record)


def publish(mirror: Path, url: str, only: Path | None = None) -> Published:
    """Put what changed in the mirror at the URL: whole files, sessions first, the
    programme files and then the squad's last; remove what was published and is gone.

    `only`: a folder of the mirror (an athlete's, done), published alone, nothing removed.
    """
    fs, root = filesystem(url)
    record = _read_record(mirror)
    files = _local_files(mirror if only is None else only, mirror)
    try:
        there = {k[len(root) :].lstrip("/") for k in fs.find(root)} if fs.exists(root) else set()
    except OSError as exc:
        raise ExportError(f"{url}: cannot be listed: {exc}", option="output_dir") from None
    uploads = []
    for relative, stat in files.items():
        known = record.get(relative)
        if known and known[:2] == [stat.st_size, stat.st_mtime_ns] and relative in there:
            continue
        uploads.append(relative)
    uploads.sort(key=lambda relative: (_tier(relative), relative))
    batch = f"{root}/{_UPLOADS}/{secrets.token_hex(8)}"
    removed: list[str] = []
    try:
        for relative in uploads:
            data = (mirror / relative).read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            stat = files[relative]
            if not (relative in there and record.get(relative, [None] * 3)[2] == digest):
                _put_whole(fs, data, f"{batch}/{relative}", f"{root}/{relative}")
            record[relative] = [stat.st_size, stat.st_mtime_ns, digest]
        removed = [] if only is not None else sorted(r for r in record if r not in files)
        for relative in removed:
            if relative in there:
                fs.rm_file(f"{root}/{relative}")
            del record[relative]
    except OSError as exc:
        raise ExportError(f"{url}: cannot be written: {exc}", option="output_dir") from None
    finally:
        # what went up is noted even when a publish stops half way: it is not put again
        _write_record(mirror, record)
    return Published(url, tuple(uploads), tuple(removed), len(files) - len(uploads))


# object stores, where a PUT is whole or nothing: a reader never sees half an object
_ATOMIC_PUT = {"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "memory"}


def _put_whole(fs: Any, data: bytes, temporary: str, final: str) -> None:
    """Write `final` so that no reader sees it half written: an object store's PUT is
    whole already; elsewhere (a file system, SFTP) under a temporary name, then moved."""
    protocols = fs.protocol if isinstance(fs.protocol, (tuple, list)) else (fs.protocol,)
    if _ATOMIC_PUT & set(protocols):
        fs.pipe_file(final, data)
        return
    fs.pipe_file(temporary, data)
    fs.mv(temporary, final)


class Publisher:
    """Publishes while a build goes on: each folder as it is done, in the background (its
    upload under the next one's making), then the rest, the squad's files last."""

    def __init__(self, mirror: Path, url: str) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.mirror, self.url = mirror, url
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="voicecoach-publish")
        self._done: list[Any] = []

    def folder_done(self, folder: Path) -> None:
        """Publish a finished folder of the mirror (an athlete's) in the background."""
        self._done.append(self._pool.submit(publish, self.mirror, self.url, folder))

    def finish(self) -> Published:
        """Wait for the folders, then publish the rest; what was put in all."""
        try:
            earlier = [future.result() for future in self._done]
        finally:
            self._pool.shutdown(wait=True)
        last = publish(self.mirror, self.url)
        uploaded = tuple(r for done in earlier for r in done.uploaded) + last.uploaded
        return Published(
            self.url, uploaded, last.removed, last.kept - len(uploaded) + len(last.uploaded)
        )

    def abandon(self) -> None:
        """Stop publishing (the build failed): what is under way finishes, nothing more."""
        self._pool.shutdown(wait=True, cancel_futures=True)
