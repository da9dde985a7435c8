"""Load a programme: YAML -> validated, frozen Programme, every mistake one clear line."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from voicecoach import limits
from voicecoach.errors import RoutineError, closest
from voicecoach.language.tags import DEFAULT_LANGUAGE
from voicecoach.programme.plan import Change, Changes, Programme, Progression, Slot
from voicecoach.routine.checks import At, count_of, duration_of, keys_of, present, text_of
from voicecoach.routine.loading import load_routine, parse_routine, title_and_description
from voicecoach.routine.model import Routine
from voicecoach.routine.safe_yaml import LineDict, LineList, read_yaml
from voicecoach.routine.target_keys import language_of
from voicecoach.routine.wording import TemplateError, check_template

TOP_KEYS = (
    "title",
    "description",
    "routine",
    "weeks",
    "per_week",
    "start",
    "days",
    "progression",
    "base_url",
    "artwork",
    "author",
    "email",
    "copyright",
    "language",
)
WEEK_KEYS = ("routine", "sessions")
PROGRESSION_KEYS = ("by", "reps", "duration", "sets", "rest", "exercises")
EXERCISE_KEYS = ("reps", "duration", "sets", "rest", "then")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


# keys only a programme has: with any of them, a file with a typo in `weeks` is still
# read as a programme, and the typo is named ("unknown key 'week' — did you mean 'weeks'?")
_PROGRAMME_ONLY = ("weeks", "routine", "per_week", "days", "progression", "base_url")


def is_programme(data: Any) -> bool:
    """A programme is told from a routine by its `weeks` key (or another only it has)."""
    return isinstance(data, dict) and any(key in data for key in _PROGRAMME_ONLY)


OpenRoutine = Callable[[Path], Routine]


def load_programme(path: str | Path, *, open_routine: OpenRoutine | None = None) -> Programme:
    """Read and validate a programme file, and every routine it names.

    `open_routine` opens a routine the programme names by file (voicecoach.sources gives
    one that opens workout files too); by default a routine's YAML.
    """
    path = Path(path)
    return parse_programme(read_yaml(path), str(path), open_routine=open_routine)


def _yaml_routine(path: Path) -> Routine:
    """A routine the programme names, when no other opener is given: its YAML."""
    return load_routine(path, in_programme=True)


@dataclass
class _Reading:
    """What reading one programme file carries along: where it is, and what it named."""

    source: str
    open_routine: OpenRoutine
    inputs: list[str]


def parse_programme(
    data: Any,
    source: str,
    *,
    open_routine: OpenRoutine | None = None,
    language: str | None = None,
) -> Programme:
    """Validate YAML data (as read_yaml returns it) into a Programme.

    `language`: the programme's language when it gives none (`--language`)."""
    top = keys_of(
        data,
        At(source, "", getattr(data, "line", 1)),
        TOP_KEYS,
        "a programme: a mapping with 'title' and 'weeks'",
    )
    at = At(source, "", top.line)
    title, description = title_and_description(top, at)
    weeks_value = top["weeks"]
    weeks_at = at.key(top, "weeks")
    start = at.optional(top, "start", _date, None)
    reading = _Reading(source, open_routine or _yaml_routine, [])
    inputs = reading.inputs
    progression: Progression | None = None
    if isinstance(weeks_value, LineList):
        week_routines, per_week = _listed_weeks(top, at, reading)
    else:
        week_routines, per_week, progression = _counted_weeks(top, at, reading)
    weeks = len(week_routines)
    if weeks * per_week > limits.MAX_SESSIONS:
        weeks_at.expected(
            f"at most {limits.MAX_SESSIONS} sessions in all",
            f"{weeks} weeks of {per_week} ({weeks * per_week} sessions)",
        )
    days = at.optional(top, "days", lambda value, where: _days(value, where, per_week), None)
    base_url = at.optional(top, "base_url", _url, None)
    artwork = at.optional(top, "artwork", lambda v, where: _artwork(v, where, source), None)
    if artwork is not None:
        inputs.append(artwork)
    author = at.optional(top, "author", text_of, "")
    email = at.optional(top, "email", _email, "")
    rights = at.optional(top, "copyright", text_of, "")
    language = at.optional(top, "language", language_of, language)
    slots = [
        Slot(0, week, day, _session_date(start, days, per_week, week, day), routine)
        for week, routines in enumerate(week_routines, start=1)
        for day, routine in enumerate(routines, start=1)
    ]
    slots, language = _in_language(slots, language)
    programme = Programme(
        title=title,
        slots=tuple(replace(slot, number=number) for number, slot in enumerate(slots, start=1)),
        weeks=weeks,
        per_week=per_week,
        description=description,
        start=start,
        base_url=base_url,
        progression=progression,
        source=source,
        inputs=tuple(dict.fromkeys(inputs)),
        artwork=artwork,
        author=author,
        email=email,
        copyright=rights,
        language=language,
    )
    if progression is not None:
        _check_lists(progression, programme.steps, at.key(top, "progression"), top["progression"])
    return programme


