from __future__ import annotations

from itertools import pairwise
from types import MappingProxyType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.paths import REPO
from voicecoach.routine.durations import format_clock
from voicecoach.routine.loading import load_routine
from voicecoach.routine.model import (
    NO_TONES,
    AudioSettings,
    Cues,
    Exercise,
    Repeat,
    Routine,
    Tones,
    WorkSet,
)
from voicecoach.routine.wording import Template
from voicecoach.timeline import (
    BEAT_MS,
    GAP_MS,
    LEAD_IN_MS,
    SPEECH_GAP_MS,
    Timeline,
    expand,
    minimum_duration_ms,
    occurrences,
)


def measure(text: str) -> int:
    """Speech that takes 50 ms a character, like a brisk voice."""
    return 50 * len(text)


def check_invariants(timeline: Timeline) -> None:
    cues = timeline.cues
    for cue in cues:
        assert 0 <= cue.start_ms < cue.end_ms <= timeline.duration_ms
        assert cue.kind in ("speech", "tone")
    for before, after in pairwise(cues):
        assert before.end_ms <= after.start_ms, (before, after)
    chapters = timeline.chapters
    assert chapters[0].start_ms == 0
    assert chapters[-1].end_ms == timeline.duration_ms
    for before, after in pairwise(chapters):
        assert before.end_ms == after.start_ms
        assert before.start_ms < before.end_ms


def of(timeline: Timeline, cue: str, exercise: str | None = None) -> list[int]:
    return [
        c.start_ms
        for c in timeline.cues
        if c.name == cue and (exercise is None or c.exercise == exercise)
    ]


def simple(*exercises: Exercise, **kwargs: object) -> Routine:
    return Routine(title="T", items=tuple(exercises), **kwargs)  # type: ignore[arg-type]


def blocks_and_gaps(timeline: Timeline) -> list[int]:
    return [b.go_ms - a.stop_ms for a, b in pairwise(timeline.blocks)]


def test_contract_example_plays_out_in_order() -> None:
    routine = load_routine(REPO / "tests" / "routines" / "contract-example.yaml")
    timeline = expand(routine, measure)
    check_invariants(timeline)
    assert [c.title for c in timeline.chapters] == [
        "Intro",
        "Calf raises",
        "Lunges",
        "Run",
        "Jog (1/4)",
        "Walk (1/4)",
        "Jog (2/4)",
        "Walk (2/4)",
        "Jog (3/4)",
        "Walk (3/4)",
        "Jog (4/4)",
        "Walk (4/4)",
        "Outro",
    ]
    lunges = [c.name for c in timeline.cues if c.exercise == "Lunges"]
    one_side = ["go", "go"] + ["rep"] * 6 + ["halfway"] + ["rep"] * 5 + ["stop", "stop"]
    # a 5 s switch holds the stop, the side and the countdown: the `switch` cue is left out
    assert lunges == [
        "exercise",
        "side",
        *["countdown"] * 3,
        *one_side,
        "side",
        *["countdown"] * 3,
        *one_side,
        "rest",
        "next",
    ]
    assert [(item.cue, item.exercise, item.why) for item in timeline.left_out] == [
        ("switch", "Lunges", "the switch is 5 s")
    ]
    assert timeline.warnings == (
        "Lunges, set 1: left out the 'switch' cue ('Switch sides. Right side next.') at "
        + format_clock(timeline.left_out[0].at_ms)
        + ": the switch is 5 s",
    )
    # every gap is exactly the routine's: rests of 30 s, switches of 5 s, change-overs of 0
    assert blocks_and_gaps(timeline) == [30_000, 30_000, 5_000, 30_000, 30_000] + [0] * 7
    assert [c.text for c in timeline.cues if c.name == "side" and c.exercise == "Lunges"] == [
        "Left side.",  # a cue begins with a capital
        "Right side.",
    ]
    assert timeline.cues[0].name == "intro"
    assert timeline.cues[0].start_ms == LEAD_IN_MS
    assert timeline.cues[-1].name == "outro"


