"""The starter routines and programmes that `voicecoach new` writes."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from voicecoach.errors import VoicecoachError, closest
from voicecoach.files.outputs import check_yaml_name, write_new_text

# name -> what it is, as `voicecoach new --list` shows it
TEMPLATES = {
    "leg-workout": "the leg workout for runners: calves, kickbacks, lunges, shins, squats",
    "leg-programme": "that workout as an 8-week plan, twice a week, reps rising to 40-50",
    "run-walk": "a run/walk day: 6 x (run 2 min, walk 1 min) between easy walks",
    "tabata": "a Tabata: 8 rounds of 20 s all out and 10 s rest",
    "seven-minute": "the seven-minute circuit: 12 moves of 30 s, 10 s between",
    "intervals": "a track session: 6 x 800 m at a target pace, easy jogs between",
    "zone2": "an easy 40-minute run held in heart-rate zone 2, with reminders",
}


def template_text(name: str) -> str:
    """The YAML of one starter."""
    if name not in TEMPLATES:
        close = closest(name, tuple(TEMPLATES))
        hint = f" — did you mean '{close}'?" if close else ""
        raise VoicecoachError(
            f"template: expected one of {', '.join(TEMPLATES)}, found '{name}'{hint}",
            option="template",
        )
    return resources.files(__name__).joinpath(f"{name}.yaml").read_text(encoding="utf-8")


def write_template(name: str, path: Path) -> None:
    """Write a starter to `path`, never over a file that is there."""
    check_yaml_name(path)
    write_new_text(path, template_text(name))
