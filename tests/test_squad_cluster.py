"""A squad built on a real Dask cluster (a LocalCluster of two worker processes on
loopback): the same bytes as this machine's pool, and a worker killed mid-run costs only
its task."""

from __future__ import annotations

import json
import os
import signal
import threading
from pathlib import Path

import pytest

from tests.support.outputs import differences
from tests.support.squads import write_squad
from voicecoach.programme.folder import ProgrammeOptions, ProgrammeResult
from voicecoach.session.build import BuildOptions
from voicecoach.session.runners import DaskRunner
from voicecoach.squad.roster import Member, load_squad
from voicecoach.squad.team import SquadOptions, SquadResult, build_squad

pytestmark = pytest.mark.slow

ATHLETES = """
  - {name: Ana, athlete: {threshold_pace: "4:00/km"}}
  - {name: Bo, athlete: {threshold_pace: "4:30/km"}}
  - {name: Cy, athlete: {threshold_pace: "5:00/km"}}
"""


@pytest.fixture
def squad_file(tmp_path: Path) -> Path:
    return write_squad(tmp_path, 2, ATHLETES)


def _options(out: Path, runner: object = None, jobs: int = 1) -> SquadOptions:
    build = BuildOptions(output_dir=out)
    return SquadOptions(ProgrammeOptions(build=build, jobs=jobs, runner=runner))  # type: ignore[arg-type]


def _same_folders(one: SquadResult, other: SquadResult) -> None:
    for (member, first, _), (_, second, _) in zip(one.athletes, other.athletes, strict=True):
        assert differences(one.folder / first, other.folder / second) == [], member.name


@pytest.mark.parametrize("ships", [False, True], ids=["shared-disk", "files-sent-back"])
def test_a_squad_on_a_local_cluster_is_the_same_bytes_as_on_one_process(
    squad_file: Path, tmp_path: Path, ships: bool
) -> None:
    alone = build_squad(load_squad(squad_file), _options(tmp_path / "alone"))
    # a cluster of other machines' workers sends each session's files back (ships)
    runner = DaskRunner("local", ships_files=ships)
    try:
        clustered = build_squad(load_squad(squad_file), _options(tmp_path / "cluster", runner))
    finally:
        runner.close()
    assert sum(len(r.made) for _m, _n, r in clustered.athletes) == 12
    _same_folders(alone, clustered)


def test_a_worker_killed_mid_run_costs_only_its_task(squad_file: Path, tmp_path: Path) -> None:
    alone = build_squad(load_squad(squad_file), _options(tmp_path / "alone"))
    runner = DaskRunner("local")
    killed: list[int] = []

    def kill_one_once(member: Member, _result: ProgrammeResult) -> None:
        # after the first athlete, while the others' sessions run: SIGKILL a worker
        if killed:
            return
        pids = runner.client.run(os.getpid)
        victim = sorted(pids.values())[0]
        threading.Timer(0.3, os.kill, (victim, signal.SIGKILL)).start()
        killed.append(victim)

    try:
        clustered = build_squad(
            load_squad(squad_file), _options(tmp_path / "cluster", runner), kill_one_once
        )
        survivors = runner.client.run(os.getpid)
        # its workers without Dask's 64 kB trim threshold (a fifth more time a session)
        trims = runner.client.run(os.environ.get, "MALLOC_TRIM_THRESHOLD_")
    finally:
        runner.close()
    assert killed
    assert killed[0] not in survivors.values()  # the worker really died
    assert set(trims.values()) == {None}
    _same_folders(alone, clustered)
    # nothing half written was published: no .part file anywhere
    assert not list((tmp_path / "cluster").rglob("*.part"))
    manifest = json.loads((tmp_path / "cluster" / "track-club.squad.json").read_text())
    assert [len(a["sessions"]) for a in manifest["athletes"]] == [4, 4, 4]


def test_the_command_line_takes_a_scheduler_for_a_squad_only(
    squad_file: Path, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from voicecoach.cli import main

    routine = tmp_path / "r.yaml"
    refused = CliRunner().invoke(main, ["build", str(routine), "--scheduler", "local"])
    assert refused.exit_code == 2
    assert "--scheduler is for programmes and squads" in refused.stderr
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["build", str(squad_file), "--scheduler", "local", "--output-dir", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].startswith(
        f"Squad {out / 'track-club'}/: 3 athletes, 12 sessions (12 made, 0 unchanged)"
    )


def test_a_task_removes_what_a_killed_task_left_in_the_temporary_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess
    import sys
    import tempfile

    from voicecoach.programme.folder import TASK_FOLDER, _build_and_ship
    from voicecoach.routine.loading import load_routine

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    left = tmp_path / "tmp" / f"{TASK_FOLDER}{gone.stdout.strip()}.x1y2"
    (left / "half").mkdir(parents=True)
    (left / "half" / "session.mp3.part").write_bytes(b"half an mp3")
    running = tmp_path / "tmp" / f"{TASK_FOLDER}{os.getppid()}.z3"  # a live process's
    running.mkdir()
    routine = tmp_path / "r.yaml"
    routine.write_text("title: T\nexercises:\n  - {name: Hold, duration: 5s}\n")
    outcome = _build_and_ship(
        load_routine(routine), BuildOptions(output=tmp_path / "out" / "t.mp3")
    )
    assert isinstance(outcome, tuple), outcome
    assert "t.mp3" in outcome[1]
    assert sorted(p.name for p in (tmp_path / "tmp").iterdir()) == [running.name]
