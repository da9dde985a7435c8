"""voicecoach's benchmark: build speed and memory against the MP3 encoder's own cost.

Generates run/walk routines of 15, 60 and 120 minutes (the routine format's keys only),
then for each measures, each in a fresh process: a cold build (empty clip cache), a warm
build (cache filled), and the floor: lameenc alone encoding the same audio with the same
settings. For the 60-minute routine it also runs the grow-a-segment pipeline that peer
tools use (pydub, `session += clip`) side by side. Prints one table; `make bench` runs it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

LENGTHS = (15, 60, 120)

# A beginner's run/walk plan: one minute running, ninety seconds walking, between a
# five-minute warm-up and cool-down.
ROUTINE = """title: Run Walk {minutes}
description: Run for a minute, walk for ninety seconds.
defaults: {{rest: 0}}
exercises:
  - {{name: Warm-up walk, duration: 5m}}
  - repeat: {rounds}
    exercises:
      - {{name: Run, duration: 1m}}
      - {{name: Walk, duration: 90s}}
  - {{name: Cool-down walk, duration: 5m}}
"""
RUNS = 3  # each figure is the best of this many runs: the machine is shared and noisy

# Much distinct speech: every drill has its own name and form point, so each is spoken
# (and must be mixed) once. Memory must not grow with it.
DISTINCT = 2000


def distinct_routine(texts: int) -> str:
    """A routine with about `texts` distinct spoken texts (three a drill)."""
    drills = "\n".join(
        f"  - {{name: Drill {n}, duration: 5s, tips: ['Form point {n}: keep it smooth.']}}"
        for n in range(1, texts // 3 + 1)
    )
    return f"title: Many Drills\ndefaults: {{rest: 15s, countdown: 0}}\nexercises:\n{drills}\n"


def best(
    command: list[str], env: dict[str, str], fresh_cache: Path | None = None
) -> tuple[float, float]:
    """The shortest wall time and largest peak RSS of RUNS runs of a command."""
    results = []
    for run in range(RUNS):
        if fresh_cache is not None:
            env = {**env, "VOICECOACH_CACHE_DIR": f"{fresh_cache}-{run}"}
        results.append(timed(command, env))
    return min(wall for wall, _ in results), max(rss for _, rss in results)


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run a command; return its wall time (s) and peak RSS (MB)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{process.stderr.read().decode()}")
    return wall, usage.ru_maxrss / 1024


FLOOR = r"""
import sys, time, wave, lameenc
path, bitrate = sys.argv[1], int(sys.argv[2])
with wave.open(path) as wav:
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(bitrate)
    encoder.set_in_sample_rate(wav.getframerate())
    encoder.set_out_sample_rate(wav.getframerate())
    encoder.set_channels(wav.getnchannels())
    encoder.set_quality(5)
    while True:
        frames = wav.readframes(1 << 17)
        if not frames:
            break
        encoder.encode(frames)
    encoder.flush()
"""

GROW = r"""
import json, sys, warnings
import numpy as np
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from pydub import AudioSegment
from voicecoach.speech.cache import ClipCache, CachedSynthesizer
from voicecoach.speech.pyttsx3_engine import Pyttsx3Synthesizer
from voicecoach.speech import Voice
import lameenc

document = json.load(open(sys.argv[1]))
cache = ClipCache(__import__("pathlib").Path(sys.argv[2]))
synth = CachedSynthesizer(Pyttsx3Synthesizer(Voice()), cache)
rate = document["sample_rate"]  # the same audio settings as voicecoach's build
session = AudioSegment.silent(duration=0, frame_rate=rate)
for cue in document["cues"]:
    if cue["kind"] != "speech":
        continue
    gap = cue["start_ms"] - len(session)
    if gap > 0:
        session += AudioSegment.silent(duration=gap, frame_rate=rate)   # the peers' way
    clip = synth.synthesize(cue["text"])
    pcm = (np.clip(clip.samples, -1, 1) * 32767).astype("<i2").tobytes()
    piece = AudioSegment(pcm, sample_width=2, frame_rate=clip.sample_rate, channels=1)
    session += piece.set_frame_rate(rate)
