"""A coach's squad: one plan voiced per athlete, each in a folder of their own."""

from __future__ import annotations

import json
import re
import shutil
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from voicecoach.cli import main
from voicecoach.programme.folder import ProgrammeOptions
from voicecoach.session.build import BuildOptions
from voicecoach.squad.personal import personal_programme
from voicecoach.squad.roster import load_squad
from voicecoach.squad.team import SquadOptions, build_squad

RIDE = """
title: Power Ride
defaults: {rest: 2s, countdown: 0}
cues: {halfway: "", rep: ""}
exercises:
  - {name: Sweet spot, duration: 6s, target: {power: "88-94%"}}
"""
RUN = """
title: Easy Run
defaults: {rest: 2s, countdown: 0}
cues: {halfway: "", rep: ""}
exercises:
  - {name: Steady, duration: 6s, target: {pace: "90%"}}
"""
PLAN = """
title: Club Plan
weeks:
  - sessions: [ride.yaml, run.yaml]
start: 2027-01-04
days: [mon, thu]
"""
SQUAD = """
title: Thursday Club
programme: plan.yaml
athletes: members.csv
"""
MEMBERS = """name,units,start,threshold_pace,ftp
Ana Ruiz,metric,2027-01-11,4:10/km,240
Bo Lind,,,5:00/km,180
"""


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


@pytest.fixture
def squad(tmp_path: Path) -> Path:
    _write(tmp_path, "ride.yaml", RIDE)
    _write(tmp_path, "run.yaml", RUN)
    _write(tmp_path, "plan.yaml", PLAN)
    _write(tmp_path, "members.csv", MEMBERS)
    return _write(tmp_path, "squad.yaml", SQUAD)


def _spoken(folder: Path) -> dict[str, list[str]]:
    return {
        path.stem: [
            c["text"] for c in json.loads(path.read_text())["cues"] if c["kind"] == "speech"
        ]
        for path in sorted(folder.glob("0*.json"))
    }


def test_each_athlete_gets_a_private_folder_with_their_own_figures(
    squad: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(squad), "--output-dir", str(out), "-q"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "thursday-club.squad.json").read_text())
    assert manifest["title"] == "Thursday Club"
    assert manifest["folder"] == "thursday-club"
    folders = {a["name"]: a["folder"] for a in manifest["athletes"]}
    assert set(folders) == {"Ana Ruiz", "Bo Lind"}
    for name, folder in folders.items():
        slug, secret = re.fullmatch(r"([a-z-]+?)-([A-Za-z0-9_-]{16})", folder).groups()  # type: ignore[union-attr]
        assert slug == name.lower().replace(" ", "-")
        assert len(secret) * 6 >= 96
    ana = out / "thursday-club" / folders["Ana Ruiz"]
    bo = out / "thursday-club" / folders["Bo Lind"]
    # each hears targets in their own figures: Ana's FTP is 240, Bo's 180
    ana_ride = " ".join(_spoken(ana)["01-week-1-session-1"])
    bo_ride = " ".join(_spoken(bo)["01-week-1-session-1"])
    assert "88 to 94 per cent of FTP, 211 to 226 watts" in ana_ride
    assert "88 to 94 per cent of FTP, 158 to 169 watts" in bo_ride
    # and their own start: Ana's plan starts a week later
    ana_dates = [r["date"] for r in json.loads((ana / "programme.json").read_text())["sessions"]]
    bo_dates = [r["date"] for r in json.loads((bo / "programme.json").read_text())["sessions"]]
    assert ana_dates == ["2027-01-11", "2027-01-14"]
    assert bo_dates == ["2027-01-04", "2027-01-07"]
    # the published folder holds the athletes' folders and nothing else; nothing in one
    # names another athlete's folder, the manifest or the overview
    assert sorted(p.name for p in (out / "thursday-club").iterdir()) == sorted(folders.values())
    assert sorted(p.name for p in out.iterdir()) == [
        "thursday-club",
        "thursday-club.coach.html",
        "thursday-club.squad.json",
    ]
    for path in (out / "thursday-club").rglob("*"):
        if path.is_file() and path.suffix in (".html", ".json", ".xml", ".m3u8", ".ics"):
            text = path.read_text(encoding="utf-8")
            others = [f for n, f in folders.items() if f not in str(path)]
            assert not any(other in text for other in others), path
            assert "squad.json" not in text
            assert "coach.html" not in text
    overview = (out / "thursday-club.coach.html").read_text()
    assert all(f"thursday-club/{f}/index.html" in overview for f in folders.values())


