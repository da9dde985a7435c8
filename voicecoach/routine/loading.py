"""Load a routine: YAML -> validated, frozen Routine (model.py), every mistake one clear line."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from voicecoach import limits
from voicecoach.errors import RoutineError
from voicecoach.files.types import AUDIO_FORMATS
from voicecoach.language.tags import DEFAULT_LANGUAGE
from voicecoach.routine.checks import (
    At,
    count_of,
    counter,
    gap_of,
    keys_of,
    number_of,
    present,
    prose_of,
    some_text,
    span_of,
    text_of,
    tips_of,
)
from voicecoach.routine.model import (
    NO_TONES,
    TONE_NAMES,
    AudioSettings,
    Cues,
    Exercise,
    Item,
    Music,
    Repeat,
    Routine,
    Tags,
    Timing,
    Tone,
    Tones,
    WorkSet,
)
from voicecoach.routine.safe_yaml import LineDict, LineList, read_yaml
from voicecoach.routine.target_keys import (
    athlete_of,
    distance_of,
    intensity_value,
    language_of,
    messages_of,
    target_every,
    target_of,
    timed_distance,
    units_of,
)
from voicecoach.routine.targets import Athlete, Target
from voicecoach.routine.wording import PLACEHOLDERS, Template, TemplateError, check_template
from voicecoach.speech import Voice
from voicecoach.speech.clarity import SETTINGS
from voicecoach.speech.registry import engine_names

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
    "language",
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
REPEAT_KEYS = ("repeat", "exercises")
AUDIO_KEYS = ("sample_rate", "channels", "bitrate", "format", "loudness", "tones")
TAG_KEYS = ("artist", "album", "genre", "year")

SAMPLE_RATES = (32000, 44100, 48000)
FORMATS = AUDIO_FORMATS
BITRATES = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)


def _template(value: Any, at: At, cue: str) -> Template | None:
    if value is None or value == "":
        return None
    texts: list[tuple[str, At]] = []
    if isinstance(value, LineList):
        if not value:
            at.expected("a template or a non-empty list of templates", value)
        for index, item in enumerate(value):
            texts.append((text_of(item, at.item(value, index)), at.item(value, index)))
    else:
        texts.append((text_of(value, at, allow_empty=True), at))
    for text, where in texts:
        try:
            check_template(text, cue, in_programme=at.in_programme)
        except TemplateError as exc:
            where.fail(str(exc))
    return Template(tuple(text for text, _ in texts))


def _cues(value: Any, at: At) -> Cues:
    mapping = keys_of(value, at, tuple(PLACEHOLDERS), "a mapping of cue names to templates")
    return Cues(
        MappingProxyType(
            {name: _template(mapping[name], at.key(mapping, name), name) for name in mapping}
        )
    )


def _engine(value: Any, at: At) -> str:
    engine = text_of(value, at)
    if engine not in engine_names():
        at.expected("one of " + ", ".join(engine_names()), engine)
    return engine


def _clarity(value: Any, at: At) -> str:
    if value is False:  # YAML 1.1 reads a bare `off` as false
        return "off"
    if value is True:  # and a bare `on` as true
        return "standard"
    if not isinstance(value, str) or value not in SETTINGS:
        at.expected("one of " + ", ".join(SETTINGS), value)
    return str(value)


def _voice(value: Any, at: At) -> Voice:
    mapping = keys_of(value, at, VOICE_KEYS, "a mapping with engine, name, rate, volume or clarity")
    base = Voice()
    name_at = at.key(mapping, "name") if "name" in mapping else at
    return Voice(
        engine=at.optional(mapping, "engine", _engine, base.engine),
        name=at.optional(mapping, "name", text_of, None),
        rate=at.optional(mapping, "rate", counter(*limits.RATE_RANGE, "words per minute"), 165),
        volume=at.optional(
            mapping,
            "volume",
            lambda v, a: number_of(v, a, 0.0, 1.0, "a number from 0.0 to 1.0"),
            base.volume,
        ),
        clarity=at.optional(mapping, "clarity", _clarity, base.clarity),
        where=f"{name_at.source}:{name_at.line}: {name_at.path}" if name_at.line else at.source,
        folder=str(Path(at.source).parent),
    )


def _timing(mapping: LineDict, at: At, base: Timing) -> Timing:
    return Timing(
        rest_ms=at.optional(mapping, "rest", gap_of, base.rest_ms),
        tempo_ms=at.optional(mapping, "tempo", span_of, base.tempo_ms),
        switch_ms=at.optional(mapping, "switch", gap_of, base.switch_ms),
        countdown=at.optional(
            mapping,
            "countdown",
            counter(0, limits.MAX_COUNTDOWN, "seconds of countdown"),
            base.countdown,
        ),
        cadence=at.optional(mapping, "cadence", _cadence, base.cadence),
        target_every_ms=at.optional(mapping, "target_every", target_every, base.target_every_ms),
    )


def _cadence(value: Any, at: At) -> int | None:
    if value is None:
        return None
    low, high = limits.CADENCE_RANGE
    return count_of(value, at, minimum=low, maximum=high, what="steps a minute")


Work = tuple[int | None, int | None, float | None]  # reps, duration_ms, distance_m


def _work(mapping: LineDict, at: At) -> Work:
    """The reps, duration or distance a mapping sets, or Nones if it sets none."""
    given = [key for key in ("reps", "duration", "distance") if key in mapping]
    if len(given) > 1:
        at.key(mapping, given[1]).fail(
            "expected one of 'reps', 'duration' or 'distance', found both "
            f"'{given[0]}' and '{given[1]}'; keep one"
        )
    reps = at.optional(mapping, "reps", counter(1, limits.MAX_REPS, "repetitions"), None)
    duration = at.optional(mapping, "duration", span_of, None)
    return reps, duration, at.optional(mapping, "distance", distance_of, None)


def _texts(value: Any, at: At) -> tuple[str, ...]:
    if isinstance(value, LineList):
        return tuple(text_of(text, at.item(value, i)) for i, text in enumerate(value))
    return () if value is None else (text_of(value, at),)


def _sides(value: Any, at: At) -> tuple[str, ...]:
    if not isinstance(value, LineList) or not value:
        at.expected("a list of side names such as [left, right]", value)
    return _texts(value, at)


def _sets(
    value: Any,
    at: At,
    exercise: At,
    work: Work,
    timing: Timing,
    target: Target | None = None,
) -> tuple[WorkSet, ...]:
    reps, duration, distance = work
    if not isinstance(value, LineList):
        count = count_of(value, at, minimum=1, maximum=limits.MAX_SETS, what="sets")
        if reps is None and duration is None and distance is None:
            exercise.fail(
                "expected 'reps' (counted repetitions), 'duration' (a timed block) or "
                "'distance', found none"
            )
        duration = timed_distance(distance, duration, target, exercise)
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
        raw = keys_of(raw, set_at, SET_KEYS, "a set: a mapping with reps or duration")
        set_reps, set_duration, set_distance = _work(raw, set_at)
        if set_reps is None and set_duration is None and set_distance is None:
            set_reps, set_duration, set_distance = reps, duration, distance
        if set_reps is None and set_duration is None and set_distance is None:
            set_at.fail(
                "expected 'reps', 'duration' or 'distance' on the set or its exercise, found none"
            )
        set_duration = timed_distance(set_distance, set_duration, target, set_at)
        own = _timing(raw, set_at, timing)
        note = set_at.optional(
            raw, "note", lambda v, a: None if v is None else some_text(v, a), None
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


def _exercise(mapping: LineDict, at: At, timing: Timing, cues: Cues) -> Exercise:
    keys_of(mapping, at, EXERCISE_KEYS, "an exercise")
    own = _timing(mapping, at, timing)
    if "cues" in mapping:
        cues = cues.merged(_cues(mapping["cues"], at.key(mapping, "cues")))
    target = at.optional(mapping, "target", target_of, None)
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
        name=text_of(mapping["name"], at.key(mapping, "name")),
        sets=sets,
        tips=at.optional(mapping, "tips", tips_of, ()),
        sides=at.optional(mapping, "sides", _sides, ()),
        switch_ms=own.switch_ms,
        countdown=own.countdown,
        cues=cues,
        cadence=own.cadence,
        target=target,
        target_every_ms=own.target_every_ms if target is not None else None,
        say=at.optional(mapping, "say", messages_of, ()),
        intensity=at.optional(mapping, "intensity", intensity_value, None),
    )


def _items(value: Any, at: At, timing: Timing, cues: Cues) -> tuple[Item, ...]:
    if not isinstance(value, LineList) or not value:
        at.expected("a list of at least one exercise", value)
    items: list[Item] = []
    for index, raw in enumerate(value):
        item_at = at.item(value, index)
        if not isinstance(raw, LineDict):
            item_at.expected("an exercise (a mapping with 'name') or a 'repeat' block", raw)
        if "repeat" in raw:
            block = keys_of(raw, item_at, REPEAT_KEYS, "a repeat block")
            times = count_of(
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
            keys_of(raw, item_at, (*EXERCISE_KEYS, "repeat"), "an exercise")
            found = ", ".join(str(k) for k in raw) or "no keys"
            if any(k in raw for k in EXERCISE_KEYS):
                item_at.fail(f"expected 'name' on the exercise, found only {found}")
            item_at.fail(f"expected an exercise with 'name' or a 'repeat' block, found {found}")
    return tuple(items)


# each audio setting's allowed values, and how its error says them
_AUDIO_CHOICES: dict[str, tuple[tuple[object, ...], str]] = {
    "sample_rate": (SAMPLE_RATES, "one of " + ", ".join(map(str, SAMPLE_RATES)) + " (Hz)"),
    "channels": ((1, 2), "1 (mono) or 2 (stereo)"),
    "bitrate": (BITRATES, "a bitrate in kbit/s, one of " + ", ".join(map(str, BITRATES))),
    "format": (FORMATS, "one of " + ", ".join(FORMATS)),
}


def audio_value(key: str, value: Any) -> Any:
    """Check one audio setting; raise ValueError with what was expected."""
    if key == "loudness":
        low, high = limits.LOUDNESS_RANGE
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not number or not low <= value <= high:
            raise ValueError(f"a loudness in LUFS from {low} to {high}, such as -19")
        return float(value)
    if key in _AUDIO_CHOICES:
        allowed, expected = _AUDIO_CHOICES[key]
        # True == 1: a yes/no is no number of channels
        if isinstance(value, bool) or value not in allowed:
            raise ValueError(expected)
    return value


def _audio(value: Any, at: At) -> AudioSettings:
    mapping = keys_of(value, at, AUDIO_KEYS, "a mapping of audio settings")
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


def _pitch(value: Any, at: At) -> float:
    low, high = limits.TONE_PITCH_RANGE
    return number_of(value, at, low, high, f"a pitch from {low:g} to {high:g} (Hz)")


def _tone_length(value: Any, at: At) -> int:
    length = span_of(value, at)
    low, high = limits.TONE_LENGTH_RANGE_MS
    if not low <= length <= high:
        at.expected(f"a length from {low / 1000:g}s to {high / 1000:g}s", value)
    return length


def _tones(value: Any, at: At) -> Tones:
    mapping = keys_of(value, at, TONE_NAMES, "true, false or a mapping of go, stop, rest tones")
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
        spec = keys_of(
            raw, tone_at, ("pitch", "length"), "true, false or a mapping with pitch (Hz) and length"
        )
        found[name] = Tone(
            tone_at.optional(spec, "pitch", _pitch, default.pitch_hz),
            tone_at.optional(spec, "length", _tone_length, default.length_ms),
        )
    return Tones(**{**{n: base.get(n) for n in TONE_NAMES}, **found})


def _tags(value: Any, at: At) -> Tags:
    mapping = keys_of(value, at, TAG_KEYS, "a mapping of artist, album, genre, year")
    base = Tags()
    return Tags(
        artist=at.optional(mapping, "artist", text_of, base.artist),
        album=at.optional(mapping, "album", text_of, base.album),
        genre=at.optional(mapping, "genre", text_of, base.genre),
        year=at.optional(mapping, "year", counter(1900, 9999, "a year"), base.year),
    )


def _pronounce(value: Any, at: At) -> Mapping[str, str]:
    if not isinstance(value, LineDict):
        at.expected("a mapping of words to how to say them, such as {Tabata: ta-BAH-ta}", value)
    found: dict[str, str] = {}
    for word, said in value.items():
        where = at.key(value, str(word))
        written = text_of(word, where)
        if not any(char.isalnum() for char in written):
            where.expected("a word (letters or digits)", word)
        if written.lower() in found:
            where.fail(f"expected each word once (case does not count), found '{written}' again")
        found[written.lower()] = text_of(said, where)
    return MappingProxyType(found)


def _music(value: Any, at: At) -> Music:
    mapping = keys_of(value, at, MUSIC_KEYS, "a mapping with 'files' (and order, level, ...)")
    if "files" not in mapping:
        at.fail("expected 'files' (music files, folders or glob patterns), found none")
    raw = mapping["files"]
    files_at = at.key(mapping, "files")
    items = raw if isinstance(raw, LineList) else [raw]
    if not items:
        files_at.expected("at least one file, folder or pattern", raw)
    files = tuple(
        text_of(item, files_at.item(raw, i) if isinstance(raw, LineList) else files_at)
        for i, item in enumerate(items)
    )
    order = at.optional(mapping, "order", text_of, "in-order")
    if order not in ("in-order", "shuffle"):
        at.key(mapping, "order").expected("'in-order' or 'shuffle'", mapping["order"])
    base = Music(files)

    def ranged(low: float, high: float, what: str) -> Callable[[Any, At], float]:
        return lambda v, a: number_of(
            v, a, low, high, f"a number from {low:g} to {high:g} ({what})"
        )

    def fade(v: Any, a: At) -> int:
        ms = gap_of(v, a)
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


def _defaults(value: Any, at: At) -> Timing:
    mapping = keys_of(
        value, at, DEFAULT_KEYS, "a mapping of rest, tempo, switch, countdown and cadence"
    )
    return _timing(mapping, at, Timing())


def title_and_description(top: LineDict, at: At) -> tuple[str, str]:
    """The required `title` and the optional `description` of a routine or programme."""
    if "title" not in top:
        at.fail("expected a 'title', found none")
    title = text_of(top["title"], at.key(top, "title"))
    description = (
        prose_of(top["description"], at.key(top, "description"))
        if present(top, "description")
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
        At(source, where, None).fail(
            "expected a routine (a mapping with 'title' and 'exercises'), found an empty file"
        )
    top = keys_of(
        data,
        At(source, where, getattr(data, "line", 1), in_programme),
        TOP_KEYS,
        "a routine: a mapping with 'title' and 'exercises'",
    )
    at = At(source, where, top.line, in_programme)
    title, description = title_and_description(top, at)
    units = at.optional(top, "units", units_of, "metric")
    language = at.optional(top, "language", language_of, None)
    athlete = at.optional(top, "athlete", athlete_of, Athlete())
    at = replace(at, units=units, athlete=athlete)
    voice = _voice(top["voice"], at.key(top, "voice")) if present(top, "voice") else Voice()
    voice = replace(voice, language=language or DEFAULT_LANGUAGE)
    timing = (
        _defaults(top["defaults"], at.key(top, "defaults"))
        if present(top, "defaults")
        else Timing()
    )
    cues = _cues(top["cues"], at.key(top, "cues")) if present(top, "cues") else Cues()
    if "exercises" not in top:
        at.fail("expected 'exercises' (a list of at least one exercise), found none")
    items = _items(top["exercises"], at.key(top, "exercises"), timing, cues)
    audio = _audio(top["audio"], at.key(top, "audio")) if present(top, "audio") else AudioSettings()
    tags = _tags(top["tags"], at.key(top, "tags")) if present(top, "tags") else Tags()
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
        language=language,
        athlete=athlete,
    )


def load_routine(path: str | Path, *, in_programme: bool = False) -> Routine:
    """Read and validate a routine file (YAML or JSON)."""
    path = Path(path)
    return parse_routine(read_yaml(path), str(path), in_programme=in_programme)
