"""Build the seed routine and programme with this tree and with another revision; compare.

The programme is built twice, the second time with a feed (--base-url).

    .venv/bin/python -m bench.same_outputs REV     # e.g. the commit before a restructuring

Both builds share one clip cache and run with --fit. Every file must be the same bytes,
but for the moment a build was made: the calendar's DTSTAMP, programme.json's `built` and
a FIT file's `time_created`. Exits 1, naming the files, if anything else differs.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import fitdecode

REPO = Path(__file__).resolve().parent.parent
INPUTS = ("scripts/routine.yaml", "scripts/programme.yaml")
BUILD_TIMES = re.compile(rb"(DTSTAMP:\d{8}T\d{6}Z|\"built\": \"[^\"]*\")")


def build(code: Path, out: Path, cache: Path) -> None:
    """Build the seed's routine and programme with the voicecoach found in `code`."""
    env = {**os.environ, "PYTHONPATH": str(code), "VOICECOACH_CACHE_DIR": str(cache)}
    command = [sys.executable, "-m", "voicecoach", "build", "--fit", "-q"]
    subprocess.run([*command, *INPUTS, "--output-dir", str(out)], cwd=REPO, env=env, check=True)
    # and the programme with its feed and chapters files
    feed = ["--base-url", "https://example.org/legs/", "--output-dir", str(out / "with-feed")]
    subprocess.run([*command, INPUTS[1], *feed], cwd=REPO, env=env, check=True)


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revision", help="the revision to compare with (a commit, a tag)")
    revision = parser.parse_args().revision
    with tempfile.TemporaryDirectory(prefix="voicecoach-same-outputs-") as scratch:
        root = Path(scratch)
        other = root / "code"
        subprocess.run(
            ["git", "worktree", "add", "--detach", "-q", str(other), revision], cwd=REPO, check=True
        )
        try:
            build(other, root / "before", root / "cache")
            build(REPO, root / "after", root / "cache")
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(other)], cwd=REPO)
        found = differences(root / "before", root / "after")
        count = sum(1 for p in (root / "after").rglob("*") if p.is_file())
    if found:
        print(f"{len(found)} of {count} files differ from {revision}:", *found, sep="\n  ")
        sys.exit(1)
    print(f"All {count} files are the same as {revision}'s (but for when they were built).")


if __name__ == "__main__":
    main()
