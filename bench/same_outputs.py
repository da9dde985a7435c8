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
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.support.outputs import differences

REPO = Path(__file__).resolve().parent.parent
INPUTS = ("scripts/routine.yaml", "scripts/programme.yaml")


def build(code: Path, out: Path, cache: Path) -> None:
    """Build the seed's routine and programme with the voicecoach found in `code`."""
    env = {**os.environ, "PYTHONPATH": str(code), "VOICECOACH_CACHE_DIR": str(cache)}
    command = [sys.executable, "-m", "voicecoach", "build", "--fit", "-q"]
    subprocess.run([*command, *INPUTS, "--output-dir", str(out)], cwd=REPO, env=env, check=True)
    # and the programme with its feed and chapters files
    feed = ["--base-url", "https://example.org/legs/", "--output-dir", str(out / "with-feed")]
    subprocess.run([*command, INPUTS[1], *feed], cwd=REPO, env=env, check=True)


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
