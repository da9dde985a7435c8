from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tests.support.paths import REPO, SEED_ROUTINE
from voicecoach.cli import HELP_TOPICS, help_text, main

TINY = "title: Tiny Hops\nexercises:\n  - {name: Hop, reps: 3, tempo: 1.5s, countdown: 2}\n"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found += _commands(command, (*prefix, name))
    return found


COMMANDS = _commands(main)


def test_the_commands_are_walked() -> None:
    assert {("build",), ("plan",), ("validate",), ("cache", "clear")} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help_with_an_example(runner: CliRunner, command: tuple[str]) -> None:
    result = runner.invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output
    assert f"voicecoach {' '.join(command)}" in result.output


def test_top_level_help_and_version(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("build", "plan", "validate", "voices"):
        assert command in result.output
    assert runner.invoke(main, ["--version"]).output.startswith("voicecoach, version ")


def test_validate_ok(runner: CliRunner) -> None:
    result = runner.invoke(main, ["validate", str(SEED_ROUTINE)])
    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout.startswith(f"{SEED_ROUTINE}: OK — 'Leg Workout for Runners', 5 exercises")


def test_validate_reports_cues_left_out_as_warnings(runner: CliRunner, tmp_path: Path) -> None:
    tight = tmp_path / "tight.yaml"
    tight.write_text(
        "title: Tight\ndefaults: {rest: 4s, countdown: 3}\nexercises:\n"
        "  - {name: Press-ups, reps: 3, tips: [Keep your body in one straight line.]}\n"
        "  - {name: Sit-ups, reps: 3, tips: [Curl up slowly, then lower slowly.]}\n"
    )
    result = runner.invoke(main, ["validate", str(tight), "--max-minutes", "5"])
    assert result.exit_code == 0
    assert result.stdout.startswith(f"{tight}: OK — 'Tight', 2 exercises, ")
    warnings = result.stderr.splitlines()
    assert warnings
    assert all(w.startswith("Warning: ") for w in warnings)
    assert "Sit-ups, set 1: left out the 'tip' cue" in warnings[0]
    assert result.stdout.rstrip().endswith(f"{len(warnings)} warnings")


def test_bad_input_is_one_error_line_and_exit_1(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: X\nexercises:\n  - name: A\n    rpes: 10\n")
    for command in ("validate", "plan", "build"):
        result = runner.invoke(main, [command, str(bad)])
        assert result.exit_code == 1
        assert result.stdout == ""
        assert result.stderr == (
            f"Error: {bad}:4: exercises[0]: unknown key 'rpes' — did you mean 'reps'?\n"
        )


def test_missing_routine(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["build", str(tmp_path / "none.yaml")])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {tmp_path / 'none.yaml'}: no such file\n"


def test_plan_prints_a_timeline_table(runner: CliRunner, tmp_path: Path) -> None:
    routine = tmp_path / "tiny.yaml"
    routine.write_text(TINY)
    result = runner.invoke(main, ["plan", str(routine)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "== Intro"
    assert lines[1] == "   0:00.5  Welcome to Tiny Hops. 1 exercise, about a minute."
    assert "== Hop" in lines
    assert any(line.endswith("  [go tone]") for line in lines)
    assert lines[-2].startswith("Total: ")
    assert lines[-1].startswith("Work 0:04.5 in 1 blocks, gaps 0:00.0, speech only")
    estimate = runner.invoke(main, ["plan", "--estimate", str(routine)])
    assert estimate.exit_code == 0
    assert estimate.stdout.splitlines()[-2].startswith("Total: ")
    as_json = runner.invoke(main, ["plan", "--json", str(routine)])
    document = json.loads(as_json.stdout)
    assert [b["reps"] for b in document["blocks"]] == [3]
    assert document["left_out"] == []


def test_build_writes_and_reports(runner: CliRunner, tmp_path: Path) -> None:
    routine = tmp_path / "tiny.yaml"
    routine.write_text(TINY)
    out = tmp_path / "out" / "hops.mp3"
    result = runner.invoke(main, ["build", str(routine), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Wrote {out} (")
    assert "clips spoken" in result.stdout
    document = json.loads(out.with_suffix(".json").read_text())
    assert document["title"] == "Tiny Hops"
    assert out.stat().st_size > 1000


def test_build_defaults_to_the_scripts_routine_and_output_folder(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "routine.yaml").write_text(TINY)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["build", "-q"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert sorted(p.name for p in (tmp_path / "output").iterdir()) == [
        "tiny-hops.json",
        "tiny-hops.lrc",
        "tiny-hops.mp3",
        "tiny-hops.vtt",
    ]
    shown = runner.invoke(main, ["info", "output/tiny-hops.mp3"])
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert lines[0].split(None, 1) == ["Title:", "Tiny Hops"]
    assert "Chapters (3):" in lines
    assert lines[-3].endswith("  Intro")
    assert lines[-2].endswith("  Hop")
    assert lines[-1].endswith("  Outro")
    document = json.loads((tmp_path / "output" / "tiny-hops.json").read_text())
    assert any(line.startswith("Length:") and "44100 Hz mono" in line for line in lines)
    assert lines[-1].split(" - ")[1].split()[0] == _clock(document["duration_ms"])


def _clock(ms: int) -> str:
    from voicecoach.routine.durations import format_clock

    return format_clock(ms)


def test_info_refuses_what_is_not_an_mp3(runner: CliRunner, tmp_path: Path) -> None:
    fake = tmp_path / "not.mp3"
    fake.write_text("hello")
    result = runner.invoke(main, ["info", str(fake)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {fake}: expected an MP3 file, could not read it")


def test_voices_lists_and_filters(runner: CliRunner) -> None:
    result = runner.invoke(main, ["voices", "--lang", "en-us"])
    assert result.exit_code == 0
    assert "English (America)  (gmw/en-us; engine pyttsx3)" in result.stdout
    missing = runner.invoke(main, ["voices", "--lang", "zz"])
    assert missing.exit_code == 1
    assert missing.stderr == "Error: no voice's language starts with 'zz'\n"


def test_python_dash_m_runs_in_a_real_process(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: X\nexercises: []\n")
    done = subprocess.run(
        [sys.executable, "-m", "voicecoach", "validate", str(bad)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert done.returncode == 1
    assert done.stderr == (
        f"Error: {bad}:2: exercises: expected a list of at least one exercise, found an "
        "empty list\n"
    )
    assert "Traceback" not in done.stderr


def test_cache_info_and_clear(runner: CliRunner, tmp_path: Path) -> None:
    routine = tmp_path / "tiny.yaml"
    routine.write_text(TINY)
    cache = tmp_path / "cache"
    built = runner.invoke(
        main, ["build", str(routine), "-o", str(tmp_path / "t.mp3"), "--cache-dir", str(cache)]
    )
    assert built.exit_code == 0, built.output
    info = runner.invoke(main, ["cache", "info", "--cache-dir", str(cache)])
    assert info.exit_code == 0
    lines = info.stdout.splitlines()
    assert lines[0] == f"Location: {cache}"
    clips = int(lines[1].split()[1])
    assert clips >= 5
    assert lines[2].startswith("Size:")
    cleared = runner.invoke(main, ["cache", "clear", "--cache-dir", str(cache)])
    assert cleared.exit_code == 0
    assert cleared.stdout.startswith("Removed ")
    after = runner.invoke(main, ["cache", "info", "--cache-dir", str(cache)])
    assert "Entries:  0 clips, 0 loudness analyses" in after.stdout


@pytest.mark.slow
def test_several_routines_in_parallel_match_one_at_a_time(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, reps in (("a", 3), ("b", 4), ("c", 2)):
        (tmp_path / f"{name}.yaml").write_text(
            TINY.replace("Tiny Hops", f"Hops {name}").replace("reps: 3", f"reps: {reps}")
        )
    (tmp_path / "bad.yaml").write_text("title: X\nexercises: []\n")
    result = runner.invoke(main, ["build", "a.yaml", "bad.yaml", "b.yaml", "c.yaml", "-j", "2"])
    assert result.exit_code == 1
    assert "Error: bad.yaml:2: exercises: expected a list of at least one exercise" in result.stderr
    assert result.stderr.rstrip().endswith("Error: 1 of 4 routines failed")
    parallel = {n: json.loads((tmp_path / "output" / f"hops-{n}.json").read_text()) for n in "abc"}
    one = runner.invoke(main, ["build", "a.yaml", "-o", "alone/a.mp3"])
    assert one.exit_code == 0
    assert json.loads((tmp_path / "alone" / "a.json").read_text()) == parallel["a"]
    assert [parallel[n]["title"] for n in "abc"] == ["Hops a", "Hops b", "Hops c"]


def test_one_output_name_for_several_routines_is_refused(runner: CliRunner) -> None:
    result = runner.invoke(main, ["build", "a.yaml", "b.yaml", "-o", "x.mp3"])
    assert result.exit_code == 2
    assert "-o names one output file; give one routine with it" in result.stderr


@pytest.mark.parametrize("name", ["legs.yaml", "plan.yaml", "notes.txt", "run"])
def test_an_audio_name_that_is_not_the_formats_is_refused_and_the_file_kept(
    runner: CliRunner, tmp_path: Path, name: str
) -> None:
    routine = tmp_path / "tiny.yaml"
    routine.write_text(TINY)
    mine = tmp_path / name
    mine.write_text("my own file")
    refused = runner.invoke(main, ["build", str(routine), "-o", str(mine)])
    assert refused.exit_code == 1
    found = Path(name).suffix or "no extension"
    suggested = mine.with_suffix(".mp3") if Path(name).suffix else f"{mine.name}.mp3"
    assert refused.stderr == (
        f"Error: -o {mine}: expected a name ending in .mp3 for mp3 output, found '{found}'; "
        f"try -o {suggested}\n"
    )
    assert mine.read_text() == "my own file"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, "tiny.yaml"])


def test_an_audio_name_of_the_other_format_is_refused_or_taken_as_that_format(
    runner: CliRunner, tmp_path: Path
) -> None:
    routine = tmp_path / "tiny.yaml"
    routine.write_text(TINY)
    clash = runner.invoke(
        main, ["build", str(routine), "-o", str(tmp_path / "x.wav"), "--format", "mp3"]
    )
    assert clash.exit_code == 1
    assert clash.stderr == (
        f"Error: -o {tmp_path / 'x.wav'}: expected a name ending in .mp3 "
        f"for mp3 output, found '.wav'; try -o {tmp_path / 'x.mp3'}\n"
    )
    wav = runner.invoke(main, ["build", "-q", str(routine), "-o", str(tmp_path / "x.wav")])
    assert wav.exit_code == 0
    assert (tmp_path / "x.wav").read_bytes()[:4] == b"RIFF"


# -- programmes and starters --------------------------------------------------------------

PROGRAMME = (
    "title: Hop Plan\nroutine: r.yaml\nweeks: 2\nper_week: 2\nstart: 2027-01-05\n"
    "progression: {reps: {to: 5}}\n"
)


@pytest.mark.slow
def test_a_programme_builds_in_parallel_as_it_does_alone_and_rebuilds_nothing(
    runner: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "r.yaml").write_text(TINY)
    (tmp_path / "p.yaml").write_text(PROGRAMME)
    alone = runner.invoke(
        main, ["build", str(tmp_path / "p.yaml"), "--output-dir", str(tmp_path / "a")]
    )
    assert alone.exit_code == 0, alone.output
    parallel = runner.invoke(
        main, ["build", str(tmp_path / "p.yaml"), "--output-dir", str(tmp_path / "b"), "-j", "2"]
    )
    assert parallel.exit_code == 0, parallel.output
    first = parallel.stdout.splitlines()[0]
    assert first.startswith(
        f"Wrote {tmp_path / 'b' / 'hop-plan'}/: 4 sessions (4 made, 0 unchanged)"
    )
    assert "; wrote playlist.m3u8, cover.jpg, calendar.ics, index.html, programme.json" in first
    for name in ("02-week-1-session-2.json", "03-week-2-session-1.json", "playlist.m3u8"):
        assert (tmp_path / "a" / "hop-plan" / name).read_text() == (
            tmp_path / "b" / "hop-plan" / name
        ).read_text()
    again = runner.invoke(
        main, ["build", str(tmp_path / "p.yaml"), "--output-dir", str(tmp_path / "b")]
    )
    # nothing to do: it says so, for the sessions and for each file it left alone
    assert again.stdout.splitlines()[0] == (
        f"Nothing changed in {tmp_path / 'b' / 'hop-plan'}/: 4 sessions (0 made, 4 unchanged), "
        f"{first.split('), ')[1].split(' in all')[0]} in all; nothing changed in playlist.m3u8, "
        "cover.jpg, calendar.ics, index.html, programme.json"
    )


def test_plan_and_validate_take_a_programme(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text(TINY)
    (tmp_path / "p.yaml").write_text(PROGRAMME)
    table = runner.invoke(main, ["plan", str(tmp_path / "p.yaml"), "--estimate"])
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["#", "Week", "Day", "Date", "Length", "Hop"]
    assert lines[1].split()[:5] == ["1", "1", "1", "Tue", "2027-01-05"]
    assert [line.split()[-2] for line in lines[1:5]] == ["3", "3", "5", "5"]
    assert lines[5].startswith("4 sessions, ")
    one = runner.invoke(main, ["plan", str(tmp_path / "p.yaml"), "--estimate", "--session", "3"])
    assert one.exit_code == 0
    assert "Week 2 of 2, session 1 of 2." in one.stdout
    wrong = runner.invoke(main, ["plan", str(tmp_path / "p.yaml"), "--session", "9"])
    assert wrong.exit_code == 2
    assert "expected a session from 1 to 4, found 9" in wrong.stderr
    checked = runner.invoke(main, ["validate", str(tmp_path / "p.yaml"), "--estimate"])
    assert checked.exit_code == 0, checked.output
    assert checked.stdout.startswith(
        f"{tmp_path / 'p.yaml'}: OK — programme 'Hop Plan', 2 weeks, 4 sessions of "
    )


def test_new_writes_each_starter_which_then_validates_and_never_overwrites(
    runner: CliRunner, tmp_path: Path
) -> None:
    listed = runner.invoke(main, ["new", "--list"])
    names = [line.split()[0] for line in listed.stdout.splitlines()]
    assert {"leg-workout", "leg-programme", "run-walk", "tabata", "seven-minute"} <= set(names)
    for name in names:
        target = tmp_path / f"{name}.yaml"
        result = runner.invoke(main, ["new", str(target), "--template", name])
        assert result.exit_code == 0, result.output
        checked = runner.invoke(main, ["validate", str(target), "--estimate"])
        assert checked.exit_code == 0, checked.output
        assert checked.stderr == ""  # a starter has nothing left out
    target = tmp_path / "tabata.yaml"
    target.write_text("mine")
    again = runner.invoke(main, ["new", str(target), "--template", "tabata"])
    assert again.exit_code == 1
    assert (
        again.stderr
        == f"Error: {target} is there already; give another name (nothing was written)\n"
    )
    assert target.read_text() == "mine"


def test_the_shipped_leg_workout_is_the_seed_routine() -> None:
    from voicecoach.templates import template_text

    # `voicecoach new` gives someone without this repository what scripts/ holds
    assert template_text("leg-workout") == SEED_ROUTINE.read_text()
    import yaml

    programme = yaml.safe_load(template_text("leg-programme"))
    ours = yaml.safe_load((REPO / "scripts" / "programme.yaml").read_text())
    assert programme.pop("routine") == yaml.safe_load(SEED_ROUTINE.read_text())
    ours.pop("routine")
    assert programme == ours


def test_build_with_nothing_to_build_says_how_to_start(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 2
    assert "voicecoach new my-routine.yaml" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("url", ["javascript:alert(1)", "relative/path", " ", "https://"])
def test_a_base_url_on_the_command_line_is_checked_as_in_a_programme(
    runner: CliRunner, url: str
) -> None:
    result = runner.invoke(main, ["build", "scripts/programme.yaml", "--base-url", url])
    assert result.exit_code == 2
    assert result.stderr == (  # one line, not click's usage block
        "Error: Invalid value for '--base-url': expected an absolute http:// or https:// "
        f"address with a host, found {url!r} (see 'main build --help')\n"
    )


def test_one_week_of_one_session_is_said_in_the_singular(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text(TINY)
    (tmp_path / "p.yaml").write_text("title: One Off\nroutine: r.yaml\nweeks: 1\nper_week: 1\n")
    result = runner.invoke(main, ["validate", str(tmp_path / "p.yaml"), "--estimate"])
    assert result.exit_code == 0, result.output
    assert "programme 'One Off', 1 week, 1 session of" in result.stdout
    planned = runner.invoke(main, ["plan", str(tmp_path / "p.yaml"), "--estimate"])
    assert "\n1 session, " in planned.stdout


def test_control_characters_never_reach_the_terminal(runner: CliRunner, tmp_path: Path) -> None:
    name = str(tmp_path / "\x1b]0;pwned\x07.yaml")
    result = runner.invoke(main, ["validate", name])
    assert result.exit_code == 1
    assert "\x1b" not in result.stderr
    assert "\x07" not in result.stderr
    assert "\\u001b]0;pwned\\u0007.yaml" in result.stderr


LATE_STOP = """
import io, os, signal, sys
import voicecoach.cli as cli

STOP = getattr(signal, sys.argv[1])

class Stopped(io.TextIOWrapper):
    def flush(self):  # the last thing the program does: a stop arrives just then
        super().flush()
        if sys._getframe(1).f_code.co_name == "run":
            os.kill(os.getpid(), STOP)

sys.stdout = Stopped(sys.stdout.detach(), write_through=False)
sys.argv = ["voicecoach", "--version"]
cli.run()
"""


@pytest.mark.parametrize(("name", "code"), [("SIGINT", 130), ("SIGTERM", 143), ("SIGHUP", 129)])
def test_a_stop_as_the_program_ends_gives_its_code_and_no_traceback(name: str, code: int) -> None:
    done = subprocess.run(
        [sys.executable, "-c", LATE_STOP, name], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == code, done.stderr
    assert done.stdout.startswith("voicecoach, version ")
    assert done.stderr == ""


@pytest.mark.parametrize("command", ["build", "validate", "plan"])
def test_with_no_routine_here_each_command_says_how_to_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, [command])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: no routine given, and there is no scripts/routine.yaml here. Start one with "
        "'voicecoach new my-routine.yaml' (see 'voicecoach new --list'), then "
        "'voicecoach build my-routine.yaml'"
    )


@pytest.mark.parametrize("topic", list(HELP_TOPICS))
def test_help_prints_each_guide_for_a_terminal_naming_nothing_a_pip_user_lacks(
    runner: CliRunner, topic: str
) -> None:
    from voicecoach.help import guide

    shown = runner.invoke(main, ["help", topic])
    assert shown.exit_code == 0
    assert shown.stdout == help_text(topic)
    title = guide(topic).splitlines()[0].removeprefix("# ")
    assert shown.stdout.startswith(f"{title}\n{'=' * len(title)}\n")
    lines = shown.stdout.splitlines()
    # no Markdown syntax: no fences, heading marks, backticks or bold
    assert "```" not in shown.stdout
    assert "`" not in shown.stdout
    assert "**" not in shown.stdout
    assert not [line for line in lines if line.startswith("#")]
    assert not [line for line in lines if len(line) > 80], "laid out for 80 columns"
    # nothing a pip-installed voicecoach has not got
    for lacking in ("scripts/", "tests/", "bench/", "README", "../"):
        assert lacking not in shown.stdout, f"'help {topic}' names {lacking!r}"
    targets = re.findall(
        r"\bmake (?:build|test|lint|docs|bench|listen|stops|clean)\b", shown.stdout
    )
    assert not targets, f"'help {topic}' names {targets}"


def test_help_lists_every_topic_and_a_command_gives_its_options(runner: CliRunner) -> None:
    listed = runner.invoke(main, ["help"])
    assert listed.exit_code == 0
    assert all(f"  {topic}  " in listed.stdout for topic in HELP_TOPICS)
    assert not [line for line in listed.stdout.splitlines() if len(line) > 80]
    # a command's name gives its options, as --help does
    assert runner.invoke(main, ["help", "build"]).stdout == (
        runner.invoke(main, ["build", "--help"]).stdout
    )
    wrong = runner.invoke(main, ["help", "nope"])
    assert wrong.exit_code == 2
    assert wrong.stderr.splitlines()[-1].startswith(
        f"Error: expected a topic ({', '.join(HELP_TOPICS)}) or a command"
    )
    # the starters point to it
    for starter in ("leg-workout", "leg-programme"):
        text = (REPO / "voicecoach" / "templates" / f"{starter}.yaml").read_text()
        assert "voicecoach help cues" in text
        assert "README" not in text


def test_help_cues_shows_the_generated_table_a_block_per_cue(runner: CliRunner) -> None:
    from voicecoach.routine.wording import PLACEHOLDERS, WHEN

    shown = runner.invoke(main, ["help", "cues"]).stdout
    blocks = shown.split("\n\n")
    for cue, names in PLACEHOLDERS.items():
        block = next(b for b in blocks if b.startswith(f"{cue}\n  when it is said: "))
        said = " ".join(block.split())  # unwrapped
        assert f"placeholders: {', '.join(names)} default: " in said
        assert WHEN[cue].replace("`", "") in said


STOP_IN_A_CALLBACK = """
import gc, os, signal, sys, time, weakref
from voicecoach.errors import Terminated, stop_on_signals

stop_on_signals()

class Thing:
    pass

def collected(_ref):  # the garbage collector runs this anywhere: a stop lands in it
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(0.05)  # the handler runs here, inside the callback

thing = Thing()
ref = weakref.ref(thing, collected)
try:
    del thing
    gc.collect()
    for _ in range(200):  # the stop is raised again at the next safe point
        time.sleep(0.01)
    print("the stop was lost")
except Terminated as stop:
    print("stopped", stop.signum)
"""


def test_a_stop_that_lands_in_a_weakref_callback_is_not_lost() -> None:
    done = subprocess.run(
        [sys.executable, "-c", STOP_IN_A_CALLBACK],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.strip() == "stopped 15"
    assert "Exception ignored" not in done.stderr
    assert "Traceback" not in done.stderr
