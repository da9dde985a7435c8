"""Cue wording: the templates of every spoken phrase, their placeholders and defaults."""

from __future__ import annotations

import hashlib
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass

from voicecoach.language.messages import CUES
from voicecoach.language.saying import Words

# Every cue a routine can reword, with the only placeholders its template may name.
PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "intro": ("title", "description", "exercises", "minutes", "exercise_count", "minute_count"),
    "exercise": ("name", "sets", "reps", "duration", "seconds", "sides", "target", "distance"),
    "set": ("set", "sets", "reps", "duration", "seconds", "note", "target", "distance"),
    "last_set": ("set", "sets", "reps", "duration", "seconds", "note", "target", "distance"),
    "side": ("side",),
    "switch": ("side", "seconds", "duration", "distance"),
    "countdown": ("count",),
    "go": ("name",),
    "change": ("name", "duration", "seconds", "reps", "side", "target", "distance"),
    "round": ("round", "rounds"),
    "rep": ("rep", "reps", "remaining"),
    "halfway": ("name", "seconds", "duration", "distance"),
    "remaining": ("seconds", "duration", "next", "distance"),
    "stop": ("name",),
    "last_stop": ("name",),
    "rest": ("seconds", "duration", "next", "distance"),
    "next": ("next", "seconds", "duration", "target", "distance"),
    "target": ("target", "name"),
    "outro": ("title", "minutes"),
    "last_outro": ("title", "minutes"),
    "session": ("week", "weeks", "day", "per_week", "session", "sessions", "date"),
    "milestone": ("name", "reps", "duration", "seconds", "sets", "distance"),
}

# When each cue is said (the docs' cue table reads it; voicecoach help cues shows it).
WHEN: dict[str, str] = {
    "intro": "at the start; `exercises` counts the exercises as written (a repeated block "
    "once), `minutes` is the whole session, rounded; `exercise_count` and `minute_count` "
    'say them with their words, in the plural the count takes ("5 exercises", "25 minutes")',
    "exercise": "when an exercise begins",
    "set": "before each set but the last",
    "last_set": "before the last set",
    "side": "before the work on each side",
    "switch": "at the start of the pause between sides; `side` is the next one",
    "countdown": "each second of the countdown",
    "go": "when work starts (after the go tone)",
    "change": "when work starts straight after other work (a change-over)",
    "round": "at the start of each round of a `repeat` block",
    "rep": "at the start of every counted repetition after the first (the go is rep 1)",
    "halfway": "halfway through a timed block or counted set (not within 10 s of "
    "`remaining`); `seconds` is what is left",
    "remaining": "10 s before a timed block over 20 s ends",
    "stop": "when work ends (after the stop tone)",
    "last_stop": "when the session's last block ends, instead of `stop`",
    "rest": "when a rest begins",
    "next": "during a rest; `seconds` is what is left of it, `target` and `distance` are "
    "the next block's",
    "target": "every `target_every` inside a block with a target",
    "outro": "at the end",
    "last_outro": "at the end of a programme's last session, instead of `outro`",
    "session": "in a programme, right after the intro",
    "milestone": "in a programme, right after the announcement, in the first session where "
    "the exercise reaches its last values; its wording is the exercise's `then`",
}

# Inside a programme, `intro` and `outro` may also name the `session` placeholders.
SESSION_CUES = ("intro", "outro", "last_outro")

# The default wording, in English: the source text of every language's catalogue (see
# voicecoach.language.messages). The `exercise` and `change` defaults are fitted to each exercise
# (see work_template), so that a timed block is not announced with an empty rep count.
DEFAULTS: dict[str, str] = {
    message.context.removeprefix("cue:"): message.text for message in CUES
} | {"countdown": "{count}", "rep": "{rep}"}


_SENTENCE_START = re.compile(r"([.!?] )([a-z])")


class TemplateError(ValueError):
    """A template names something other than its allowed placeholders."""


# the change-over's `remaining` names what follows
CHANGE_REMAINING = "{duration}, then {next}."

# "{duration} seconds" ("Sekunden", "segundos"), written when `duration` was a number of
# seconds, still means that number
_DURATION_IN_SECONDS = re.compile(r"\{duration\}(?=\s*s[eé])", re.IGNORECASE)


