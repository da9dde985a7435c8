"""Expand a Routine into a Timeline of timed cue segments. Pure: no I/O, no audio, no clock."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from voicecoach.durations import format_clock
from voicecoach.model import Cues, Exercise, Item, Repeat, Routine, WorkSet
from voicecoach.wording import (
    DEFAULTS,
    Template,
    default_exercise_template,
    default_intro_template,
)

LEAD_IN_MS = 500  # silence before the first cue; also covers the MP3 encoder's delay
PAUSE_MS = 600  # silence after an announcement before the next one
GAP_MS = 60  # the least silence between any two cues
BEAT_MS = 1000  # one countdown beat; also the beat between "go" and the first rep
TAIL_MS = 1500  # silence after the outro
REST_TONE_MIN_MS = 5_000  # rests at least this long end with a tone in their last second
NEXT_LEAD_MS = 10_000  # the "next up" call comes this long before a rest ends (at most)

Measure = Callable[[str], int]


@dataclass(frozen=True)
class Cue:
    """One sound in the session: where it starts and ends, and what it says."""

    start_ms: int
    end_ms: int
    kind: str  # "speech" or "tone"
    text: str
    exercise: str | None
    cue: str  # the template it came from ("rep", "go", ...), "tip", "note" or a tone's name


@dataclass(frozen=True)
class Chapter:
    """A stretch of the session named after what happens in it."""

    title: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class Timeline:
    """The whole session: cues sorted and never overlapping, chapters covering it."""

    title: str
    duration_ms: int
    chapters: tuple[Chapter, ...]
    cues: tuple[Cue, ...]
    warnings: tuple[str, ...] = ()

    def with_duration(self, duration_ms: int) -> Timeline:
        """The same timeline lengthened (silence at the end) to `duration_ms`."""
        if duration_ms < self.duration_ms:
            raise ValueError("a timeline can only be lengthened")
        chapters = self.chapters[:-1] + (replace(self.chapters[-1], end_ms=duration_ms),)
        return replace(self, duration_ms=duration_ms, chapters=chapters)

    def speech_texts(self) -> list[str]:
        """Every distinct spoken text, in order of first use."""
        return list(dict.fromkeys(c.text for c in self.cues if c.kind == "speech"))


@dataclass(frozen=True)
class _Candidate:
    desired_ms: int
    seq: int
    kind: str
    text: str
    length_ms: int
    exercise: str | None
    cue: str
    fixed: bool  # must start exactly at desired_ms; otherwise it may slide later
    deadline_ms: int | None = None  # a sliding cue must end before this


def occurrences(items: tuple[Item, ...]) -> Iterator[Exercise]:
    """Every exercise in the order it is done, repeat blocks unrolled."""
    for item in items:
        if isinstance(item, Repeat):
            for _ in range(item.times):
                yield from occurrences(item.items)
        else:
            yield item


def minimum_duration_ms(items: tuple[Item, ...]) -> int:
    """A lower bound of the session's length, by arithmetic alone (nothing is unrolled)."""
    last = items[-1]
    while isinstance(last, Repeat):
        last = last.items[-1]
    return _summed(items, _active_and_rest_ms) - last.sets[-1].rest_ms  # no rest ends it


def _summed(items: tuple[Item, ...], per_exercise: Callable[[Exercise], int]) -> int:
    """Add `per_exercise` over every occurrence, multiplying repeats instead of unrolling."""
    return sum(
        item.times * _summed(item.items, per_exercise)
        if isinstance(item, Repeat)
        else per_exercise(item)
        for item in items
    )


def _active_and_rest_ms(exercise: Exercise) -> int:
    sides = max(1, len(exercise.sides))
    total = 0
    for work in exercise.sets:
        active = (
            work.duration_ms
            if work.duration_ms is not None
            else BEAT_MS + (work.reps or 0) * work.tempo_ms
        )
        total += sides * (active + exercise.countdown * BEAT_MS) + work.rest_ms
        total += (sides - 1) * exercise.switch_ms
    return total


