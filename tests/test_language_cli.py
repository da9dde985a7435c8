"""The language from the command line and in the files: starters, voices, workout files,
errors and warnings, and a German session built and measured."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support.audio import check_session
from voicecoach.cli import main
from voicecoach.session.build import BuildOptions, build_routine, plan_routine
from voicecoach.sources import SourceOptions, open_source

REPO = Path(__file__).resolve().parent.parent
WORKOUTS = REPO / "tests" / "workouts"

SIDED = """
title: Zwei Seiten
language: de
defaults: {rest: 20s, tempo: 1s, switch: 6s}
exercises:
  - name: Alpha
    sets: 2
    reps: 3
    sides: [left, right]
  - {name: Beta, duration: 30s}
"""


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_new_writes_the_starter_in_the_language_asked(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "beine.yaml"
    result = runner.invoke(main, ["new", str(target), "--language", "de"])
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    assert "language: de" in text
    assert "Wadenheben" in text or "Waden" in text
    us = tmp_path / "legs.yaml"
    assert runner.invoke(main, ["new", str(us), "--language", "en-us"]).exit_code == 0
    assert "language: en-US\nunits: imperial\n" in us.read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--language", "xx"], "expected a built-in language (en, en-US, de, fr"),
        (["--language", "de", "-t", "tabata"], "'tabata' is written in English only"),
    ],
)
def test_new_refuses_what_it_cannot_write_in_one_line(
    runner: CliRunner, tmp_path: Path, args: list[str], message: str
) -> None:
    result = runner.invoke(main, ["new", str(tmp_path / "x.yaml"), *args])
    assert result.exit_code != 0
    assert message in result.output
    assert not (tmp_path / "x.yaml").exists()


def test_voices_says_which_languages_are_built_in(runner: CliRunner) -> None:
    result = runner.invoke(main, ["voices", "--lang", "pt"])
    assert result.exit_code == 0, result.output
    assert "pt-BR  Portuguese (Brazil) (português (Brasil)), voice pt-br" in result.output
    assert "Portuguese (Portugal)" in result.output


def test_an_unknown_language_is_one_line_naming_file_line_and_key(tmp_path: Path) -> None:
    from voicecoach.errors import RoutineError

    path = tmp_path / "r.yaml"
    path.write_text("title: T\nlanguage: klingon\nexercises: [{name: A, reps: 2}]\n")
    with pytest.raises(RoutineError) as caught:
        open_source(path)
    assert str(caught.value).startswith(f"{path}:2: language: expected a built-in language (en,")
    assert "found 'klingon'" in str(caught.value)


def test_next_and_sides_bring_no_english_into_a_german_routine(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(SIDED)
    routine = open_source(path)
    timeline = plan_routine(routine, estimate=True)  # type: ignore[arg-type]
    said = " ".join(cue.text for cue in timeline.cues if cue.kind == "speech")
    for english in ("left", "right", "side", "last set", "Next", "Rest", "Switch"):
        assert english not in said
    assert "Alpha" in said
    assert routine.voice.language == "de"  # type: ignore[union-attr]


def test_a_voice_of_another_language_is_a_warning_naming_both(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(SIDED.replace("language: de", "language: de\nvoice: {name: en-us}"))
    timeline = plan_routine(open_source(path))  # type: ignore[arg-type]
    warned = [w for w in timeline.warnings if "voice" in w]
    assert warned == [
        f"{path}:4: voice.name: the voice 'en-us' speaks 'en-us', but the routine's language "
        "is 'de' (German): its words will be read with another language's sounds"
    ]
    same = tmp_path / "s.yaml"
    same.write_text(SIDED)
    assert not [w for w in plan_routine(open_source(same)).warnings if "voice" in w]  # type: ignore[arg-type]


def test_a_workout_file_is_voiced_in_the_language_given_its_own_words_as_written() -> None:
    english = plan_routine(open_source(WORKOUTS / "xp-sample-bike.zwo"), estimate=True)  # type: ignore[arg-type]
    german = plan_routine(
        open_source(WORKOUTS / "xp-sample-bike.zwo", SourceOptions(language="de")),  # type: ignore[arg-type]
        estimate=True,
    )
    said_en = [c.text for c in english.cues if c.kind == "speech"]
    said_de = [c.text for c in german.cues if c.kind == "speech"]
    assert "Warm-up. 15 minutes, at 45 to 65 per cent of FTP." in said_en
    assert not any("Warm-up" in text or "per cent" in text for text in said_de)
    assert any("Aufwärmen: 15 Minuten" in text for text in said_de)
    # the coach's own messages are said as written
    hills = WORKOUTS / "hill-reps-run.zwo"
    for options in (SourceOptions(), SourceOptions(language="de")):
        timeline = plan_routine(open_source(hills, options), estimate=True)  # type: ignore[arg-type]
        said = [c.text for c in timeline.cues if c.name == "say"]
        assert said[:2] == ["Easy start, relax your shoulders", "Drive your knees"]


@pytest.mark.slow
@pytest.mark.parametrize("tag", ["de", "fi"])
def test_a_session_in_another_language_keeps_its_timing(tmp_path: Path, tag: str) -> None:
    from voicecoach.templates import template_text

    path = tmp_path / "legs.yaml"
    path.write_text(template_text("leg-workout", tag), encoding="utf-8")
    routine = open_source(path)
    result = build_routine(routine, BuildOptions(output=tmp_path / "legs.mp3"))  # type: ignore[arg-type]
    measured = check_session(result.audio_path)
    assert measured["worst_onset_ms"] <= 5
    cues = measured["document"]["cues"]
    assert all(b["start_ms"] >= a["end_ms"] for a, b in itertools.pairwise(cues))
    assert measured["document"]["voice"]["language"] == tag
    from voicecoach.timeline.choreography import steps

    planned = steps(routine)  # type: ignore[arg-type]
    asked = [step.gap_before(previous)[1] for previous, step in itertools.pairwise(planned)]
    blocks = measured["document"]["blocks"]
    assert [b["go_ms"] - a["stop_ms"] for a, b in itertools.pairwise(blocks)] == asked