session += AudioSegment.silent(duration=max(0, document["duration_ms"] - len(session)),
                               frame_rate=rate)
encoder = lameenc.Encoder()
encoder.set_bit_rate(96); encoder.set_in_sample_rate(rate); encoder.set_out_sample_rate(rate)
encoder.set_channels(1); encoder.set_quality(5)
encoder.encode(session.raw_data); encoder.flush()
synth.close()
"""


def main() -> None:
    from bench.benchlib import stop_cleanly

    stop_cleanly()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=int, nargs="*", default=list(LENGTHS))
    parser.add_argument(
        "--distinct", type=int, default=DISTINCT, help="distinct texts in the memory case (0: skip)"
    )
    parser.add_argument(
        "--no-baseline", action="store_true", help="skip the (slow) grow-a-segment baseline"
    )
    parser.add_argument(
        "--no-programme", action="store_true", help="skip the seed programme (scripts/)"
    )
    parser.add_argument(
        "--no-engines", action="store_true", help="skip the seed with espeak-ng and with Piper"
    )
    parser.add_argument(
        "--music-lengths",
        type=int,
        nargs="*",
        default=[30, 60],
        help="minutes of the stereo sessions with a music bed (none: skip)",
    )
    parser.add_argument(
        "--track-hours",
        type=int,
        nargs="*",
        default=[1, 10],
        help="hours of the one long track under a 42-second session (none: skip)",
    )
    args = parser.parse_args()
    python = sys.executable
    rows = []
    baseline: tuple[float, float] | None = None
    with tempfile.TemporaryDirectory(prefix="voicecoach-bench-") as scratch:
        root = Path(scratch)
        for minutes in args.lengths:
            routine = root / f"run-walk-{minutes}.yaml"
            rounds = max(1, round((minutes - 10.5) / 2.67))  # ~10 s of cues a round
            routine.write_text(ROUTINE.format(minutes=minutes, rounds=rounds))
            cache = root / f"cache-{minutes}"
            env = {**os.environ, "VOICECOACH_CACHE_DIR": str(cache)}
            out = root / f"run-walk-{minutes}.mp3"
            build = [python, "-m", "voicecoach", "build", "-q", str(routine), "-o", str(out)]
            cold = best(build, env, fresh_cache=root / f"cold-{minutes}")
            timed(build, env)  # fill the cache
            warm = best(build, env)
            document = json.loads(out.with_suffix(".json").read_text())
            wav = root / f"run-walk-{minutes}.wav"
            subprocess.run(
                [
                    python,
                    "-m",
                    "voicecoach",
                    "build",
                    "-q",
                    str(routine),
                    "-o",
                    str(wav),
                    "--no-sidecars",
                ],
                env=env,
                check=True,
            )
            floor = best([python, "-c", FLOOR, str(wav), str(document["bitrate_kbps"])], env)
            with wave.open(str(wav)) as opened:
                audio_minutes = opened.getnframes() / opened.getframerate() / 60
            rows.append((minutes, audio_minutes, cold, warm, floor))
            if minutes == 60 and not args.no_baseline:
                baseline = timed(
                    [python, "-c", GROW, str(out.with_suffix(".json")), str(cache)], env
                )
            wav.unlink()
        distinct = None
        if args.distinct:
            routine = root / "many-drills.yaml"
            routine.write_text(distinct_routine(args.distinct))
            env = {**os.environ, "VOICECOACH_CACHE_DIR": str(root / "cache-distinct")}
            out = root / "many-drills.mp3"
            build = [python, "-m", "voicecoach", "build", "-q", str(routine), "-o", str(out)]
            build += ["--max-minutes", "1440"]
            cold_run = timed(build, env)
            warm_run = timed(build, env)
            document = json.loads(out.with_suffix(".json").read_text())
            spoken = len({c["text"] for c in document["cues"] if c["kind"] == "speech"})
            distinct = (spoken, document["duration_ms"] / 60_000, cold_run, warm_run)

        programme = None if args.no_programme else bench_programme(root, python)
        music_rows = bench_music(root, python, args.music_lengths) if args.music_lengths else []
        engines = None if args.no_engines else bench_engines(root, python)
        long_rows = bench_long_track(root, python, args.track_hours) if args.track_hours else []

    print(
        "\nvoicecoach benchmark: run/walk sessions (1 min run, 90 s walk), 44.1 kHz mono "
        f"96 kbps, best of {RUNS} runs, {os.cpu_count()} cores\n"
    )
    print(
        f"{'session':>8} {'lameenc alone':>14} {'warm build':>11} {'cold build':>11} "
        f"{'warm/floor':>10} {'cold/floor':>10} {'warm RSS':>9} {'cold RSS':>9}"
    )
    for _, audio_minutes, cold, warm, floor in rows:
        print(
            f"{audio_minutes:>6.1f} m {floor[0]:>12.2f} s {warm[0]:>9.2f} s {cold[0]:>9.2f} s "
            f"{warm[0] / floor[0]:>10.2f} {cold[0] / floor[0]:>10.2f} "
            f"{warm[1]:>6.0f} MB {cold[1]:>6.0f} MB"
        )
    by_length = {minutes: warm[0] for minutes, _, _, warm, _ in rows}
    if 60 in by_length and 120 in by_length:
        print(
            f"\nlinearity: the 120-minute warm build takes "
            f"{by_length[120] / by_length[60]:.2f} x the 60-minute one"
        )
    if distinct is not None:
        _report_distinct(distinct)
    if programme is not None:
        _report_programme(programme)
    if music_rows:
        _report_music(music_rows)
    if engines:
        _report_engines(engines)
    if long_rows:
        _report_long_track(long_rows)
    if baseline is not None and 60 in by_length:
        print(
            f"grow-a-segment baseline (pydub, same settings), 60 minutes: {baseline[0]:.1f} s, "
            f"{baseline[1]:.0f} MB peak; voicecoach warm is "
            f"{baseline[0] / by_length[60]:.1f} x faster"
        )


def bench_programme(root: Path, python: str) -> dict[str, float]:
    """The seed programme: cold with 1 and 2 jobs, a rebuild of nothing, the encode floors."""
    scripts = Path(__file__).resolve().parent.parent / "scripts"
    folder = root / "programme"
    folder.mkdir()
    for name in ("routine.yaml", "programme.yaml"):
        (folder / name).write_text((scripts / name).read_text())
    source = str(folder / "programme.yaml")
    figures: dict[str, float] = {}
    for jobs in (1, 2):
        env = {**os.environ, "VOICECOACH_CACHE_DIR": str(root / f"programme-cache-{jobs}")}
        out = root / f"programme-out-{jobs}"
        build = [python, "-m", "voicecoach", "build", "-q", source, "--output-dir", str(out)]
        figures[f"cold_{jobs}"], figures[f"rss_{jobs}"] = timed([*build, "-j", str(jobs)], env)
        if jobs == 1:
            figures["noop"], _ = best(build, env)
            wavs = root / "programme-wav"
            subprocess.run(
                [*build, "--output-dir", str(wavs), "--format", "wav"], env=env, check=True
            )
            floors = 0.0
            minutes = 0.0
            for wav in sorted(wavs.rglob("*.wav")):
                floors += best([python, "-c", FLOOR, str(wav), "96"], env)[0]
                with wave.open(str(wav)) as opened:
                    minutes += opened.getnframes() / opened.getframerate() / 60
                wav.unlink()
            figures["floor"], figures["minutes"] = floors, minutes
            figures["sessions"] = len(list(out.rglob("*.mp3")))
    return figures


def bench_music(root: Path, python: str, lengths: list[int]) -> list[tuple[float, ...]]:
    """Stereo run/walk sessions under a bed of three tracks (MP3 and FLAC), warm and floor."""
    folder = root / "music"
    folder.mkdir()
    # made in a process of its own: Linux keeps a process's peak memory across exec, so a
    # large parent would inflate every build's measured peak
    make = (
        "import sys; from pathlib import Path; "
        "from tests.support.music_files import write_track as w; f = Path(sys.argv[1]); "
        "w(f / 'one.mp3', 200, 220); w(f / 'two.flac', 240, 330, 48000); "
        "w(f / 'three.mp3', 180, 440, 32000)"
    )
    repo = str(Path(__file__).resolve().parent.parent)
    # run from the repository's top, where `tests.support` is importable
    subprocess.run([python, "-c", make, str(folder)], check=True, cwd=repo)
    rows = []
    for minutes in lengths:
        routine = folder / f"run-walk-{minutes}.yaml"
        rounds = max(1, round((minutes - 10.5) / 2.67))
        text = ROUTINE.format(minutes=minutes, rounds=rounds)
        text = text.replace(
            "exercises:", "audio: {channels: 2}\nmusic: {files: ['*.mp3', '*.flac']}\nexercises:", 1
        )
        routine.write_text(text)
        env = {**os.environ, "VOICECOACH_CACHE_DIR": str(root / "music-cache")}
        out = folder / f"session-{minutes}.mp3"
        build = [python, "-m", "voicecoach", "build", "-q", str(routine), "-o", str(out)]
        cold = timed(build, env)
        warm = best(build, env)
        wav = folder / f"session-{minutes}.wav"
        subprocess.run([*build[:-1], str(wav), "--no-sidecars"], env=env, check=True)
        floor = best([python, "-c", FLOOR, str(wav), "96"], env)
        with wave.open(str(wav)) as opened:
            audio_minutes = opened.getnframes() / opened.getframerate() / 60
        wav.unlink()
        rows.append((audio_minutes, floor[0], warm[0], warm[1], cold[0], cold[1]))
    return rows


SHORT = """title: Short Over Long
defaults: {rest: 5s, countdown: 3}
music: {files: [long.mp3]}
exercises:
  - {name: Jog, duration: 15s}
  - {name: Walk, duration: 15s}
