"""The folder `voicecoach serve` serves: what its programme.json lists now, and the feed,
page and chapters rendered from it, once per change of that file, off the event loop."""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voicecoach.errors import ExportError
from voicecoach.files.types import media_type
from voicecoach.programme import page, publish
from voicecoach.programme.plan import Programme
from voicecoach.programme.publish import Record
from voicecoach.serve.http import body_etag

_RENDERED_KEPT = 32  # feeds for so many base URLs (a Host may name any port)


def _stamp(stat: os.stat_result) -> tuple[int, int, int]:
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


@dataclass(frozen=True)
class Published:
    """What the folder's programme.json lists, as read at one moment."""

    folder: Path
    stamp: tuple[int, int, int]  # programme.json's inode, mtime and size when read
    programme: Programme
    records: tuple[Record, ...]
    names: frozenset[str]  # every file of the folder the server may send
    cover: str | None
    calendar: bool
    base_url: str | None  # the one it was built with, if any

    @classmethod
    def read(cls, folder: Path) -> Published:
        """The folder's programme.json, read now."""

        path = folder / "programme.json"
        try:
            with path.open("rb") as file:
                stamp = _stamp(os.fstat(file.fileno()))
                document = json.loads(file.read())
        except (OSError, ValueError) as exc:
            raise ExportError(f"{path}: cannot read it: {exc}") from None
        if not isinstance(document, dict):
            raise ExportError(f"{path}: expected a JSON object")
        earlier = publish.read_earlier(path)
        records = tuple(earlier.records[n] for n in sorted(earlier.records))
        names = {"index.html", "feed.xml", "playlist.m3u8", "calendar.ics", "cover.jpg"}
        for record in records:
            stem = Path(record.file)
            names |= {record.file, record.chapters_file}
            names |= {stem.with_suffix(s).name for s in (".json", ".vtt", ".lrc")}
        return cls(
            folder=folder,
            stamp=stamp,
            programme=_programme(document),
            records=records,
            names=frozenset(names),
            cover="cover.jpg" if (folder / "cover.jpg").is_file() else None,
            calendar=(folder / "calendar.ics").is_file(),
            base_url=earlier.base_url,
        )

    def rendered(self, name: str, base_url: str) -> bytes | None:
        """The feed, page or a chapters file made for `base_url`; None for any other file."""

        if name == "feed.xml":
            return publish.feed(self.programme, self.records, base_url, self.cover)
        if name == "index.html":
            identity = page.programme_identity(self.programme.title, self.base_url)
            html = page.page(
                self.programme,
                self.records,
                calendar=self.calendar,
                feed=True,
                cover=self.cover,
                identity=identity,
            )
            return html.encode("utf-8")
        for record in self.records:
            if name == record.chapters_file:
                return publish.chapters_json(record).encode("utf-8")
        return None


def _programme(document: dict[str, Any]) -> Programme:
    """The programme's words and shape from programme.json (its plan is not needed)."""

    def string(key: str) -> str:
        value = document.get(key)
        return value if isinstance(value, str) else ""

    def whole(key: str) -> int:
        value = document.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else 1

    return Programme(
        title=string("title") or "voicecoach",
        slots=(),
        weeks=whole("weeks"),
        per_week=whole("per_week"),
        description=string("description"),
        author=string("author"),
        email=string("email"),
        copyright=string("copyright"),
    )


@dataclass(frozen=True)
class Document:
    """A rendered feed, page or chapters file, with its ETag."""

    body: bytes
    etag: str
    kind: str


@dataclass
class Folder:
    """The folder as served: re-read when its programme.json is replaced, and each
    document rendered once per change, in a thread (a 500-session feed takes 70 ms)."""

    current: Published
    _documents: dict[tuple[str, str], Document] = field(default_factory=dict)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def now(self) -> Published:
        """What programme.json lists now; the last good reading while it cannot be read."""
        try:
            stamp = _stamp(os.stat(self.current.folder / "programme.json"))
        except OSError:
            return self.current  # between a rebuild's remove and replace
        if stamp != self.current.stamp:
            async with self._lock:
                if stamp != self.current.stamp:
                    try:
                        self.current = await asyncio.to_thread(Published.read, self.current.folder)
                    except ExportError:
                        return self.current
                    self._documents.clear()
        return self.current

    async def document(self, published: Published, name: str, base_url: str) -> Document | None:
        """The rendered `name` for `base_url`, or None for a file sent as it is on disk."""
        if name not in ("feed.xml", "index.html") and not name.endswith(".chapters.json"):
            return None
        key = (name, base_url if name == "feed.xml" else "")
        found = self._documents.get(key)
        if found is not None and published is self.current:
            return found
        async with self._lock:
            found = self._documents.get(key)
            if found is None or published is not self.current:
                body = await asyncio.to_thread(published.rendered, name, base_url)
                if body is None:
                    return None
                found = Document(body, body_etag(body), media_type(name))
                if published is self.current:
                    while len(self._documents) >= _RENDERED_KEPT:
                        del self._documents[next(iter(self._documents))]
                    self._documents[key] = found
            return found
