"""Load a routine: YAML -> validated, frozen Routine (model.py), every mistake one clear line."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, NoReturn, TypeVar

from voicecoach import limits
from voicecoach.durations import parse_duration
from voicecoach.errors import RoutineError
from voicecoach.model import (
    NO_TONES,
    TONE_NAMES,
    AudioSettings,
    Cues,
    Exercise,
    Item,
    Message,
    Music,
    Repeat,
    Routine,
    Tags,
    Timing,
    Tone,
    Tones,
    Voice,
    WorkSet,
)
from voicecoach.suggest import closest
from voicecoach.targets import (
    INTENSITIES,
    KINDS,
    Athlete,
    Target,
    distance_ms,
    parse_distance,
    parse_effort,
    parse_pace,
    parse_target,
    speed_of,
)
from voicecoach.wording import PLACEHOLDERS, Template, TemplateError, check_template
from voicecoach.yamlfile import LineDict, LineList, read_yaml

TOP_KEYS = (
    "title",
    "description",
    "voice",
    "defaults",
    "cues",
    "exercises",
    "audio",
    "tags",
    "pronounce",
    "music",
    "units",
    "athlete",
)
VOICE_KEYS = ("engine", "name", "rate", "volume", "clarity")
DEFAULT_KEYS = ("rest", "tempo", "switch", "countdown", "cadence", "target_every")
MUSIC_KEYS = ("files", "order", "level", "duck", "crossfade", "fade")
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
    "cadence",
    "distance",
    "target",
    "target_every",
    "say",
    "intensity",
)
SET_KEYS = ("reps", "duration", "distance", "tempo", "rest", "note")
ATHLETE_KEYS = ("threshold_pace", "ftp", "max_heart_rate", "zones")
UNITS = ("metric", "imperial")
REPEAT_KEYS = ("repeat", "exercises")
AUDIO_KEYS = ("sample_rate", "channels", "bitrate", "format", "loudness", "tones")
TAG_KEYS = ("artist", "album", "genre", "year")

SAMPLE_RATES = (32000, 44100, 48000)
FORMATS = ("mp3", "wav")
BITRATES = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)

T = TypeVar("T")


def _describe(value: Any) -> str:
    """A found value as the person wrote it."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"'{str(value).lower()}' (a yes/no value)"
    if isinstance(value, dict):
        return "a mapping" if value else "an empty mapping"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return f"the date {value.isoformat()}"
    if isinstance(value, str):
        value = value.encode("utf-8", "backslashreplace").decode("utf-8")  # lone surrogates
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"'{shown}'" if value else "an empty string"
    return f"{value!r}"


@dataclass(frozen=True)
class _At:
    """Where a value sits in the file: its key path and line, for messages."""

    source: str
    path: str
    line: int | None
    in_programme: bool = False  # intro and outro may name the session placeholders
    units: str = "metric"  # how a pace without its unit is read
    athlete: Athlete = Athlete()  # what a relative pace is relative to (a distance's time)

    def fail(self, message: str) -> NoReturn:
        raise RoutineError(message, source=self.source, line=self.line, path=self.path or None)

    def expected(self, what: str, found: Any) -> NoReturn:
        self.fail(f"expected {what}, found {_describe(found)}")

    def key(self, mapping: LineDict, key: str) -> _At:
        path = f"{self.path}.{key}" if self.path else key
        return replace(self, path=path, line=mapping.key_lines.get(key, mapping.line or self.line))

    def item(self, sequence: LineList, index: int) -> _At:
        return replace(self, path=f"{self.path}[{index}]", line=sequence.item_lines[index])

    def optional(
        self, mapping: LineDict, key: str, parse: Callable[[Any, _At], T], default: T
    ) -> T:
        """`parse` the value under `key`, or `default` when the key is absent."""
        if key not in mapping:
            return default
        return parse(mapping[key], self.key(mapping, key))


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


