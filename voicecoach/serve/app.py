"""`voicecoach serve`: a built programme's folder over HTTP, for a phone on the same network.

Built on aiohttp's low-level server (asyncio, well kept), not on http.server. It serves
only what the folder's programme.json lists now (re-read when a rebuild replaces it): the
sessions, their sidecars and chapters, the playlist, calendar, cover, page and feed; never
a path out of the folder, a dotfile, a `.part` file or a folder listing. It answers only
for the addresses it listens on (serve_host.py), and off this computer only under a
secret path. The feed and the page carry the server's own checked address as their base
URL, rendered once per change of programme.json; the files on disk are not rewritten.
What is served comes from serve_folder.py; byte ranges and revalidation follow
serve_http.py; slow and idle clients are closed by serve_connections.py.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from voicecoach.errors import ExportError
from voicecoach.files.outputs import DEFAULT_OUTPUT_DIR, SQUAD_MANIFEST
from voicecoach.files.types import media_type
from voicecoach.serve.connections import Guard, Limits, QuietLog, Tally, loop_errors
from voicecoach.serve.hosts import Hosts
from voicecoach.serve.http import (
    Part,
    file_etag,
    http_date,
    range_still_applies,
    unchanged,
    wanted_part,
)
from voicecoach.serve.published import Document, Folder, Published

if TYPE_CHECKING:
    from aiohttp import web

# A copy may be kept but is checked (by its ETag) before each use: the folder is rebuilt
# in place, and the next programme served on this port has files of the same names.
CACHE_CONTROL = "no-cache"
_CHUNK = 64 * 1024


def squad_folders(where: Path) -> dict[str, Path] | None:
    """A squad's folder: each athlete's folder (by its name) as its manifest lists them;
    None when `where` is no squad's folder."""
    manifest = where.parent / f"{where.name}{SQUAD_MANIFEST}"
    if (where / "programme.json").exists() or not manifest.is_file():
        return None
    try:
        athletes = json.loads(manifest.read_text(encoding="utf-8"))["athletes"]
        names = [str(athlete["folder"]) for athlete in athletes]
    except (OSError, ValueError, KeyError, TypeError):
        raise ExportError(f"{manifest}: expected a squad's manifest, could not read it") from None
    return {
        name: where / name
        for name in names
        if "/" not in name
        and not name.startswith(".")
        and (where / name / "programme.json").is_file()
    }


def squad_links(where: Path, athletes: Sequence[str]) -> dict[str, str] | None:
    """For a squad's folder, the folder of each athlete named (ExportError for a name it
    lacks); None for a programme's folder."""
    folders = squad_folders(where)
    if folders is None:
        if athletes:
            raise ExportError(
                f"{where}: athletes are named in a squad's folder; this is a programme's",
                option="athletes",
            )
        return None
    manifest = json.loads((where.parent / f"{where.name}{SQUAD_MANIFEST}").read_text("utf-8"))
    by_name = {str(a["name"]): str(a["folder"]) for a in manifest["athletes"]}
    found = {}
    for name in athletes:
        if by_name.get(name) not in folders:
            known = ", ".join(by_name)
            raise ExportError(
                f"{where}: expected an athlete of the squad ({known}), found '{name}'"
            )
        found[name] = by_name[name]
    return found


def find_folder(given: Path | None) -> Path:
    """The folder to serve: `given` (a programme's or a squad's), or the one built
    programme under output/."""
    where = given if given is not None else DEFAULT_OUTPUT_DIR
    if (where / "programme.json").is_file() or squad_folders(where):
        return where
    if not where.is_dir():
        raise ExportError(f"{where}: expected a built programme's folder, found no such folder")
    found = sorted(p.parent for p in where.glob("*/programme.json"))
    if len(found) == 1:
        return found[0]
    if not found:
        raise ExportError(
            f"{where}: expected a built programme's folder (with programme.json), found none; "
            "build one first (voicecoach new plan.yaml -t leg-programme writes a starter)"
        )
    raise ExportError(
        f"{where} holds {len(found)} programmes; name one: "
        + ", ".join(f"voicecoach serve {p}" for p in found)
    )


