from __future__ import annotations

import re

import pytest

from voicecoach.help import cue_table, default_wording
from voicecoach.language.saying import words_for
from voicecoach.routine.wording import (
    DEFAULTS,
    PLACEHOLDERS,
    WHEN,
    Template,
    TemplateError,
    check_template,
    default_template,
    work_template,
)


def generated_cue_table() -> dict[str, tuple[str, ...]]:
    """The cue table the docs and `voicecoach help cues` show: each cue with its placeholders."""
    table = {}
    for line in cue_table().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and re.fullmatch(r"`[a-z_]+`", cells[0]):
            table[cells[0].strip("`")] = tuple(re.findall(r"`([a-z_]+)`", cells[2]))
    return table


def test_the_generated_cue_table_lists_every_cue_with_its_placeholders() -> None:
    assert generated_cue_table() == PLACEHOLDERS
    assert list(generated_cue_table()) == list(PLACEHOLDERS)  # in the code's order


def test_every_cue_says_when_it_is_said() -> None:
    assert list(WHEN) == list(PLACEHOLDERS)
    assert all(WHEN[cue].strip() for cue in WHEN)


@pytest.mark.parametrize("cue", sorted(PLACEHOLDERS))
def test_the_table_shows_each_default_as_a_reader_sees_it(cue: str) -> None:
    shown = default_wording(cue)
    row = next(line for line in cue_table().splitlines() if line.startswith(f"| `{cue}` |"))
    assert shown.replace("|", "\\|") in row
    assert WHEN[cue] in row
    if cue in DEFAULTS:
        # the default's own words, its placeholders as a routine writes them
        assert shown.startswith(DEFAULTS[cue])


def test_the_announcements_in_the_table_are_the_fitted_defaults() -> None:
    assert default_wording("exercise").startswith("{name}. 2 sets of 12 reps. (")
    assert default_wording("change").startswith("{name}, a minute and a half. (")


@pytest.mark.parametrize("cue", sorted(DEFAULTS))
def test_defaults_use_only_allowed_placeholders(cue: str) -> None:
    check_template(DEFAULTS[cue], cue)


@pytest.mark.parametrize(
    ("template", "shown"),
    [
        ("{name.__class__}", "{name.__class__}"),
        ("{name[0]}", "{name[0]}"),
        ("{name!r}", "{name!r}"),
        ("{name:>99999}", "{name:>99999}"),
        ("{title}", "{title}"),
        ("{}", "{}"),
        ("{0}", "{0}"),
    ],
)
def test_anything_but_plain_allowed_names_is_refused(template: str, shown: str) -> None:
    with pytest.raises(TemplateError) as caught:
        check_template(f"Go {template} now", "go")
    assert str(caught.value) == f"expected only the placeholders {{name}}, found {shown}"


@pytest.mark.parametrize(("template", "position"), [("a {b", 3), ("a } b", 3), ("{{ {x", 4)])
def test_unbalanced_braces_report_their_position(template: str, position: int) -> None:
    with pytest.raises(TemplateError, match=f"unbalanced braces at character {position} "):
        check_template(template, "go")


def test_literal_braces_are_allowed() -> None:
    check_template("{{not a placeholder}} {name}", "go")
    assert Template(("{{x}} {name}",)).render({"name": "A"}, "k") == "{x} A"


def test_alternatives_pick_the_same_way_for_the_same_key_and_vary_across_keys() -> None:
    template = Template(("one", "two", "three", "four"))
    picks = [template.render({}, f"routine\0go\0{n}") for n in range(40)]
    assert picks == [template.render({}, f"routine\0go\0{n}") for n in range(40)]
    assert set(picks) == {"One", "Two", "Three", "Four"}  # a cue begins as a sentence


def test_rendering_tidies_whitespace_left_by_empty_values() -> None:
    assert (
        Template(("Set {set} of {sets}. {note}",)).render({"set": 1, "sets": 2, "note": ""}, "k")
        == "Set 1 of 2."
    )


def _work(cue: str, sets: int, reps: int | None, seconds: int | None, side: str = "") -> str:
    template = work_template(
        words_for("en"),
        cue=cue,
        sets=sets,
        reps=reps,
        duration_ms=None if seconds is None else seconds * 1000,
        sided=bool(side),
    )
    said = words_for("en").duration(seconds * 1000) if seconds else ""
    values = {"name": "Lunges", "sets": sets, "reps": reps or "", "duration": said}
    values |= {"side": side, "sides": side}
    return default_template(template).render(values, "pick")


