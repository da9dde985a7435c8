"""The starter routines and programmes that `voicecoach new` writes."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from voicecoach.errors import VoicecoachError, closest
from voicecoach.files.outputs import check_yaml_name, write_new_text
from voicecoach.language.tags import DEFAULT_LANGUAGE, UnknownLanguage, language_for

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


# the starters written in each built-in language besides English (`new --language`)
TRANSLATED = ("leg-workout", "leg-programme")


def template_text(name: str, language: str = DEFAULT_LANGUAGE) -> str:
    """The YAML of one starter, in a built-in language."""
    if name not in TEMPLATES:
        close = closest(name, tuple(TEMPLATES))
        hint = f" — did you mean '{close}'?" if close else ""
        raise VoicecoachError(
            f"template: expected one of {', '.join(TEMPLATES)}, found '{name}'{hint}",
            option="template",
        )
    try:
        catalogue = language_for(language).catalogue
    except UnknownLanguage as exc:
        raise VoicecoachError(f"language: {exc}", option="language") from None
    if catalogue is None:
        text = resources.files(__name__).joinpath(f"{name}.yaml").read_text(encoding="utf-8")
        if language != DEFAULT_LANGUAGE:  # en-US: the same words, American units and spelling
            text = text.replace("\ntitle: ", "\ntitle: ", 1)
            text = _with_language(text, language_for(language).tag)
        return text
    if name not in TRANSLATED:
        raise VoicecoachError(
            f"template: '{name}' is written in English only; in {language} there are "
            f"{' and '.join(TRANSLATED)}",
            option="template",
        )
    folder = resources.files(__name__).joinpath(catalogue)
    return folder.joinpath(f"{name}.yaml").read_text(encoding="utf-8")


def _with_language(text: str, tag: str) -> str:
    """An English starter with `language:` after its title (en-US: `units: imperial` too,
    in the routine: a programme's inline routine holds it)."""
    lines = text.splitlines(keepends=True)
    title = next(i for i, line in enumerate(lines) if line.startswith("title: "))
    lines.insert(title + 1, f"language: {tag}\n")
    if tag == "en-US":
        inline = [i for i, line in enumerate(lines) if line.startswith("routine:")]
        at, indent = (inline[0], "  ") if inline else (title + 1, "")
        lines.insert(at + 1, f"{indent}units: imperial\n")
    return "".join(lines)


def write_template(name: str, path: Path, language: str = DEFAULT_LANGUAGE) -> None:
    """Write a starter to `path`, never over a file that is there."""
    check_yaml_name(path)
    write_new_text(path, template_text(name, language))
