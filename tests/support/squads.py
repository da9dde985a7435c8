"""A small squad's files, for the tests that build one on a cluster or on S3."""

from __future__ import annotations

import textwrap
from pathlib import Path

# a short tempo run whose pace target is relative: each athlete hears their own
TEMPO = """
title: Tempo
defaults: {rest: 2s, countdown: 0}
cues: {halfway: "", rep: ""}
exercises:
  - {name: Warm up, duration: 4s, target: easy}
  - {name: Tempo, duration: 5s, target: {pace: "95%"}}
"""


def write_squad(folder: Path, weeks: int, athletes: str) -> Path:
    """The tempo run as a plan of `weeks` weeks, twice a week, and a squad of `athletes`
    (its YAML list, one athlete a line); the squad file's path."""
    plan = f"title: Tempo Plan\nroutine: r.yaml\nweeks: {weeks}\nper_week: 2\nstart: 2027-03-01\n"
    squad = f"title: Track Club\nprogramme: plan.yaml\nathletes:\n{textwrap.dedent(athletes)}"
    for name, text in (("r.yaml", TEMPO), ("plan.yaml", plan), ("squad.yaml", squad)):
        (folder / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return folder / "squad.yaml"
