"""Workout files: reading a 200-step file, what --fit adds, and an imported build's cost.

Targets (issue: workout files in and out): reading a 200-step workout file (ZWO, FIT,
intervals.icu text) in at most 0.2 s; `--fit` adds at most 0.1 s to a build; building an
imported workout costs what building the same routine written in YAML costs. Each figure
is the best of several runs (the machine is shared). `make bench` runs it.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 5
STEPS = 200


def zwo_text(steps: int) -> str:
    """A bike workout of `steps` steady steps, each with a message."""
    body = "\n".join(
        f'    <SteadyState Duration="{30 + n % 5 * 15}" Power="{0.5 + n % 7 * 0.1:.2f}">'
        f'<textevent timeoffset="5" message="Step {n}: hold it"/></SteadyState>'
        for n in range(steps)
    )
    return (
        "<workout_file><name>Two hundred</name><sportType>bike</sportType>\n"
        f"  <workout>\n{body}\n  </workout>\n</workout_file>\n"
    )


def icu_text(steps: int) -> str:
    """An intervals.icu workout of `steps` steps."""
    return "Main set\n" + "".join(
        f"- Step {n} {30 + n % 5 * 15}s {50 + n % 7 * 10}%\n" for n in range(steps)
    )


def fit_bytes(steps: int) -> bytes:
    """A FIT workout of `steps` timed steps with heart-rate targets."""
    from garmin_fit_sdk import Encoder, Profile

    numbers = Profile["mesg_num"]
    encoder = Encoder()
    encoder.write_mesg(
        {"mesg_num": numbers["FILE_ID"], "type": "workout", "manufacturer": "development"}
    )
    encoder.write_mesg(
        {"mesg_num": numbers["WORKOUT"], "wkt_name": "Two hundred", "num_valid_steps": steps}
    )
    for n in range(steps):
        encoder.write_mesg(
            {
                "mesg_num": numbers["WORKOUT_STEP"],
                "message_index": n,
                "wkt_step_name": f"Step {n}",
                "duration_type": "time",
                "duration_value": (30 + n % 5 * 15) * 1000,
                "target_type": "heart_rate",
                "target_value": 1 + n % 5,
                "intensity": "active",
            }
        )
    data: bytes = encoder.close()
    return data


def best_of(action: object, runs: int = RUNS) -> float:
    """The shortest wall time of `runs` calls."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return min(times)


def timed_build(args: list[str]) -> float:
    """The best wall time of a `voicecoach build` in a fresh process."""
    times = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "voicecoach", "build", "-q", *args], check=True)
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    from bench.benchlib import stop_cleanly

    stop_cleanly()
    from voicecoach.routine.loading import load_routine
    from voicecoach.timeline import expand
    from voicecoach.workouts.fit_out import workout_fit

    with tempfile.TemporaryDirectory(prefix="voicecoach-workouts-bench-") as scratch:
        folder = Path(scratch)
        files = {
            "ZWO": folder / "two-hundred.zwo",
            "FIT": folder / "two-hundred.fit",
            "intervals.icu": folder / "two-hundred.txt",
        }
        files["ZWO"].write_text(zwo_text(STEPS))
        files["FIT"].write_bytes(fit_bytes(STEPS))
        files["intervals.icu"].write_text(icu_text(STEPS))
        print(f"\nworkout files ({STEPS} steps; target: read in at most 0.2 s)")
        for kind, path in files.items():
            took = best_of(lambda path=path: load_routine(path))
            print(f"  read and validate {kind:<14} {took * 1000:7.1f} ms")

        routine = load_routine(files["ZWO"])
        timeline = expand(routine, lambda text: 60 * len(text))
        took = best_of(lambda: workout_fit(timeline, routine))
        print(f"  --fit: the FIT workout of {STEPS} steps {took * 1000:7.1f} ms (target: 100 ms)")

        # an imported workout against the same routine written in YAML: the same build
        source = Path(__file__).resolve().parent.parent / "tests" / "workouts" / "hill-reps-run.zwo"
        yaml_path = folder / "hill-reps-run.yaml"
        subprocess.run(
            [sys.executable, "-m", "voicecoach", "import", str(source), "-o", str(yaml_path)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        cache = ["--cache-dir", str(folder / "cache")]
        out = ["--output-dir", str(folder / "out")]
        timed_build([str(source), *cache, *out])  # fills the clip cache
        from_file = timed_build([str(source), *cache, *out])
        from_yaml = timed_build([str(yaml_path), *cache, *out])
        with_fit = timed_build([str(source), *cache, *out, "--fit"])
        print("  a 19-minute run, warm cache, best of 3 builds each:")
        print(f"    built from the .zwo             {from_file:6.2f} s")
        print(
            f"    built from its imported .yaml   {from_yaml:6.2f} s "
            f"({from_file / from_yaml:.2f} x)"
        )
        print(
            f"    from the .zwo with --fit        {with_fit:6.2f} s (+{with_fit - from_file:.2f} s)"
        )


if __name__ == "__main__":
    main()
