"""Two builds' outputs compared file by file, but for the moment each was made."""

from __future__ import annotations

import re
from pathlib import Path

import fitdecode

BUILD_TIMES = re.compile(rb"(DTSTAMP:\d{8}T\d{6}Z|\"built\": \"[^\"]*\")")


def fit_messages(path: Path) -> list[tuple[str, tuple[tuple[str, object], ...]]]:
    """A FIT file's messages, all fields but the moment it was written."""
    found = []
    with fitdecode.FitReader(str(path)) as reader:
        for frame in reader:
            if isinstance(frame, fitdecode.FitDataMessage):
                fields = tuple((f.name, f.value) for f in frame.fields if f.name != "time_created")
                found.append((frame.name, fields))
    return found


def differences(before: Path, after: Path) -> list[str]:
    """The files that differ between two output folders, beyond when they were built."""
    names = sorted({p.relative_to(before) for p in before.rglob("*") if p.is_file()})
    names_after = sorted({p.relative_to(after) for p in after.rglob("*") if p.is_file()})
    found = [f"only in one build: {n}" for n in sorted(set(names) ^ set(names_after))]
    for name in names:
        a, b = before / name, after / name
        if not b.is_file():
            continue
        if name.suffix == ".fit":
            same = fit_messages(a) == fit_messages(b)
        else:
            same = BUILD_TIMES.sub(b"", a.read_bytes()) == BUILD_TIMES.sub(b"", b.read_bytes())
        if not same:
            found.append(str(name))
    return found
