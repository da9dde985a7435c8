"""Stop voicecoach at pseudo-random moments and check that every stop is clean.

48 stops by default: single builds cold and warm, two routines with --jobs 2, a programme
with and without --jobs 2; each stopped by SIGINT, SIGTERM or SIGHUP after a random delay.
A stop is clean when the command ends within 5 s with 128+N, prints no traceback, leaves
no `.part` file and no process of its own 2 s later. `make stops` runs it.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ROUTINES = REPO / "tests" / "routines"
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
PROGRAMME = "title: Stop Plan\nroutine: {routine}\nweeks: 3\nper_week: 2\n"


def descendants(pid: int) -> set[int]:
    found: set[int] = set()
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                found |= {int(child)} | descendants(int(child))
    except (FileNotFoundError, ProcessLookupError):
        pass
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def kinds(root: Path) -> dict[str, tuple[list[str], bool]]:
    """Each kind of build: its arguments and whether its cache starts empty."""
    programme = root / "plan.yaml"
    shutil.copy(ROUTINES / "run-walk.yaml", root / "run-walk.yaml")
    programme.write_text(PROGRAMME.format(routine="run-walk.yaml"))
    pair = [str(ROUTINES / "run-walk.yaml"), str(ROUTINES / "seven-minute.yaml")]
    return {
        "single cold": ([str(ROUTINES / "seven-minute.yaml")], True),
        "single warm": ([str(ROUTINES / "seven-minute.yaml")], False),
        "--jobs 2": ([*pair, "--jobs", "2"], True),
        "programme": ([str(programme), "--force"], False),
        "programme --jobs 2": ([str(programme), "--force", "--jobs", "2"], True),
    }


def one_stop(args: list[str], cold: bool, how: signal.Signals, delay: float, root: Path) -> str:
    """Run one build, stop it after `delay` s; '' when clean, else what went wrong."""
    out = root / "out"
    cache = root / ("cache-cold" if cold else "cache-warm")
    if cold:
        shutil.rmtree(cache, ignore_errors=True)
    env = {**os.environ, "VOICECOACH_CACHE_DIR": str(cache)}
    command = [sys.executable, "-m", "voicecoach", "build", *args, "--output-dir", str(out)]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=root, text=True
    )
    started = time.monotonic()
    seen: set[int] = set()
    while time.monotonic() - started < delay and process.poll() is None:
        seen |= descendants(process.pid)
        time.sleep(0.05)
    if process.poll() is not None:
        return "finished before the stop"
    seen |= descendants(process.pid)
    process.send_signal(how)
    stopped = time.monotonic()
    try:
        _, stderr = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return "still running 60 s after the stop"
    took = time.monotonic() - stopped
    problems = []
    if took > 5:
        problems.append(f"took {took:.1f} s")
    if process.returncode != 128 + how:
        problems.append(f"exit {process.returncode}")
    if "Traceback" in stderr or "Exception ignored" in stderr:
        problems.append("traceback: " + stderr.strip().splitlines()[-1])
    parts = [p for p in out.rglob("*.part")] if out.exists() else []
    if parts:
        problems.append(f"{len(parts)} .part files")
    time.sleep(2)
    left = [pid for pid in seen if alive(pid)]
    if left:
        problems.append(f"{len(left)} processes alive 2 s later")
    return "; ".join(problems)


def main() -> int:
    from bench.benchlib import stop_cleanly

    stop_cleanly()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stops", type=int, default=48)
    parser.add_argument("--seed", type=int, default=18)
    options = parser.parse_args()
    rng = random.Random(options.seed)
    failures = 0
    with tempfile.TemporaryDirectory(prefix="voicecoach-stops-") as folder:
        root = Path(folder)
        builds = kinds(root)
        # warm caches and a complete programme first, so "warm" and "--force" mean it
        for args, _cold in (builds["single warm"], builds["programme"]):
            env = {**os.environ, "VOICECOACH_CACHE_DIR": str(root / "cache-warm")}
            command = [sys.executable, "-m", "voicecoach", "build", *args]
            command += ["--output-dir", str(root / "out")]
            subprocess.run(command, env=env, cwd=root, capture_output=True, check=True)
        names = list(builds)
        for number in range(options.stops):
            name = names[number % len(names)]
            how = SIGNALS[number % len(SIGNALS)]
            delay = rng.uniform(0.3, 6.0)
            args, cold = builds[name]
            problem = one_stop(args, cold, how, delay, root)
            if problem == "finished before the stop":
                problem = one_stop(args, cold, how, delay / 3, root)
            failures += bool(problem)
            verdict = problem or "clean"
            print(f"{number + 1:2d}. {name:19s} {how.name:7s} at {delay:4.1f} s: {verdict}")
            sys.stdout.flush()
    print(f"{options.stops - failures} of {options.stops} stops clean")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
