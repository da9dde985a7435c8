"""Lay a routine out in time: the session timing rules of the routine format, revision 2.

How a session is laid out:

- A lead-in (LEAD_IN_MS of silence, the intro, then the first block's round, announcement,
  tips, set, side and countdown) ends on the first go. Nothing in it is left out.
- Each work block runs from its go (the go tone) to its stop: reps x tempo, or its
  duration. Inside it: the `go` cue after the tone, the rep counts at the start of every
  repetition after the first (the go starts the first), `halfway`, `remaining` 10 s before
  the end of a timed block over 20 s.
- Between two blocks passes exactly the gap the routine asks for (`switch` between sides,
  the set's `rest` after a set), holding the stop tone, `stop`, `rest`/`switch`, `next`,
  and, ending on the next go, `round`, the announcement, tips, `set`, `side` and the
  countdown. What does not fit is left out (leave_out.py); what must stay makes it grow.
- A gap of 0 between two timed blocks is a change-over: the countdown falls on the last
  seconds of the block ending, and one tone and the `change` cue start the next.
- The outro follows the last stop (`last_stop`; a programme's last session: `last_outro`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import NamedTuple

from voicecoach.routine.durations import format_clock
from voicecoach.routine.model import Routine
from voicecoach.routine.targets import intensity_of
from voicecoach.timeline.choreography import Step, Wording, steps
from voicecoach.timeline.cues import Block, Chapter, Cue, LeftOut, Timeline
from voicecoach.timeline.leave_out import BEAT_MS, PAUSE_MS, SPEECH_GAP_MS, GapPlan, Say, fit_gap
from voicecoach.timeline.placement import GAP_MS, Candidate, Placer

LEAD_IN_MS = 500  # silence before the first cue; also covers the MP3 encoder's delay
TAIL_MS = 1500  # silence after the outro
REMAINING_AT_MS = 10_000  # `remaining` comes this long before a timed block ends ...
REMAINING_MIN_MS = 20_000  # ... when the block lasts longer than this
HALFWAY_SLIDE_MS = 1_500  # halfway may wait this long for a rep count to end, no longer
HALFWAY_APART_MS = 10_000  # halfway is left to `remaining` when they would be closer
REST_TONE_MIN_MS = 5_000  # a rest this long without a countdown ends with a beep

# inside a block, the most needed cues are placed first (rule 6)
# (a `say` message the author wrote wins over halfway and remaining, revision 3)
_GO, _MILESTONE, _COUNTDOWN, _REP, _MESSAGE, _REMAINING, _HALFWAY, _TARGET, _ROUND, _TIP = range(
    1, 11
)
MESSAGE_SLIDE_MS = 10_000  # a `say` message may wait this long for another cue to end
MESSAGE_AT_GO_MS = 1_000  # a message this close to the go is said instead of "Go!"
TARGET_SLIDE_MS = 5_000  # and a `target` reminder this long
_MUST_KEEP = ("exercise", "set", "last_set", "note", "side")

Measure = Callable[[str], int]


class _Want(NamedTuple):
    """A cue a block wants placed: how much it matters, when, and whether it may slide."""

    priority: int
    at_ms: int
    say: Say | None
    sliding: bool


# how long a cue of these kinds may wait, after its time, for another cue to end
_SLIDES_MS = {"halfway": HALFWAY_SLIDE_MS, "say": MESSAGE_SLIDE_MS, "target": TARGET_SLIDE_MS}


def _block_record(step: Step, go_ms: int, stop_ms: int) -> Block:
    """What the JSON says of a work block."""
    return Block(
        step.name,
        step.set_number,
        step.sets,
        step.side,
        step.round,
        "timed" if step.timed else "reps",
        step.work.reps,
        go_ms,
        stop_ms,
        step.exercise.cadence if step.timed else None,
        step.exercise.target.written if step.exercise.target else None,
        step.work.distance_m,
        step.exercise.intensity or intensity_of(step.name),
    )


class _Session:
    """One pass over the routine, placing every cue (see the module's docstring)."""

    def __init__(self, routine: Routine, measure: Measure, minutes: int) -> None:
        self.routine = routine
        self.measure = measure
        self.minutes = minutes
        self.words = Wording(routine)
        self.placer = Placer()
        self.chapters: list[Chapter] = []
        self.intro_title = self.words.chapter("Intro")
        self.outro_title = self.words.chapter("Outro")
        self.chapter = (self.intro_title, 0)
        self.blocks: list[Block] = []
        self.left_out: list[LeftOut] = []
        self.warnings: list[str] = list(routine.warnings)

    # -- small helpers -------------------------------------------------------------------

    def tone_ms(self, name: str) -> int:
        tone = self.routine.audio.tones.get(name)
        return tone.length_ms if tone else 0

    def said(self, name: str, text: str, exercise: str | None, count: int = 0) -> Say | None:
        """A speech cue, measured, or None when there is nothing to say."""
        if not text:
            return None
        length = self.measure(text)
        return Say(name, text, length, exercise, count=count) if length > 0 else None

    def put(self, start_ms: int, say: Say) -> Cue:
        cue = Cue(start_ms, start_ms + say.length_ms, say.kind, say.text, say.exercise, say.name)
        self.placer.add(cue)
        return cue

    def put_tone(self, at_ms: int, name: str, exercise: str | None) -> int:
        """Place a tone; return where speech may follow it."""
        length = self.tone_ms(name)
        if not length:
            return at_ms
        self.put(at_ms, Say(name, "", length, exercise, kind="tone"))
        return at_ms + length + GAP_MS

    def open_chapter(self, title: str, at_ms: int) -> None:
        previous, start = self.chapter
        if at_ms > start:
            self.chapters.append(Chapter(previous, start, at_ms))
            self.chapter = (title, at_ms)
        else:
            self.chapter = (title, start)

    def leave_out(self, say: Say, step: Step, at_ms: int, why: str) -> None:
        if say.kind == "tone":
            return  # the end-of-rest beep is voicecoach's own, not a cue of the format
        self.left_out.append(LeftOut(say.name, say.exercise, step.set_number, at_ms, why, say.text))
        where = f"{say.exercise}, set {step.set_number}" if say.exercise else "the session"
        shown = say.text or say.name
        self.warnings.append(
            f"{where}: left out the '{say.name}' cue ('{shown}') at {format_clock(at_ms)}: {why}"
        )

    # -- what a block is preceded by -----------------------------------------------------

    def countdown(self, step: Step) -> list[Say]:
        counts = []
        for count in range(step.exercise.countdown, 0, -1):
            text = self.words.say(step.exercise.cues, "countdown", {"count": count})
            say = self.said("countdown", text, step.name, count=count)
            if say is not None:
                counts.append(say)
        return counts

    def heading(self, step: Step) -> list[Say]:
        """What is said before a block: round, announcement, tips, set, side."""
        found: list[Say | None] = []
        if step.starts_round:
            found.append(self.said("round", self.words.round_call(step), step.name))
        if step.starts_occurrence:
            found.append(self.said("exercise", self.words.announcement(step), step.name))
            if step.first_time:
                found.append(self.said("milestone", self.words.milestone(step), step.name))
                found += [self.said("tip", tip, step.name) for tip in step.exercise.tips]
        if step.starts_set:
            name, text = self.words.set_call(step)
            found.append(self.said(name, text, step.name))
        if step.side is not None:
            found.append(
                self.said(
                    "side",
                    self.words.say(
                        step.exercise.cues, "side", {"side": self.words.side(step.side)}
                    ),
                    step.name,
                )
            )
        return [say for say in found if say is not None]

    def lead_in(self, step: Step) -> int:
        """Intro, then the first block's heading and countdown, one after another; the go."""
        routine = self.routine
        count = len(routine.exercises())
        session = routine.session.values(self.words.words) if routine.session else {}
        intro = self.words.say(
            routine.cues,
            "intro",
            {
                **session,
                "title": routine.title,
                "description": routine.description,
                "exercises": count,
                "minutes": self.minutes,
                "exercise_count": self.words.words.counted(
                    "work", ("{count} exercise", "{count} exercises"), count, count=count
                ),
                "minute_count": self.words.words.minutes(self.minutes),
            },
        )
        opening = [self.said("intro", intro, None)]
        if routine.session:
            spoken = self.words.say(routine.cues, "session", session)
            opening.append(self.said("session", spoken, None))
        now = LEAD_IN_MS
        for say in [*opening, *self.heading(step)]:
            if say is None:
                continue
            if say.exercise is not None and self.chapter[0] == self.intro_title:
                self.open_chapter(step.chapter_title, now)
            now = self.put(now, say).end_ms + PAUSE_MS
        if self.chapter[0] == self.intro_title:
            self.open_chapter(step.chapter_title, now)
        counts = self.countdown(step)
        for say in counts:
            self.put(now + (len(counts) - say.count) * BEAT_MS, say)
        return now + len(counts) * BEAT_MS

    # -- between two blocks --------------------------------------------------------------

    def between(self, previous: Step, stop_ms: int, step: Step) -> int:
        """Lay out the gap after `previous` ends at `stop_ms`; return the next go."""
        kind, gap_ms = step.gap_before(previous)
        after_tone = self.put_tone(stop_ms, "stop", previous.name) - stop_ms
        start_ms = after_tone if after_tone else SPEECH_GAP_MS
        front, switched = self.gap_front(previous, step, kind, gap_ms, start_ms)
        back = self.heading(step)
        counts = self.countdown(step)
        tone = self.tone_ms("rest")
        if kind == "rest" and gap_ms >= REST_TONE_MIN_MS and not counts and tone:
            back.insert(0, Say("rest", "", tone, step.name, kind="tone"))
        plan = fit_gap(tuple(front), tuple(back), tuple(counts), gap_ms, start_ms=start_ms)
        side = self.words.side(step.side).casefold()
        if side and side in switched.casefold() and any(s.name == "switch" for s in plan.front):
            # the switch that is said names the side: the side is not said again
            plan = replace(plan, back=tuple(say for say in plan.back if say.name != "side"))
        go_ms = self.place_gap(plan, stop_ms, start_ms, step)
        why = f"the {kind} is {gap_ms / 1000:g} s"
        for say in plan.left_out:
            self.leave_out(say, step if say.exercise == step.name else previous, stop_ms, why)
        if plan.gap_ms > gap_ms:
            kept = sorted({say.name for say in plan.back if say.name in _MUST_KEEP} or {"tones"})
            self.warnings.append(
                f"{step.name}, set {step.set_number}: the {kind} of {gap_ms / 1000:g} s before it "
                f"grew by {(plan.gap_ms - gap_ms) / 1000:.1f} s to fit the {', '.join(kept)} "
                f"cue{'s' * (len(kept) > 1)} at {format_clock(stop_ms)}"
            )
        return go_ms

    def gap_front(
        self, previous: Step, step: Step, kind: str, gap_ms: int, start_ms: int
    ) -> tuple[list[Say], str]:
        """What opens a gap: `stop`, then `rest` and `next`, or `switch` (and its text)."""
        cues, name = previous.exercise.cues, previous.name
        called = self.words.called(step, previous)
        seconds = round(gap_ms / 1000)
        front = [self.said("stop", self.words.say(cues, "stop", {"name": name}), name)]
        if kind != "rest":
            values = {
                "side": self.words.side(step.side),
                "seconds": seconds,
                "duration": self.words.duration(gap_ms),
            }
            switched = self.words.say(cues, "switch", values)
            front.append(self.said("switch", switched, name))
            return [say for say in front if say], switched
        values = {"seconds": seconds, "duration": self.words.duration(gap_ms), "next": called}
        front.append(self.said("rest", self.words.say(cues, "rest", values), name))
        spoken = start_ms + sum(say.length_ms for say in front if say) + 2 * PAUSE_MS
        left = max(0, round((gap_ms - spoken) / 1000))
        values = {
            "next": called,
            "seconds": left,
            "duration": self.words.duration(left * 1000),
            "target": self.words.target(step),
            "distance": self.words.distance(step.work),
        }
        front.append(self.said("next", self.words.say(cues, "next", values), name))
        return [say for say in front if say], ""

    def place_gap(self, plan: GapPlan, stop_ms: int, start_ms: int, step: Step) -> int:
        """Put a fitted gap's cues in time: the front after the stop, the back and the
        countdown ending on the next go; open the next exercise's chapter. Return the go."""
        go_ms = stop_ms + plan.gap_ms
        now = stop_ms + start_ms
        for say in plan.front:
            now = self.put(now, say).end_ms + plan.pause_ms
        for say in plan.counts:
            self.put(go_ms - say.count * BEAT_MS, say)
        first_count = max((say.count for say in plan.counts), default=0)
        end = go_ms - first_count * BEAT_MS - plan.pause_ms
        placed: list[Cue] = []
        for say in reversed(plan.back):
            placed.insert(0, self.put(end - say.length_ms, say))
            end = placed[0].start_ms - plan.pause_ms
        if step.starts_occurrence:
            heading = [cue for cue in placed if cue.exercise == step.name and cue.kind == "speech"]
            self.open_chapter(step.chapter_title, heading[0].start_ms if heading else go_ms)
        return go_ms

    # -- inside a block ------------------------------------------------------------------

    def block(
        self, step: Step, go_ms: int, following: Step | None, *, entered: bool, leaving: bool
    ) -> int:
        """Place the cues of a block that starts at `go_ms`; return its stop.

        `entered`: it starts by a change-over; `leaving`: it ends in one into `following`.
        """
        stop_ms = go_ms + step.length_ms
        speech_at = self.put_tone(go_ms, "go", step.name)
        if speech_at == go_ms:
            speech_at = go_ms + SPEECH_GAP_MS if entered else go_ms
        wanted = self.calls(step, go_ms, speech_at, entered)
        wanted += self.time_calls(step, go_ms, following, leaving)
        wanted += self.reminders(step, go_ms, entered)
        if leaving and following is not None:
            wanted += [
                _Want(_COUNTDOWN, stop_ms - say.count * BEAT_MS, say, False)
                for say in self.countdown(following)
            ]
        if entered:
            wanted += self.entry_calls(step, speech_at)
        # the most needed first; among equals, the earliest, then the order gathered
        for want in sorted(wanted, key=lambda w: (w.priority, w.at_ms)):
            if want.say is not None:
                self.place_in_block(want, step, go_ms, following)
        self.blocks.append(_block_record(step, go_ms, stop_ms))
        return stop_ms

    def calls(self, step: Step, go_ms: int, speech_at: int, entered: bool) -> list[_Want]:
        """The block's opening call (`go`, or `change` after a change-over) and rep counts."""
        cues, name, work = step.exercise.cues, step.name, step.work
        if entered:
            opening = self.said("change", self.words.change(step), name)
        elif any(message.at_ms < MESSAGE_AT_GO_MS for message in step.exercise.say):
            opening = None  # the author's message opens the block, after the go tone
        else:
            opening = self.said("go", self.words.say(cues, "go", {"name": name}), name)
        wanted = [_Want(_GO, speech_at, opening, True)]
        for rep in range(1 if opening is None else 2, (work.reps or 0) + 1):
            values = {"rep": rep, "reps": work.reps, "remaining": (work.reps or 0) - rep}
            text = self.words.say(cues, "rep", values)
            at_ms = speech_at if rep == 1 else go_ms + (rep - 1) * work.tempo_ms
            wanted.append(_Want(_REP, at_ms, self.said("rep", text, name), False))
        return wanted

    def time_calls(
        self, step: Step, go_ms: int, following: Step | None, leaving: bool
    ) -> list[_Want]:
        """`remaining` near the end of a long timed block, and `halfway` unless too close."""
        cues, name = step.exercise.cues, step.name
        stop_ms = go_ms + step.length_ms
        wanted: list[_Want] = []
        remaining: Say | None = None
        if step.work.reps is None and step.length_ms > REMAINING_MIN_MS:
            left = {
                "seconds": REMAINING_AT_MS // 1000,
                "duration": self.words.duration(REMAINING_AT_MS),
                "next": self.words.called(following, step) if following else "",
            }
            default = self.words.change_remaining() if leaving else None
            remaining = self.said(
                "remaining", self.words.say(cues, "remaining", left, default), name
            )
            wanted.append(_Want(_REMAINING, stop_ms - REMAINING_AT_MS, remaining, False))
        middle = go_ms + step.length_ms // 2
        half = stop_ms - middle
        halfway = self.words.say(
            cues,
            "halfway",
            {"name": name, "seconds": round(half / 1000), "duration": self.words.duration(half)},
        )
        # "Halfway." and "10 seconds left." within HALFWAY_APART_MS of each other: only the
        # one that tells more, how long is left
        if remaining is None or stop_ms - REMAINING_AT_MS - middle >= HALFWAY_APART_MS:
            wanted.append(_Want(_HALFWAY, middle, self.said("halfway", halfway, name), True))
        return wanted

    def reminders(self, step: Step, go_ms: int, entered: bool) -> list[_Want]:
        """The author's `say` messages, and the target's reminders every so often."""
        name, stop_ms = step.name, go_ms + step.length_ms
        wanted = []
        for message in step.exercise.say:
            # a message at the go is said at its time, and a change-over's call after it
            first = entered and message.at_ms < MESSAGE_AT_GO_MS
            say = self.said("say", message.text, name)
            wanted.append(_Want(0 if first else _MESSAGE, go_ms + message.at_ms, say, True))
        every = step.exercise.target_every_ms
        if every:
            reminder = self.words.target_call(step)
            for at_ms in range(go_ms + every, stop_ms - REMAINING_AT_MS, every):
                if abs(at_ms - (go_ms + step.length_ms // 2)) < HALFWAY_APART_MS:
                    continue  # "Halfway." is said then: one call at a time
                wanted.append(_Want(_TARGET, at_ms, self.said("target", reminder, name), True))
        return wanted

    def entry_calls(self, step: Step, speech_at: int) -> list[_Want]:
        """After a change-over: the round, and a first time's milestone and tips."""
        name = step.name
        wanted = []
        if step.starts_round:
            call = self.said("round", self.words.round_call(step), name)
            wanted.append(_Want(_ROUND, speech_at, call, True))
        if step.first_time and step.starts_occurrence:
            milestone = self.said("milestone", self.words.milestone(step), name)
            wanted.append(_Want(_MILESTONE, speech_at, milestone, True))
            for tip in step.exercise.tips:
                wanted.append(_Want(_TIP, speech_at, self.said("tip", tip, name), True))
        return wanted

    def place_in_block(self, want: _Want, step: Step, go_ms: int, following: Step | None) -> None:
        """Place one wanted cue inside the block, sliding as its kind may, or leave it out."""
        say, at_ms = want.say, want.at_ms
        assert say is not None
        latest = go_ms + step.length_ms - SPEECH_GAP_MS - say.length_ms
        slide = _SLIDES_MS.get(say.name)
        if slide is not None:
            latest = min(latest, at_ms + slide)
        candidate = Candidate(
            at_ms,
            latest if want.sliding else at_ms,
            say.length_ms,
            say.kind,
            say.text,
            say.name,
            say.exercise,
            want.priority,
        )
        inside = go_ms <= at_ms <= latest
        if inside and self.placer.place(candidate) is not None:
            return
        near = self.placer.crowding(candidate)
        why = (
            f"it would crowd '{near.text or near.name}' at {format_clock(near.start_ms)}"
            if near is not None and inside
            else f"the block lasts {step.length_ms / 1000:g} s"
        )
        owner = following if say.name == "countdown" and following else step
        self.leave_out(say, owner, at_ms, why)

    # -- the session ---------------------------------------------------------------------

    def outro(self, last: Step, stop_ms: int) -> int:
        now = self.put_tone(stop_ms, "stop", last.name)
        if now == stop_ms:
            now += SPEECH_GAP_MS
        routine = self.routine
        # the very last stop has a cue of its own (a Tabata's stop says "Rest."; without
        # `last_stop` a routine's own `stop` wording is kept), and a programme's last
        # session ends on an outro that knows the whole plan is done
        cues = last.exercise.cues.templates
        ending = "stop" if "stop" in cues and "last_stop" not in cues else "last_stop"
        stop = self.words.say(last.exercise.cues, ending, {"name": last.name})
        session = routine.session.values(self.words.words) if routine.session else {}
        final = routine.session is not None and routine.session.session == routine.session.sessions
        outro = self.words.say(
            routine.cues,
            "last_outro" if final else "outro",
            {**session, "title": routine.title, "minutes": self.minutes},
        )
        end = now
        for say in (self.said("stop", stop, last.name), self.said("outro", outro, None)):
            if say is None:
                continue
            if say.name == "outro":
                self.open_chapter(self.outro_title, now)
            end = self.put(now, say).end_ms
            now = end + PAUSE_MS
        if self.chapter[0] != self.outro_title:
            self.open_chapter(self.outro_title, end)
        return end + TAIL_MS

    def lay_out(self) -> Timeline:
        plan = steps(self.routine)
        go_ms = self.lead_in(plan[0])
        stop_ms = 0
        for index, step in enumerate(plan):
            previous = plan[index - 1] if index else None
            following = plan[index + 1] if index + 1 < len(plan) else None
            entered = previous is not None and _changes_over(previous, step)
            if previous is not None:
                if entered:
                    go_ms = stop_ms
                    if step.starts_occurrence:
                        self.open_chapter(step.chapter_title, go_ms)
                else:
                    go_ms = self.between(previous, stop_ms, step)
            leaving = following is not None and _changes_over(step, following)
            stop_ms = self.block(step, go_ms, following, entered=entered, leaving=leaving)
        end_ms = self.outro(plan[-1], stop_ms)
        title, start = self.chapter
        self.chapters.append(Chapter(title, start, end_ms))
        return Timeline(
            self.routine.title,
            end_ms,
            tuple(self.chapters),
            tuple(self.placer.cues),
            tuple(self.warnings),
            tuple(self.blocks),
            tuple(self.left_out),
        )


def _changes_over(previous: Step, step: Step) -> bool:
    """Rule 4: no gap between two timed blocks."""
    return previous.timed and step.timed and step.gap_before(previous)[1] == 0


def expand(routine: Routine, measure: Measure) -> Timeline:
    """Lay out every cue of the routine at absolute times, given how long each text takes."""
    minutes = 0
    for _ in range(4):  # the intro says how long the session is, which the intro changes
        timeline = _Session(routine, measure, minutes).lay_out()
        settled = max(1, round(timeline.duration_ms / 60_000))
        if settled == minutes:
            break
        minutes = settled
    return timeline