def _text(status: int, text: str, **headers: str) -> web.Response:
    from aiohttp import web

    return web.Response(status=status, text=text + "\n", headers=headers)


def _not_found() -> web.Response:
    return _text(404, "not one of this programme's files")


def _name(path: str, secret: str | None) -> str | None:
    """The file a request's path names ("" for the page), or None if it names none.

    "/" stands for a path that needs its closing slash (the page's relative links do).
    """
    if secret is not None:
        head, slash, path = path.lstrip("/").partition("/")
        if not hmac.compare_digest(head.encode(), secret.encode()):
            return None
        if not slash:
            return "/"  # the secret without its slash: the page's relative links need it
        path = "/" + path
    return path[1:]


def _route(
    path: str, secret: str | None, folders: Mapping[str, Folder]
) -> tuple[str, Folder | None, str] | None:
    """Where a request's path points, or None for nowhere (see _place)."""
    name = _name(path, secret)
    if name is None:
        return None
    return ("", None, "") if name == "/" else _place(name, folders)


def _place(name: str, folders: Mapping[str, Folder]) -> tuple[str, Folder | None, str] | None:
    """(the athlete's folder or "", its Folder, the file) a name is in; None if no place.

    A programme is served at the top; a squad's athletes each under their folder's name,
    and the squad's folder itself lists nothing. Folder None asks for the closing slash.
    """
    if "" in folders:
        return None if "/" in name else ("", folders[""], name)
    athlete, slash, rest = name.partition("/")
    if athlete not in folders or "/" in rest:
        return None
    return (athlete, folders[athlete], rest) if slash else (athlete, None, "")


def make_handler(
    folders: Mapping[str, Folder],
    hosts: Hosts,
    *,
    secret: str | None,
    guard: Guard,
    tally: Tally,
    limits: Limits,
) -> Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]:
    """The request handler serving `folders` (a programme's at "", or a squad's athletes')."""

    async def handle(request: web.BaseRequest) -> web.StreamResponse:
        with guard.serving(request.protocol):
            return await answer(request)

    async def answer(request: web.BaseRequest) -> web.StreamResponse:
        status, authority = _authority(request, hosts)
        if status != 200:
            if status == 421:
                tally.misdirected += 1
            else:
                tally.malformed += 1
            refused = _text(status, f"refused: {authority}")
            refused.force_close()  # a client that sent one such request may send more
            return refused
        if request.method not in ("GET", "HEAD"):
            return _text(405, "only GET and HEAD", Allow="GET, HEAD")
        top = f"/{secret}/" if secret else "/"
        place = _route(request.path, secret, folders)
        if place is None:
            return _not_found()
        athlete, folder, name = place
        if folder is None:  # the page's relative links need the closing slash
            return _text(308, "moved", Location=top + (f"{athlete}/" if athlete else ""))
        name = name or "index.html"
        published = await folder.now()
        if name not in published.names or name.startswith(".") or name.endswith(".part"):
            return _not_found()
        base_url = f"http://{authority}{top}" + (f"{athlete}/" if athlete else "")
        document = await folder.document(published, name, base_url)
        if document is not None:
            return _send_document(request, document)
        return await _send_file(request, published.folder / name, limits, tally)

    return handle


def _authority(request: web.BaseRequest, hosts: Hosts) -> tuple[int, str]:
    """200 and the host:port to build URLs from, or the status that refuses the request."""
    where = request.transport.get_extra_info("sockname") if request.transport else None
    header = request.headers.get("Host")
    if header is None and request.version >= (1, 1):
        return 400, "a request without a Host"
    return hosts.authority(header, where[0] if where else None)


def _common(etag: str) -> dict[str, str]:
    return {
        "ETag": etag,
        "Cache-Control": CACHE_CONTROL,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",  # a secret path stays out of other sites' logs
    }


def _send_document(request: web.BaseRequest, document: Document) -> web.StreamResponse:
    from aiohttp import web

    headers = _common(document.etag)
    if unchanged(request.headers.get("If-None-Match"), None, document.etag, None):
        return web.Response(status=304, headers=headers)
    headers["Content-Type"] = document.kind
    return web.Response(body=document.body, headers=headers)