def test_reps_are_counted_exactly_on_the_tempo() -> None:
    routine = simple(Exercise("Squats", (WorkSet(10, None, 2_500, 0),), countdown=3))
    timeline = expand(routine, measure)
    count = of(timeline, "countdown")
    reps = of(timeline, "rep")
    (block,) = timeline.blocks
    assert [b - a for a, b in pairwise(count)] == [BEAT_MS, BEAT_MS]
    go_tone = next(c for c in timeline.cues if c.kind == "tone" and c.name == "go")
    assert go_tone.start_ms == count[-1] + BEAT_MS == block.go_ms
    # the go starts the first repetition; each later one is counted at its start
    assert reps == [block.go_ms + n * 2_500 for n in range(1, 10)]
    assert [c.text for c in timeline.cues if c.name == "rep"] == [str(n) for n in range(2, 11)]
    stop_tone = next(c for c in timeline.cues if c.kind == "tone" and c.name == "stop")
    assert stop_tone.start_ms == block.stop_ms == block.go_ms + 10 * 2_500


def test_without_a_go_cue_the_first_rep_is_counted() -> None:
    silent = Cues(MappingProxyType({"go": None}))
    routine = simple(Exercise("Squats", (WorkSet(3, None, 2_000, 0),), cues=silent))
    timeline = expand(routine, measure)
    assert [c.text for c in timeline.cues if c.name == "rep"] == ["1", "2", "3"]


def test_timed_block_gets_halfway_and_ten_seconds_left() -> None:
    long = Exercise("Run", (WorkSet(None, 60_000, 3_000, 0),), countdown=0)
    timeline = expand(simple(long), measure)
    go = timeline.blocks[0].go_ms
    assert of(timeline, "halfway") == [go + 30_000]
    assert of(timeline, "remaining") == [go + 50_000]
    assert [c.text for c in timeline.cues if c.name == "remaining"] == ["10 seconds left."]
    short = Exercise("Plank", (WorkSet(None, 20_000, 3_000, 0),), countdown=0)
    assert of(expand(simple(short), measure), "remaining") == []


def test_a_rest_is_exact_and_holds_what_comes_next() -> None:
    a = Exercise("A", (WorkSet(3, None, 2_000, 30_000),), countdown=3)
    b = Exercise("B", (WorkSet(3, None, 2_000, 30_000),), countdown=3)
    timeline = expand(simple(a, b), measure)
    assert blocks_and_gaps(timeline) == [30_000]
    rest = [c for c in timeline.cues if c.name == "rest" and c.kind == "speech"]
    assert len(rest) == 1  # no rest after the last exercise of the session
    assert rest[0].text == "Rest for 30 seconds."
    upcoming = [c for c in timeline.cues if c.name == "next"]
    assert upcoming[0].text == "Next up: B."
    assert upcoming[0].start_ms > rest[0].end_ms
    # the announcement and the countdown are inside the rest, the countdown ending on the go
    announce_b = next(c for c in timeline.cues if c.name == "exercise" and c.exercise == "B")
    stop_a, go_b = timeline.blocks[0].stop_ms, timeline.blocks[1].go_ms
    assert stop_a < announce_b.start_ms < go_b
    assert of(timeline, "countdown", "B") == [go_b - 3000, go_b - 2000, go_b - 1000]


def test_next_names_the_set_when_the_same_exercise_comes_again() -> None:
    calves = Exercise("Calf raises", (WorkSet(5, None, 2_000, 20_000),) * 3)
    timeline = expand(simple(calves), measure)
    assert [c.text for c in timeline.cues if c.name == "next"] == [
        "Next up: Calf raises, set 2.",
        "Next up: Calf raises, last set.",
    ]


def test_tabata_keeps_twenty_on_ten_off() -> None:
    routine = load_routine(REPO / "tests" / "routines" / "tabata.yaml")
    timeline = expand(routine, measure)
    check_invariants(timeline)
    blocks = timeline.blocks
    assert len(blocks) == 8
    assert blocks_and_gaps(timeline) == [10_000] * 7
    assert blocks[-1].stop_ms - blocks[0].go_ms == 8 * 20_000 + 7 * 10_000
    assert [b.round for b in blocks] == list(range(1, 9))
    assert [c.text for c in timeline.cues if c.name == "round"][:2] == [
        "Round 1 of 8.",
        "Round 2 of 8.",
    ]