"""

# One MP3 of `hours` made of one 10-second tone encoded once and repeated: every copy is
# a whole CBR stream of its own, so the file decodes end to end like any long mix.
LONG = r"""
import sys, lameenc, numpy as np
path, hours = sys.argv[1], int(sys.argv[2])
rate = 16000
t = np.arange(rate * 10) / rate
tone = (0.2 * np.sin(2 * np.pi * 220 * t) * 32767).astype("<i2").tobytes()
encoder = lameenc.Encoder()
encoder.set_bit_rate(16); encoder.set_in_sample_rate(rate); encoder.set_out_sample_rate(rate)
encoder.set_channels(1); encoder.set_quality(7)
piece = bytes(encoder.encode(tone) + encoder.flush())
with open(path, "wb") as out:
    for _ in range(hours * 360):
        out.write(piece)
"""


def bench_long_track(root: Path, python: str, hours: list[int]) -> list[tuple[int, float, float]]:
    """A 42-second session over one track of each length: (hours, cold s, cold RSS MB)."""
    rows = []
    for length in hours:
        folder = root / f"long-{length}"
        folder.mkdir()
        subprocess.run([python, "-c", LONG, str(folder / "long.mp3"), str(length)], check=True)
        (folder / "short.yaml").write_text(SHORT)
        env = {**os.environ, "VOICECOACH_CACHE_DIR": str(root / "long-cache")}
        build = [python, "-m", "voicecoach", "build", "-q", str(folder / "short.yaml")]
        build += ["-o", str(folder / "short.mp3")]
        timed(build, env)  # the speech into the cache: what is measured is the music
        runs = []
        for _ in range(RUNS):
            for cached in (root / "long-cache").rglob("*.track"):
                cached.unlink()  # the track measured anew each run
            runs.append(timed(build, env))
        rows.append((length, min(w for w, _ in runs), max(r for _, r in runs)))
        (folder / "long.mp3").unlink()
    return rows


def _report_long_track(rows: list[tuple[int, float, float]]) -> None:
    print("\none long track under a 42-second session (the track not yet measured)")
    for hours, wall, rss in rows:
        print(f"  {hours:>3} h track: {wall:6.2f} s, {rss:4.0f} MB peak")


def bench_engines(root: Path, python: str) -> dict[str, tuple[float, float, float]]:
    """The seed built cold and warm with each engine: (cold s, warm s, warm RSS MB)."""
    seed = (Path(__file__).resolve().parent.parent / "scripts" / "routine.yaml").read_text()
    found = {}
    for engine, voice in (("espeak-ng", "  name: en-us\n"), ("piper", "  engine: piper\n")):
        routine = root / f"seed-{engine}.yaml"
        routine.write_text(seed.replace("  name: en-us\n", voice))
        out = root / f"seed-{engine}.mp3"
        build = [python, "-m", "voicecoach", "build", "-q", str(routine), "-o", str(out)]
        env = {**os.environ, "VOICECOACH_CACHE_DIR": str(root / f"engine-cache-{engine}")}
        cold = best(build, env, fresh_cache=root / f"engine-cold-{engine}")
        timed(build, env)  # fill the cache
        warm = best(build, env)
        found[engine] = (cold[0], warm[0], warm[1])
    return found


def _report_engines(found: dict[str, tuple[float, float, float]]) -> None:
    print("\nthe seed routine with each engine (best of 3, each in a fresh process)")
    for engine, (cold, warm, rss) in found.items():
        print(f"  {engine:<10} cold {cold:6.2f} s   warm {warm:6.2f} s   warm RSS {rss:4.0f} MB")
    if "piper" in found and "espeak-ng" in found:
        print(
            f"  Piper cold is {found['piper'][0] / found['espeak-ng'][0]:.2f} x espeak-ng's; "
            f"warm {found['piper'][1] / found['espeak-ng'][1]:.2f} x"
        )


def _report_music(rows: list[tuple[float, ...]]) -> None:
    print("\nmusic bed: stereo run/walk sessions, 44.1 kHz 96 kbps, a bed of 3 tracks (MP3, FLAC)")
    print(
        f"{'session':>8} {'lameenc alone':>14} {'warm build':>11} {'warm/floor':>10} "
        f"{'warm RSS':>9} {'cold build':>11} {'cold RSS':>9}"
    )
    for minutes, floor, warm, warm_rss, cold, cold_rss in rows:
        print(
            f"{minutes:>6.1f} m {floor:>12.2f} s {warm:>9.2f} s {warm / floor:>10.2f} "
            f"{warm_rss:>6.0f} MB {cold:>9.2f} s {cold_rss:>6.0f} MB"
        )
    if len(rows) >= 2:
        print(
            f"linearity: the {rows[-1][0]:.0f}-minute warm build takes "
            f"{rows[-1][2] / rows[0][2]:.2f} x the {rows[0][0]:.0f}-minute one"
        )


def _report_programme(figures: dict[str, float]) -> None:
    print(
        f"\nseed programme: {figures['sessions']:.0f} sessions, {figures['minutes']:.0f} minutes "
        f"of audio; lameenc alone, summed: {figures['floor']:.1f} s\n"
        f"  cold --jobs 1: {figures['cold_1']:.1f} s ({figures['cold_1'] / figures['floor']:.2f}"
        f" x the floor), {figures['rss_1']:.0f} MB peak\n"
        f"  cold --jobs 2: {figures['cold_2']:.1f} s ({figures['cold_2'] / figures['floor']:.2f}"
        f" x the floor; {figures['cold_1'] / figures['cold_2']:.2f} x faster than --jobs 1)\n"
        f"  rebuild with nothing changed: {figures['noop']:.2f} s"
    )


def _report_distinct(distinct: tuple[int, float, tuple[float, float], tuple[float, float]]) -> None:
    spoken, minutes, cold, warm = distinct
    print(
        f"\ndistinct speech: {spoken} distinct texts in a {minutes:.0f}-minute session: "
        f"cold {cold[0]:.1f} s, {cold[1]:.0f} MB peak; warm {warm[0]:.1f} s, {warm[1]:.0f} MB peak"
    )


if __name__ == "__main__":
    main()
