"""A coach in the runner's language: every built-in language, nothing English left in it.

The leg workout and the leg programme that `voicecoach new --language L` writes are laid
out in every built-in language; every text said, and the page, feed and calendar, are
checked for English words, and espeak-ng's own phonemes for a switch to English.
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from voicecoach.language.compiling import main as catalogues
from voicecoach.language.saying import words_for
from voicecoach.language.tags import LANGUAGES, language_for
from voicecoach.programme import publish
from voicecoach.programme.loader import parse_programme
from voicecoach.programme.page import page
from voicecoach.programme.progression import PlannedSession, plan_sessions
from voicecoach.programme.publish import Record
from voicecoach.routine.loading import parse_routine
from voicecoach.routine.model import Exercise, Routine
from voicecoach.routine.safe_yaml import as_lines
from voicecoach.session.build import estimate_measure
from voicecoach.templates import template_text
from voicecoach.timeline import Timeline, expand

TAGS = list(LANGUAGES)
OTHER_TAGS = [tag for tag in TAGS if language_for(tag).catalogue is not None]
ESPEAK = shutil.which("espeak-ng")

# English words none of the other languages' coaches would say
ENGLISH = {
    "second", "seconds", "minute", "minutes", "hour", "hours", "left", "right", "side",
    "sides", "next", "rest", "round", "rounds", "halfway", "switch", "set", "sets", "rep",
    "reps", "go", "stop", "well", "done", "week", "weeks", "session", "sessions", "intro",
    "outro", "workout", "warm", "cool", "last", "each", "about", "welcome", "great", "work",
    "keep", "the", "that", "kilometre", "kilometres", "metres", "mile", "miles", "percent",
    "cent", "heart", "zone", "power", "easy", "hard", "steady", "threshold", "playlist",
    "calendar", "feed", "progression", "day", "length", "all", "effort", "your",
    "maximum", "watts", "then", "ready", "up", "squats", "lunges", "calf", "raises",
}  # fmt: skip
# words of a language that English has too, each the language's own
THEIR_OWN = {
    "fr": {"minutes", "effort", "date", "progression"},  # la minute, l'effort, la date...
    "it": {"podcast", "squat"},  # the Italian gym's and radio's own loanwords
    "nl": {"week", "weeks", "maximum"},  # de week, het maximum
    "sv": {"set", "per"},  # ett set (a set), per kilometer
    "da": {"stop", "side", "per", "rate"},  # stop, side (a side), per, rate (instalment)
    "nb": {"side", "per"},  # side, per kilometer
    "de": {"maximum"},  # das Maximum
    "pl": set(),
    "fi": set(),
    "es": set(),
    "pt-PT": set(),
    "pt-BR": set(),
}
WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def routine_in(tag: str) -> Routine:
    """The starter leg workout of `voicecoach new --language tag`."""
    text = template_text("leg-workout", tag)
    return parse_routine(as_lines(yaml.safe_load(text)), f"leg-workout.{tag}.yaml")


def programme_sessions(tag: str) -> tuple[object, list[PlannedSession]]:
    """The starter leg programme of `voicecoach new --language tag`, planned."""
    text = template_text("leg-programme", tag)
    programme = parse_programme(as_lines(yaml.safe_load(text)), f"leg-programme.{tag}.yaml")
    return programme, plan_sessions(programme)


def spoken(timeline: Timeline) -> list[str]:
    return [cue.text for cue in timeline.cues if cue.kind == "speech" and cue.text]


def english_words(texts: list[str], tag: str) -> set[str]:
    allowed = THEIR_OWN.get(tag, set())
    found = set()
    for text in texts:
        for word in WORD.findall(text):
            folded = word.casefold()
            if folded in ENGLISH and folded not in allowed:
                found.add(f"{word!r} in {text!r}")
    return found


def test_the_catalogues_are_complete_checked_and_compiled() -> None:
    assert catalogues(["--check"]) == 0


def test_every_language_has_its_own_words_for_every_cue() -> None:
    from voicecoach.help import default_wording
    from voicecoach.routine.wording import PLACEHOLDERS

    for tag in OTHER_TAGS:
        for cue in PLACEHOLDERS:
            if cue in ("countdown", "rep", "milestone"):
                continue  # a number, said in the voice's language; the programme's own text
            assert default_wording(cue, tag, notes=False) != default_wording(
                cue, "en", notes=False
            ), (tag, cue)


@pytest.mark.parametrize("tag", TAGS)
def test_the_leg_workout_is_said_in_its_language_with_nothing_english(tag: str) -> None:
    routine = routine_in(tag)
    assert routine.speaks == language_for(tag).tag
    texts = spoken(expand(routine, estimate_measure(routine)))
    chapters = [c.title for c in expand(routine, estimate_measure(routine)).chapters]
    if tag in OTHER_TAGS:
        assert english_words(texts + chapters, tag) == set()
    assert len(texts) > 100


def _planned_records(sessions: list[PlannedSession]) -> list[Record]:
    records = []
    for planned in sessions[:4]:
        timeline = expand(planned.routine, estimate_measure(planned.routine))
        records.append(
            Record(
                number=planned.slot.number,
                week=planned.slot.week,
                day=planned.slot.day,
                date=planned.slot.date,
                file=f"{planned.stem}.mp3",
                title=planned.title,
                duration_ms=timeline.duration_ms,
                bytes=1,
                built=datetime.datetime(2027, 1, 1, tzinfo=datetime.timezone.utc),
                chapters=tuple((c.title, c.start_ms, c.end_ms) for c in timeline.chapters),
                exercises={
                    e.name: {"sets": len(e.sets), "reps": e.sets[0].reps, "sides": list(e.sides)}
                    for e in planned.routine.exercises()
                },
                key="k",
            )
        )
    return records


def _values(exercise: Exercise) -> dict[str, object]:
    return {"sets": len(exercise.sets), "reps": exercise.sets[0].reps, "sides": exercise.sides}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(data.strip())


@pytest.mark.parametrize("tag", TAGS)
def test_the_leg_programme_its_page_feed_and_calendar_are_in_its_language(tag: str) -> None:
    programme, sessions = programme_sessions(tag)
    assert programme.language == language_for(tag).tag  # type: ignore[attr-defined]
    texts: list[str] = []
    for planned in sessions:
        texts += spoken(expand(planned.routine, estimate_measure(planned.routine)))
    texts = list(dict.fromkeys(texts))
    records = _planned_records(sessions)
    html = page(programme, records, calendar=True, feed=True)  # type: ignore[arg-type]
    assert f'<html lang="{language_for(tag).tag}">' in html
    reader = _Text()
    reader.feed(html)
    feed = publish.feed(programme, records, "https://example.org/legs/").decode()  # type: ignore[arg-type]
    assert f"<language>{language_for(tag).tag}</language>" in feed
    calendar = publish.calendar(programme, records).decode()  # type: ignore[arg-type]
    shown = reader.parts + re.findall(r"<(?:title|description)>([^<]*)<", feed)
    shown += re.findall(r"^(?:SUMMARY|DESCRIPTION):(.*)$", calendar, re.M)
    if tag in OTHER_TAGS:
        assert english_words(texts, tag) == set()
        assert english_words(shown, tag) == set()
        # the last session's last words are the programme's own farewell
        assert sessions[-1].routine.speaks == language_for(tag).tag


def _phonemes(texts: list[str], voice: str) -> str:
    run = subprocess.run(
        [ESPEAK or "espeak-ng", "-q", "-x", "-v", voice],
        input="\n".join(texts),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return run.stdout


needs_espeak = pytest.mark.skipif(
    ESPEAK is None and not os.environ.get("CI"),
    reason="Debian's espeak-ng is not installed (.ci/run installs it; in CI this never skips)",
)


@needs_espeak
@pytest.mark.parametrize("tag", OTHER_TAGS)
def test_espeak_ng_reads_every_text_in_the_language_never_switching_to_english(
    tag: str,
) -> None:
    assert ESPEAK is not None, "CI must have espeak-ng: .ci/run installs it"
    _, sessions = programme_sessions(tag)
    texts = spoken(expand(routine_in(tag), estimate_measure(routine_in(tag))))
    for planned in (sessions[0], sessions[-1]):
        texts += spoken(expand(planned.routine, estimate_measure(planned.routine)))
    texts = list(dict.fromkeys(texts))
    phonemes = _phonemes(texts, language_for(tag).voice)
    switched = [line for line in phonemes.splitlines() if "(en)" in line]
    assert switched == []


def test_a_routine_that_rewords_one_cue_keeps_every_other_default_in_its_language() -> None:
    text = template_text("leg-workout", "de")
    data = yaml.safe_load(text)
    data["cues"] = {"go": "Jetzt!"}
    routine = parse_routine(as_lines(data), "r.yaml")
    texts = spoken(expand(routine, estimate_measure(routine)))
    assert "Jetzt!" in texts
    german = words_for("de")
    assert german.phrase("cue:rest", "Rest for {duration}.").split("{")[0].strip() in " ".join(
        texts
    )


def test_the_drawn_cover_has_every_letter_of_every_language() -> None:
    from voicecoach.programme.cover import _font

    font = _font(60)

    def drawn(letter: str) -> tuple[tuple[int, int], bytes]:
        mask = font.getmask(letter)
        return mask.size, bytes(mask)

    missing = drawn("\uffff")
    letters: set[str] = set()
    for tag in OTHER_TAGS:
        letters |= set(template_text("leg-programme", tag)) | set(
            words_for(tag).text("programme", "Progression")
        )
    letters = {c for c in letters if c.isalpha()}
    assert len(letters) > 60
    assert sorted(c for c in letters if drawn(c) == missing) == []
    assert drawn("ł") != missing  # and the check can fail: Pillow's own font has no ł
    from PIL import ImageFont

    plain = ImageFont.load_default(size=60)
    assert (plain.getmask("ł").size, bytes(plain.getmask("ł"))) == (
        plain.getmask("\uffff").size,
        bytes(plain.getmask("\uffff")),
    )


def test_the_guides_two_language_examples_are_what_the_coach_says() -> None:
    from voicecoach.help import guide
    from voicecoach.routine.wording import default_template, work_template

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    shown = guide("languages")
    for tag, name in (("en", "Lunges"), ("de", "Ausfallschritte"), ("pl", "Wykroki")):
        words = words_for(tag)
        announced = work_template(
            words, cue="exercise", sets=1, reps=12, duration_ms=None, sided=True
        )
        rest = words.phrase("cue:rest", "Rest for {duration}.")
        said = [
            default_template(announced).render({"name": name}, "p"),
            default_template(rest).render({"duration": words.duration(30_000)}, "p"),
            default_template(rest).render({"duration": words.duration(90_000)}, "p"),
        ]
        assert all(f"| {text} |" in shown for text in said), (tag, said)
        if tag != "en":
            flat = " ".join(readme.split())
            assert said[0] in flat
            assert said[2] in flat