async def _send_file(
    request: web.BaseRequest, path: Path, limits: Limits, tally: Tally
) -> web.StreamResponse:
    """The file whole or the part asked for, as it is on disk; closed if the client stalls."""
    from aiohttp import web

    root = path.parent.resolve()
    try:
        if path.resolve().parent != root:  # a link out of the folder
            return _not_found()
        file = path.open("rb")
    except OSError:
        return _not_found()
    with file:
        stat = os.fstat(file.fileno())
        size = stat.st_size
        etag = file_etag(stat)
        headers = _common(etag) | {
            "Last-Modified": http_date(stat.st_mtime),
            "Accept-Ranges": "bytes",
        }
        asked = request.headers
        if unchanged(
            asked.get("If-None-Match"), asked.get("If-Modified-Since"), etag, stat.st_mtime
        ):
            return web.Response(status=304, headers=headers)
        part = _part(asked, size, etag, stat.st_mtime)
        if part.status == 416:
            return web.Response(status=416, headers=headers | {"Content-Range": f"bytes */{size}"})
        if part.status == 206:
            headers["Content-Range"] = f"bytes {part.start}-{part.stop - 1}/{size}"
        headers["Content-Type"] = media_type(path.name) or "application/octet-stream"
        response = web.StreamResponse(status=part.status, headers=headers)
        response.content_length = part.stop - part.start
        await response.prepare(request)
        if request.method == "HEAD":
            return response
        await _stream(request, response, file, part, limits, tally)
        return response


def _part(asked: Mapping[str, str], size: int, etag: str, mtime: float) -> Part:
    """The part of the file a request asks for, if its If-Range names this version."""
    part = wanted_part(asked.get("Range"), size)
    if part.status != 200 and not range_still_applies(asked.get("If-Range"), etag, mtime):
        return Part(200, 0, size)
    return part


async def _stream(
    request: web.BaseRequest,
    response: web.StreamResponse,
    file: BinaryIO,
    part: Part,
    limits: Limits,
    tally: Tally,
) -> None:
    """Send the part in chunks; drop a client that stops reading for `stall_s`."""
    file.seek(part.start)
    left = part.stop - part.start
    while left > 0:
        # local files are read here, in the loop: a 64 kB read from the page cache takes
        # microseconds, less than a hop to a thread and back
        chunk = file.read(min(_CHUNK, left))
        if not chunk:  # the file was cut short under us: the length sent is a lie now
            _drop(request)
            return
        try:
            await asyncio.wait_for(response.write(chunk), limits.stall_s)
        except asyncio.TimeoutError:
            tally.stalled += 1
            _drop(request)
            return
        except ConnectionError:
            return
        left -= len(chunk)


def _drop(request: web.BaseRequest) -> None:
    if request.transport is not None:
        request.transport.abort()


async def serve_forever(
    folder: Path,
    host: str,
    port: int,
    ready: Callable[[int], None],
    *,
    secret: str | None = None,
    limits: Limits | None = None,
    tally: Tally | None = None,
) -> None:
    """Serve until cancelled (a stop); `ready` hears the port, once listening.

    With a `secret`, every file is under `/<secret>/` and any other path is 404. `tally`
    counts what was refused or closed along the way.
    """
    from aiohttp import web

    limits = limits or Limits()
    tally = tally if tally is not None else Tally()
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(loop_errors(tally))
    squad = squad_folders(folder)
    places = squad if squad is not None else {"": folder}
    served = {name: Folder(Published.read(path)) for name, path in places.items()}
    server = web.Server(
        lambda request: handle(request),
        keepalive_timeout=limits.idle_s + 5,  # a backstop: the guard closes idle ones first
        logger=QuietLog.logger(tally),
        access_log=None,
    )
    guard = Guard(server, limits, tally)
    handle = make_handler(
        served, Hosts.for_listening(host), secret=secret, guard=guard, tally=tally, limits=limits
    )
    try:
        listening = await loop.create_server(guard, host or None, port, reuse_address=True)
    except OSError as exc:
        raise ExportError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sweeper = asyncio.create_task(guard.sweep())
    try:
        ready(listening.sockets[0].getsockname()[1] if listening.sockets else port)
        await asyncio.Event().wait()
    finally:
        sweeper.cancel()
        listening.close()
        guard.close_all()


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
