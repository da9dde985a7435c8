"""The starter routines and programmes that `voicecoach new` writes."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from voicecoach.errors import VoicecoachError
from voicecoach.suggest import closest

# name -> what it is, as `voicecoach new --list` shows it
TEMPLATES = {
    "leg-workout": "the leg workout for runners: calves, kickbacks, lunges, shins, squats",
    "leg-programme": "that workout as an 8-week plan, twice a week, reps rising to 40-50",
    "run-walk": "a run/walk day: 6 x (run 2 min, walk 1 min) between easy walks",
    "tabata": "a Tabata: 8 rounds of 20 s all out and 10 s rest",
    "seven-minute": "the seven-minute circuit: 12 moves of 30 s, 10 s between",
}


def template_text(name: str) -> str:
    """The YAML of one starter."""
    if name not in TEMPLATES:
        close = closest(name, tuple(TEMPLATES))
        hint = f"did you mean '{close}'?" if close else "see voicecoach new --list"
        raise VoicecoachError(
            f"--template: expected one of {', '.join(TEMPLATES)}, found '{name}' — {hint}"
        )
    return resources.files(__name__).joinpath(f"{name}.yaml").read_text(encoding="utf-8")


def write_template(name: str, path: Path) -> None:
    """Write a starter to `path`, never over a file that is there."""
    text = template_text(name)
    try:
        with path.open("x", encoding="utf-8") as handle:  # "x": fails if it exists
            handle.write(text)
    except FileExistsError:
        raise VoicecoachError(
            f"{path} is there already; give another name (nothing was written)"
        ) from None
    except OSError as exc:
        raise VoicecoachError(f"cannot write {path}: {exc.strerror or exc}") from None
