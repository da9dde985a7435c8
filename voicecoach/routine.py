"""Load a routine: YAML -> validated, frozen Routine with durations in ms and checked wording."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, NoReturn

from voicecoach.durations import parse_duration
from voicecoach.errors import RoutineError
from voicecoach.wording import PLACEHOLDERS, Template, TemplateError, check_template
from voicecoach.yamlfile import LineDict, LineList, read_yaml

TOP_KEYS = ("title", "description", "voice", "defaults", "cues", "exercises", "audio", "tags")
VOICE_KEYS = ("engine", "name", "rate", "volume")
DEFAULT_KEYS = ("rest", "tempo", "switch", "countdown")
EXERCISE_KEYS = (
    "name",
    "tips",
    "sets",
    "reps",
    "duration",
    "sides",
    "rest",
    "tempo",
    "switch",
    "countdown",
    "cues",
)
SET_KEYS = ("reps", "duration", "tempo", "rest", "note")
REPEAT_KEYS = ("repeat", "exercises")
AUDIO_KEYS = ("sample_rate", "channels", "bitrate", "format", "loudness", "tones")
TAG_KEYS = ("artist", "album", "genre", "year")

ENGINES = ("pyttsx3",)
RATE_RANGE = (80, 450)
MAX_COUNTDOWN = 10
MAX_REPS = 1000
MAX_SETS = 100
MAX_REPEAT = 1000
MAX_TEXT = 2000
SAMPLE_RATES = (32000, 44100, 48000)
FORMATS = ("mp3", "wav")
LOUDNESS_RANGE = (-31.0, -10.0)
BITRATES = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)


@dataclass(frozen=True)
class Voice:
    """Which engine speaks, in which voice, how fast and how loud."""

    engine: str = "pyttsx3"
    name: str | None = None
    rate: int = 165
    volume: float = 1.0
    where: str = ""  # "file:line: voice.name", for messages about the voice


@dataclass(frozen=True)
class Timing:
    """The timing settings an exercise inherits from `defaults` unless it overrides them."""

    rest_ms: int = 30_000
    tempo_ms: int = 3_000
    switch_ms: int = 5_000
    countdown: int = 3


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
    path: str = ""


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

    def exercises(self) -> list[Exercise]:
        """The distinct exercises as written, in order, each once (repeats not unrolled)."""
        found: list[Exercise] = []

        def walk(items: tuple[Item, ...]) -> None:
            for item in items:
                if isinstance(item, Repeat):
                    walk(item.items)
                else:
                    found.append(item)

        walk(self.items)
        return found


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"'{str(value).lower()}' (a yes/no value)"
    if isinstance(value, dict):
        return "a mapping" if value else "an empty mapping"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"'{shown}'" if value else "an empty string"
    return f"{value!r}"


@dataclass(frozen=True)
class _At:
    """Where a value sits in the file: its key path and line, for messages."""

    source: str
    path: str
    line: int | None

    def fail(self, message: str) -> NoReturn:
        raise RoutineError(message, source=self.source, line=self.line, path=self.path or None)

    def expected(self, what: str, found: Any) -> NoReturn:
        self.fail(f"expected {what}, found {_describe(found)}")

    def key(self, mapping: LineDict, key: str) -> _At:
        path = f"{self.path}.{key}" if self.path else key
        return _At(self.source, path, mapping.key_lines.get(key, mapping.line or self.line))

    def item(self, sequence: LineList, index: int) -> _At:
        return _At(self.source, f"{self.path}[{index}]", sequence.item_lines[index])


def _mapping(value: Any, at: _At, allowed: tuple[str, ...], what: str) -> LineDict:
    if not isinstance(value, LineDict):
        at.expected(what, value)
    for key in value:
        if not isinstance(key, str) or key not in allowed:
            key_at = _At(at.source, at.path, value.key_lines.get(key, value.line))
            close = closest(str(key), allowed)
            hint = f"did you mean '{close}'?" if close else "allowed keys: " + ", ".join(allowed)
            key_at.fail(f"unknown key '{key}' — {hint}")
    return value


def _edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: a swap of neighbours counts as one edit."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            row[j] = min(
                rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + (a[i - 1] != b[j - 1])
            )
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[i - 2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def closest(word: str, options: tuple[str, ...] | list[str]) -> str | None:
    """The option a typo most likely meant, or None when nothing is close."""
    lowered = word.lower()
    scored = [
        (
            _edit_distance(lowered, o.lower()),
            -difflib.SequenceMatcher(None, lowered, o.lower()).ratio(),
            o,
        )
        for o in options
    ]
    distance, _, best = min(scored)
    return best if distance <= max(1, len(word) // 2) else None


def _text(value: Any, at: _At, *, allow_empty: bool = False) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        at.expected("text", value)
    text = str(value).strip()
    if not text and not allow_empty:
        at.expected("non-empty text", value)
    if len(text) > MAX_TEXT:
        # about two minutes of speech: longer is a paste gone wrong, and costly to speak
        at.expected(f"at most {MAX_TEXT} characters", len(text))
    return text


def _count(value: Any, at: _At, *, minimum: int, maximum: int, what: str) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        at.expected(f"a whole number from {minimum} to {maximum} ({what})", value)
    return value


def _duration(value: Any, at: _At, *, positive: bool) -> int:
    try:
        ms = parse_duration(value)
    except ValueError:
        at.expected('a duration such as 30, "45s", "4m", "1m30s" or "1:30"', value)
    if positive and ms <= 0:
        at.expected("a duration above zero", value)
    return ms


def _template(value: Any, at: _At, cue: str) -> Template | None:
    if value is None or value == "":
        return None
    texts: list[tuple[str, _At]] = []
    if isinstance(value, LineList):
        if not value:
            at.expected("a template or a non-empty list of templates", value)
        for index, item in enumerate(value):
            texts.append((_text(item, at.item(value, index)), at.item(value, index)))
    else:
        texts.append((_text(value, at, allow_empty=True), at))
    for text, where in texts:
        try:
            check_template(text, cue)
        except TemplateError as exc:
            where.fail(str(exc))
    return Template(tuple(text for text, _ in texts))


def _cues(value: Any, at: _At) -> Cues:
    mapping = _mapping(value, at, tuple(PLACEHOLDERS), "a mapping of cue names to templates")
    return Cues(
        MappingProxyType(
            {name: _template(mapping[name], at.key(mapping, name), name) for name in mapping}
        )
    )


def _voice(value: Any, at: _At) -> Voice:
    mapping = _mapping(value, at, VOICE_KEYS, "a mapping with engine, name, rate or volume")
    voice = Voice()
    if "engine" in mapping:
        engine = _text(mapping["engine"], at.key(mapping, "engine"))
        if engine not in ENGINES:
            at.key(mapping, "engine").expected("one of " + ", ".join(ENGINES), engine)
        voice = Voice(engine=engine)
    name = _text(mapping["name"], at.key(mapping, "name")) if "name" in mapping else None
    rate = voice.rate
    if "rate" in mapping:
        rate = _count(
            mapping["rate"],
            at.key(mapping, "rate"),
            minimum=RATE_RANGE[0],
            maximum=RATE_RANGE[1],
            what="words per minute",
        )
    volume = voice.volume
    if "volume" in mapping:
        raw = mapping["volume"]
        if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not 0 <= raw <= 1:
            at.key(mapping, "volume").expected("a number from 0.0 to 1.0", raw)
        volume = float(raw)
    name_at = at.key(mapping, "name") if "name" in mapping else at
    where = f"{name_at.source}:{name_at.line}: {name_at.path}" if name_at.line else at.source
    return Voice(engine=voice.engine, name=name, rate=rate, volume=volume, where=where)


def _timing(mapping: LineDict, at: _At, base: Timing) -> Timing:
    return Timing(
        rest_ms=_duration(mapping["rest"], at.key(mapping, "rest"), positive=False)
        if "rest" in mapping
        else base.rest_ms,
        tempo_ms=_duration(mapping["tempo"], at.key(mapping, "tempo"), positive=True)
        if "tempo" in mapping
        else base.tempo_ms,
        switch_ms=_duration(mapping["switch"], at.key(mapping, "switch"), positive=False)
        if "switch" in mapping
        else base.switch_ms,
        countdown=_count(
            mapping["countdown"],
            at.key(mapping, "countdown"),
            minimum=0,
            maximum=MAX_COUNTDOWN,
            what="seconds of countdown",
        )
        if "countdown" in mapping
        else base.countdown,
    )


def _work(mapping: LineDict, at: _At) -> tuple[int | None, int | None]:
    """The reps or duration a mapping sets, or (None, None) if it sets neither."""
    if "reps" in mapping and "duration" in mapping:
        at.key(mapping, "duration").fail(
            "expected either 'reps' or 'duration', found both; keep one"
        )
    reps = None
    if "reps" in mapping:
        reps = _count(
            mapping["reps"],
            at.key(mapping, "reps"),
            minimum=1,
            maximum=MAX_REPS,
            what="repetitions",
        )
    duration = None
    if "duration" in mapping:
        duration = _duration(mapping["duration"], at.key(mapping, "duration"), positive=True)
    return reps, duration


def _exercise(mapping: LineDict, at: _At, timing: Timing, cues: Cues) -> Exercise:
    _mapping(mapping, at, EXERCISE_KEYS, "an exercise")
    name = _text(mapping["name"], at.key(mapping, "name"))
    own = _timing(mapping, at, timing)
    if "cues" in mapping:
        cues = cues.merged(_cues(mapping["cues"], at.key(mapping, "cues")))
    tips: tuple[str, ...] = ()
    if "tips" in mapping:
        raw_tips = mapping["tips"]
        tips_at = at.key(mapping, "tips")
        if isinstance(raw_tips, LineList):
            tips = tuple(_text(tip, tips_at.item(raw_tips, i)) for i, tip in enumerate(raw_tips))
        elif raw_tips is not None:
            tips = (_text(raw_tips, tips_at),)
    sides: tuple[str, ...] = ()
    if "sides" in mapping:
        raw_sides = mapping["sides"]
        sides_at = at.key(mapping, "sides")
        if not isinstance(raw_sides, LineList) or not raw_sides:
            sides_at.expected("a list of side names such as [left, right]", raw_sides)
        sides = tuple(_text(s, sides_at.item(raw_sides, i)) for i, s in enumerate(raw_sides))
    reps, duration = _work(mapping, at)
    sets_value = mapping.get("sets", 1)
    sets_at = at.key(mapping, "sets")
    sets: list[WorkSet] = []
    if isinstance(sets_value, LineList):
        if not sets_value:
            sets_at.expected("a number of sets or a non-empty list of sets", sets_value)
        if len(sets_value) > MAX_SETS:
            sets_at.expected(f"at most {MAX_SETS} sets", f"{len(sets_value)} sets")
        for index, raw in enumerate(sets_value):
            set_at = sets_at.item(sets_value, index)
            raw = _mapping(raw, set_at, SET_KEYS, "a set: a mapping with reps or duration")
            set_reps, set_duration = _work(raw, set_at)
            if set_reps is None and set_duration is None:
                set_reps, set_duration = reps, duration
            if set_reps is None and set_duration is None:
                set_at.fail(
                    "expected 'reps' or 'duration' on the set or its exercise, found neither"
                )
            set_timing = _timing(raw, set_at, own)
            note = (
                _text(raw["note"], set_at.key(raw, "note"), allow_empty=True)
                if raw.get("note") is not None
                else None
            )
            sets.append(
                WorkSet(
                    set_reps, set_duration, set_timing.tempo_ms, set_timing.rest_ms, note or None
                )
            )
    else:
        count = _count(sets_value, sets_at, minimum=1, maximum=MAX_SETS, what="sets")
        if reps is None and duration is None:
            at.fail(
                "expected 'reps' (counted repetitions) or 'duration' (a timed block), found neither"
            )
        sets = [WorkSet(reps, duration, own.tempo_ms, own.rest_ms) for _ in range(count)]
    return Exercise(
        name=name,
        sets=tuple(sets),
        tips=tips,
        sides=sides,
        switch_ms=own.switch_ms,
        countdown=own.countdown,
        cues=cues,
        path=at.path,
    )


def _items(value: Any, at: _At, timing: Timing, cues: Cues) -> tuple[Item, ...]:
    if not isinstance(value, LineList) or not value:
        at.expected("a list of at least one exercise", value)
    items: list[Item] = []
    for index, raw in enumerate(value):
        item_at = at.item(value, index)
        if not isinstance(raw, LineDict):
            item_at.expected("an exercise (a mapping with 'name') or a 'repeat' block", raw)
        if "repeat" in raw:
            block = _mapping(raw, item_at, REPEAT_KEYS, "a repeat block")
            times = _count(
                block["repeat"],
                item_at.key(block, "repeat"),
                minimum=1,
                maximum=MAX_REPEAT,
                what="times to repeat",
            )
            if "exercises" not in block:
                item_at.fail("expected 'exercises' in the repeat block, found none")
            inner = _items(block["exercises"], item_at.key(block, "exercises"), timing, cues)
            items.append(Repeat(times, inner))
        elif "name" in raw:
            items.append(_exercise(raw, item_at, timing, cues))
        else:
            _mapping(raw, item_at, EXERCISE_KEYS + ("repeat",), "an exercise")
            found = ", ".join(str(k) for k in raw) or "no keys"
            missing_name = any(k in raw for k in EXERCISE_KEYS)
            if missing_name:
                item_at.fail(f"expected 'name' on the exercise, found only {found}")
            item_at.fail(f"expected an exercise with 'name' or a 'repeat' block, found {found}")
    return tuple(items)


def audio_value(key: str, value: Any) -> Any:
    """Check one audio setting; raise ValueError with what was expected."""
    if key == "sample_rate":
        if isinstance(value, bool) or value not in SAMPLE_RATES:
            raise ValueError("one of " + ", ".join(map(str, SAMPLE_RATES)) + " (Hz)")
    elif key == "channels":
        if isinstance(value, bool) or value not in (1, 2):
            raise ValueError("1 (mono) or 2 (stereo)")
    elif key == "bitrate":
        if isinstance(value, bool) or value not in BITRATES:
            raise ValueError("a bitrate in kbit/s, one of " + ", ".join(map(str, BITRATES)))
    elif key == "format":
        if value not in FORMATS:
            raise ValueError("one of " + ", ".join(FORMATS))
    elif key == "loudness":
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not LOUDNESS_RANGE[0] <= value <= LOUDNESS_RANGE[1]
        ):
            raise ValueError(
                f"a loudness in LUFS from {LOUDNESS_RANGE[0]} to {LOUDNESS_RANGE[1]}, such as -19"
            )
        value = float(value)
    return value


def _audio(value: Any, at: _At) -> AudioSettings:
    mapping = _mapping(value, at, AUDIO_KEYS, "a mapping of audio settings")
    settings: dict[str, Any] = {}
    for key in ("sample_rate", "channels", "bitrate", "format", "loudness"):
        if key in mapping:
            try:
                settings[key] = audio_value(key, mapping[key])
            except ValueError as exc:
                at.key(mapping, key).expected(str(exc), mapping[key])
    if "tones" in mapping:
        raw = mapping["tones"]
        if isinstance(raw, bool):
            settings["tones"] = Tones() if raw else NO_TONES
        else:
            settings["tones"] = _tones(raw, at.key(mapping, "tones"))
    return AudioSettings(**settings)


def _tones(value: Any, at: _At) -> Tones:
    mapping = _mapping(value, at, TONE_NAMES, "true, false or a mapping of go, stop, rest tones")
    base = Tones()
    found: dict[str, Tone | None] = {}
    for name in TONE_NAMES:
        default = base.get(name)
        assert default is not None
        if name not in mapping:
            continue
        tone_at = at.key(mapping, name)
        raw = mapping[name]
        if isinstance(raw, bool):
            found[name] = default if raw else None
            continue
        spec = _mapping(
            raw, tone_at, ("pitch", "length"), "true, false or a mapping with pitch (Hz) and length"
        )
        pitch, length = default.pitch_hz, default.length_ms
        if "pitch" in spec:
            pitch = spec["pitch"]
            if (
                isinstance(pitch, bool)
                or not isinstance(pitch, (int, float))
                or not 100 <= pitch <= 4000
            ):
                tone_at.key(spec, "pitch").expected("a pitch from 100 to 4000 (Hz)", pitch)
        if "length" in spec:
            length = _duration(spec["length"], tone_at.key(spec, "length"), positive=True)
            if not 50 <= length <= 1000:
                tone_at.key(spec, "length").expected("a length from 0.05s to 1s", spec["length"])
        found[name] = Tone(float(pitch), length)
    return Tones(**{**{n: base.get(n) for n in TONE_NAMES}, **found})


def _tags(value: Any, at: _At) -> Tags:
    mapping = _mapping(value, at, TAG_KEYS, "a mapping of artist, album, genre, year")
    base = Tags()
    year = base.year
    if "year" in mapping:
        year = _count(
            mapping["year"], at.key(mapping, "year"), minimum=1900, maximum=9999, what="a year"
        )
    return Tags(
        artist=_text(mapping["artist"], at.key(mapping, "artist"))
        if "artist" in mapping
        else base.artist,
        album=_text(mapping["album"], at.key(mapping, "album"))
        if "album" in mapping
        else base.album,
        genre=_text(mapping["genre"], at.key(mapping, "genre"))
        if "genre" in mapping
        else base.genre,
        year=year,
    )


def parse_routine(data: Any, source: str) -> Routine:
    """Validate YAML data (as read_yaml returns it) into a Routine."""
    try:
        return _parse_routine(data, source)
    except RecursionError:
        raise RoutineError(
            "expected repeat blocks nested a few levels deep, found them nested too deeply",
            source=source,
        ) from None


def _parse_routine(data: Any, source: str) -> Routine:
    at = _At(source, "", None)
    if data is None:
        at.fail("expected a routine (a mapping with 'title' and 'exercises'), found an empty file")
    top = _mapping(
        data,
        _At(source, "", getattr(data, "line", 1)),
        TOP_KEYS,
        "a routine: a mapping with 'title' and 'exercises'",
    )
    at = _At(source, "", top.line)
    if "title" not in top:
        at.fail("expected a 'title', found none")
    title = _text(top["title"], at.key(top, "title"))
    description = ""
    if top.get("description") is not None:
        description = _text(top["description"], at.key(top, "description"), allow_empty=True)
    voice = _voice(top["voice"], at.key(top, "voice")) if top.get("voice") is not None else Voice()
    timing = Timing()
    if top.get("defaults") is not None:
        defaults_at = at.key(top, "defaults")
        timing = _timing(
            _mapping(
                top["defaults"],
                defaults_at,
                DEFAULT_KEYS,
                "a mapping of rest, tempo, switch and countdown",
            ),
            defaults_at,
            timing,
        )
    cues = _cues(top["cues"], at.key(top, "cues")) if top.get("cues") is not None else Cues()
    if "exercises" not in top:
        at.fail("expected 'exercises' (a list of at least one exercise), found none")
    items = _items(top["exercises"], at.key(top, "exercises"), timing, cues)
    audio = (
        _audio(top["audio"], at.key(top, "audio"))
        if top.get("audio") is not None
        else AudioSettings()
    )
    tags = _tags(top["tags"], at.key(top, "tags")) if top.get("tags") is not None else Tags()
    return Routine(
        title=title,
        items=items,
        description=description,
        voice=voice,
        cues=cues,
        audio=audio,
        tags=tags,
        source=source,
    )


def load_routine(path: str | Path) -> Routine:
    """Read and validate a routine file."""
    path = Path(path)
    return parse_routine(read_yaml(path), str(path))
