"""`voicecoach serve`: a built programme's folder over HTTP, for a phone on the network."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import click

from voicecoach.cli.base import echo, main
from voicecoach.errors import Terminated

WILDCARDS = ("0.0.0.0", "::", "")


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
@click.option(
    "--no-secret",
    is_flag=True,
    help="Off this computer, serve at / rather than under a random secret path.",
)
@click.option(
    "--athlete",
    "athletes",
    multiple=True,
    metavar="NAME",
    help="A squad's folder: print this athlete's link and its QR code (repeatable).",
)
def serve(
    folder: Path | None, host: str, port: int, no_secret: bool, athletes: tuple[str, ...]
) -> None:
    """Serve a built programme's FOLDER (default: the one under output/) over HTTP.

    A phone on the same network opens the page or subscribes to the feed, with no web
    host: the feed and page carry this server's address. Only the programme's published
    files are served (with byte ranges, for seeking), as programme.json lists them now,
    so a rebuild is served as it lands. Listening beyond this computer, everything is
    under a random secret path, printed and in the QR code, so others on the network
    (a café's Wi-Fi) cannot read the plan. Ctrl-C stops it.

    A squad's folder serves each athlete's folder at its own (secret) name, and nothing
    at the top; --athlete NAME prints an athlete's link.

    \b
    Examples:
      voicecoach serve                                  # http://127.0.0.1:8000/
      voicecoach serve output/stronger-legs-for-runners --host 0.0.0.0
      voicecoach serve output/thursday-club --host 0.0.0.0 --athlete "Ana Ruiz"
    """
    import asyncio

    from voicecoach.serve.app import find_folder, network_address, serve_forever, squad_links
    from voicecoach.serve.connections import Tally
    from voicecoach.serve.hosts import is_loopback, new_secret, url_host

    where = find_folder(folder)
    links = squad_links(where, athletes)
    secret = None if no_secret or is_loopback(host) else new_secret()
    tally = Tally()

    def ready(bound: int) -> None:
        shown = (network_address() or "127.0.0.1") if host in WILDCARDS else host
        top = f"http://{url_host(shown)}:{bound}/" + (f"{secret}/" if secret else "")
        echo(f"Serving {where} at {top} (Ctrl-C stops)")
        if links is None:
            show(top, "")
        elif not links:
            echo(f"  a squad: each athlete's link with --athlete NAME ({where} lists nothing)")
        for name, athlete_folder in (links or {}).items():
            show(f"{top}{athlete_folder}/", f"{name}: ")
        sys.stdout.flush()

    def show(base: str, who: str) -> None:
        echo(f"  {who}page: {base}\n  {who}feed: {base}feed.xml")
        if is_loopback(host):
            echo("Only this computer can open it; for a phone on your network: --host 0.0.0.0")
        elif host in WILDCARDS:
            import segno

            echo("Scan the feed's address with the phone's camera:")
            segno.make(f"{base}feed.xml", error="m").terminal(compact=True)

    try:
        asyncio.run(serve_forever(where, host, port, ready, secret=secret, tally=tally))
    except (KeyboardInterrupt, Terminated) as exc:
        signum = exc.signum if isinstance(exc, Terminated) else signal.SIGINT
        summary = tally.summary()
        echo(f"Stopped. {summary}." if summary else "Stopped.", err=True)
        click.get_current_context().exit(128 + signum)
