"""`voicecoach serve`: a built programme's folder over HTTP, for a phone on the network."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import click

from voicecoach.cli.base import echo, main
from voicecoach.errors import Terminated


@main.command()
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="The address to listen on; 0.0.0.0 lets a phone on your network in.",
)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="0: any free."
)
def serve(folder: Path | None, host: str, port: int) -> None:
    """Serve a built programme's FOLDER (default: the one under output/) over HTTP.

    A phone on the same network opens the page or subscribes to the feed, with no web
    host: the feed and page carry this server's address. Only the programme's published
    files are served (with byte ranges, for seeking). Ctrl-C stops it.

    \b
    Examples:
      voicecoach serve                                  # http://127.0.0.1:8000/
      voicecoach serve output/stronger-legs-for-runners --host 0.0.0.0
    """
    import asyncio

    from voicecoach.serve import find_folder, network_address, serve_forever

    where = find_folder(folder)

    def ready(bound: int) -> None:
        shown = network_address() if host in ("0.0.0.0", "::", "") else host
        base = f"http://{shown or host}:{bound}/"
        echo(f"Serving {where} at {base} (Ctrl-C stops)")
        echo(f"  page: {base}\n  feed: {base}feed.xml")
        if host in ("0.0.0.0", "::", ""):
            import segno

            echo("Scan the feed's address with the phone's camera:")
            segno.make(f"{base}feed.xml", error="m").terminal(compact=True)
        sys.stdout.flush()

    try:
        asyncio.run(serve_forever(where, host, port, ready))
    except (KeyboardInterrupt, Terminated) as exc:
        signum = exc.signum if isinstance(exc, Terminated) else signal.SIGINT
        echo("Stopped.", err=True)
        click.get_current_context().exit(128 + signum)