@dataclass(frozen=True)
class Template:
    """One cue's wording: one or more alternative phrasings, all validated."""

    alternatives: tuple[str, ...]
    ours: bool = False  # voicecoach's own default wording, not the routine's

    def render(self, values: Mapping[str, object], pick: str) -> str:
        """Fill in the placeholders of the alternative chosen for `pick` (stable per routine)."""
        if len(self.alternatives) == 1:
            chosen = self.alternatives[0]
        else:
            digest = hashlib.sha256(pick.encode("utf-8")).digest()
            chosen = self.alternatives[int.from_bytes(digest[:8], "big") % len(self.alternatives)]
        if not self.ours:
            chosen = _DURATION_IN_SECONDS.sub("{seconds}", chosen)
        # a placeholder a cue allows but has no value for here (a distance of a timed
        # block) says nothing
        text = capitalised(tidy(chosen.format_map(_Blank(values))))
        if self.ours:
            # our own wording starts each sentence with a capital, whatever a value's case:
            # "Switch sides. Right side next."
            text = _SENTENCE_START.sub(lambda m: m[1] + m[2].upper(), text)
        return text


class _Blank(dict[str, object]):
    """Template values where an allowed placeholder without a value is empty."""

    def __missing__(self, key: str) -> str:
        return ""


def default_template(text: str) -> Template:
    """One of voicecoach's own default wordings."""
    return Template((text,), ours=True)


def capitalised(text: str) -> str:
    """A cue begins as a sentence does: "right leg." is said and shown "Right leg."."""
    return text[:1].upper() + text[1:] if text[:1].islower() else text


def tidy(text: str) -> str:
    """Collapse whitespace so that empty placeholders leave no gaps in the speech."""
    return re.sub(r"\s+", " ", text).strip()


def check_template(text: str, cue: str, *, in_programme: bool = False) -> None:
    """Raise TemplateError unless `text` names only plain placeholders allowed for `cue`."""
    allowed = PLACEHOLDERS[cue]
    if in_programme and cue in SESSION_CUES:
        allowed = allowed + PLACEHOLDERS["session"]
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


class _Kept(dict[str, object]):
    """Values for part of a template: the placeholders not given stay as they are."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def filled(template: str, **values: object) -> str:
    """`template` with these placeholders filled in and the others left for later."""
    return template.format_map(_Kept(values))


def work_template(
    words: Words,
    *,
    cue: str,
    sets: int,
    reps: int | None,
    duration_ms: int | None,
    sided: bool,
    distance: bool = False,
    targeted: bool = False,
) -> str:
    """The `exercise` announcement or `change` call in the routine's language, fitted to the work.

    "Lunges. 2 sets of 12 reps on each side." / "Walk, a minute and a half." /
    "Fast. 800 metres, about 3 minutes and 17 seconds, at 4 oh 5 to 4 15 per kilometre."
    The time a distance takes is an estimate, said once: in the announcement. The
    placeholders of the routine's text ({name}, {distance}, {side}, {target}) stay.
    """
    several = sets > 1 and cue == "exercise"
    if distance:
        amount = "{distance}"
        if several:
            amount = _rounds(words, sets, amount)
        if cue == "exercise":
            about = "{distance}, about {time} each" if sets > 1 else "{distance}, about {time}"
            amount = filled(
                words.phrase("work", about), distance=amount, time=words.duration(duration_ms or 0)
            )
    elif duration_ms is not None:
        amount = words.duration(duration_ms)
        amount = _rounds(words, sets, amount) if several else amount
    else:
        amount = words.counted("work", ("{reps} rep", "{reps} reps"), reps or 0, reps=reps or 0)
        if several:
            english = ("{sets} set of {amount}", "{sets} sets of {amount}")
            amount = filled(words.counted_phrase("work", english, sets), sets=sets, amount=amount)
    if sided:
        side = "{amount}, {side} side" if cue == "change" else "{amount} on each side"
        amount = filled(words.phrase("work", side), amount=amount)
    if targeted:
        amount = filled(words.phrase("work", "{amount}, {target}"), amount=amount)
    if cue == "change":
        return filled(words.phrase("work", "{name}, {amount}."), amount=amount)
    return filled(words.phrase("work", "{name}. {amount}."), amount=capitalised(amount))


def _rounds(words: Words, sets: int, amount: str) -> str:
    english = ("{sets} round of {amount}", "{sets} rounds of {amount}")
    return filled(words.counted_phrase("work", english, sets), sets=sets, amount=amount)
