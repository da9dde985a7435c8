"""Temporary files and folders named after the process using them, so dead ones can go."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path


def part_prefix(stem: str) -> str:
    """The start of a temporary file's name for `stem`, carrying this process's id."""
    return f"{stem}{os.getpid()}."


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # alive, owned by someone else
    return True


def remove_dead_parts(parts: Iterable[Path], stem: str) -> int:
    """Delete the parts (files or folders) named `<stem><pid>.…` whose process is gone."""
    removed = 0
    for part in parts:
        pid = part.name[len(stem) :].split(".", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            if part.is_dir():
                shutil.rmtree(part, ignore_errors=True)
            else:
                part.unlink(missing_ok=True)
            removed += 1
    return removed
