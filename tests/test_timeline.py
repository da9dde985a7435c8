from __future__ import annotations

from itertools import pairwise
from types import MappingProxyType

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import REPO
from voicecoach.loader import load_routine
from voicecoach.model import (
    NO_TONES,
    AudioSettings,
    Cues,
    Exercise,
    Repeat,
    Routine,
    Tones,
    WorkSet,
)
from voicecoach.timeline import (
    BEAT_MS,
    GAP_MS,
    LEAD_IN_MS,
    Timeline,
    expand,
    minimum_duration_ms,
    occurrences,
)
from voicecoach.wording import Template


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
    assert chapters[0].start_ms == 0 and chapters[-1].end_ms == timeline.duration_ms
    for before, after in pairwise(chapters):
        assert before.end_ms == after.start_ms and before.start_ms < before.end_ms


def of(timeline: Timeline, cue: str, exercise: str | None = None) -> list[int]:
    return [
        c.start_ms
        for c in timeline.cues
        if c.cue == cue and (exercise is None or c.exercise == exercise)
    ]


def simple(*exercises: Exercise, **kwargs: object) -> Routine:
    return Routine(title="T", items=tuple(exercises), **kwargs)  # type: ignore[arg-type]


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
    lunges = [c.cue for c in timeline.cues if c.exercise == "Lunges"]
    one_side = (
        ["countdown"] * 3
        + ["go", "go"]
        + ["rep"] * 7
        + ["halfway"]
        + ["rep"] * 5
        + ["stop", "stop"]
    )
    assert lunges == [
        "exercise",
        "side",
        *one_side,
        "switch",
        "side",
        *one_side,
        "rest",
        "next",
        "rest",
    ]
    rest_tone = [c for c in timeline.cues if c.exercise == "Lunges"][-1]
    rest_speech = [c for c in timeline.cues if c.exercise == "Lunges" and c.cue == "rest"][0]
    assert rest_tone.kind == "tone" and rest_tone.start_ms == rest_speech.start_ms + 30_000 - 1000
    assert [c.text for c in timeline.cues if c.cue == "side" and c.exercise == "Lunges"] == [
        "left side.",
        "right side.",
    ]
    assert timeline.cues[0].cue == "intro" and timeline.cues[0].start_ms == LEAD_IN_MS
    assert timeline.cues[-1].cue == "outro"
    assert not timeline.warnings


def test_reps_are_counted_exactly_on_the_tempo() -> None:
    routine = simple(Exercise("Squats", (WorkSet(10, None, 2_500, 0),), countdown=3))
    timeline = expand(routine, measure)
    count = of(timeline, "countdown")
    reps = of(timeline, "rep")
    assert [b - a for a, b in pairwise(count)] == [BEAT_MS, BEAT_MS]
    go_tone = [c for c in timeline.cues if c.kind == "tone" and c.cue == "go"][0]
    assert go_tone.start_ms == count[-1] + BEAT_MS
    assert reps[0] == go_tone.start_ms + BEAT_MS
    assert [b - a for a, b in pairwise(reps)] == [2_500] * 9
    stop_tone = [c for c in timeline.cues if c.kind == "tone" and c.cue == "stop"][0]
    assert stop_tone.start_ms == reps[-1] + 2_500
    assert [c.text for c in timeline.cues if c.cue == "rep"] == [str(n) for n in range(1, 11)]


def test_timed_block_gets_halfway_and_ten_seconds_left() -> None:
    long = Exercise("Run", (WorkSet(None, 60_000, 3_000, 0),), countdown=0)
    timeline = expand(simple(long), measure)
    go = [c for c in timeline.cues if c.kind == "tone" and c.cue == "go"][0].start_ms
    assert of(timeline, "halfway") == [go + 30_000]
    assert of(timeline, "remaining") == [go + 50_000]
    assert [c.text for c in timeline.cues if c.cue == "remaining"] == ["10 seconds left."]
    short = Exercise("Plank", (WorkSet(None, 20_000, 3_000, 0),), countdown=0)
    assert of(expand(simple(short), measure), "remaining") == []


def test_rest_announces_what_comes_next_and_holds_its_length() -> None:
    a = Exercise("A", (WorkSet(3, None, 2_000, 30_000),), countdown=0)
    b = Exercise("B", (WorkSet(3, None, 2_000, 30_000),), countdown=0)
    timeline = expand(simple(a, b), measure)
    rest = [c for c in timeline.cues if c.cue == "rest" and c.kind == "speech"]
    assert len(rest) == 1  # no rest after the last exercise of the session
    assert rest[0].text == "Rest for 30 seconds."
    upcoming = [c for c in timeline.cues if c.cue == "next"]
    assert upcoming[0].text == "Next up: B." and upcoming[0].start_ms == rest[0].start_ms + 20_000
    announce_b = [c for c in timeline.cues if c.cue == "exercise" and c.exercise == "B"][0]
    assert announce_b.start_ms == rest[0].start_ms + 30_000


def test_tips_are_spoken_on_the_first_occurrence_only() -> None:
    jog = Exercise("Jog", (WorkSet(None, 30_000, 3_000, 0),), tips=("Stay tall.",))
    timeline = expand(simple(Repeat(3, (jog,))), measure)  # type: ignore[arg-type]
    assert [c.text for c in timeline.cues if c.cue == "tip"] == ["Stay tall."]
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
    assert len(of(timeline, "rep")) < 6
    assert any("'rep' cues in Fast were left out" in w for w in timeline.warnings)


def test_silenced_cues_and_tones_off_leave_nothing() -> None:
    silent = Cues(MappingProxyType({name: None for name in ("intro", "outro", "rep", "go")}))
    ex = Exercise("A", (WorkSet(3, None, 2_000, 0),), cues=silent, countdown=0)
    timeline = expand(simple(ex, cues=silent, audio=AudioSettings(tones=NO_TONES)), measure)
    kinds = {c.cue for c in timeline.cues}
    assert kinds == {"exercise", "halfway", "stop"}


def test_alternatives_are_stable_between_builds() -> None:
    cues = Cues(MappingProxyType({"go": Template(("Go!", "Push!", "Now!"))}))
    ex = Exercise("A", (WorkSet(2, None, 2_000, 5_000),) * 6, cues=cues)
    first = [c.text for c in expand(simple(ex), measure).cues if c.cue == "go"]
    again = [c.text for c in expand(simple(ex), measure).cues if c.cue == "go"]
    assert first == again and len(set(first)) > 1


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
def test_any_routine_expands_to_a_sound_timeline(routine: Routine, ms_per_char: int) -> None:
    timeline = expand(routine, lambda text: ms_per_char * len(text))
    check_invariants(timeline)
    # every exercise occurrence has its chapter, in order, between intro and outro
    done = list(occurrences(routine.items))
    assert len(timeline.chapters) == len(done) + 2
    assert [c.title.split(" (")[0] for c in timeline.chapters[1:-1]] == [e.name for e in done]
    # the work, rests and switches add up to no more than the whole session
    assert timeline.duration_ms >= minimum_duration_ms(routine.items)
    # every cue keeps the least gap from the one before it
    for before, after in pairwise(timeline.cues):
        assert after.start_ms - before.end_ms >= GAP_MS