def _cues_of(exercise: Exercise) -> int:
    sides = max(1, len(exercise.sides))
    per_side = exercise.countdown + 8  # side, go (and tone), halfway, stop (and tone), ...
    per_sets = sum(sides * (per_side + (work.reps or 0)) + 4 for work in exercise.sets)
    return per_sets + 2 + len(exercise.tips)  # + set, rest, next, tone per set; announcement


def cue_count(items: tuple[Item, ...]) -> int:
    """How many cues the routine will have, near enough, by arithmetic alone."""
    return _summed(items, _cues_of)


class _Planner:
    def __init__(self, routine: Routine, measure: Measure, minutes: int) -> None:
        self.routine = routine
        self.measure = measure
        self.minutes = minutes
        self.candidates: list[_Candidate] = []
        self.chapters: list[Chapter] = []
        self.picks: dict[str, int] = {}
        self.now_ms = LEAD_IN_MS

    # -- wording ---------------------------------------------------------------------------

    def words(
        self, cues: Cues, name: str, values: dict[str, object], default: str | None = None
    ) -> str:
        if name in cues.templates:
            template = cues.templates[name]
            if template is None:
                return ""
        else:
            template = Template((default or DEFAULTS[name],))
        count = self.picks.get(name, 0)
        self.picks[name] = count + 1
        return template.render(values, f"{self.routine.title}\0{name}\0{count}")

    # -- placing ---------------------------------------------------------------------------

    def add(
        self,
        desired_ms: int,
        text: str,
        cue: str,
        exercise: str | None,
        *,
        fixed: bool = True,
        deadline_ms: int | None = None,
        kind: str = "speech",
        length_ms: int | None = None,
    ) -> int:
        """Queue a cue; return where it would end if placed as desired."""
        if kind == "speech":
            if not text:
                return desired_ms
            length_ms = self.measure(text)
            if length_ms <= 0:  # nothing audible to say (punctuation alone, say)
                return desired_ms
        assert length_ms is not None
        self.candidates.append(
            _Candidate(
                desired_ms,
                len(self.candidates),
                kind,
                text,
                length_ms,
                exercise,
                cue,
                fixed,
                deadline_ms,
            )
        )
        return desired_ms + length_ms

    def say(self, text: str, cue: str, exercise: str | None) -> None:
        """Speak now and move on once the words (and a pause) are over."""
        if text:
            self.now_ms = self.add(self.now_ms, text, cue, exercise) + PAUSE_MS

    def tone(self, at_ms: int, name: str, exercise: str | None) -> int:
        tone = self.routine.audio.tones.get(name)
        if tone is None:
            return at_ms
        return self.add(at_ms, "", name, exercise, kind="tone", length_ms=tone.length_ms) + GAP_MS

    # -- the session -----------------------------------------------------------------------

    def plan(self) -> None:
        routine = self.routine
        plan = list(occurrences(routine.items))
        totals: dict[int, int] = {}
        for exercise in plan:
            totals[id(exercise)] = totals.get(id(exercise), 0) + 1
        count = len(routine.exercises())
        intro = self.words(
            routine.cues,
            "intro",
            {
                "title": routine.title,
                "description": routine.description,
                "exercises": count,
                "minutes": self.minutes,
            },
            default_intro_template(exercises=count, minutes=self.minutes),
        )
        self.say(intro, "intro", None)
        seen: dict[int, int] = {}
        chapter_start = 0
        chapter_title = "Intro"
        for index, exercise in enumerate(plan):
            number = seen.get(id(exercise), 0) + 1
            seen[id(exercise)] = number
            self.close_chapter(chapter_title, chapter_start)
            chapter_start = self.now_ms
            total = totals[id(exercise)]
            chapter_title = exercise.name if total == 1 else f"{exercise.name} ({number}/{total})"
            following = plan[index + 1] if index + 1 < len(plan) else None
            self.exercise(exercise, first=number == 1, following=following)
        self.close_chapter(chapter_title, chapter_start)
        outro_start = self.now_ms
        self.say(
            self.words(routine.cues, "outro", {"title": routine.title, "minutes": self.minutes}),
            "outro",
            None,
        )
        self.end_ms = (
            self.now_ms - PAUSE_MS + TAIL_MS if self.now_ms > outro_start else self.now_ms + TAIL_MS
        )
        self.chapters.append(Chapter("Outro", outro_start, self.end_ms))

    def close_chapter(self, title: str, start_ms: int) -> None:
        if self.now_ms > start_ms:
            self.chapters.append(Chapter(title, start_ms, self.now_ms))

    def exercise(self, exercise: Exercise, *, first: bool, following: Exercise | None) -> None:
        name, cues, sets = exercise.name, exercise.cues, exercise.sets
        head = sets[0]
        default = default_exercise_template(
            sets=len(sets),
            timed=head.duration_ms is not None,
            duration_ms=head.duration_ms,
            sided=bool(exercise.sides),
        )
        self.say(
            self.words(
                cues,
                "exercise",
                {
                    "name": name,
                    "sets": len(sets),
                    "reps": head.reps or "",
                    "duration": _seconds(head.duration_ms) if head.duration_ms else "",
                    "sides": ", ".join(exercise.sides),
                },
                default,
            ),
            "exercise",
            name,
        )
        if first:
            for tip in exercise.tips:
                self.say(tip, "tip", name)
        for number, work in enumerate(sets, start=1):
            if len(sets) > 1:
                self.say(
                    self.words(
                        cues,
                        "last_set" if number == len(sets) else "set",
                        {
                            "set": number,
                            "sets": len(sets),
                            "reps": work.reps or "",
                            "duration": _seconds(work.duration_ms) if work.duration_ms else "",
                            "note": work.note or "",
                        },
                    ),
                    "last_set" if number == len(sets) else "set",
                    name,
                )
            elif work.note:
                self.say(work.note, "note", name)
            for side_index, side in enumerate(exercise.sides or (None,)):
                if side_index > 0:
                    self.switch(exercise, side or "")
                if side is not None:
                    self.say(self.words(cues, "side", {"side": side}), "side", name)
                self.work(exercise, work)
            last_of_session = following is None and number == len(sets)
            if work.rest_ms > 0 and not last_of_session:
                upcoming = name if number < len(sets) else following.name  # type: ignore[union-attr]
                self.rest(cues, work.rest_ms, upcoming, name)

    def switch(self, exercise: Exercise, side: str) -> None:
        start = self.now_ms
        end = self.add(
            start,
            self.words(
                exercise.cues, "switch", {"side": side, "seconds": _seconds(exercise.switch_ms)}
            ),
            "switch",
            exercise.name,
        )
        self.now_ms = max(start + exercise.switch_ms, end + (PAUSE_MS if end > start else 0))

    def work(self, exercise: Exercise, work: WorkSet) -> None:
        name, cues = exercise.name, exercise.cues
        for beat in range(exercise.countdown):
            count = exercise.countdown - beat
            self.add(
                self.now_ms + beat * BEAT_MS,
                self.words(cues, "countdown", {"count": count}),
                "countdown",
                name,
            )
        go_ms = self.now_ms + exercise.countdown * BEAT_MS
        after_tone = self.tone(go_ms, "go", name)
        if work.reps is not None:
            first_rep = go_ms + BEAT_MS
            end_ms = first_rep + work.reps * work.tempo_ms
            self.add(
                after_tone,
                self.words(cues, "go", {"name": name}),
                "go",
                name,
                fixed=False,
                deadline_ms=first_rep,
            )
            for rep in range(1, work.reps + 1):
                self.add(
                    first_rep + (rep - 1) * work.tempo_ms,
                    self.words(
                        cues, "rep", {"rep": rep, "reps": work.reps, "remaining": work.reps - rep}
                    ),
                    "rep",
                    name,
                )
            middle = first_rep + work.reps * work.tempo_ms // 2
        else:
            assert work.duration_ms is not None
            end_ms = go_ms + work.duration_ms
            self.add(
                after_tone,
                self.words(cues, "go", {"name": name}),
                "go",
                name,
                fixed=False,
                deadline_ms=end_ms,
            )
            middle = go_ms + work.duration_ms // 2
            if work.duration_ms > 20_000:
                self.add(
                    end_ms - 10_000,
                    self.words(cues, "remaining", {"seconds": 10}),
                    "remaining",
                    name,
                    fixed=False,
                    deadline_ms=end_ms,
                )
        self.add(
            middle,
            self.words(cues, "halfway", {"name": name, "seconds": _seconds(end_ms - middle)}),
            "halfway",
            name,
            fixed=False,
            deadline_ms=end_ms,
        )
        self.now_ms = self.tone(end_ms, "stop", name)
        self.say(self.words(cues, "stop", {"name": name}), "stop", name)

    def rest(self, cues: Cues, rest_ms: int, upcoming: str, name: str) -> None:
        start = self.now_ms
        end = start + rest_ms
        spoken_end = self.add(
            start,
            self.words(cues, "rest", {"seconds": _seconds(rest_ms), "next": upcoming}),
            "rest",
            name,
        )
        lead = min(NEXT_LEAD_MS, rest_ms // 2 // 1000 * 1000)
        if lead > 0:
            self.add(
                end - lead,
                self.words(cues, "next", {"next": upcoming, "seconds": lead // 1000}),
                "next",
                name,
                fixed=False,
                deadline_ms=end,
            )
        if rest_ms >= REST_TONE_MIN_MS:
            self.tone(end - BEAT_MS, "rest", name)  # the final second of the rest
        self.now_ms = max(end, spoken_end + PAUSE_MS)

    # -- resolving -------------------------------------------------------------------------

    def resolve(self) -> tuple[list[Cue], list[str]]:
        ordered = sorted(self.candidates, key=lambda c: (c.desired_ms, c.seq))
        fixed_starts = [(c.desired_ms, c.seq) for c in ordered if c.fixed]
        placed: list[Cue] = []
        dropped: dict[tuple[str, str | None], list[tuple[_Candidate, int]]] = {}
        for candidate in ordered:
            start = candidate.desired_ms
            previous_end = placed[-1].end_ms + GAP_MS if placed else 0
            if start < previous_end:
                if candidate.fixed:
                    dropped.setdefault((candidate.cue, candidate.exercise), []).append(
                        (candidate, placed[-1].start_ms)
                    )
                    continue
                start = previous_end
            if not candidate.fixed:
                limit = candidate.deadline_ms if candidate.deadline_ms is not None else 1 << 62
                after = bisect.bisect_right(fixed_starts, (candidate.desired_ms, candidate.seq))
                if after < len(fixed_starts):
                    limit = min(limit, fixed_starts[after][0] - GAP_MS)
                if start + candidate.length_ms > limit:
                    dropped.setdefault((candidate.cue, candidate.exercise), []).append(
                        (candidate, limit)
                    )
                    continue
            placed.append(
                Cue(
                    start,
                    start + candidate.length_ms,
                    candidate.kind,
                    candidate.text,
                    candidate.exercise,
                    candidate.cue,
                )
            )
        warnings = []
        for (cue, exercise), items in dropped.items():
            candidate, clash_ms = items[0]
            where = f" in {exercise}" if exercise else ""
            many = (
                f"{len(items)} '{cue}' cues{where} were"
                if len(items) > 1
                else f"the '{cue}' cue{where} was"
            )
            warnings.append(
                f"{many} left out because the speech does not fit: at "
                f"{format_clock(candidate.desired_ms)} '{candidate.text or cue}' "
                f"({candidate.length_ms} ms) would overlap the cue at {format_clock(clash_ms)}; "
                "shorten the wording, slow the tempo or raise the voice rate"
            )
        return placed, warnings


def _seconds(ms: int | None) -> int:
    return round((ms or 0) / 1000)


def expand(routine: Routine, measure: Measure) -> Timeline:
    """Lay out every cue of the routine at absolute times, given how long each text takes."""
    minutes = 0
    for _ in range(4):  # the intro says how long the session is, which the intro changes
        planner = _Planner(routine, measure, minutes)
        planner.plan()
        settled = max(1, round(planner.end_ms / 60_000))
        if settled == minutes:
            break
        minutes = settled
    cues, warnings = planner.resolve()
    return Timeline(
        routine.title, planner.end_ms, tuple(planner.chapters), tuple(cues), tuple(warnings)
    )
