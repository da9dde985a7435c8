"""The routine model: frozen dataclasses every stage reads. No YAML, no validation here."""

from __future__ import annotations

import copyreg
import datetime
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from voicecoach.language.saying import Words, words_for
from voicecoach.routine.targets import Athlete, Target
from voicecoach.routine.wording import Template
from voicecoach.speech import Voice


def read_only(mapping: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    """A read-only view of `mapping` (what a pickled one is made again with)."""
    return MappingProxyType(mapping)


# A routine is handed whole to a worker process (a session is a task of its inputs), and
# its read-only mappings must travel with it: pickle them as the dict they wrap.
copyreg.pickle(MappingProxyType, lambda proxy: (read_only, (dict(proxy),)))


@dataclass(frozen=True)
class Timing:
    """The timing settings an exercise inherits from `defaults` unless it overrides them."""

    rest_ms: int = 30_000
    tempo_ms: int = 3_000
    switch_ms: int = 5_000
    countdown: int = 3
    cadence: int | None = None  # steps a minute ticked during timed blocks
    target_every_ms: int | None = None  # the `target` reminder's period inside a block


@dataclass(frozen=True)
class Cues:
    """The cue templates a routine (or one exercise) rewords; None silences a cue."""

    templates: Mapping[str, Template | None] = field(default_factory=lambda: MappingProxyType({}))

    def merged(self, override: Cues) -> Cues:
        """These templates with `override`'s taking precedence."""
        return Cues(MappingProxyType({**self.templates, **override.templates}))


@dataclass(frozen=True)
class WorkSet:
    """One set: counted reps at a tempo, or a timed block, then a rest."""

    reps: int | None
    duration_ms: int | None
    tempo_ms: int
    rest_ms: int
    note: str | None = None
    distance_m: float | None = None  # a distance block: duration_ms is its estimate


@dataclass(frozen=True)
class Exercise:
    """An exercise with its sets, sides and wording fully resolved."""

    name: str
    sets: tuple[WorkSet, ...]
    tips: tuple[str, ...] = ()
    sides: tuple[str, ...] = ()
    switch_ms: int = 5_000
    countdown: int = 3
    cues: Cues = field(default_factory=Cues)
    milestone: str | None = None  # a programme's `then`, spoken in this session only
    cadence: int | None = None  # steps a minute ticked during its timed blocks
    target: Target | None = None
    target_every_ms: int | None = None  # the `target` reminder inside each block
    say: tuple[Message, ...] = ()  # timed messages inside each block, from its go
    intensity: str | None = None  # warmup, active, recovery, rest, cooldown; None: from the name


@dataclass(frozen=True)
class Message:
    """A `say` message: spoken `at_ms` after a block's go."""

    at_ms: int
    text: str


@dataclass(frozen=True)
class Repeat:
    """A block of exercises done `times` times in order."""

    times: int
    items: tuple[Item, ...]


Item = Exercise | Repeat


@dataclass(frozen=True)
class Tone:
    """One synthesized tone: its pitch and length."""

    pitch_hz: float
    length_ms: int


@dataclass(frozen=True)
class Tones:
    """The go, stop and end-of-rest tones; None turns one off."""

    go: Tone | None = Tone(880.0, 180)
    stop: Tone | None = Tone(660.0, 260)
    rest: Tone | None = Tone(1320.0, 120)

    def get(self, name: str) -> Tone | None:
        """The tone called `name`, or None when it is off."""
        tone: Tone | None = getattr(self, name)
        return tone


TONE_NAMES = ("go", "stop", "rest")
NO_TONES = Tones(go=None, stop=None, rest=None)


@dataclass(frozen=True)
class AudioSettings:
    """How the session file is made: format, rate, channels, bitrate, loudness, tones."""

    sample_rate: int = 44100
    channels: int = 1
    bitrate: int = 96
    format: str = "mp3"
    loudness: float | None = None  # LUFS; None: -19 for mono, -16 for stereo
    tones: Tones = field(default_factory=Tones)

    @property
    def target_lufs(self) -> float:
        """The integrated loudness the session is brought to."""
        if self.loudness is not None:
            return self.loudness
        return -19.0 if self.channels == 1 else -16.0


@dataclass(frozen=True)
class Tags:
    """ID3 tags beyond the title."""

    artist: str = "voicecoach"
    album: str = "voicecoach sessions"
    genre: str = "Fitness"
    year: int | None = None
    title: str | None = None  # the ID3 title when it is not the routine's (a programme's session)
    track: tuple[int, int] | None = None  # (n, N) within an album


@dataclass(frozen=True)
class Music:
    """The runner's own music under the session (routine format revision 2)."""

    files: tuple[str, ...]  # as written: files, folders or glob patterns
    folder: str = ""  # the routine's folder: `files` are relative to it
    order: str = "in-order"  # or "shuffle"
    level_lu: float = -12.0  # the bed's loudness relative to the speech, in the open
    duck_db: float = 12.0  # how far the bed drops under every cue
    crossfade_ms: int = 3_000
    fade_ms: int = 3_000


@dataclass(frozen=True)
class Session:
    """Where a routine sits in a programme: the values of the `session` placeholders."""

    week: int
    weeks: int
    day: int  # in the week, 1-based
    per_week: int
    session: int  # overall, 1-based
    sessions: int
    date: datetime.date | None = None

    def values(self, words: Words | None = None) -> dict[str, object]:
        """The placeholders `session`, `intro` and `outro` may name inside a programme."""
        spoken = (words or words_for()).spoken_date(self.date) if self.date else ""
        return {
            "week": self.week,
            "weeks": self.weeks,
            "day": self.day,
            "per_week": self.per_week,
            "session": self.session,
            "sessions": self.sessions,
            "date": spoken,
        }


@dataclass(frozen=True)
class Routine:
    """A whole validated routine."""

    title: str
    items: tuple[Item, ...]
    description: str = ""
    voice: Voice = field(default_factory=Voice)
    cues: Cues = field(default_factory=Cues)
    audio: AudioSettings = field(default_factory=AudioSettings)
    tags: Tags = field(default_factory=Tags)
    source: str = ""
    session: Session | None = None  # set when the routine is one session of a programme
    music: Music | None = None
    # how to say words (lower case -> what the engine is given); what is read stays as written
    pronounce: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    units: str = "metric"  # or imperial: how paces and distances are said
    # BCP 47, as written; None: not given (English, or a programme's language)
    language: str | None = None
    athlete: Athlete = field(default_factory=Athlete)
    warnings: tuple[str, ...] = ()  # what reading it found (an imported workout's open steps)

    @property
    def speaks(self) -> str:
        """The language its default wording is in: the built-in language's tag."""
        return self.voice.language

    def in_language(self, tag: str) -> Routine:
        """The routine in `tag` (a built-in language), its voice too."""
        return replace(self, language=tag, voice=replace(self.voice, language=tag))

    def exercises(self) -> list[Exercise]:
        """The distinct exercises as written, in order, each once (repeats not unrolled)."""
        return list(_written(self.items))


def renamed(routine: Routine, names: Mapping[str, str]) -> Routine:
    """The routine with its exercises renamed as `names` says (the others as they are)."""

    def walk(items: tuple[Item, ...]) -> tuple[Item, ...]:
        return tuple(
            replace(item, items=walk(item.items))
            if isinstance(item, Repeat)
            else replace(item, name=names.get(item.name, item.name))
            for item in items
        )

    return replace(routine, items=walk(routine.items))


def _written(items: tuple[Item, ...]) -> Iterator[Exercise]:
    for item in items:
        if isinstance(item, Repeat):
            yield from _written(item.items)
        else:
            yield item
