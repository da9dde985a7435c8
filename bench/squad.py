"""A squad's speed on this machine: one process, the --jobs pool and a Dask LocalCluster.

    .venv/bin/python -m bench.squad                 # 50 athletes x 4 sessions (make bench)
    .venv/bin/python -m bench.squad --athletes 10   # quicker

Each athlete has their own threshold pace, maximum heart rate, FTP and language (the
fourteen built-in ones in turn); the plan is two weeks of the seed's leg workout and a
track session with pace and heart-rate targets. It prints sessions a minute for each
runner, the clip cache's hits after the first athlete, each Dask worker's memory,
whether the outputs are the same bytes, the time of a rebuild with nothing changed, what
one athlete's new maximum heart rate makes again, the same for a new FTP in a squad of
ten whose plan has a bike session with power targets, and a cold run on local disk
against the same with the output and the clip cache on an S3 server on loopback (moto's).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from tests.support.outputs import differences
from voicecoach.language.tags import LANGUAGES
from voicecoach.programme.folder import ProgrammeOptions
from voicecoach.session.build import BuildOptions
from voicecoach.session.runners import DaskRunner, PoolRunner
from voicecoach.squad.roster import load_squad
from voicecoach.squad.team import SquadOptions, SquadResult, build_squad

REPO = Path(__file__).resolve().parent.parent
TRACK = """
title: Track Session
defaults: {rest: 20s}
athlete: {threshold_pace: "4:30/km"}
exercises:
  - {name: Warm-up jog, duration: 2m, target: {heart_rate: zone 2}}
  - repeat: 3
    exercises:
      - {name: Fast, duration: 45s, target: {pace: "95-100%"}}
      - {name: Jog, duration: 45s, target: {heart_rate: zone 1}}
  - {name: Cool-down, duration: 1m, target: easy}
"""
BIKE = """
title: Bike Intervals
defaults: {rest: 20s}
athlete: {ftp: 200}
exercises:
  - {name: Warm-up spin, duration: 2m, target: {power: "55-65%"}}
  - repeat: 3
    exercises:
      - {name: Hard, duration: 45s, target: {power: "105-110%"}}
      - {name: Easy, duration: 45s, target: {power: "50%"}}
  - {name: Cool-down, duration: 1m, target: easy}
