from __future__ import annotations

import re

import pytest

from tests.conftest import REPO
from voicecoach.wording import (
    DEFAULTS,
    PLACEHOLDERS,
    Template,
    TemplateError,
    check_template,
    default_exercise_template,
)


def readme_cue_table() -> dict[str, tuple[str, ...]]:
    """The cue table of the README: each cue with the placeholders it lists."""
    table = {}
    for line in (REPO / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and re.fullmatch(r"`[a-z_]+`", cells[0]):
            table[cells[0].strip("`")] = tuple(re.findall(r"`([a-z_]+)`", cells[2]))
    return table


def test_the_readme_lists_every_cue_with_its_placeholders() -> None:
    assert readme_cue_table() == PLACEHOLDERS


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
    assert set(picks) == {"one", "two", "three", "four"}


def test_rendering_tidies_whitespace_left_by_empty_values() -> None:
    assert (
        Template(("Set {set} of {sets}. {note}",)).render({"set": 1, "sets": 2, "note": ""}, "k")
        == "Set 1 of 2."
    )


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (
            {"sets": 2, "timed": False, "duration_ms": None, "sided": False},
            "{name}. {sets} sets of {reps} reps.",
        ),
        (
            {"sets": 1, "timed": False, "duration_ms": None, "sided": True},
            "{name}. {reps} reps on each side.",
        ),
        ({"sets": 1, "timed": True, "duration_ms": 240_000, "sided": False}, "{name}. 4 minutes."),
        (
            {"sets": 3, "timed": True, "duration_ms": 90_000, "sided": False},
            "{name}. {sets} rounds of 1 minute 30 seconds.",
        ),
        ({"sets": 1, "timed": True, "duration_ms": 45_000, "sided": False}, "{name}. 45 seconds."),
    ],
)
def test_default_announcements_fit_the_exercise(kwargs: dict, expected: str) -> None:  # type: ignore[type-arg]
    template = default_exercise_template(**kwargs)
    assert template == expected
    check_template(template, "exercise")
