"""`voicecoach serve`: a built programme's folder over HTTP, for a phone on the same network.

Built on aiohttp's server (asyncio, well kept, and its FileResponse already answers byte
ranges with 206 or 416, HEAD, ETag and Last-Modified, and sends files with sendfile), not
on http.server, which does none of that. It serves only what the build published: the
sessions, their sidecars and chapters, the playlist, calendar, cover, page and feed; never
a path out of the folder, a dotfile, a `.part` file or a folder listing. The feed and the
page carry the server's own address (from the request's Host) as their base URL; the
files on disk are not rewritten.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from voicecoach.errors import ExportError

TYPES = {
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".xml": "application/rss+xml; charset=utf-8",
    ".ics": "text/calendar; charset=utf-8",
    ".m3u8": "audio/x-mpegurl; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".vtt": "text/vtt; charset=utf-8",
    ".lrc": "text/plain; charset=utf-8",
    ".json": "application/json; charset=utf-8",
}
CHAPTERS_TYPE = "application/json+chapters; charset=utf-8"


def find_folder(given: Path | None) -> Path:
    """The programme folder to serve: `given`, or the one built programme under output/."""
    where = given if given is not None else Path("output")
    if (where / "programme.json").is_file():
        return where
    if not where.is_dir():
        raise ExportError(f"{where}: expected a built programme's folder, found no such folder")
    found = sorted(p.parent for p in where.glob("*/programme.json"))
    if len(found) == 1:
        return found[0]
    if not found:
        raise ExportError(
            f"{where}: expected a built programme's folder (with programme.json), found none; "
            "build one first: voicecoach build scripts/programme.yaml"
        )
    raise ExportError(
        f"{where} holds {len(found)} programmes; name one: "
        + ", ".join(f"voicecoach serve {p}" for p in found)
    )


@dataclass(frozen=True)
class Published:
    """What the folder's programme.json says was built, read once when the server starts."""

    folder: Path
    document: dict[str, object]

    @classmethod
    def read(cls, folder: Path) -> Published:
        try:
            document = json.loads((folder / "programme.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ExportError(f"{folder / 'programme.json'}: cannot read it: {exc}") from None
        if not isinstance(document, dict):
            raise ExportError(f"{folder / 'programme.json'}: expected a JSON object")
        return cls(folder, document)

    def names(self) -> set[str]:
        """Every file of the folder the server may send, by name."""
        from voicecoach.programme import publish

        earlier = publish.read_earlier(self.folder / "programme.json")
        names = {"index.html", "feed.xml", "playlist.m3u8", "calendar.ics", "cover.jpg"}
        for record in earlier.records.values():
            stem = Path(record.file)
            names |= {record.file, record.chapters_file}
            names |= {stem.with_suffix(s).name for s in (".json", ".vtt", ".lrc")}
        return names

    def rendered(self, name: str, base_url: str) -> bytes | None:
        """The feed, page or a chapters file made for `base_url`; None for any other file."""
        from voicecoach.programme import publish
        from voicecoach.programme.page import page
        from voicecoach.programme.plan import Programme

        if name not in ("feed.xml", "index.html") and not name.endswith(".chapters.json"):
            return None  # a file as it is on disk
        earlier = publish.read_earlier(self.folder / "programme.json")
        records = [earlier.records[n] for n in sorted(earlier.records)]
        text = self.document

        def string(key: str) -> str:
            value = text.get(key)
            return value if isinstance(value, str) else ""

        def whole(key: str) -> int:
            value = text.get(key)
            return value if isinstance(value, int) and not isinstance(value, bool) else 1

        programme = Programme(
            title=string("title") or "voicecoach",
            slots=(),
            weeks=whole("weeks"),
            per_week=whole("per_week"),
            description=string("description"),
            author=string("author"),
            email=string("email"),
            copyright=string("copyright"),
        )
        cover = "cover.jpg" if (self.folder / "cover.jpg").is_file() else None
        if name == "feed.xml":
            return publish.feed(programme, records, base_url, cover)
        if name == "index.html":
            calendar = (self.folder / "calendar.ics").is_file()
            html = page(programme, records, calendar=calendar, feed=True, cover=cover)
            return html.encode("utf-8")
        for record in records:
            if name == record.chapters_file:
                return publish.chapters_json(record).encode("utf-8")
        return None


def make_app(folder: Path) -> object:
    """The aiohttp application serving `folder`."""
    from aiohttp import web

    published = Published.read(folder)
    allowed = published.names()
    root = folder.resolve()

    async def handle(request: web.Request) -> web.StreamResponse:
        name = request.match_info.get("name") or "index.html"
        if name not in allowed or name.startswith(".") or name.endswith(".part"):
            raise web.HTTPNotFound(text="not one of this programme's files\n")
        base_url = f"{request.scheme}://{request.host}/"
        made = published.rendered(name, base_url)
        if made is not None:
            kind = CHAPTERS_TYPE if name.endswith(".chapters.json") else TYPES[Path(name).suffix]
            return web.Response(body=made, content_type=kind.split(";")[0], charset="utf-8")
        path = (folder / name).resolve()
        if path.parent != root or not path.is_file():  # a link out of the folder, or gone
            raise web.HTTPNotFound(text="not one of this programme's files\n")
        response = web.FileResponse(path)
        response.content_type = TYPES.get(path.suffix, "application/octet-stream").split(";")[0]
        return response

    app = web.Application()
    app.router.add_get("/", handle)
    app.router.add_get("/{name}", handle)
    return app


async def serve_forever(folder: Path, host: str, port: int, ready: Callable[[int], None]) -> None:
    """Serve until cancelled (a stop); `ready` hears the port, once listening."""
    from aiohttp import web

    runner = web.AppRunner(make_app(folder), access_log=None)  # type: ignore[arg-type]
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port, reuse_address=True)
        try:
            await site.start()
        except OSError as exc:
            raise ExportError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        sockets = (
            getattr(site._server, "sockets", None) or []
        )  # aiohttp keeps the bound sockets there
        ready(sockets[0].getsockname()[1] if sockets else port)
        while True:
            await asyncio.sleep(3600)
    finally:
        await runner.cleanup()


def network_address() -> str | None:
    """This machine's address on its local network (no packet is sent), or None."""
    import socket

    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # a documentation address: only routes are read
            address: str = probe.getsockname()[0]
            return address
    except OSError:
        return None