"""


def plan_text(title: str, weeks: list[list[str]]) -> str:
    """A programme of these sessions a week, Tuesdays and Saturdays from 4 January 2027."""
    listed = "".join(f"  - sessions: [{', '.join(week)}]\n" for week in weeks)
    return f"title: {title}\nstart: 2027-01-04\ndays: [tue, sat]\nweeks:\n{listed}"


PLAN = plan_text("Club Plan", [["legs.yaml", "track.yaml"]] * 2)
BIKE_PLAN = plan_text("Bike Plan", [["legs.yaml", "bike.yaml"]])
FTP_ATHLETES = 10


def write_squad(root: Path, athletes: int, plan: str = PLAN) -> Path:
    """The plan, and a CSV of athletes each with their own pace, heart rate and FTP."""
    root.mkdir(exist_ok=True)
    (root / "legs.yaml").write_text((REPO / "scripts" / "routine.yaml").read_text())
    (root / "track.yaml").write_text(TRACK)
    (root / "bike.yaml").write_text(BIKE)
    (root / "plan.yaml").write_text(plan)
    rows = ["name,threshold_pace,max_heart_rate,ftp,language"]
    tags = list(LANGUAGES)
    for n in range(athletes):
        pace = 210 + (n * 7) % 120  # 3:30 to 5:30 a kilometre
        language = tags[n % len(tags)]  # each athlete of a run of 14 in another language
        rows.append(
            f"Athlete {n + 1},{pace // 60}:{pace % 60:02d}/km,{170 + n % 30},{200 + n},{language}"
        )
    (root / "members.csv").write_text("\n".join(rows) + "\n")
    squad = root / "squad.yaml"
    squad.write_text("title: Bench Club\nprogramme: plan.yaml\nathletes: members.csv\n")
    return squad


def timed(squad: Path, out: Path, runner: object, jobs: int) -> tuple[SquadResult, float]:
    options = SquadOptions(
        ProgrammeOptions(build=BuildOptions(output_dir=out), jobs=jobs, runner=runner)  # type: ignore[arg-type]
    )
    began = time.perf_counter()
    result = build_squad(load_squad(squad), options)
    return result, time.perf_counter() - began


def sessions(result: SquadResult) -> int:
    return sum(len(r.made) for _m, _n, r in result.athletes)


def cache_hits(cache: Path, squad: Path, out: Path) -> float:
    """Clips found in the cache after the first athlete, as a share of those asked for."""
    loaded = load_squad(squad)
    first = replace(loaded, members=loaded.members[:1])
    options = SquadOptions(ProgrammeOptions(build=BuildOptions(output_dir=out, cache_dir=cache)))
    build_squad(first, options)
    before = len(list(cache.rglob("*.clip")))
    result = build_squad(loaded, options)
    after = len(list(cache.rglob("*.clip")))
    asked = 0
    for _member, _name, built in result.athletes[1:]:
        for record in built.records:
            document = json.loads((built.folder / record.file).with_suffix(".json").read_text())
            asked += len({c["text"] for c in document["cues"] if c["kind"] == "speech"})
    return 1 - (after - before) / max(1, asked)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--athletes", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="voicecoach-bench-squad-") as scratch:
        root = Path(scratch)
        squad = write_squad(root, args.athletes)
        os.environ["VOICECOACH_CACHE_DIR"] = str(root / "cache")
        hits = cache_hits(root / "hits-cache", squad, root / "hits")
        one, one_s = timed(squad, root / "one", None, 1)  # also fills the shared cache
        pool, pool_s = timed(squad, root / "pool", PoolRunner(2), 2)
        cluster = DaskRunner("local")
        try:
            dask, dask_s = timed(squad, root / "dask", cluster, 1)
            memory = cluster.client.run(lambda: __import__("psutil").Process().memory_info().rss)
        finally:
            cluster.close()
        same = all(
            not differences(one.folder / x, other.folder / y)
            for other in (pool, dask)
            for (_m, x, _r), (_o, y, _s) in zip(one.athletes, other.athletes, strict=True)
        )
        _again, again_s = timed(squad, root / "pool", PoolRunner(2), 2)
        changed = change_one(root / "members.csv", "max_heart_rate", squad, root / "pool")
        power = write_squad(root / "ftp", FTP_ATHLETES, BIKE_PLAN)
        timed(power, root / "ftp" / "out", PoolRunner(2), 2)
        ftp = change_one(root / "ftp" / "members.csv", "ftp", power, root / "ftp" / "out")
        local_s, s3_s = local_and_s3(squad, root)
    count = sessions(one)
    print(f"{args.athletes} athletes x 4 sessions = {count} sessions, warm clip cache")
    print(f"  one process:        {one_s:7.1f} s  {count / one_s * 60:6.1f} sessions a minute")
    print(f"  --jobs 2 pool:      {pool_s:7.1f} s  {count / pool_s * 60:6.1f} sessions a minute")
    print(
        f"  --scheduler local:  {dask_s:7.1f} s  {count / dask_s * 60:6.1f} sessions a minute "
        f"({pool_s / dask_s:.2f}x the pool)"
    )
    print(f"  clip cache hits after the first athlete: {hits:.1%}")
    print(f"  Dask workers' memory: {', '.join(f'{m / 1e6:.0f} MB' for m in memory.values())}")
    print(f"  outputs the same bytes in all three: {'yes' if same else 'NO'}")
    print(f"  rebuild with nothing changed: {again_s:.2f} s for {count} sessions")
    print(f"  Athlete 1's maximum heart rate changed: made again {made_again(changed)}")
    print(
        f"  {FTP_ATHLETES} athletes x the leg workout and a bike session with power targets, "
        f"Athlete 1's FTP changed: made again {made_again(ftp)}"
    )
    print(
        f"  cold, --jobs 2: local disk {local_s:.1f} s; output and cache on S3 (loopback) "
        f"{s3_s:.1f} s ({s3_s / local_s:.2f}x)"
    )


def change_one(members: Path, column: str, squad: Path, out: Path) -> SquadResult:
    """Athlete 1's figure in `column` up by 5, and the squad built again."""
    lines = members.read_text().splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    row[header.index(column)] = str(int(row[header.index(column)]) + 5)
    lines[1] = ",".join(row)
    members.write_text("\n".join(lines) + "\n")
    result, _ = timed(squad, out, PoolRunner(2), 2)
    return result


def made_again(result: SquadResult) -> dict[str, list[str]]:
    """Each athlete's sessions made in this build, by title."""
    return {
        member.name: [r.title for r in built.records if r.number in built.made]
        for member, _name, built in result.athletes
        if built.made
    }


def local_and_s3(squad: Path, root: Path) -> tuple[float, float]:
    """The squad cold (empty caches), --jobs 2: on local disk, then output and cache on a
    loopback S3 server (moto's), mirror and publish included."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the server's line per request

    from voicecoach.files.remote import Publisher, fetch, mirror_of

    cold = BuildOptions(output_dir=root / "cold", cache_dir=root / "cold-cache")
    began = time.perf_counter()
    build_squad(load_squad(squad), SquadOptions(ProgrammeOptions(build=cold, jobs=2)))
    local_s = time.perf_counter() - began
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        os.environ.update(
            AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}",
            AWS_ACCESS_KEY_ID="bench",
            AWS_SECRET_ACCESS_KEY="bench",
            AWS_DEFAULT_REGION="us-east-1",
            XDG_CACHE_HOME=str(root / "xdg"),
        )
        import boto3

        boto3.client("s3").create_bucket(Bucket="bench")
        url = "s3://bench/club"
        began = time.perf_counter()
        mirror = mirror_of(url)
        fetch(url, mirror)
        remote = BuildOptions(output_dir=mirror, cache_dir="s3://bench/clips")
        publisher = Publisher(mirror, url)  # as the command line does: each athlete when done
        build_squad(
            load_squad(squad),
            SquadOptions(ProgrammeOptions(build=remote, jobs=2)),
            on_athlete=lambda _member, result: publisher.folder_done(result.folder),
        )
        publisher.finish()
        s3_s = time.perf_counter() - began
    finally:
        server.stop()
    return local_s, s3_s


if __name__ == "__main__":
    main()