def test_run_walk_changes_over_without_stopping() -> None:
    routine = load_routine(REPO / "tests" / "routines" / "run-walk.yaml")
    timeline = expand(routine, measure)
    check_invariants(timeline)
    assert set(blocks_and_gaps(timeline)) == {0}
    stops = [c for c in timeline.cues if c.name == "stop"]
    assert all(c.start_ms >= timeline.blocks[-1].stop_ms for c in stops)  # only the end stops
    for before, after in pairwise(timeline.blocks):
        # the countdown falls on the last seconds of the block that ends ...
        counts = [
            c
            for c in timeline.cues
            if c.name == "countdown" and before.stop_ms - 3_500 < c.start_ms < before.stop_ms
        ]
        assert [c.start_ms for c in counts] == [before.stop_ms - n * 1000 for n in (3, 2, 1)]
        # ... and one tone and the change cue start the next
        tone = [c for c in timeline.cues if c.kind == "tone" and c.start_ms == after.go_ms]
        change = [
            c
            for c in timeline.cues
            if c.name == "change" and after.go_ms <= c.start_ms < after.go_ms + 400
        ]
        assert len(tone) == 1
        assert len(change) == 1
    changes = [c.text for c in timeline.cues if c.name == "change"]
    assert changes[:2] == ["Run, a minute and a half.", "Walk, 2 minutes."]
    remaining = [c.text for c in timeline.cues if c.name == "remaining"]
    assert remaining[:2] == ["10 seconds, then Run.", "10 seconds, then Walk."]
    assert remaining[-1] == "10 seconds left."  # the last block: nothing follows


def test_a_short_gap_leaves_out_cues_in_the_contracts_order() -> None:
    tips = ("Keep your back straight and your chin tucked in.",)
    a = Exercise("A", (WorkSet(4, None, 2_000, 5_000),), countdown=3)
    b = Exercise("B", (WorkSet(4, None, 2_000, 0),), tips=tips, countdown=3)
    timeline = expand(simple(a, b), measure)
    assert blocks_and_gaps(timeline) == [5_000]
    left = [item.cue for item in timeline.left_out]
    assert left == ["tip", "next", "rest"]
    stop_a = timeline.blocks[0].stop_ms
    assert [c.name for c in timeline.cues if c.kind == "speech" and stop_a < c.start_ms][:5] == [
        "stop",
        "exercise",
        "countdown",
        "countdown",
        "countdown",
    ]
    assert [w.split(" cue (")[0] for w in timeline.warnings] == [
        "B, set 1: left out the 'tip'",
        "A, set 1: left out the 'next'",
        "A, set 1: left out the 'rest'",
    ]
    assert all(w.endswith(": the rest is 5 s") for w in timeline.warnings)
    assert of(timeline, "exercise", "B")  # the announcement is never left out


def test_a_gap_too_short_for_what_must_stay_grows_and_says_so() -> None:
    a = Exercise("A", (WorkSet(4, None, 2_000, 0),), countdown=0)
    b = Exercise(
        "Bulgarian split squats",
        (WorkSet(4, None, 2_000, 0),),
        sides=("left", "right"),
        switch_ms=0,
    )
    timeline = expand(simple(a, b), measure)
    gaps = blocks_and_gaps(timeline)
    assert all(gap > 0 for gap in gaps)
    assert any("grew by" in w for w in timeline.warnings)
    assert {"exercise", "side"} <= {c.name for c in timeline.cues if c.exercise == b.name}


def test_halfway_never_crowds_a_rep_count_or_ten_seconds_left() -> None:
    twelve = Exercise("Squats", (WorkSet(12, None, 3_000, 0),), countdown=0)
    timeline = expand(simple(twelve), measure)
    speech = [c for c in timeline.cues if c.kind == "speech"]
    for before, after in pairwise(speech):
        assert after.start_ms - before.end_ms >= SPEECH_GAP_MS
    block = Exercise("Plank", (WorkSet(None, 21_000, 3_000, 0),), countdown=0)
    timeline = expand(simple(block), measure)
    speech = [c for c in timeline.cues if c.kind == "speech"]
    for before, after in pairwise(speech):
        assert after.start_ms - before.end_ms >= SPEECH_GAP_MS
    # "Halfway." at 10.5 s and "10 seconds left." at 11 s: only the one that tells more
    assert not of(timeline, "halfway")
    assert len(of(timeline, "remaining")) == 1