def _listed_weeks(top: LineDict, at: At, reading: _Reading) -> tuple[list[list[Routine]], int]:
    """`weeks` as a list, each week with its own routine(s): the routines, and per week."""
    weeks_value, weeks_at = top["weeks"], at.key(top, "weeks")
    if "routine" in top:
        at.key(top, "routine").fail(
            "expected either 'routine' with a number of weeks, or a list of weeks each "
            "with its own 'routine', found both"
        )
    if "progression" in top:
        at.key(top, "progression").fail(
            "expected a progression only with a base 'routine' and a number of weeks; "
            "a list of weeks gives each week its own routine"
        )
    if not 1 <= len(weeks_value) <= limits.MAX_WEEKS:
        weeks_at.expected(f"a list of 1 to {limits.MAX_WEEKS} weeks", weeks_value)
    per_week = _per_week(top, at, weeks_value)
    routines = [
        _week(item, weeks_at.item(weeks_value, index), per_week, reading)
        for index, item in enumerate(weeks_value)
    ]
    return routines, per_week


def _counted_weeks(
    top: LineDict, at: At, reading: _Reading
) -> tuple[list[list[Routine]], int, Progression | None]:
    """`weeks` as a number, of one base routine and its progression."""
    weeks_at = at.key(top, "weeks")
    weeks = count_of(top["weeks"], weeks_at, minimum=1, maximum=limits.MAX_WEEKS, what="weeks")
    per_week = _per_week(top, at, None)
    if "routine" not in top:
        at.fail("expected a 'routine' (a file or a routine written inline), found none")
    base = _routine(top["routine"], at.key(top, "routine"), reading)
    progression = at.optional(
        top, "progression", lambda value, where: _progression(value, where, base), None
    )
    return [[base] * per_week for _ in range(weeks)], per_week, progression


def _per_week(top: LineDict, at: At, weeks: LineList | None) -> int:
    if "per_week" in top:
        return count_of(
            top["per_week"],
            at.key(top, "per_week"),
            minimum=1,
            maximum=limits.MAX_PER_WEEK,
            what="sessions a week",
        )
    if isinstance(top.get("days"), list) and top["days"]:
        return min(len(top["days"]), limits.MAX_PER_WEEK)
    for week in weeks or []:
        if isinstance(week, dict) and isinstance(week.get("sessions"), list) and week["sessions"]:
            return min(len(week["sessions"]), limits.MAX_PER_WEEK)
    return 1


def _week(value: Any, at: At, per_week: int, reading: _Reading) -> list[Routine]:
    week = keys_of(value, at, WEEK_KEYS, "a week: a mapping with 'routine' or 'sessions'")
    if ("routine" in week) == ("sessions" in week):
        at.fail(
            "expected a week with either 'routine' or 'sessions', found "
            + ("both" if "routine" in week else "neither")
        )
    if "routine" in week:
        return [_routine(week["routine"], at.key(week, "routine"), reading)] * per_week
    sessions = week["sessions"]
    sessions_at = at.key(week, "sessions")
    if not isinstance(sessions, LineList) or len(sessions) != per_week:
        sessions_at.expected(
            f"a list of {per_week} routine{'s' * (per_week != 1)} (one per session of the week)",
            len(sessions) if isinstance(sessions, list) else sessions,
        )
    return [
        _routine(item, sessions_at.item(sessions, index), reading)
        for index, item in enumerate(sessions)
    ]


