"""The guides shipped in the package, in Markdown: `voicecoach help` and the docs site read them.

Each topic is `<topic>.md` beside this module. A guide may hold a generated table between
`<!-- table: NAME -->` and `<!-- /table -->` (the lines between say where it comes from,
for a reader of the raw file); `guide` puts the table there, made from the code's own
tables: the cue table from `voicecoach.routine.wording`, the limits from `voicecoach.limits`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib.resources import files
from typing import Any

from voicecoach import limits
from voicecoach.language.saying import words_for
from voicecoach.language.tags import LANGUAGES
from voicecoach.routine.wording import (
    CHANGE_REMAINING,
    DEFAULTS,
    PLACEHOLDERS,
    WHEN,
    work_template,
)

# every topic, in the order `voicecoach help` lists them, with what it covers
TOPICS: dict[str, str] = {
    "routine": "writing a routine: an example, key by key; checking it",
    "cues": "every spoken phrase: the cue table, placeholders, defaults",
    "timing": "how a session is laid out: gaps, countdowns, left-out cues",
    "workouts": "targets, distances; FIT, Zwift and intervals.icu files",
    "programme": "a plan over weeks: progression, the folder a build writes",
    "phone": "sessions on a phone: files, podcast, calendar, page, serve",
    "squad": "a squad: one plan voiced for each athlete, at their figures",
    "music": "your own music under the coach, and a cadence metronome",
    "languages": "a coach in your language: twelve built in, what each says",
    "voices": "espeak-ng and Piper, pronunciation, clarity over noise",
    "files": "what a build writes and will not write over; the clip cache",
    "routine-format": "reference: every key of a routine, default and range",
    "programme-format": "reference: every key of a programme, default and range",
    "limits": "reference: every limit voicecoach enforces",
}

MARKER = re.compile(r"<!-- (?P<kind>[a-z]+): ?(?P<name>[a-z-]*) -->\n.*?<!-- /(?P=kind) -->", re.S)


def guide(topic: str) -> str:
    """A topic's Markdown, with its generated tables in place; KeyError for no such topic."""
    if topic not in TOPICS:
        raise KeyError(topic)
    text = (files(__name__) / f"{topic}.md").read_text(encoding="utf-8")
    return expand_tables(text)


def expand_tables(text: str) -> str:
    """`text` with every `<!-- table: NAME -->` block replaced by that generated table."""

    def table(match: re.Match[str]) -> str:
        if match["kind"] != "table":
            return match[0]
        if match["name"] not in TABLES:
            raise KeyError(f"no generated table '{match['name']}'")
        return TABLES[match["name"]]()

    return MARKER.sub(table, text)


# -- the cue table ------------------------------------------------------------------------

# what the default column adds to a default wording, where the wording alone misleads
_DEFAULT_NOTES = {
    "exercise": "fitted to the exercise: a timed one says its length, a distance adds its "
    'estimate once ("800 metres, about 3 minutes and 20 seconds"), a target is said after '
    "the work",
    "change": "fitted to the block, with its target",
    "remaining": f"before a change-over: {CHANGE_REMAINING}",
    "stop": 'heard better in noise than a bare "Stop."',
    "last_stop": "a routine that rewords `stop` but not `last_stop` keeps its own `stop`",
}


def default_wording(cue: str, tag: str = "en", *, notes: bool = True) -> str:
    """A cue's default wording in a language, as a reader sees it: the announcements as
    they are for two sets of 12 reps (or 90 s)."""
    if cue == "milestone":
        return "the `then` text"
    words = words_for(tag)
    if cue in ("exercise", "change"):
        text = work_template(
            words,
            cue=cue,
            sets=2,
            reps=12,
            duration_ms=90_000 if cue == "change" else None,
            sided=False,
        )
    else:
        text = words.phrase(f"cue:{cue}", DEFAULTS[cue])
    note = _DEFAULT_NOTES.get(cue) if notes else None
    return f"{text} ({note})" if note else text


def languages_table() -> str:
    """Every built-in language: its tag, name and espeak-ng voice, and its cue defaults."""
    rows = ["| tag | language | espeak-ng voice |", "|---|---|---|"]
    for language in LANGUAGES.values():
        rows.append(
            f"| `{language.tag}` | {language.name} ({language.own_name}) | `{language.voice}` |"
        )
    return "\n".join(rows) + "\n"