@pytest.mark.parametrize(("seconds", "both"), [(30, False), (39, False), (40, True), (60, True)])
def test_halfway_and_ten_seconds_left_are_never_within_ten_seconds(
    seconds: int, both: bool
) -> None:
    block = Exercise("Plank", (WorkSet(None, seconds * 1000, 3_000, 0),), countdown=0)
    timeline = expand(simple(block), measure)
    assert len(of(timeline, "remaining")) == 1
    halfway = of(timeline, "halfway")
    assert bool(halfway) == both
    if halfway:
        assert of(timeline, "remaining")[0] - halfway[0] >= 10_000
    # with `remaining` silenced, halfway is said
    quiet = Cues(MappingProxyType({"remaining": None}))
    alone = Exercise("Plank", (WorkSet(None, seconds * 1000, 3_000, 0),), cues=quiet)
    assert len(of(expand(simple(alone), measure), "halfway")) == 1


def test_a_side_named_by_the_switch_is_not_said_again() -> None:
    said = {"switch": Template(("Switch to your {side}.",)), "side": Template(("{side}.",))}
    cues = Cues(MappingProxyType(said))
    lunges = Exercise(
        "Lunges",
        (WorkSet(3, None, 2_000, 10_000),),
        sides=("left leg", "right leg"),
        switch_ms=8_000,
        cues=cues,
        countdown=0,
    )
    timeline = expand(simple(lunges), measure)
    spoken = [(c.name, c.text) for c in timeline.cues if c.name in ("side", "switch")]
    assert spoken == [("side", "Left leg."), ("switch", "Switch to your right leg.")]


def test_the_last_stop_and_the_last_session_of_a_plan_end_it_as_such() -> None:
    tabata = Cues(MappingProxyType({"stop": Template(("Rest.",))}))
    work = Exercise("Squat jumps", (WorkSet(None, 20_000, 3_000, 10_000),), cues=tabata)
    timeline = expand(simple(Repeat(3, (work,)), cues=tabata), measure)  # type: ignore[arg-type]
    stops = [c.text for c in timeline.cues if c.name == "stop" and c.kind == "speech"]
    assert stops == ["Rest.", "Rest.", "Rest."]  # a routine's own stop is kept ...
    ending = Cues(
        MappingProxyType({"stop": Template(("Rest.",)), "last_stop": Template(("Done.",))})
    )
    work = Exercise("Squat jumps", (WorkSet(None, 20_000, 3_000, 10_000),), cues=ending)
    timeline = expand(simple(Repeat(3, (work,)), cues=ending), measure)  # type: ignore[arg-type]
    stops = [c.text for c in timeline.cues if c.name == "stop" and c.kind == "speech"]
    assert stops == ["Rest.", "Rest.", "Done."]
    plain = Exercise("Plank", (WorkSet(None, 20_000, 3_000, 0),))
    ends = expand(simple(plain), measure).cues
    assert [c.text for c in ends if c.name == "stop" and c.kind == "speech"] == ["Stop there."]


def test_tips_are_spoken_on_the_first_occurrence_only() -> None:
    jog = Exercise("Jog", (WorkSet(None, 30_000, 3_000, 5_000),), tips=("Stay tall.",))
    timeline = expand(simple(Repeat(3, (jog,))), measure)  # type: ignore[arg-type]
    assert [c.text for c in timeline.cues if c.name == "tip"] == ["Stay tall."]
    assert len(of(timeline, "exercise")) == 3


def test_intro_says_the_real_length_in_minutes() -> None:
    run = Exercise("Run", (WorkSet(None, 5 * 60_000, 3_000, 0),))
    timeline = expand(simple(run), measure)
    minutes = round(timeline.duration_ms / 60_000)
    assert f"about {minutes} minutes" in timeline.cues[0].text


def test_speech_that_does_not_fit_is_left_out_and_reported() -> None:
    cues = Cues(MappingProxyType({"rep": Template(("Repetition number {rep} of {reps}",))}))
    fast = Exercise("Fast", (WorkSet(6, None, 1_000, 0),), cues=cues, countdown=0)
    timeline = expand(simple(fast), measure)
    check_invariants(timeline)
    assert len(of(timeline, "rep")) < 5
    assert any("Fast, set 1: left out the 'rep' cue" in w for w in timeline.warnings)


def test_silenced_cues_and_tones_off_leave_nothing() -> None:
    silent = Cues(MappingProxyType({name: None for name in ("intro", "outro", "rep", "go")}))
    ex = Exercise("A", (WorkSet(3, None, 2_000, 0),), cues=silent, countdown=0)
    timeline = expand(simple(ex, cues=silent, audio=AudioSettings(tones=NO_TONES)), measure)
    kinds = {c.name for c in timeline.cues}
    assert kinds == {"exercise", "halfway", "stop"}


