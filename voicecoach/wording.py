"""Cue wording: the templates of every spoken phrase, their placeholders and defaults."""

from __future__ import annotations

import hashlib
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass

# Every cue a routine can reword, with the only placeholders its template may name.
PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "intro": ("title", "description", "exercises", "minutes"),
    "exercise": ("name", "sets", "reps", "duration", "sides"),
    "set": ("set", "sets", "reps", "duration", "note"),
    "last_set": ("set", "sets", "reps", "duration", "note"),
    "side": ("side",),
    "switch": ("side", "seconds"),
    "countdown": ("count",),
    "go": ("name",),
    "rep": ("rep", "reps", "remaining"),
    "halfway": ("name", "seconds"),
    "remaining": ("seconds",),
    "stop": ("name",),
    "rest": ("seconds", "next"),
    "next": ("next", "seconds"),
    "outro": ("title", "minutes"),
}

# The `exercise` default is chosen per exercise (see default_exercise_template), so that
# a timed block is not announced with an empty rep count.
DEFAULTS: dict[str, str] = {
    "intro": "Welcome to {title}. {description} {exercises} exercises, about {minutes} minutes.",
    "set": "Set {set} of {sets}. {note}",
    "last_set": "Last set. {note}",
    "side": "{side} side.",
    "switch": "Switch sides. {side} side next.",
    "countdown": "{count}",
    "go": "Go!",
    "rep": "{rep}",
    "halfway": "Halfway.",
    "remaining": "{seconds} seconds left.",
    "stop": "Stop.",
    "rest": "Rest for {seconds} seconds.",
    "next": "Next up: {next}.",
    "outro": "That's the end of {title}. Great work!",
}


class TemplateError(ValueError):
    """A template names something other than its allowed placeholders."""


@dataclass(frozen=True)
class Template:
    """One cue's wording: one or more alternative phrasings, all validated."""

    alternatives: tuple[str, ...]

    def render(self, values: Mapping[str, object], pick: str) -> str:
        """Fill in the placeholders of the alternative chosen for `pick` (stable per routine)."""
        if len(self.alternatives) == 1:
            chosen = self.alternatives[0]
        else:
            digest = hashlib.sha256(pick.encode("utf-8")).digest()
            chosen = self.alternatives[int.from_bytes(digest[:8], "big") % len(self.alternatives)]
        return tidy(chosen.format_map(values))


def tidy(text: str) -> str:
    """Collapse whitespace so that empty placeholders leave no gaps in the speech."""
    return re.sub(r"\s+", " ", text).strip()


def check_template(text: str, cue: str) -> None:
    """Raise TemplateError unless `text` names only plain placeholders allowed for `cue`."""
    allowed = PLACEHOLDERS[cue]
    listed = ", ".join("{" + name + "}" for name in allowed)
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise TemplateError(
            f"unbalanced braces at character {_brace_position(text)} ({exc}); write '{{{{' "
            "and '}}' for literal braces"
        ) from None
    for _literal, field, spec, conversion in parts:
        if field is None:
            continue
        shown = (
            "{"
            + field
            + (f"!{conversion}" if conversion else "")
            + (f":{spec}" if spec else "")
            + "}"
        )
        if field not in allowed or conversion or spec:
            raise TemplateError(f"expected only the placeholders {listed}, found {shown}")


def _brace_position(text: str) -> int:
    depth_open = None
    i = 0
    while i < len(text):
        char = text[i]
        if text.startswith("{{", i) or text.startswith("}}", i):
            i += 2
            continue
        if char == "{":
            if depth_open is not None:
                return depth_open + 1
            depth_open = i
        elif char == "}":
            if depth_open is None:
                return i + 1
            depth_open = None
        i += 1
    return (depth_open if depth_open is not None else len(text)) + 1


def default_intro_template(*, exercises: int, minutes: int) -> str:
    """The English intro used when a routine does not reword `intro` (counts agree)."""
    return (
        "Welcome to {title}. {description} {exercises} exercise"
        + "s" * (exercises != 1)
        + ", about {minutes} minute"
        + "s" * (minutes != 1)
        + "."
    )


def default_exercise_template(
    *, sets: int, timed: bool, duration_ms: int | None, sided: bool
) -> str:
    """The English announcement used when a routine does not reword `exercise`."""
    if timed:
        work = _spoken_duration(duration_ms or 0)
        amount = f"{{sets}} rounds of {work}" if sets > 1 else work
    else:
        amount = "{sets} sets of {reps} reps" if sets > 1 else "{reps} reps"
    if sided:
        amount += " on each side"
    return "{name}. " + amount + "."


def _spoken_duration(duration_ms: int) -> str:
    seconds = round(duration_ms / 1000)
    minutes, rest = divmod(seconds, 60)
    if minutes and rest:
        return f"{minutes} minute{'s' * (minutes != 1)} {rest} seconds"
    if minutes:
        return f"{minutes} minute{'s' * (minutes != 1)}"
    return f"{seconds} seconds"
