"""Every built-in language: the seed's cold build, its distinct clips and its timing.

    .venv/bin/python -m bench.languages            # every language (make bench)
    .venv/bin/python -m bench.languages de pl      # some

For each language, the leg workout of `voicecoach new --language L` is built with an empty
clip cache (cold: every clip spoken), twice, and the better time kept (the machine is
shared). It prints the time, the ratio to English, the distinct clips spoken, and what
the decoded MP3 shows: the worst onset against the JSON, overlapping cues, and whether
every rest is as long as the routine asks. Target: no language over 1.3x English cold.
"""

from __future__ import annotations

import itertools
import sys
import tempfile
import time
from pathlib import Path

from tests.support.audio import check_session
from voicecoach.language.tags import LANGUAGES
from voicecoach.session.build import BuildOptions
from voicecoach.sources import open_source
from voicecoach.templates import template_text
from voicecoach.timeline.choreography import steps

RUNS = 2
LIMIT = 1.3


def cold_build(tag: str, root: Path) -> tuple[float, Path, int]:
    """The best of RUNS cold builds: seconds, the MP3, distinct clips spoken."""
    from voicecoach.session.build import build_routine

    routine_file = root / f"legs-{tag}.yaml"
    routine_file.write_text(template_text("leg-workout", tag), encoding="utf-8")
    best = float("inf")
    result = None
    for run in range(RUNS):
        cache = root / f"cache-{tag}-{run}"
        routine = open_source(routine_file)
        options = BuildOptions(output=root / f"{tag}-{run}.mp3", cache_dir=cache)
        started = time.perf_counter()
        result = build_routine(routine, options)  # type: ignore[arg-type]
        best = min(best, time.perf_counter() - started)
    assert result is not None
    clips = len(list((root / f"cache-{tag}-0").rglob("*.clip")))
    return best, result.audio_path, clips


def timing(mp3: Path, routine_file: Path) -> tuple[float, int, bool]:
    """The worst onset (ms), cues that overlap, and whether every gap is the routine's."""
    measured = check_session(mp3)
    document = measured["document"]
    cues = document["cues"]
    overlaps = sum(1 for a, b in itertools.pairwise(cues) if b["start_ms"] < a["end_ms"])
    blocks = document["blocks"]
    planned = steps(open_source(routine_file))  # type: ignore[arg-type]
    asked = [step.gap_before(previous)[1] for previous, step in itertools.pairwise(planned)]
    heard = [b["go_ms"] - a["stop_ms"] for a, b in itertools.pairwise(blocks)]
    return measured["worst_onset_ms"], overlaps, asked == heard


def main(tags: list[str]) -> int:
    tags = tags or list(LANGUAGES)
    if "en" not in tags:
        tags = ["en", *tags]
    failed = False
    with tempfile.TemporaryDirectory(prefix="voicecoach-bench-") as folder:
        root = Path(folder)
        (root / "warm-up").mkdir()
        cold_build("en", root / "warm-up")  # the engine started once, before any timing
        english = None
        print(
            f"{'language':<8} {'cold s':>7} {'x en':>5} {'clips':>6} {'onset ms':>9} overlaps gaps"
        )
        for tag in tags:
            seconds, mp3, clips = cold_build(tag, root)
            english = english or seconds
            onset, overlaps, rests = timing(mp3, root / f"legs-{tag}.yaml")
            ratio = seconds / english
            bad = ratio > LIMIT or onset > 5 or overlaps or not rests
            failed |= bad
            print(
                f"{tag:<8} {seconds:7.2f} {ratio:5.2f} {clips:6d} {onset:9.1f} {overlaps:8d} "
                f"{'exact' if rests else 'NOT EXACT'}{'  <-- over target' if bad else ''}"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
