"""A squad built to S3, its clip cache on S3 too: a real S3 server (moto's) on loopback.

Read back, the published squad is the same bytes as a build on local disk; a rebuild with
one athlete changed puts only that athlete's files; a machine without a mirror fetches
what is published and makes nothing again.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support.outputs import differences
from tests.support.s3 import BUCKET, download, s3_server
from tests.support.squads import write_squad
from voicecoach.cli import main
from voicecoach.files.remote import fetch, mirror_of, publish
from voicecoach.programme.folder import ProgrammeOptions
from voicecoach.session.build import BuildOptions
from voicecoach.squad.roster import load_squad
from voicecoach.squad.team import SquadOptions, build_squad

pytestmark = pytest.mark.slow

ATHLETES = """
  - {name: Ana, language: es, athlete: {threshold_pace: "4:00/km"}}
  - {name: Bo, athlete: {threshold_pace: "4:30/km"}}
"""
URL = f"s3://{BUCKET}/club"
CLIPS = f"s3://{BUCKET}/clips"


@pytest.fixture
def squad_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # the local mirror and the shared cache's local copy: in this test's folder
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "machine-1"))
    return write_squad(tmp_path, 1, ATHLETES)


def _options(out: Path, cache: Path | str) -> SquadOptions:
    return SquadOptions(ProgrammeOptions(build=BuildOptions(output_dir=out, cache_dir=cache)))


def test_a_squad_on_s3_is_what_a_local_build_makes_and_rebuilds_only_what_changed(
    squad_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with s3_server(monkeypatch) as endpoint:
        args = ["build", str(squad_file), "--output-dir", URL, "--cache", CLIPS, "-q"]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        published = tmp_path / "published"
        keys = download(endpoint, "club/", published)
        assert not [key for key in keys if ".voicecoach-upload" in key]  # all moved in place
        # the cache is there, and is a cache as a folder holds one
        assert download(endpoint, "clips/", tmp_path / "clips")
        manifest = json.loads((published / "track-club.squad.json").read_text())
        # the same squad on local disk, from the same clips (its manifest first: the same
        # secret folder names)
        local = tmp_path / "local"
        local.mkdir()
        shutil.copy(published / "track-club.squad.json", local)
        build_squad(load_squad(squad_file), _options(local, tmp_path / "clips"))
        for athlete in manifest["athletes"]:
            folder = Path("track-club") / athlete["folder"]
            assert differences(published / folder, local / folder) == [], athlete["name"]
        assert [a["language"] for a in manifest["athletes"]] == ["es", "en"]

        # Bo's pace changes: only his sessions are made and put again
        squad_file.write_text(squad_file.read_text().replace("4:30/km", "4:20/km"))
        mirror = mirror_of(URL)
        again = build_squad(load_squad(squad_file), _options(mirror, CLIPS))
        assert [len(r.made) for _m, _n, r in again.athletes] == [0, 2]
        put = publish(mirror, URL).uploaded
        bo = next(a["folder"] for a in manifest["athletes"] if a["name"] == "Bo")
        assert put
        assert all(p.startswith(f"track-club/{bo}/") or "/" not in p for p in put), put

        # another machine: no mirror yet; it fetches what is published and makes nothing
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "machine-2"))
        second = mirror_of(URL)
        assert not second.exists()
        assert fetch(URL, second) == len(download(endpoint, "club/", tmp_path / "again"))
        rebuilt = build_squad(load_squad(squad_file), _options(second, CLIPS))
        assert [len(r.made) for _m, _n, r in rebuilt.athletes] == [0, 0]
        # only the coach's overview, which tells what this run did
        assert publish(second, URL).uploaded == ("track-club.coach.html",)