@pytest.mark.parametrize(
    ("cue", "sets", "reps", "seconds", "side", "expected"),
    [
        ("exercise", 2, 12, None, "", "Lunges. 2 sets of 12 reps."),
        ("exercise", 1, 12, None, "left", "Lunges. 12 reps on each side."),
        ("exercise", 1, 1, None, "", "Lunges. 1 rep."),
        ("exercise", 2, 1, None, "", "Lunges. 2 sets of 1 rep."),
        ("exercise", 1, None, 240, "", "Lunges. 4 minutes."),
        ("exercise", 3, None, 90, "", "Lunges. 3 rounds of a minute and a half."),
        ("exercise", 1, None, 61, "", "Lunges. A minute and 1 second."),
        ("exercise", 1, None, 60, "", "Lunges. A minute."),
        ("exercise", 1, None, 150, "", "Lunges. 2 and a half minutes."),
        ("change", 1, None, 90, "", "Lunges, a minute and a half."),
        ("change", 4, None, 1, "left", "Lunges, 1 second, left side."),
        ("change", 1, 1, None, "", "Lunges, 1 rep."),
    ],
)
def test_default_announcements_fit_the_work_and_are_grammatical(
    cue: str, sets: int, reps: int | None, seconds: int | None, side: str, expected: str
) -> None:
    assert _work(cue, sets, reps, seconds, side) == expected


@pytest.mark.parametrize(
    ("cue", "values", "expected"),
    [
        ("rest", {"seconds": 1, "duration": "1 second", "next": ""}, "Rest for 1 second."),
        (
            "rest",
            {"seconds": 90, "duration": "a minute and a half", "next": ""},
            "Rest for a minute and a half.",
        ),
        ("remaining", {"seconds": 1, "duration": "1 second", "next": ""}, "1 second left."),
        (
            "intro",
            {
                "title": "T",
                "description": "",
                "exercise_count": "1 exercise",
                "minute_count": "a minute",
            },
            "Welcome to T. 1 exercise, about a minute.",
        ),
        (
            "intro",
            {
                "title": "T",
                "description": "D.",
                "exercise_count": "2 exercises",
                "minute_count": "3 minutes",
            },
            "Welcome to T. D. 2 exercises, about 3 minutes.",
        ),
        ("round", {"round": 2, "rounds": 8}, "Round 2 of 8."),
    ],
)
def test_every_default_is_grammatical_for_every_count(
    cue: str, values: dict[str, object], expected: str
) -> None:
    assert default_template(DEFAULTS[cue]).render(values, "pick") == expected


def test_a_routines_braces_are_its_own() -> None:
    with pytest.raises(TemplateError):
        check_template("{seconds|second|seconds}", "rest")
    # a routine's own braces are its own: written {{ }}, they stay as written
    assert Template(("{{seconds|a|b}} {seconds}",)).render({"seconds": 1}, "p") == (
        "{seconds|a|b} 1"
    )


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (0, "0 seconds"),
        (1, "1 second"),
        (45, "45 seconds"),
        (60, "a minute"),
        (75, "a minute and 15 seconds"),
        (90, "a minute and a half"),
        (120, "2 minutes"),
        (150, "2 and a half minutes"),
        (135, "2 minutes and 15 seconds"),
        (3600, "an hour"),
        (5400, "an hour and a half"),
        (3725, "an hour, 2 minutes and 5 seconds"),
        (7200, "2 hours"),
    ],
)
def test_durations_are_said_as_a_person_says_them(seconds: int, said: str) -> None:
    assert words_for("en").duration(seconds * 1000) == said


def test_a_template_written_with_duration_in_seconds_still_says_seconds() -> None:
    # `{duration}` now says "2 minutes"; "{duration} seconds" was written for a number
    values = {"name": "Run", "duration": "2 minutes", "seconds": 120}
    assert Template(("{name}! {duration} seconds.",)).render(values, "k") == "Run! 120 seconds."
    assert Template(("{name}, {duration}.",)).render(values, "k") == "Run, 2 minutes."
