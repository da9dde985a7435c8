"""Never a traceback, never a lost file: hostile input, fuzzing, interrupted builds."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.paths import REPO, SEED_ROUTINE
from tests.support.routines import BAD
from voicecoach.cli import main
from voicecoach.errors import RoutineError
from voicecoach.routine.loading import (
    AUDIO_KEYS,
    DEFAULT_KEYS,
    EXERCISE_KEYS,
    SET_KEYS,
    TOP_KEYS,
    VOICE_KEYS,
)
from voicecoach.routine.wording import PLACEHOLDERS
from voicecoach.sources import open_routine

KEYS = sorted(
    set(
        TOP_KEYS
        + EXERCISE_KEYS
        + SET_KEYS
        + VOICE_KEYS
        + DEFAULT_KEYS
        + AUDIO_KEYS
        + tuple(PLACEHOLDERS)
        + ("repeat", "exercises", "rpes", "")
    )
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 2000),
    st.floats(allow_nan=True),
    st.sampled_from(["30s", "1:30", "4m", "{rep}", "{rep.x}", "{", "left", "", "1e9", "-1s"]),
    st.text(max_size=12),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)
    ),
    max_leaves=25,
)
ROUTINES = st.fixed_dictionaries(
    {"title": SCALARS, "exercises": st.lists(VALUES, max_size=4)},
    optional={
        "cues": VALUES,
        "voice": VALUES,
        "defaults": VALUES,
        "audio": VALUES,
        "tags": VALUES,
        "description": SCALARS,
    },
)


def _load_or_refuse(path: Path) -> None:
    try:
        routine = open_routine(path)
        # what loads is a whole routine: a title and at least one exercise to do
        assert routine.title
        assert routine.exercises()
    except RoutineError as exc:
        message = str(exc)
        assert message.startswith(str(path))
        assert "\n" not in message.strip()


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ROUTINES)
@pytest.mark.slow
def test_random_routines_load_or_get_a_routine_error(tmp_path: Path, data: dict) -> None:  # type: ignore[type-arg]
    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    _load_or_refuse(path)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=300))
def test_random_bytes_get_a_routine_error(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "bytes.yaml"
    path.write_bytes(data)
    _load_or_refuse(path)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 10_000),
            st.integers(0, 3),
            st.sampled_from(list(":-[]{}&*!|>'\"#\t\n x0")),
        ),
        min_size=1,
        max_size=4,
    )
)
@pytest.mark.slow
def test_mutated_seed_routines_load_or_get_a_routine_error(tmp_path: Path, edits: list) -> None:  # type: ignore[type-arg]
    text = SEED_ROUTINE.read_text()
    for position, action, char in edits:
        at = position % len(text)
        if action == 0:
            text = text[:at] + text[at + 1 :]
        elif action == 1:
            text = text[:at] + char + text[at:]
        else:
            text = text[:at] + char + text[at + 1 :]
    path = tmp_path / "mutated.yaml"
    path.write_text(text, encoding="utf-8")
    _load_or_refuse(path)


@pytest.mark.parametrize(("text", "message"), BAD, ids=[m.split(":")[1][:40] for _, m in BAD])
def test_bad_routines_never_touch_an_existing_session(
    tmp_path: Path, text: str, message: str
) -> None:
    routine = tmp_path / "bad.yaml"
    routine.write_text(text)
    session = tmp_path / "mine.mp3"
    session.write_bytes(b"my precious session")
    result = CliRunner().invoke(main, ["build", str(routine), "-o", str(session)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {routine}")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    assert session.read_bytes() == b"my precious session"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml", "mine.mp3"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "title: X\nexercises:\n"
            + "".join(
                f"{'  ' * (2 * n + 1)}- repeat: 2\n{'  ' * (2 * n + 2)}exercises:\n"
                for n in range(400)
            )
            + "  " * 801
            + "- {name: A, reps: 1}\n",
            "nested too deeply",
        ),
        (
            "title: X\nexercises:\n  - repeat: 1000\n    exercises:\n      - repeat: 1000\n"
            "        exercises:\n          - {name: A, duration: 0.001s, countdown: 0, rest: 0}\n",
            "expected at most 200000 cues",
        ),
        (
            "title: X\nexercises:\n  - repeat: 10\n    exercises:\n"
            "      - {name: A, duration: 1h}\n",
            "expected a session of at most 360 minutes, found one of at least 604 minutes",
        ),
        (
            "title: X\nvoice:\n  name: xx-nope\nexercises: [{name: A, reps: 3}]\n",
            ":3: voice.name: expected a voice that espeak-ng has, found 'xx-nope'",
        ),
    ],
)
def test_runaway_and_impossible_routines_are_refused_quickly(
    tmp_path: Path, text: str, expected: str
) -> None:
    routine = tmp_path / "big.yaml"
    routine.write_text(text)
    started = time.perf_counter()
    result = CliRunner().invoke(main, ["validate", str(routine)])
    assert time.perf_counter() - started < 5  # generous: refusal is arithmetic, not work
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {routine}")
    assert expected in result.stderr


def _long_routine(tmp_path: Path) -> Path:
    routine = tmp_path / "long.yaml"
    routine.write_text(
        "title: Long Intervals\ndefaults: {rest: 0}\nexercises:\n  - repeat: 7\n"
        "    exercises:\n      - {name: Run, duration: 2m}\n      - {name: Walk, duration: 1m}\n"
    )
    return routine


@pytest.mark.parametrize(
    "how",
    [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGKILL],
    ids=["ctrl-c", "term", "hup", "kill"],
)
@pytest.mark.slow
def test_an_interrupted_build_leaves_the_previous_session_as_it_was(
    tmp_path: Path, how: signal.Signals
) -> None:
    routine = _long_routine(tmp_path)
    out = tmp_path / "out" / "long.mp3"
    out.parent.mkdir()
    before = {
        name: f"the session I had: {name}".encode()
        for name in ("long.mp3", "long.json", "long.vtt", "long.lrc")
    }
    for name, data in before.items():
        (out.parent / name).write_bytes(data)
    command = [sys.executable, "-m", "voicecoach", "build", str(routine), "-o", str(out)]
    env = {**os.environ, "VOICECOACH_CACHE_DIR": str(tmp_path / "cache")}  # cold: slow enough
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=REPO, text=True
    )
    time.sleep(2)
    assert process.poll() is None, "the build ended before it could be interrupted"
    process.send_signal(how)
    _, stderr = process.communicate(timeout=60)
    if how != signal.SIGKILL:
        assert process.returncode == 128 + how
        assert stderr.rstrip().endswith("Interrupted; no output file was changed.")
        assert "Traceback" not in stderr
        assert not [p for p in out.parent.iterdir() if p.name.endswith(".part")]
    else:
        assert process.returncode == -signal.SIGKILL
    after = {p.name: p.read_bytes() for p in out.parent.iterdir() if not p.name.endswith(".part")}
    assert after == before
    if how != signal.SIGKILL:
        return  # cleaned up by itself; what a killed build leaves, the next one clears:
    again = subprocess.run(command, capture_output=True, env=env, cwd=REPO, text=True)
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in out.parent.iterdir()) == sorted(before)  # no parts left
    # nor the killed build's scratch folder: the next build sweeps it
    assert not list(Path(tempfile.gettempdir()).glob(f"voicecoach-speech-{process.pid}.*"))
    # the rebuilt session is whole: as long as its timeline (decoded and measured cue by
    # cue in test_build; here its frames are counted, which is quick for 21 minutes)
    from mutagen.mp3 import MP3

    document = json.loads(out.with_suffix(".json").read_text())
    assert abs(MP3(out).info.length * 1000 - document["duration_ms"]) < 60


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            children = (task / "children").read_text().split()
            found += [int(child) for child in children]
    except FileNotFoundError:
        pass  # it has ended
    return found


def _descendants(pid: int) -> set[int]:
    found: set[int] = set()
    for child in _children(pid):
        found |= {child} | _descendants(child)
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has stopped


@pytest.mark.slow
def test_sigterm_stops_every_worker_of_a_parallel_build(tmp_path: Path) -> None:
    first = _long_routine(tmp_path)
    second = tmp_path / "second.yaml"
    second.write_text(first.read_text().replace("Long Intervals", "Other Intervals"))
    out = tmp_path / "out"
    env = {**os.environ, "VOICECOACH_CACHE_DIR": str(tmp_path / "cache")}  # cold: slow enough
    command = [sys.executable, "-m", "voicecoach", "build", str(first), str(second), "--jobs", "2"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp_path, text=True
    )
    deadline = time.monotonic() + 30
    workers: set[int] = set()
    while len(workers) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
        workers = {pid for pid in _descendants(process.pid) if _alive(pid)}
    time.sleep(1.5)  # both workers are speaking now
    workers |= _descendants(process.pid)  # and whatever else the run started
    assert process.poll() is None
    assert len(workers) >= 2
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 143
    assert stderr.rstrip().endswith("Interrupted; no output file was changed.")
    assert "Traceback" not in stderr
    assert not any(_alive(pid) for pid in workers)  # at once: nothing outlives the command
    left = sorted(p.name for p in out.rglob("*")) if out.exists() else []
    assert left == []  # no session, no sidecar, no .part file


def test_a_closed_pipe_ends_a_command_quietly(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "voicecoach", "voices"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )
    assert process.stdout is not None
    process.stdout.close()  # the reader is gone before anything is written, as with head
    _, stderr = process.communicate(timeout=60)
    assert stderr == b""
    assert process.returncode == 128 + signal.SIGPIPE


def test_a_routine_given_as_a_command_suggests_build() -> None:
    result = CliRunner().invoke(main, ["my-run.yaml"])
    assert result.exit_code == 2
    assert result.stderr.rstrip().endswith(
        "Error: 'my-run.yaml' is not a command; to build it: voicecoach build my-run.yaml"
    )


@pytest.mark.slow
def test_ctrl_c_in_a_programme_names_the_sessions_already_written(tmp_path: Path) -> None:
    routine = _long_routine(tmp_path)
    (tmp_path / "p.yaml").write_text(f"title: Long Plan\nroutine: {routine.name}\nweeks: 3\n")
    folder = tmp_path / "out" / "long-plan"
    command = [
        sys.executable, "-m", "voicecoach", "build", str(tmp_path / "p.yaml"),
        "--output-dir", str(tmp_path / "out"),
    ]  # fmt: skip
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO, text=True
    )
    first = folder / "01-week-1-session-1.mp3"
    deadline = time.monotonic() + 120
    while not first.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    # past the moment the first session is published and reported (sessions take seconds)
    time.sleep(0.3)
    assert process.poll() is None, "the programme ended before it could be interrupted"
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert stderr.rstrip().endswith(
        f"Interrupted; these were written before the stop: {first}; no other output file "
        "was changed."
    )
    # what was made is listed, so the next build keeps it
    listed = json.loads((folder / "programme.json").read_text())["sessions"]
    assert [session["file"] for session in listed] == [first.name]
    assert not (folder / "02-week-2-session-1.mp3").exists()
