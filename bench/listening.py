"""How well a machine's ear hears each cue in noise, with and without `voice.clarity`.

Builds the seed routine and the starters with each engine and each clarity setting, then
puts every built session through `tests/listening.py`: an offline recogniser restricted to
the session's own phrases tries every speech cue, in a quiet room and in steady noise added
after decoding the MP3 (speech-shaped and pink at 10 and 5 dB, white at 10 dB under the
speech's active level). Prints the share of cues heard right per condition, and what
clarity costs a cold build (the seed built cold with each setting in turns, the least time
of each). `make listen` runs it; `make bench` runs it too.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.support.listening import listen, number_words, words_of

REPO = Path(__file__).resolve().parent.parent

CONDITIONS = (
    ("quiet", None, 0.0),
    ("speech-shaped 10 dB", "speech", 10.0),
    ("speech-shaped 5 dB", "speech", 5.0),
    ("pink 10 dB", "pink", 10.0),
    ("white 10 dB", "white", 10.0),
)
STARTERS = ("seven-minute", "tabata")  # the leg-workout starter is the seed; run-walk: --starters
ENGINES = ("espeak-ng", "piper")


def routines(names: list[str]) -> dict[str, str]:
    """The seed and the starters' texts by name."""
    found = {"seed": (REPO / "scripts" / "routine.yaml").read_text()}
    for name in names:
        found[name] = (REPO / "voicecoach" / "templates" / f"{name}.yaml").read_text()
    return found


def with_voice(text: str, engine: str, clarity: str) -> str:
    """The routine with its voice set to `engine` and `clarity` (its rate and volume kept)."""
    import yaml

    data = yaml.safe_load(text)
    voice = dict(data.get("voice") or {})
    voice["clarity"] = clarity
    if engine == "piper":
        voice.pop("name", None)
        voice["engine"] = "piper"
    data["voice"] = voice
    dumped: str = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    return dumped


def build(text: str, folder: Path, name: str) -> tuple[Path, float]:
    """Build a routine cold (an empty clip cache of its own); its MP3 and the build's time."""
    routine = folder / f"{name}.yaml"
    routine.write_text(text)
    out = folder / f"{name}.mp3"
    env = {**os.environ, "VOICECOACH_CACHE_DIR": str(folder / f"cache-{name}")}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "voicecoach", "build", "-q", str(routine), "-o", str(out)],
        env=env,
        check=True,
    )
    return out, time.perf_counter() - started


NUMBERS = {number_words(n) for n in range(1000)}


def numbers_said(mp3: Path) -> int:
    """How many of a session's speech cues are a single number (rep counts, the countdown),
    told apart as the misses are: by the words the recogniser would return."""
    import json

    cues = json.loads(mp3.with_suffix(".json").read_text())["cues"]
    return sum(c["kind"] == "speech" and words_of(c["text"]) in NUMBERS for c in cues)


def main() -> None:
    from bench.benchlib import stop_cleanly

    stop_cleanly()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", nargs="*", default=list(ENGINES))
    parser.add_argument("--starters", nargs="*", default=list(STARTERS))
    parser.add_argument("--clarity", nargs="*", default=["off", "standard", "strong"])
    parser.add_argument(
        "--cost-runs", type=int, default=3, help="cold builds of the seed per setting, in turns"
    )
    args = parser.parse_args()
    texts = routines(args.starters)
    scores: dict[tuple[str, str, str], list[int]] = {}
    with tempfile.TemporaryDirectory(prefix="voicecoach-listen-") as scratch:
        root = Path(scratch)
        for engine in args.engines:
            for clarity in args.clarity:
                for name, text in texts.items():
                    label = f"{engine}-{clarity}-{name}"
                    mp3, _ = build(with_voice(text, engine, clarity), root, label)
                    numbers = numbers_said(mp3)
                    for condition, kind, snr in CONDITIONS:
                        right, tried, misses = listen(mp3, kind, snr)
                        missed = sum(said in NUMBERS for said, _ in misses)
                        tally = scores.setdefault((engine, clarity, condition), [0, 0, 0, 0])
                        tally[0] += right
                        tally[1] += tried
                        tally[2] += numbers - missed
                        tally[3] += numbers
                    print(f"  built and heard {label}", file=sys.stderr, flush=True)
        fastest = cold_builds(texts["seed"], args, root)
    report(args, scores, fastest, list(texts))


def cold_builds(text: str, args: argparse.Namespace, root: Path) -> dict[tuple[str, str], float]:
    """What clarity costs a cold build: the seed built cold `args.cost_runs` times with
    each setting, the settings in turns so the machine's other load falls on each alike;
    the least time of each (none without `off` to compare with)."""
    if "off" not in args.clarity:
        return {}
    fastest: dict[tuple[str, str], float] = {}
    for engine in args.engines:
        for attempt in range(args.cost_runs):
            for clarity in args.clarity:
                label = f"cost-{engine}-{clarity}-{attempt}"
                _, took = build(with_voice(text, engine, clarity), root, label)
                fastest[(engine, clarity)] = min(fastest.get((engine, clarity), took), took)
        print(f"  timed cold builds of {engine}", file=sys.stderr, flush=True)
    return fastest


def report(
    args: argparse.Namespace,
    scores: dict[tuple[str, str, str], list[int]],
    fastest: dict[tuple[str, str], float],
    names: list[str],
) -> None:
    columns = [(e, c) for e in args.engines for c in args.clarity]
    tables = (
        (f"cues heard right by an offline recogniser ({', '.join(names)}; all cues pooled)", 0),
        ("of them, the single numbers (rep counts and the countdown)", 2),
        ("and every other cue (the words)", None),
    )
    for title, at in tables:
        print(f"\n{title}")
        print(f"{'condition':<22}" + "".join(f"{e + ' ' + c:>20}" for e, c in columns))
        for condition, _, _ in CONDITIONS:
            cells = []
            for engine, clarity in columns:
                tally = scores[(engine, clarity, condition)]
                if at is None:  # all cues less the numbers
                    right, tried = tally[0] - tally[2], tally[1] - tally[3]
                else:
                    right, tried = tally[at], tally[at + 1]
                cells.append(f"{100 * right / max(tried, 1):>19.1f}%")
            print(f"{condition:<22}" + "".join(cells))
    if fastest:
        print(f"\ncold builds of the seed, the least of {args.cost_runs} taken in turns")
        for (engine, clarity), took in fastest.items():
            ratio = took / fastest[(engine, "off")]
            print(f"  {engine:<10} {clarity:<9} {took:6.2f} s ({ratio:.3f} x off)")


if __name__ == "__main__":
    main()