def _in_language(slots: list[Slot], language: str | None) -> tuple[list[Slot], str]:
    """Sessions in the programme's language unless their routine has its own; the
    programme's language (when it has none, its first session's)."""
    if language is None:
        return slots, slots[0].routine.speaks if slots else DEFAULT_LANGUAGE
    return [
        replace(slot, routine=slot.routine.in_language(language))
        if slot.routine.language is None
        else slot
        for slot in slots
    ], language


def _routine(value: Any, at: At, reading: _Reading) -> Routine:
    """A routine named by file (relative to the programme) or written inline."""
    if isinstance(value, LineDict):
        return parse_routine(value, reading.source, in_programme=True, where=at.path)
    if not isinstance(value, str) or not value.strip():
        at.expected("a routine file name or a routine written inline", value)
    path = Path(reading.source).parent / value.strip()
    if not path.is_file():
        at.fail(f"expected a routine file, found no file at {path}")
    reading.inputs.append(str(path))
    try:
        return reading.open_routine(path)
    except RoutineError as exc:
        at.fail(f"the routine it names is invalid: {exc}")


def _date(value: Any, at: At) -> datetime.date:
    found: datetime.date | None = None
    if isinstance(value, datetime.datetime):
        found = value.date()
    elif isinstance(value, datetime.date):
        found = value
    elif isinstance(value, str):
        with contextlib.suppress(ValueError):
            found = datetime.date.fromisoformat(value.strip())
    if found is None:
        at.expected("a date written as YYYY-MM-DD, such as 2027-01-05", value)
    # a plan of up to two years from its start must still have dates a calendar can hold
    if not FIRST_START <= found <= LAST_START:
        at.expected(f"a start from {FIRST_START} to {LAST_START}", value)
    return found


FIRST_START = datetime.date(1970, 1, 1)
LAST_START = datetime.date(2999, 12, 31)


def _days(value: Any, at: At, per_week: int) -> tuple[int, ...]:
    if not isinstance(value, LineList) or len(value) != per_week:
        at.expected(
            f"a list of {per_week} weekday{'s' * (per_week != 1)} (per_week), such as [tue, sat]",
            len(value) if isinstance(value, list) else value,
        )
    found = []
    for index, item in enumerate(value):
        name = str(item).strip().lower() if isinstance(item, str) else ""
        if name in DAY_NAMES:
            name = name[:3]
        if name not in DAYS:
            close = closest(str(item).lower(), DAYS + DAY_NAMES)
            hint = f" — did you mean '{close[:3]}'?" if close else ""
            at.item(value, index).fail(
                f"expected a weekday (mon, tue, wed, thu, fri, sat or sun), found {item!r}{hint}"
            )
        if DAYS.index(name) in found:
            at.item(value, index).fail(f"expected each weekday once, found '{name}' twice")
        found.append(DAYS.index(name))
    return tuple(found)


def _artwork(value: Any, at: At, source: str) -> str:
    path = Path(source).parent / text_of(value, at)
    if not path.is_file():
        at.fail(f"expected an image file (PNG, JPEG, WebP, ...), found no {path}")
    return str(path)


def _email(value: Any, at: At) -> str:
    text = text_of(value, at)
    name, _, host = text.partition("@")
    if not name or "." not in host or any(c.isspace() for c in text):
        at.expected("an email address (name@example.org)", value)
    return text


def _url(value: Any, at: At) -> str:
    try:
        return checked_base_url(text_of(value, at))
    except ValueError as exc:
        at.expected(str(exc), value)


BASE_URL_EXPECTED = "an absolute http:// or https:// address with a host"


def checked_base_url(url: str) -> str:
    """The address the folder is served from, ending in '/'; ValueError if it is none.

    The same check for `base_url` in a programme and `--base-url` on the command line.
    """
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        raise ValueError(BASE_URL_EXPECTED) from None
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or any(char.isspace() or ord(char) < 32 or ord(char) == 127 for char in url)
    ):
        raise ValueError(BASE_URL_EXPECTED)
    return url.rstrip("/") + "/"