def language_cues() -> str:
    """The default wording of every cue in every built-in language (from the catalogues)."""
    sections = []
    for language in LANGUAGES.values():
        rows = [
            f"### {language.name}: `language: {language.tag}`",
            "",
            "| cue | default |",
            "|---|---|",
        ]
        for cue in PLACEHOLDERS:
            if cue in ("milestone", "countdown", "rep"):
                continue
            wording = default_wording(cue, language.tag, notes=False).replace("|", "\\|")
            rows.append(f"| `{cue}` | {wording} |")
        sections.append("\n".join(rows) + "\n")
    return "\n".join(sections)


def cue_table() -> str:
    """The Markdown table of every cue: when it is said, its placeholders, its default."""
    rows = ["| cue | when it is said | placeholders | default |", "|---|---|---|---|"]
    for cue, names in PLACEHOLDERS.items():
        placeholders = ", ".join(f"`{name}`" for name in names)
        wording = default_wording(cue).replace("|", "\\|")
        rows.append(f"| `{cue}` | {WHEN[cue]} | {placeholders} | {wording} |")
    return "\n".join(rows) + "\n"


# -- the limits ---------------------------------------------------------------------------


def _count(value: int) -> str:
    return f"{value:,}"


def _range(unit: str) -> Callable[[tuple[float, float]], str]:
    def shown(value: tuple[float, float]) -> str:
        low, high = value
        return f"{low:g} to {high:g}{unit}"

    return shown


def _ms_range(value: tuple[int, int]) -> str:
    low, high = value
    return f"{_seconds(low)} to {_seconds(high)}"


def _seconds(ms: int) -> str:
    seconds = ms / 1000
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds / 3600:g} h"
    return f"{seconds:g} s"


# each limit of voicecoach.limits: what it bounds, and how its value is shown
LIMITS: dict[str, tuple[str, Callable[[Any], str]]] = {
    "MAX_FILE_BYTES": (
        "size of a routine, programme or workout file",
        lambda v: f"{_count(v)} bytes",
    ),
    "MAX_EXPANDED_NODES": ("values in a file once YAML aliases are expanded", _count),
    "MAX_NUMBER_DIGITS": ("digits in a number (a longer one is refused unread)", _count),
    "MAX_WORKOUT_STEPS": ("steps in a workout file, repeats counted out", _count),
    "OPEN_STEP_RANGE_MS": (
        "`--open-step`: a workout step with no end the audio can know",
        _ms_range,
    ),
    "MAX_COUNTDOWN": ("`countdown`, in seconds", _count),
    "MAX_REPS": ("`reps` of a set", _count),
    "MAX_SETS": ("`sets` of an exercise", _count),
    "MAX_REPEAT": ("`repeat` of a block", _count),
    "MAX_TEXT": ("characters in any one text (about two minutes of speech)", _count),
    "RATE_RANGE": ("`voice.rate`", _range(" words a minute")),
    "LOUDNESS_RANGE": ("`audio.loudness` and `--loudness`", _range(" LUFS")),
    "TONE_PITCH_RANGE": ("a tone's `pitch`", _range(" Hz")),
    "TONE_LENGTH_RANGE_MS": ("a tone's `length`", _ms_range),
    "MAX_CUES": ("cues in one session", _count),
    "DEFAULT_MAX_MINUTES": (
        "minutes of a session (`build` and `validate`; `--max-minutes` changes it)",
        _count,
    ),
    "MAX_MINUTES": ("the most `--max-minutes` accepts, and what `plan` allows", _count),
    "MAX_WEEKS": ("`weeks` of a programme", _count),
    "MAX_PER_WEEK": ("`per_week`: sessions a week", _count),
    "MAX_SESSIONS": ("sessions of a programme", _count),
    "MAX_ATHLETES": ("athletes of a squad", _count),
    "CADENCE_RANGE": ("`cadence`", _range(" steps a minute")),
    "MUSIC_LEVEL_RANGE": ("`music.level`", _range(" LU")),
    "MUSIC_DUCK_RANGE": ("`music.duck`", _range(" dB")),
    "MAX_MUSIC_FADE_MS": ("`music.crossfade` and `music.fade`", lambda v: f"{_seconds(v)} at most"),
    "MAX_TRACKS": ("music tracks (distinct files)", _count),
}


def limits_table() -> str:
    """The Markdown table of every limit in voicecoach.limits, with its value."""
    rows = ["| what | limit |", "|---|---|"]
    for name, (what, shown) in LIMITS.items():
        rows.append(f"| {what} | {shown(getattr(limits, name))} |")
    return "\n".join(rows) + "\n"


TABLES: dict[str, Callable[[], str]] = {
    "cues": cue_table,
    "limits": limits_table,
    "languages": languages_table,
    "language-cues": language_cues,
}