def _text(value: Any, at: _At, *, allow_empty: bool = False, prose: bool = False) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        at.expected("text", value)
    text = str(value).strip()
    for char in text:
        # C0 and C1 controls (as YAML escapes: "\v", "\x01", "\e") would reach the
        # terminal, XML, ID3 and iCalendar raw; prose (a description, a tip) may break lines
        if (ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F) and not (prose and char == "\n"):
            allowed = " (a line break is allowed in a description or a tip)" if char == "\n" else ""
            at.fail(f"expected text without control characters{allowed}, found U+{ord(char):04X}")
    if not text and not allow_empty:
        at.expected("non-empty text", value)
    if len(text) > limits.MAX_TEXT:
        # about two minutes of speech: longer is a paste gone wrong, and costly to speak
        at.expected(f"at most {limits.MAX_TEXT} characters", len(text))
    if any(0xD800 <= ord(char) <= 0xDFFF for char in text):
        at.expected("text without lone surrogates (half an emoji, such as \\ud83d)", value)
    return text


def _some_text(value: Any, at: _At) -> str:
    return _text(value, at, allow_empty=True)


def _prose(value: Any, at: _At) -> str:
    return _text(value, at, allow_empty=True, prose=True)


def _tips(value: Any, at: _At) -> tuple[str, ...]:
    if isinstance(value, LineList):
        return tuple(_text(t, at.item(value, i), prose=True) for i, t in enumerate(value))
    return () if value is None else (_text(value, at, prose=True),)


def _count(value: Any, at: _At, *, minimum: int, maximum: int, what: str) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        at.expected(f"a whole number from {minimum} to {maximum} ({what})", value)
    return value


def _counter(minimum: int, maximum: int, what: str) -> Callable[[Any, _At], int]:
    return lambda value, at: _count(value, at, minimum=minimum, maximum=maximum, what=what)