def test_alternatives_are_stable_between_builds() -> None:
    cues = Cues(MappingProxyType({"go": Template(("Go!", "Push!", "Now!"))}))
    ex = Exercise("A", (WorkSet(2, None, 2_000, 5_000),) * 6, cues=cues)
    first = [c.text for c in expand(simple(ex), measure).cues if c.name == "go"]
    again = [c.text for c in expand(simple(ex), measure).cues if c.name == "go"]
    assert first == again
    assert len(set(first)) > 1


# -- properties --------------------------------------------------------------------------

work_sets = st.builds(
    WorkSet,
    reps=st.one_of(st.none(), st.integers(1, 12)),
    duration_ms=st.integers(1, 90).map(lambda s: s * 1000),
    tempo_ms=st.integers(5, 40).map(lambda t: t * 100),
    rest_ms=st.sampled_from([0, 5_000, 12_500, 30_000]),
    note=st.one_of(st.none(), st.text("abc ", min_size=1, max_size=30)),
).map(lambda w: w if w.reps is None else WorkSet(w.reps, None, w.tempo_ms, w.rest_ms, w.note))

exercises = st.builds(
    Exercise,
    name=st.sampled_from(["Squats", "Plank", "Jog", "Lunges"]),
    sets=st.lists(work_sets, min_size=1, max_size=3).map(tuple),
    tips=st.lists(st.text("xyz .", min_size=1, max_size=60), max_size=2).map(tuple),
    sides=st.sampled_from([(), ("left", "right"), ("a", "b", "c")]),
    switch_ms=st.sampled_from([0, 3_000, 5_000]),
    countdown=st.integers(0, 5),
)

items = st.recursive(
    exercises,
    lambda inner: st.builds(
        Repeat, times=st.integers(1, 3), items=st.lists(inner, min_size=1, max_size=3).map(tuple)
    ),
    max_leaves=6,
)

routines = st.builds(
    Routine,
    title=st.just("Property"),
    items=st.lists(items, min_size=1, max_size=4).map(tuple),
    audio=st.builds(AudioSettings, tones=st.sampled_from([Tones(), NO_TONES])),
)


@settings(max_examples=60, deadline=None)
@given(routines, st.integers(20, 120))
@pytest.mark.slow
def test_any_routine_expands_to_a_sound_timeline(routine: Routine, ms_per_char: int) -> None:
    timeline = expand(routine, lambda text: ms_per_char * len(text))
    check_invariants(timeline)
    # every exercise occurrence has its chapter, in order, between intro and outro
    done = list(occurrences(routine.items))
    assert len(timeline.chapters) == len(done) + 2
    assert [c.title.split(" (")[0] for c in timeline.chapters[1:-1]] == [e.name for e in done]
    # the work, rests and switches add up to no more than the whole session
    assert timeline.duration_ms >= minimum_duration_ms(routine.items)
    # every cue keeps the least gap from the one before it; speech 250 ms from speech
    for before, after in pairwise(timeline.cues):
        least = SPEECH_GAP_MS if before.kind == after.kind == "speech" else GAP_MS
        assert after.start_ms - before.end_ms >= least, (before, after)
    # gaps are exact unless a warning says one grew
    grown = sum("grew by" in w for w in timeline.warnings)
    done_steps = [
        (exercise, work, side)
        for exercise in done
        for work in exercise.sets
        for side in exercise.sides or (None,)
    ]
    assert len(timeline.blocks) == len(done_steps)
    asked = []
    for (ex_a, work_a, _), (ex_b, work_b, side_b) in pairwise(done_steps):
        same_set = ex_a is ex_b and work_a is work_b and side_b is not None
        same_set = same_set and side_b != ex_b.sides[0]
        asked.append(ex_b.switch_ms if same_set else work_a.rest_ms)
    actual = [b.go_ms - a.stop_ms for a, b in pairwise(timeline.blocks)]
    assert sum(1 for want, got in zip(asked, actual, strict=True) if want != got) <= grown
    assert all(got >= want for want, got in zip(asked, actual, strict=True))
    # the session is its lead-in, its work, its gaps and its outro: nothing else
    work = sum(b.stop_ms - b.go_ms for b in timeline.blocks)
    outro = timeline.duration_ms - timeline.blocks[-1].stop_ms
    assert timeline.duration_ms == timeline.blocks[0].go_ms + work + sum(actual) + outro
