"""The command line under hostile or careless input: one clear line, nothing lost, no lies."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from voicecoach.cli import main

TINY = "title: Tiny Hops\nexercises:\n  - {name: Hop, reps: 3, tempo: 1.5s, countdown: 2}\n"
PROGRAMME = (
    "title: Hop Plan\nroutine: r.yaml\nweeks: 2\nper_week: 2\nstart: 2027-01-05\n"
    "progression: {reps: {to: 5}}\n"
)
LONG = "9" * 5000


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.mark.parametrize(
    ("line", "digits"),
    [("reps: 1" + LONG, 5001), ("duration: 1" + LONG, 5001), ("duration: 1" + LONG + ".5", 5002)],
)
def test_a_number_thousands_of_digits_long_is_refused_by_its_length(
    runner: CliRunner, tmp_path: Path, line: str, digits: int
) -> None:
    routine = tmp_path / "r.yaml"
    routine.write_text(f"title: T\nexercises:\n  - name: A\n    {line}\n")
    result = runner.invoke(main, ["validate", "--estimate", str(routine)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {routine}:4: expected a number of at most 30 digits, found one of "
        f"{digits} digits\n"
    )


def test_a_repeat_thousands_of_digits_long_is_refused_by_its_length(
    runner: CliRunner, tmp_path: Path
) -> None:
    routine = tmp_path / "r.yaml"
    routine.write_text(f"title: T\nexercises:\n  - repeat: {LONG}\n    exercises: [{{name: A}}]\n")
    result = runner.invoke(main, ["plan", "--estimate", str(routine)])
    assert result.exit_code == 1
    assert "expected a number of at most 30 digits, found one of 5000 digits" in result.stderr


@pytest.mark.parametrize("given", ["6h", "0", "0.5s", "five"])
def test_open_step_out_of_range_states_the_range(runner: CliRunner, given: str) -> None:
    result = runner.invoke(main, ["validate", "--open-step", given, "x.txt"])
    assert result.exit_code == 2
    assert "expected a duration from 1s to 4h" in result.stderr
    assert f"found '{given}'" in result.stderr


def test_new_writes_yaml_names_only(runner: CliRunner, tmp_path: Path) -> None:
    for name in ("x.txt", "x"):
        target = tmp_path / name
        result = runner.invoke(main, ["new", str(target)])
        assert result.exit_code == 1
        assert result.stderr.startswith(f"Error: {target}: expected a name ending in .yaml or .yml")
        assert not target.exists()
    assert list(tmp_path.iterdir()) == []
    made = runner.invoke(main, ["new", str(tmp_path / "x.yml")])
    assert made.exit_code == 0
    assert (tmp_path / "x.yml").is_file()


def test_import_writes_yaml_names_only(runner: CliRunner, tmp_path: Path) -> None:
    workout = tmp_path / "w.txt"
    workout.write_text("- 10m Z2 HR\n")
    result = runner.invoke(main, ["import", str(workout), "-o", str(tmp_path / "w2.txt")])
    assert result.exit_code == 1
    assert "expected a name ending in .yaml or .yml" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.txt"]


def test_validate_checks_every_file_and_fails_if_any_did(runner: CliRunner, tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(TINY)
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: T\nexercises:\n  - {name: A, rpes: 3}\n")
    worse = tmp_path / "worse.yaml"
    worse.write_text("title: [\n")
    result = runner.invoke(main, ["validate", "--estimate", str(bad), str(good), str(worse)])
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{good}: OK — 'Tiny Hops'")
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"Error: {bad}:3: exercises[0]: unknown key 'rpes'")
    assert lines[1].startswith(f"Error: {worse}:")
    assert lines[2] == "Error: 2 of 3 files failed the check"


def test_only_a_command_with_the_flag_names_it(runner: CliRunner, tmp_path: Path) -> None:
    long = tmp_path / "long.yaml"
    long.write_text("title: T\nexercises:\n  - {name: A, duration: 3h, sets: 10}\n")
    plan = runner.invoke(main, ["plan", "--estimate", str(long)])
    assert plan.exit_code == 1
    assert plan.stderr == (
        f"Error: {long}: expected a session of at most 1440 minutes, found one of at least "
        "1804 minutes; check 'repeat', 'sets' and 'reps'\n"
    )
    for command in ("validate", "build"):
        result = runner.invoke(main, [command, str(long)])
        assert result.exit_code == 1
        assert result.stderr.endswith(
            "check 'repeat', 'sets' and 'reps', or raise the limit with --max-minutes\n"
        )


def test_info_reads_a_wav_session_it_wrote(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text(TINY)
    out = tmp_path / "tiny.wav"
    built = runner.invoke(main, ["build", str(tmp_path / "r.yaml"), "-o", str(out), "-q"])
    assert built.exit_code == 0, built.output
    document = json.loads(out.with_suffix(".json").read_text())
    result = runner.invoke(main, ["info", str(out)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Title: Tiny Hops"
    assert lines[1].startswith("Length:")
    assert "WAV, 44100 Hz mono, 16-bit PCM" in lines[1]
    assert f"Chapters ({len(document['chapters'])}):" in lines


WRITE_AT_MOST_100_BYTES = (
    "import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
    "resource.setrlimit(resource.RLIMIT_FSIZE, (100, 100)); "
    "from voicecoach.cli import run; sys.argv[0] = 'voicecoach'; run()"
)


@pytest.mark.parametrize("command", ["new", "import"])
def test_a_write_cut_short_leaves_no_file_to_block_the_retry(tmp_path: Path, command: str) -> None:
    import subprocess
    import sys

    workout = tmp_path / "tempo.txt"
    workout.write_text("Warmup\n- 10m Z2 HR\n\nMain 3x\n- 5m Z4 HR\n- 2m Z1 HR\n")
    target = tmp_path / "tempo.yaml"
    args = [command, str(target)] if command == "new" else [command, str(workout)]
    # the kernel refuses to let the file grow past 100 bytes, as a full disk would
    cut = subprocess.run(
        [sys.executable, "-c", WRITE_AT_MOST_100_BYTES, *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cut.returncode == 1, cut.stderr
    assert cut.stderr == f"Error: cannot write {target}: File too large (nothing was written)\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tempo.txt"]
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0, again.output
    assert target.stat().st_size > 100


@pytest.mark.slow
def test_estimate_crowds_as_the_build_does(runner: CliRunner, tmp_path: Path) -> None:
    says = "\n".join(f"      - {{at: {i}s, text: Message number {i}}}" for i in range(600))
    routine = tmp_path / "says.yaml"
    routine.write_text(f"title: T\nexercises:\n  - name: A\n    duration: 10m\n    say:\n{says}\n")
    estimated = runner.invoke(main, ["validate", "--estimate", str(routine)])
    measured = runner.invoke(main, ["validate", str(routine)])
    guessed = estimated.stderr.count("Warning:")
    heard = measured.stderr.count("Warning:")
    assert heard > 100
    assert abs(guessed - heard) <= heard * 0.15, (guessed, heard)


def test_plan_says_the_length_the_build_writes(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text(TINY)
    planned = runner.invoke(main, ["plan", "--json", str(tmp_path / "r.yaml")])
    built = runner.invoke(main, ["build", str(tmp_path / "r.yaml"), "-o", str(tmp_path / "t.mp3")])
    assert built.exit_code == 0, built.output
    written = json.loads((tmp_path / "t.json").read_text())
    assert json.loads(planned.stdout)["duration_ms"] == written["duration_ms"]
    table = runner.invoke(main, ["plan", str(tmp_path / "r.yaml")]).stdout
    from voicecoach.routine.durations import format_clock

    assert f"Total: {format_clock(written['duration_ms'])} " in table
    assert f"({format_clock(written['duration_ms'])})" in built.stdout


def test_the_json_names_the_clarity_also_when_it_is_off(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text(
        TINY.replace("exercises:", "voice: {clarity: off}\nexercises:")
    )
    built = runner.invoke(main, ["build", str(tmp_path / "r.yaml"), "-o", str(tmp_path / "t.mp3")])
    assert built.exit_code == 0, built.output
    assert json.loads((tmp_path / "t.json").read_text())["voice"]["clarity"] == "off"


def test_bare_voicecoach_shows_the_help_and_exits_0(runner: CliRunner) -> None:
    result = runner.invoke(main, [], prog_name="voicecoach")
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: voicecoach [OPTIONS] COMMAND")


@pytest.mark.slow
def test_one_session_again_and_no_feed_say_what_they_did(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text(TINY)
    (tmp_path / "p.yaml").write_text(PROGRAMME)
    base = ["build", str(tmp_path / "p.yaml"), "--output-dir", str(tmp_path / "o")]
    folder = tmp_path / "o" / "hop-plan"
    first = runner.invoke(main, [*base, "--base-url", "https://example.com/hops/"])
    assert first.exit_code == 0, first.output
    assert (folder / "feed.xml").is_file()
    one = runner.invoke(main, [*base, "--session", "3"])
    assert one.exit_code == 0, one.output
    assert one.stdout.startswith(
        f"Wrote {folder}/: session 3 of 4 made again (the others left as they were), "
    )
    dropped = runner.invoke(main, [*base, "--no-feed"])
    assert dropped.exit_code == 0, dropped.output
    assert "; removed feed.xml, 4 chapters files" in dropped.stdout.splitlines()[0]
    assert not (folder / "feed.xml").exists()


@pytest.mark.slow
def test_a_programme_that_fails_midway_names_what_it_wrote(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from voicecoach.audio import encode

    (tmp_path / "r.yaml").write_text(TINY)
    (tmp_path / "p.yaml").write_text(PROGRAMME)
    real = encode.Mp3Format.tag
    tagged: list[Path] = []

    def fills_up(self: encode.Mp3Format, path: Path, *args: object) -> None:
        if len(tagged) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        tagged.append(path)
        real(self, path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(encode.Mp3Format, "tag", fills_up)
    folder = tmp_path / "o" / "hop-plan"
    result = runner.invoke(
        main, ["build", str(tmp_path / "p.yaml"), "--output-dir", str(tmp_path / "o"), "-j", "1"]
    )
    assert result.exit_code == 1
    line = result.stderr.strip().splitlines()[-1]
    assert "nothing was changed" not in line
    assert line.endswith(
        "these were written before the error: "
        + f"{folder / '01-week-1-session-1.mp3'}, {folder / '02-week-1-session-2.mp3'}"
        + "; no other output file was changed."
    )


@pytest.mark.slow
def test_a_calendar_title_with_unicode_line_breaks_stays_one_line(
    runner: CliRunner, tmp_path: Path
) -> None:
    import icalendar

    (tmp_path / "r.yaml").write_text(TINY)
    title = "Hops\u2028and; more,\u2029plan"
    (tmp_path / "p.yaml").write_text(PROGRAMME.replace("Hop Plan", json.dumps(title)))
    result = runner.invoke(
        main, ["build", str(tmp_path / "p.yaml"), "--output-dir", str(tmp_path / "o"), "-q"]
    )
    assert result.exit_code == 0, result.output
    (folder,) = (tmp_path / "o").iterdir()
    raw = (folder / "calendar.ics").read_bytes().decode()
    assert "\u2028" not in raw
    assert "\u2029" not in raw
    assert "X-WR-CALNAME:Hops and\\; more\\, plan\r\n" in raw
    calendar = icalendar.Calendar.from_ical(raw)
    summaries = [str(event["SUMMARY"]) for event in calendar.walk("VEVENT")]
    assert summaries
    assert all("Hops and; more, plan" in s for s in summaries)


def test_the_library_names_its_option_and_the_command_line_its_flag(
    runner: CliRunner, tmp_path: Path
) -> None:
    from voicecoach.errors import VoicecoachError
    from voicecoach.programme.folder import ProgrammeOptions, build_programme
    from voicecoach.sources import open_programme

    (tmp_path / "r.yaml").write_text(TINY)
    (tmp_path / "p.yaml").write_text(PROGRAMME)
    with pytest.raises(VoicecoachError) as raised:
        build_programme(open_programme(tmp_path / "p.yaml"), ProgrammeOptions(session=9))
    assert str(raised.value) == "session: expected a session from 1 to 4, found 9"
    result = runner.invoke(main, ["build", str(tmp_path / "p.yaml"), "--session", "9"])
    assert result.exit_code == 1
    assert result.stderr == "Error: --session: expected a session from 1 to 4, found 9\n"


def test_a_routine_in_yaml_named_txt_is_not_read_as_a_workout(
    runner: CliRunner, tmp_path: Path
) -> None:
    routine = tmp_path / "my-run.txt"
    routine.write_text("# my run\ntitle: My run\nexercises:\n  - {name: Walk, duration: 5m}\n")
    result = runner.invoke(main, ["validate", "--estimate", str(routine)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {routine}: line 2: expected an intervals.icu workout, found YAML ('title:'); "
        "a routine, programme or squad is read from a .yaml file\n"
    )


def test_a_programme_with_a_typo_in_weeks_names_the_typo(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text(TINY)
    plan = tmp_path / "p.yaml"
    plan.write_text("title: P\nroutine: r.yaml\nweek: 8\n")
    result = runner.invoke(main, ["validate", "--estimate", str(plan)])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {plan}:3: unknown key 'week' — did you mean 'weeks'?\n"


def test_help_takes_a_plural_and_suggests_a_topic(runner: CliRunner) -> None:
    assert runner.invoke(main, ["help", "routines"]).stdout.startswith("Writing a routine")
    wrong = runner.invoke(main, ["help", "cue"])
    assert wrong.exit_code == 2
    assert "found 'cue' — did you mean 'cues'?" in wrong.stderr


def test_warnings_of_several_files_name_their_file(runner: CliRunner, tmp_path: Path) -> None:
    lap = tmp_path / "lap.txt"
    lap.write_text("- 30s Z2 HR\n- Z1 HR press lap\n- 30s Z4 HR\n")
    (tmp_path / "r.yaml").write_text(TINY)
    result = runner.invoke(main, ["validate", "--estimate", str(lap), str(tmp_path / "r.yaml")])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning:")]
    assert warnings
    assert all(line.startswith(f"Warning: {lap}: ") for line in warnings)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["build", "--jobs", "x"], "Invalid value for '-j' / '--jobs': 'x' is not a valid"),
        (["bild"], "No such command 'bild'. Did you mean 'build'?"),
        (["build", "--bogus"], "No such option '--bogus'"),
        (["--bogus"], "No such option '--bogus'"),
    ],
)
def test_a_command_line_click_cannot_read_is_one_line_pointing_to_the_help(
    args: list[str], said: str
) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Error: {said}")
    assert lines[0].endswith("--help')")
    assert result.stdout == ""