def _number(value: Any, at: _At, low: float, high: float, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        at.expected(what, value)
    return float(value)


def _duration(value: Any, at: _At, *, positive: bool) -> int:
    try:
        ms = parse_duration(value)
    except ValueError:
        at.expected('a duration such as 30, "45s", "4m", "1m30s" or "1:30"', value)
    if positive and ms <= 0:
        at.expected("a duration above zero", value)
    return ms


def _gap(value: Any, at: _At) -> int:
    return _duration(value, at, positive=False)


def _span(value: Any, at: _At) -> int:
    return _duration(value, at, positive=True)


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
            check_template(text, cue, in_programme=at.in_programme)
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


def _engine(value: Any, at: _At) -> str:
    from voicecoach.speech.registry import engine_names

    engine = _text(value, at)
    if engine not in engine_names():
        at.expected("one of " + ", ".join(engine_names()), engine)
    return engine


def _clarity(value: Any, at: _At) -> str:
    from voicecoach.speech.clarity import SETTINGS

    if value is False:  # YAML 1.1 reads a bare `off` as false
        return "off"
    if value is True:  # and a bare `on` as true
        return "standard"
    if not isinstance(value, str) or value not in SETTINGS:
        at.expected("one of " + ", ".join(SETTINGS), value)
    return str(value)


def _voice(value: Any, at: _At) -> Voice:
    mapping = _mapping(
        value, at, VOICE_KEYS, "a mapping with engine, name, rate, volume or clarity"
    )
    base = Voice()
    name_at = at.key(mapping, "name") if "name" in mapping else at
    return Voice(
        engine=at.optional(mapping, "engine", _engine, base.engine),
        name=at.optional(mapping, "name", _text, None),
        rate=at.optional(mapping, "rate", _counter(*limits.RATE_RANGE, "words per minute"), 165),
        volume=at.optional(
            mapping,
            "volume",
            lambda v, a: _number(v, a, 0.0, 1.0, "a number from 0.0 to 1.0"),
            base.volume,
        ),
        clarity=at.optional(mapping, "clarity", _clarity, base.clarity),
        where=f"{name_at.source}:{name_at.line}: {name_at.path}" if name_at.line else at.source,
        folder=str(Path(at.source).parent),
    )


def _timing(mapping: LineDict, at: _At, base: Timing) -> Timing:
    return Timing(
        rest_ms=at.optional(mapping, "rest", _gap, base.rest_ms),
        tempo_ms=at.optional(mapping, "tempo", _span, base.tempo_ms),
        switch_ms=at.optional(mapping, "switch", _gap, base.switch_ms),
        countdown=at.optional(
            mapping,
            "countdown",
            _counter(0, limits.MAX_COUNTDOWN, "seconds of countdown"),
            base.countdown,
        ),
        cadence=at.optional(mapping, "cadence", _cadence, base.cadence),
        target_every_ms=at.optional(mapping, "target_every", _every, base.target_every_ms),
    )


def _every(value: Any, at: _At) -> int | None:
    if value is None or value is False:
        return None
    ms = _duration(value, at, positive=True)
    if ms < 30_000:
        at.expected("a period of at least 30 s between target reminders", value)
    return ms


def _target(value: Any, at: _At) -> Target:
    """`target:` an effort (a word or RPE), or a mapping of one of pace, speed, ..."""
    if not isinstance(value, LineDict):
        try:
            return parse_effort(value)
        except ValueError as exc:
            at.expected(f"a target: {{pace: ...}}, {{heart_rate: ...}}, ..., or {exc}", value)
    mapping = _mapping(value, at, KINDS, "a target")
    if len(mapping) != 1:
        found = " and ".join(map(str, mapping)) or "none"
        at.fail(f"expected one of {', '.join(KINDS)}, found {found}; keep one")
    kind = next(iter(mapping))
    try:
        return parse_target(kind, mapping[kind], at.units)
    except ValueError as exc:
        at.key(mapping, kind).expected(str(exc), mapping[kind])


def _say(value: Any, at: _At) -> tuple[Message, ...]:
    if not isinstance(value, LineList):
        at.expected("a list of messages such as [{at: 30s, text: Settle in.}]", value)
    messages = []
    for index, raw in enumerate(value):
        item_at = at.item(value, index)
        raw = _mapping(raw, item_at, ("at", "text"), "a message: {at: 30s, text: ...}")
        if "at" not in raw or "text" not in raw:
            item_at.fail(
                "expected both 'at' (from the go) and 'text', found "
                + ("only " + ", ".join(map(str, raw)) if raw else "neither")
            )
        at_ms = _gap(raw["at"], item_at.key(raw, "at"))
        messages.append(Message(at_ms, _text(raw["text"], item_at.key(raw, "text"))))
    return tuple(sorted(messages, key=lambda m: m.at_ms))


def _intensity(value: Any, at: _At) -> str:
    if value not in INTENSITIES:
        at.expected("one of " + ", ".join(INTENSITIES), value)
    return str(value)


def _distance(value: Any, at: _At) -> float:
    try:
        return parse_distance(value)
    except ValueError:
        at.expected('a distance such as 800m, "1.5km", "1mi" or 400 (metres)', value)


def _cadence(value: Any, at: _At) -> int | None:
    if value is None:
        return None
    low, high = limits.CADENCE_RANGE
    return _count(value, at, minimum=low, maximum=high, what="steps a minute")


Work = tuple[int | None, int | None, float | None]  # reps, duration_ms, distance_m


def _work(mapping: LineDict, at: _At) -> Work:
    """The reps, duration or distance a mapping sets, or Nones if it sets none."""
    given = [key for key in ("reps", "duration", "distance") if key in mapping]
    if len(given) > 1:
        at.key(mapping, given[1]).fail(
            "expected one of 'reps', 'duration' or 'distance', found both "
            f"'{given[0]}' and '{given[1]}'; keep one"
        )
    reps = at.optional(mapping, "reps", _counter(1, limits.MAX_REPS, "repetitions"), None)
    duration = at.optional(mapping, "duration", _span, None)
    return reps, duration, at.optional(mapping, "distance", _distance, None)


def _timed_distance(
    distance: float | None, duration: int | None, target: Target | None, at: _At
) -> int | None:
    """A distance block's time: distance at the middle of the target's pace (or speed)."""
    if distance is None:
        return duration
    speed = speed_of(target, at.athlete)
    if speed is None:
        if target is not None and target.kind == "pace":
            at.fail(
                "expected 'athlete: {threshold_pace: ...}' to time a distance at a pace "
                f"relative to threshold, found none (the target is {target.written!r})"
            )
        found = "no target" if target is None else f"a {target.kind.replace('_', ' ')} target"
        at.fail(
            'expected a pace to time the distance (target: {pace: "4:30/km"} or '
            f'{{speed: "12 km/h"}}), found {found}'
        )
    return distance_ms(distance, speed)


def _texts(value: Any, at: _At) -> tuple[str, ...]:
    if isinstance(value, LineList):
        return tuple(_text(text, at.item(value, i)) for i, text in enumerate(value))
    return () if value is None else (_text(value, at),)


def _sides(value: Any, at: _At) -> tuple[str, ...]:
    if not isinstance(value, LineList) or not value:
        at.expected("a list of side names such as [left, right]", value)
    return _texts(value, at)


def _sets(
    value: Any,
    at: _At,
    exercise: _At,
    work: Work,
    timing: Timing,
    target: Target | None = None,
) -> tuple[WorkSet, ...]:
    reps, duration, distance = work
    if not isinstance(value, LineList):
        count = _count(value, at, minimum=1, maximum=limits.MAX_SETS, what="sets")
        if reps is None and duration is None and distance is None:
            exercise.fail(
                "expected 'reps' (counted repetitions), 'duration' (a timed block) or "
                "'distance', found none"
            )
        duration = _timed_distance(distance, duration, target, exercise)
        return tuple(
            WorkSet(reps, duration, timing.tempo_ms, timing.rest_ms, distance_m=distance)
            for _ in range(count)
        )
    if not value:
        at.expected("a number of sets or a non-empty list of sets", value)
    if len(value) > limits.MAX_SETS:
        at.expected(f"at most {limits.MAX_SETS} sets", f"{len(value)} sets")
    sets = []
    for index, raw in enumerate(value):
        set_at = at.item(value, index)
        raw = _mapping(raw, set_at, SET_KEYS, "a set: a mapping with reps or duration")
        set_reps, set_duration, set_distance = _work(raw, set_at)
        if set_reps is None and set_duration is None and set_distance is None:
            set_reps, set_duration, set_distance = reps, duration, distance
        if set_reps is None and set_duration is None and set_distance is None:
            set_at.fail(
                "expected 'reps', 'duration' or 'distance' on the set or its exercise, found none"
            )
        set_duration = _timed_distance(set_distance, set_duration, target, set_at)
        own = _timing(raw, set_at, timing)
        note = set_at.optional(
            raw, "note", lambda v, a: None if v is None else _some_text(v, a), None
        )
        sets.append(
            WorkSet(
                set_reps,
                set_duration,
                own.tempo_ms,
                own.rest_ms,
                note or None,
                distance_m=set_distance,
            )
        )
    return tuple(sets)


def _exercise(mapping: LineDict, at: _At, timing: Timing, cues: Cues) -> Exercise:
    _mapping(mapping, at, EXERCISE_KEYS, "an exercise")
    own = _timing(mapping, at, timing)
    if "cues" in mapping:
        cues = cues.merged(_cues(mapping["cues"], at.key(mapping, "cues")))
    target = at.optional(mapping, "target", _target, None)
    sets = _sets(
        mapping.get("sets", 1), at.key(mapping, "sets"), at, _work(mapping, at), own, target
    )
    if (
        "cadence" in mapping
        and own.cadence is not None
        and all(work.duration_ms is None for work in sets)
    ):
        at.key(mapping, "cadence").fail(
            "expected cadence on a timed exercise (with 'duration'), found it on one "
            "that counts reps"
        )
    return Exercise(
        name=_text(mapping["name"], at.key(mapping, "name")),
        sets=sets,
        tips=at.optional(mapping, "tips", _tips, ()),
        sides=at.optional(mapping, "sides", _sides, ()),
        switch_ms=own.switch_ms,
        countdown=own.countdown,
        cues=cues,
        cadence=own.cadence,
        target=target,
        target_every_ms=own.target_every_ms if target is not None else None,
        say=at.optional(mapping, "say", _say, ()),
        intensity=at.optional(mapping, "intensity", _intensity, None),
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
                maximum=limits.MAX_REPEAT,
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
            if any(k in raw for k in EXERCISE_KEYS):
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
        low, high = limits.LOUDNESS_RANGE
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not low <= value <= high
        ):
            raise ValueError(f"a loudness in LUFS from {low} to {high}, such as -19")
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


def _pitch(value: Any, at: _At) -> float:
    low, high = limits.TONE_PITCH_RANGE
    return _number(value, at, low, high, f"a pitch from {low:g} to {high:g} (Hz)")


def _tone_length(value: Any, at: _At) -> int:
    length = _span(value, at)
    low, high = limits.TONE_LENGTH_RANGE_MS
    if not low <= length <= high:
        at.expected(f"a length from {low / 1000:g}s to {high / 1000:g}s", value)
    return length


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
        found[name] = Tone(
            tone_at.optional(spec, "pitch", _pitch, default.pitch_hz),
            tone_at.optional(spec, "length", _tone_length, default.length_ms),
        )
    return Tones(**{**{n: base.get(n) for n in TONE_NAMES}, **found})


def _tags(value: Any, at: _At) -> Tags:
    mapping = _mapping(value, at, TAG_KEYS, "a mapping of artist, album, genre, year")
    base = Tags()
    return Tags(
        artist=at.optional(mapping, "artist", _text, base.artist),
        album=at.optional(mapping, "album", _text, base.album),
        genre=at.optional(mapping, "genre", _text, base.genre),
        year=at.optional(mapping, "year", _counter(1900, 9999, "a year"), base.year),
    )


def _pronounce(value: Any, at: _At) -> Mapping[str, str]:
    if not isinstance(value, LineDict):
        at.expected("a mapping of words to how to say them, such as {Tabata: ta-BAH-ta}", value)
    found: dict[str, str] = {}
    for word, said in value.items():
        where = at.key(value, str(word))
        written = _text(word, where)
        if not any(char.isalnum() for char in written):
            where.expected("a word (letters or digits)", word)
        if written.lower() in found:
            where.fail(f"expected each word once (case does not count), found '{written}' again")
        found[written.lower()] = _text(said, where)
    return MappingProxyType(found)


def _music(value: Any, at: _At) -> Music:
    mapping = _mapping(value, at, MUSIC_KEYS, "a mapping with 'files' (and order, level, ...)")
    if "files" not in mapping:
        at.fail("expected 'files' (music files, folders or glob patterns), found none")
    raw = mapping["files"]
    files_at = at.key(mapping, "files")
    items = raw if isinstance(raw, LineList) else [raw]
    if not items:
        files_at.expected("at least one file, folder or pattern", raw)
    files = tuple(
        _text(item, files_at.item(raw, i) if isinstance(raw, LineList) else files_at)
        for i, item in enumerate(items)
    )
    order = at.optional(mapping, "order", _text, "in-order")
    if order not in ("in-order", "shuffle"):
        at.key(mapping, "order").expected("'in-order' or 'shuffle'", mapping["order"])
    base = Music(files)

    def ranged(low: float, high: float, what: str) -> Callable[[Any, _At], float]:
        return lambda v, a: _number(v, a, low, high, f"a number from {low:g} to {high:g} ({what})")

    def fade(v: Any, a: _At) -> int:
        ms = _gap(v, a)
        if ms > limits.MAX_MUSIC_FADE_MS:
            a.expected(f"at most {limits.MAX_MUSIC_FADE_MS // 1000} s", v)
        return ms

    return Music(
        files=files,
        folder=str(Path(at.source).parent),
        order=order,
        level_lu=at.optional(
            mapping, "level", ranged(*limits.MUSIC_LEVEL_RANGE, "LU"), base.level_lu
        ),
        duck_db=at.optional(mapping, "duck", ranged(*limits.MUSIC_DUCK_RANGE, "dB"), base.duck_db),
        crossfade_ms=at.optional(mapping, "crossfade", fade, base.crossfade_ms),
        fade_ms=at.optional(mapping, "fade", fade, base.fade_ms),
    )


def _defaults(value: Any, at: _At) -> Timing:
    mapping = _mapping(
        value, at, DEFAULT_KEYS, "a mapping of rest, tempo, switch, countdown and cadence"
    )
    return _timing(mapping, at, Timing())


def _present(mapping: LineDict, key: str) -> bool:
    return mapping.get(key) is not None


def title_and_description(top: LineDict, at: _At) -> tuple[str, str]:
    """The required `title` and the optional `description` of a routine or programme."""
    if "title" not in top:
        at.fail("expected a 'title', found none")
    title = _text(top["title"], at.key(top, "title"))
    description = (
        _prose(top["description"], at.key(top, "description"))
        if _present(top, "description")
        else ""
    )
    return title, description


def parse_routine(
    data: Any, source: str, *, in_programme: bool = False, where: str = ""
) -> Routine:
    """Validate YAML data (as read_yaml returns it) into a Routine.

    `where` is the key path of a routine written inline in a programme.
    """
    try:
        return _parse_routine(data, source, in_programme, where)
    except RecursionError:
        raise RoutineError(
            "expected repeat blocks nested a few levels deep, found them nested too deeply",
            source=source,
        ) from None


def _parse_routine(data: Any, source: str, in_programme: bool, where: str) -> Routine:
    if data is None:
        _At(source, where, None).fail(
            "expected a routine (a mapping with 'title' and 'exercises'), found an empty file"
        )
    top = _mapping(
        data,
        _At(source, where, getattr(data, "line", 1), in_programme),
        TOP_KEYS,
        "a routine: a mapping with 'title' and 'exercises'",
    )
    at = _At(source, where, top.line, in_programme)
    title, description = title_and_description(top, at)
    units = at.optional(top, "units", _units, "metric")
    athlete = at.optional(top, "athlete", _athlete, Athlete())
    at = replace(at, units=units, athlete=athlete)
    voice = _voice(top["voice"], at.key(top, "voice")) if _present(top, "voice") else Voice()
    timing = (
        _defaults(top["defaults"], at.key(top, "defaults"))
        if _present(top, "defaults")
        else Timing()
    )
    cues = _cues(top["cues"], at.key(top, "cues")) if _present(top, "cues") else Cues()
    if "exercises" not in top:
        at.fail("expected 'exercises' (a list of at least one exercise), found none")
    items = _items(top["exercises"], at.key(top, "exercises"), timing, cues)
    audio = (
        _audio(top["audio"], at.key(top, "audio")) if _present(top, "audio") else AudioSettings()
    )
    tags = _tags(top["tags"], at.key(top, "tags")) if _present(top, "tags") else Tags()
    music = at.optional(top, "music", _music, None)
    pronounce: Mapping[str, str] = at.optional(top, "pronounce", _pronounce, MappingProxyType({}))
    return Routine(
        title=title,
        items=items,
        description=description,
        voice=voice,
        cues=cues,
        audio=audio,
        tags=tags,
        source=source,
        pronounce=pronounce,
        music=music,
        units=units,
        athlete=athlete,
    )


def _units(value: Any, at: _At) -> str:
    if value not in UNITS:
        at.expected("metric or imperial", value)
    return str(value)


def _athlete(value: Any, at: _At) -> Athlete:
    mapping = _mapping(
        value, at, ATHLETE_KEYS, "a mapping with threshold_pace, ftp, max_heart_rate or zones"
    )

    def pace(v: Any, a: _At) -> float:
        try:
            found = parse_pace(v, at.units)
        except ValueError as exc:
            a.expected(str(exc), v)
        if found.unit != "s/km" or found.low != found.high:
            a.expected("one pace such as '4:30/km'", v)
        return found.low

    def zones(v: Any, a: _At) -> tuple[int, ...]:
        if not isinstance(v, LineList) or len(v) != 6:
            a.expected(
                "six heart rates bounding zones 1-5, such as [95, 114, 133, 152, 171, 190]", v
            )
        bounds = tuple(
            _count(b, a.item(v, i), minimum=40, maximum=240, what="bpm") for i, b in enumerate(v)
        )
        if list(bounds) != sorted(bounds):
            a.expected("the six bounds from the lowest to the highest", v)
        return bounds

    return Athlete(
        threshold_pace_s_km=at.optional(mapping, "threshold_pace", pace, None),
        ftp_w=at.optional(mapping, "ftp", _counter(30, 2000, "watts"), None),
        max_heart_rate=at.optional(mapping, "max_heart_rate", _counter(100, 240, "bpm"), None),
        zones=at.optional(mapping, "zones", zones, ()),
    )


def load_routine(
    path: str | Path, *, in_programme: bool = False, open_step_ms: int | None = None
) -> Routine:
    """Read and validate a routine file, or a workout file (FIT, ZWO, intervals.icu text)."""
    from voicecoach.workouts import DEFAULT_OPEN_STEP_MS, is_workout_file, load_workout

    path = Path(path)
    if is_workout_file(path):
        routine: Routine = load_workout(path, open_step_ms or DEFAULT_OPEN_STEP_MS)
        return routine
    return parse_routine(read_yaml(path), str(path), in_programme=in_programme)
