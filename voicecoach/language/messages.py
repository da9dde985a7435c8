"""Every phrase voicecoach says or writes by itself, in English: the catalogues' template.

Each message is a gettext entry: its context (`msgctxt`), its English text (`msgid`),
for a counted phrase its English plural, and a note for the translator. The English text
is the source: `make catalogues` writes `voicecoach.pot` from this table, and each
language's `.po` gives the same message in that language. A catalogue's text may name the
placeholders of its English text, no others; a placeholder in braces is filled in when
the phrase is said.

Numbers with a unit (seconds, minutes, metres, kilometres an hour, watts, percent) are
said by CLDR, not by these messages: only the idioms around them are here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Message:
    """One phrase of the catalogues."""

    context: str
    text: str
    plural: str | None = None  # a counted phrase: its English plural (gettext's msgid_plural)
    note: str = ""  # for the translator
    # placeholders a translation may name instead of one of the English: (instead, of)
    extra: tuple[tuple[str, str], ...] = ()
    optional: bool = False  # a translation may leave it empty (CLDR's wording is used)

    @property
    def key(self) -> tuple[str, str]:
        """How the phrase is looked up: (context, English text)."""
        return self.context, self.text


def _cue(name: str, text: str, note: str = "") -> Message:
    return Message(f"cue:{name}", text, note=note)


# The default wording of every cue (the names are the routine format's `cues:` keys).
CUES: tuple[Message, ...] = (
    _cue(
        "intro",
        "Welcome to {title}. {description} {exercise_count}, about {minute_count}.",
        "At the start. {exercise_count} is said like '5 exercises', {minute_count} like "
        "'25 minutes'.",
    ),
    _cue("set", "Set {set} of {sets}. {note}", "Before each set but the last."),
    _cue("last_set", "Last set. {note}", "Before the last set of an exercise."),
    _cue("side", "{side} side.", "Before the work on each side; {side} is 'left' or 'right'."),
    _cue("switch", "Switch sides. {side} side next.", "The pause between sides begins."),
    _cue("go", "Go!", "Work starts (after a tone)."),
    _cue("halfway", "Halfway.", "Halfway through a block."),
    _cue("round", "Round {round} of {rounds}.", "A round of a repeated block begins."),
    _cue("remaining", "{duration} left.", "{duration} is said like '10 seconds'."),
    _cue("stop", "Stop there.", "Work ends (after a tone)."),
    _cue("last_stop", "Stop there.", "The session's last block ends."),
    _cue("rest", "Rest for {duration}.", "A rest begins; {duration} like '30 seconds'."),
    _cue("next", "Next up: {next}.", "During a rest: what comes next."),
    _cue(
        "target",
        "Keep it {target}.",
        "A reminder inside a long block; {target} like 'at 4 minutes 30 per kilometre' or 'easy'.",
    ),
    _cue("outro", "That's the end of {title}. Great work!", "At the end."),
    _cue(
        "last_outro",
        "That was the last session: the whole plan is done. Well done for seeing it through!",
        "At the end of a programme's last session.",
    ),
    _cue(
        "session",
        "Week {week} of {weeks}, session {day} of {per_week}.",
        "In a programme, after the intro.",
    ),
)

# How a block of work is announced ("Lunges. 2 sets of 12 reps on each side.") and
# called when it follows other work straight away ("Sprint, 30 seconds.").
WORK: tuple[Message, ...] = (
    Message("work", "{name}. {amount}.", note="An exercise is announced: name, then amount."),
    Message("work", "{name}, {amount}.", note="Work follows other work with no rest."),
    Message(
        "work",
        "{sets} set of {amount}",
        "{sets} sets of {amount}",
        "Sets of counted reps; {amount} like '12 reps'.",
    ),
    Message(
        "work",
        "{sets} round of {amount}",
        "{sets} rounds of {amount}",
        "Rounds of a timed block; {amount} like '30 seconds'.",
    ),
    Message("work", "{reps} rep", "{reps} reps", "Counted repetitions."),
    Message("work", "{count} exercise", "{count} exercises", "The intro's count."),
    Message("work", "{amount} on each side"),
    Message("work", "{amount}, {side} side", note="Which side, when work follows work."),
    Message("work", "{amount}, {target}", note="{target} like 'at 4 minutes 30 per kilometre'."),
    Message("work", "{distance}, about {time}", note="A distance and how long it takes."),
    Message("work", "{distance}, about {time} each", note="Each of several rounds."),
    Message("work", "{name}, last set", note="What comes next, said during a rest."),
    Message("work", "{name}, set {set}", note="What comes next, said during a rest."),
    Message("work", "{name}, {side} side", note="What comes next, said during a rest."),
    Message("work", "{duration}, then {next}.", note="Ten seconds before work changes."),
    Message("side", "left", note="A side, when a routine writes `sides: [left, right]`."),
    Message("side", "right", note="A side, when a routine writes `sides: [left, right]`."),
)

# Lengths of time, where CLDR's "1 minute, 30 seconds" is not what a coach says.
DURATIONS: tuple[Message, ...] = (
    Message("duration", "a minute", note="One minute, on its own or before seconds."),
    Message("duration", "an hour", note="One hour."),
    Message("duration", "a minute and a half"),
    Message(
        "duration",
        "{count} and a half minutes",
        "{count} and a half minutes",
        "Two and more minutes and a half ({count} is 2 or more).",
    ),
    Message("duration", "an hour and a half"),
    Message(
        "duration",
        "{count} and a half hours",
        "{count} and a half hours",
        "Two and more hours and a half ({count} is 2 or more).",
    ),
)

# Paces, speeds, heart rates, power and effort, as said after the work.
TARGETS: tuple[Message, ...] = (
    Message(
        "pace",
        "{minutes} {seconds}",
        note="A pace of 4:30, never said as a time of day; {minute_count} is '4 minutes' "
        "if the word is needed.",
        extra=(("minute_count", "minutes"),),
    ),
    Message(
        "pace",
        "{minutes} oh {seconds}",
        note="A pace of 4:05 (seconds under 10).",
        extra=(("minute_count", "minutes"),),
    ),
    Message("pace", "{time} per kilometre", note="Empty: CLDR's wording.", optional=True),
    Message("pace", "{time} per mile", note="Empty: CLDR's wording.", optional=True),
    Message("span", "{low} to {high}", note="A range of two numbers."),
    Message("target", "at {pace}"),
    Message("target", "at {speed}", note="{speed} like '12 kilometres per hour'."),
    Message("target", "at {percent} of threshold pace", note="{percent} like '85 percent'."),
    Message("target", "in heart rate zone {zone}"),
    Message("target", "at a heart rate of {beats}", note="{beats} like '140 to 150'."),
    Message("target", "at {percent} of your maximum heart rate"),
    Message("target", "at {percent} of threshold heart rate"),
    Message("target", "in power zone {zone}"),
    Message("target", "at {power}", note="{power} like '250 watts'."),
    Message("target", "at {percent} of FTP", note="FTP: functional threshold power."),
    Message("target", "at effort {effort} out of 10"),
    Message("effort", "easy"),
    Message("effort", "steady"),
    Message("effort", "tempo"),
    Message("effort", "threshold"),
    Message("effort", "hard"),
    Message("effort", "all out"),
)

# The names of a session's first and last chapters.
CHAPTERS: tuple[Message, ...] = (
    Message("chapter", "Intro", note="The first chapter of a session."),
    Message("chapter", "Outro", note="The last chapter of a session."),
)

# The names voicecoach gives the steps of a workout file that has none of its own.
BLOCKS: tuple[Message, ...] = tuple(
    Message("block", name, note="A workout step's name, when the coach's file gives none.")
    for name in (
        "Warm-up",
        "Work",
        "Rest",
        "Recovery",
        "Cool-down",
        "Interval",
        "Endurance",
        "Tempo",
        "Threshold",
        "Ramp",
        "Free ride",
        "Free run",
    )
)

# A programme's page, feed and calendar.
PROGRAMME: tuple[Message, ...] = (
    Message("programme", "Week {week}, session {day}", note="A session's title."),
    Message("programme", "{count} week", "{count} weeks", "The plan's length."),
    Message("programme", "{count} a week", "{count} a week", "Sessions a week."),
    Message("programme", "{count} session", "{count} sessions"),
    Message("programme", "{length} in all", note="{length} like '1:23:00'."),
    Message("programme", "Progression", note="A heading: how the values grow."),
    Message("programme", "Week", note="A column heading."),
    Message("programme", "Day", note="A column heading: the session of the week."),
    Message("programme", "Date", note="A column heading."),
    Message("programme", "Length", note="A column heading."),
    Message("programme", "playlist", note="A link."),
    Message("programme", "calendar", note="A link."),
    Message("programme", "podcast feed", note="A link."),
    Message("programme", "{amount} reps", note="In a table: '15 reps', '15/20 reps'."),
    Message("programme", "{amount} each side", note="In a table."),
)

MESSAGES: tuple[Message, ...] = CUES + WORK + DURATIONS + TARGETS + CHAPTERS + BLOCKS + PROGRAMME
