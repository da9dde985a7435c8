"""A served programme for tests: one built for real, and serve run in a thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from voicecoach.programme.folder import ProgrammeOptions, ProgrammeResult, build_programme
from voicecoach.serve.app import serve_forever
from voicecoach.serve.connections import Tally
from voicecoach.session.build import BuildOptions
from voicecoach.sources import open_programme

ROUTINE = """
title: Served Legs
defaults: {rest: 4s, tempo: 1s, countdown: 0}
cues: {rep: "", halfway: ""}
exercises:
  - {name: Squats, reps: 3}
  - {name: Plank, duration: 5s}
"""


def build(root: Path, weeks: int = 1, more: str = "") -> ProgrammeResult:
    """A real programme (two short sessions a week, and `more` YAML) built in root/out."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "r.yaml").write_text(ROUTINE)
    (root / "p.yaml").write_text(
        f"title: Served Plan\nroutine: r.yaml\nweeks: {weeks}\nper_week: 2\n{more}"
    )
    return build_programme(
        open_programme(root / "p.yaml"),
        ProgrammeOptions(build=BuildOptions(output_dir=root / "out")),
    )


@contextmanager
def running(folder: Path, port: int = 0, **options: Any) -> Iterator[tuple[str, Any]]:
    """serve_forever on 127.0.0.1 in a thread of this process: (base URL, its tally).

    Stopped (and its thread joined) on the way out, as Ctrl-C stops the command.
    """
    tally = Tally()
    loop = asyncio.new_event_loop()
    listening = threading.Event()
    state: dict[str, Any] = {}

    def ready(bound: int) -> None:
        state["port"] = bound
        listening.set()

    async def serve() -> None:
        state["task"] = asyncio.current_task()
        await serve_forever(folder, "127.0.0.1", port, ready, tally=tally, **options)

    def run() -> None:
        try:
            loop.run_until_complete(serve())
        except asyncio.CancelledError:
            pass
        except BaseException as exc:  # told to the test below, not lost in the thread
            state["error"] = exc
            listening.set()
        finally:
            loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        assert listening.wait(30), "the server did not start listening"
        if "error" in state:
            raise state["error"]
        secret = options.get("secret")
        yield f"http://127.0.0.1:{state['port']}/" + (f"{secret}/" if secret else ""), tally
    finally:
        if "task" in state:
            loop.call_soon_threadsafe(state["task"].cancel)
        thread.join(15)
        assert not thread.is_alive(), "the server did not stop"