def test_a_rebuild_keeps_every_link_and_makes_only_what_a_change_touches(
    squad: Path, tmp_path: Path
) -> None:
    options = SquadOptions(ProgrammeOptions(build=BuildOptions(output_dir=tmp_path / "out")))
    first = build_squad(load_squad(squad), options)
    links = [name for _member, name, _result in first.athletes]
    again = build_squad(load_squad(squad), options)
    assert [name for _member, name, _result in again.athletes] == links
    assert all(not result.made for _member, _name, result in again.athletes)
    # Ana's FTP changes: only her session with a power target is made again
    (tmp_path / "members.csv").write_text(MEMBERS.replace("4:10/km,240", "4:10/km,250"))
    changed = build_squad(load_squad(squad), options)
    made = {member.name: result.made for member, _name, result in changed.athletes}
    assert made == {"Ana Ruiz": (1,), "Bo Lind": ()}
    assert [name for _member, name, _result in changed.athletes] == links


def test_a_squad_can_voice_one_routine(squad: Path, tmp_path: Path) -> None:
    _write(tmp_path, "one.yaml", SQUAD.replace("plan.yaml", "run.yaml"))
    loaded = load_squad(tmp_path / "one.yaml")
    programme = personal_programme(loaded, loaded.members[1], 60_000)
    assert len(programme.slots) == 1
    assert programme.slots[0].routine.athlete.threshold_pace_s_km == 300


@pytest.mark.parametrize(
    ("csv", "message"),
    [
        (
            "name,ftp\nAna,9000\n",
            "members.csv:2: ftp: expected a whole number from 30 to 2000 (watts), found 9000",
        ),
        ("name,fpt\nAna,200\n", "members.csv:1: unknown column 'fpt' — did you mean 'ftp'?"),
        (
            "name,kilograms\nAna,70\n",
            "members.csv:1: unknown column 'kilograms' — the columns are ",
        ),
        ("ftp\n200\n", "members.csv:1: expected a 'name' column, found none"),
        (
            "name,language\nAna,tlh\n",
            "members.csv:2: language: expected a built-in language (en, en-US, de, fr, es, it, "
            "nl, pt-PT, pt-BR, sv, da, nb, fi, pl), found 'tlh'",
        ),
        (
            "name\nAna Ruiz\nana  ruiz\n",
            "squad.yaml:3: athletes: 'Ana Ruiz' (members.csv:2) and 'ana  ruiz' (members.csv:3) "
            "would share the folder ana-ruiz-…; give one of them another name",
        ),
        (
            "name,start\nAna,2027-02-30\n",
            "members.csv:2: start: expected a date written as YYYY-MM-DD, such as 2027-01-11, "
            "found '2027-02-30'",
        ),
    ],
)
def test_a_bad_row_is_one_error_naming_the_file_line_and_column(
    squad: Path, tmp_path: Path, csv: str, message: str
) -> None:
    (tmp_path / "members.csv").write_text(csv)
    result = CliRunner().invoke(main, ["validate", str(squad)])
    assert result.exit_code == 1
    line = result.stderr.strip()
    assert line.startswith("Error: ")
    assert message in line.replace(str(tmp_path) + "/", ""), line


def _fetch(url: str) -> tuple[int, str, bytes]:
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", parts.path)
        answer = connection.getresponse()
        return answer.status, answer.getheader("Location") or "", answer.read()
    finally:
        connection.close()