def _session_date(
    start: datetime.date | None,
    days: tuple[int, ...] | None,
    per_week: int,
    week: int,
    day: int,
) -> datetime.date | None:
    if start is None:
        return None
    week_start = start + datetime.timedelta(weeks=week - 1)
    if days is None:
        # spread evenly over the week from the start: 2 a week are 3 or 4 days apart
        return week_start + datetime.timedelta(days=(day - 1) * 7 // per_week)
    # the week's weekdays in the order they come after the start's own
    offsets = sorted((weekday - start.weekday()) % 7 for weekday in days)
    return week_start + datetime.timedelta(days=offsets[day - 1])


# -- progression --------------------------------------------------------------------------


def _progression(value: Any, at: At, base: Routine) -> Progression:
    mapping = keys_of(
        value, at, PROGRESSION_KEYS, "a progression: a mapping such as {reps: {to: 40}}"
    )
    by = "week"
    if "by" in mapping:
        by = text_of(mapping["by"], at.key(mapping, "by"))
        if by not in ("week", "session"):
            at.key(mapping, "by").expected("'week' or 'session'", mapping["by"])
    changes = _changes(mapping, at, with_then=False)
    exercises: dict[str, Changes] = {}
    if "exercises" in mapping:
        named = keys_of(
            mapping["exercises"],
            at.key(mapping, "exercises"),
            tuple(str(key) for key in mapping["exercises"] or ()),
            "a mapping of exercise names to their changes",
        )
        names = [exercise.name for exercise in base.exercises()]
        for name in named:
            where = at.key(mapping, "exercises").key(named, str(name))
            if name not in names:
                close = closest(str(name), names)
                hint = f"did you mean '{close}'?" if close else "its exercises: " + ", ".join(names)
                where.fail(f"expected an exercise of the routine, found '{name}' — {hint}")
            entry = keys_of(named[name], where, EXERCISE_KEYS, "a mapping such as {reps: {to: 40}}")
            exercises[str(name)] = _changes(entry, where, with_then=True)
    return Progression(by, changes, MappingProxyType(exercises))


def _changes(mapping: LineDict, at: At, *, with_then: bool) -> Changes:
    def change(key: str, parse: Any) -> Change | None:
        if key not in mapping:
            return None
        return _change(mapping[key], at.key(mapping, key), parse)

    then = None
    if with_then and present(mapping, "then"):
        where = at.key(mapping, "then")
        then = text_of(mapping["then"], where)
        try:
            check_template(then, "milestone")
        except TemplateError as exc:
            where.fail(str(exc))
    return Changes(
        reps=change("reps", _reps),
        duration=change("duration", _seconds(positive=True)),
        sets=change("sets", _sets),
        rest=change("rest", _seconds(positive=False)),
        then=then,
    )


def _reps(value: Any, at: At) -> int:
    return count_of(value, at, minimum=1, maximum=limits.MAX_REPS, what="reps")


def _sets(value: Any, at: At) -> int:
    return count_of(value, at, minimum=1, maximum=limits.MAX_SETS, what="sets")


def _seconds(*, positive: bool) -> Any:
    def parse(value: Any, at: At) -> int:
        ms = duration_of(value, at, positive=positive)
        return round(ms / 1000) * 1000  # whole seconds

    return parse


def _change(value: Any, at: At, parse: Any) -> Change:
    if isinstance(value, LineList):
        if not value:
            at.expected("a list with one value per step", value)
        return Change(
            values=tuple(parse(item, at.item(value, index)) for index, item in enumerate(value))
        )
    if isinstance(value, LineDict):
        target = keys_of(value, at, ("to",), "{to: VALUE}")
        if "to" not in target:
            at.fail("expected {to: VALUE}, found no 'to'")
        return Change(to=parse(target["to"], at.key(target, "to")))
    return Change(to=parse(value, at))  # a bare value is short for {to: VALUE}


def _check_lists(progression: Progression, steps: int, at: At, value: LineDict) -> None:
    """Every written-out list has one value per step."""
    unit = "week" if progression.by == "week" else "session"

    def check(changes: Changes, mapping: LineDict, where: At) -> None:
        for key in ("reps", "duration", "sets", "rest"):
            change = getattr(changes, key)
            if change is not None and change.values is not None and len(change.values) != steps:
                where.key(mapping, key).expected(
                    f"{steps} values, one per {unit}", f"{len(change.values)} values"
                )

    check(progression.changes, value, at)
    for name, changes in progression.exercises.items():
        named = value["exercises"]
        check(changes, named[name], at.key(value, "exercises").key(named, name))