def test_serve_gives_each_athlete_their_folder_and_lists_nothing(
    squad: Path, tmp_path: Path
) -> None:
    from tests.support.serving import running
    from voicecoach.serve.app import find_folder, squad_links

    out = tmp_path / "out"
    built = CliRunner().invoke(main, ["build", str(squad), "--output-dir", str(out), "-q"])
    assert built.exit_code == 0, built.output
    folder = out / "thursday-club"
    assert find_folder(folder) == folder
    links = squad_links(folder, ["Bo Lind"])
    assert links is not None
    bo = links["Bo Lind"]
    ana = next(p.name for p in folder.iterdir() if p.name != bo)
    with running(folder) as (base, _tally):
        assert _fetch(base)[0] == 404  # the squad's folder lists nothing
        assert _fetch(f"{base}{bo}")[:2] == (308, f"/{bo}/")
        status, _where, page = _fetch(f"{base}{bo}/")
        assert status == 200
        assert b"Club Plan" in page
        assert ana.encode() not in page
        status, _where, feed = _fetch(f"{base}{bo}/feed.xml")
        assert status == 200
        assert f"{base}{bo}/01-week-1-session-1.mp3".encode() in feed
        assert _fetch(f"{base}{bo}/01-week-1-session-1.mp3")[0] == 200
        assert _fetch(f"{base}{bo}/../{ana}/index.html")[0] == 404
        assert _fetch(f"{base}nobody-x/index.html")[0] == 404
    with pytest.raises(Exception, match="expected an athlete of the squad"):
        squad_links(folder, ["Nobody"])


def test_a_spreadsheets_csv_is_read_with_its_own_separator_and_headings(
    squad: Path, tmp_path: Path
) -> None:
    (tmp_path / "members.csv").write_text("Name;FTP\nAna Ruiz;240\nBo Lind;180\n")
    loaded = load_squad(squad)
    assert [(m.name, dict(m.athlete)) for m in loaded.members] == [
        ("Ana Ruiz", {"ftp": 240}),
        ("Bo Lind", {"ftp": 180}),
    ]


def test_a_run_that_fails_half_way_loses_no_athletes_link(squad: Path, tmp_path: Path) -> None:
    from voicecoach.errors import VoicecoachError

    options = SquadOptions(ProgrammeOptions(build=BuildOptions(output_dir=tmp_path / "out")))
    first = build_squad(load_squad(squad), options)
    links = {member.name: name for member, name, _result in first.athletes}
    # Bo's folder cannot be written (a file stands where it goes): his build fails,
    # after Ana's was made again with a new FTP
    bo = tmp_path / "out" / "thursday-club" / links["Bo Lind"]
    shutil.rmtree(bo)
    bo.write_text("in the way")
    (tmp_path / "members.csv").write_text(MEMBERS.replace("4:10/km,240", "4:10/km,250"))
    with pytest.raises(VoicecoachError):
        build_squad(load_squad(squad), options)
    manifest = json.loads((tmp_path / "out" / "thursday-club.squad.json").read_text())
    assert {a["name"]: a["folder"] for a in manifest["athletes"]} == links
    bo.unlink()
    again = build_squad(load_squad(squad), options)
    assert {member.name: name for member, name, _result in again.athletes} == links


def test_each_athlete_hears_the_plan_in_their_own_language(squad: Path, tmp_path: Path) -> None:
    squad.write_text(SQUAD + "language: de\n")
    (tmp_path / "members.csv").write_text(
        "name,language,ftp,threshold_pace\nAna Ruiz,es,240,4:10/km\nBo Lind,,180,5:00/km\n"
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(squad), "--output-dir", str(out), "-q"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "thursday-club.squad.json").read_text())
    languages = {a["name"]: a["language"] for a in manifest["athletes"]}
    assert languages == {"Ana Ruiz": "es", "Bo Lind": "de"}
    folders = {a["name"]: out / "thursday-club" / a["folder"] for a in manifest["athletes"]}
    ana = " ".join(_spoken(folders["Ana Ruiz"])["01-week-1-session-1"])
    bo = " ".join(_spoken(folders["Bo Lind"])["01-week-1-session-1"])
    assert "211 a 226 vatios" in ana or "211 a 226 W" in ana, ana
    assert "158 bis 169 Watt" in bo, bo
    for text in (ana, bo):
        assert "per cent" not in text
        assert "Week" not in text
    assert '<html lang="es">' in (folders["Ana Ruiz"] / "index.html").read_text()
    assert '<html lang="de">' in (folders["Bo Lind"] / "index.html").read_text()
