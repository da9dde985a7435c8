"""Build a squad: each athlete's own programme folder under an unguessable name, then the
manifest and the coach's overview beside the squad's folder (never inside it).

    <output>/<squad>/<athlete>-<secret>/   one programme folder per athlete (publish this)
    <output>/<squad>.squad.json            the manifest: who has which folder, what it holds
    <output>/<squad>.coach.html            the coach's overview, with each athlete's link
"""

from __future__ import annotations

import html
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from voicecoach.errors import ExportError
from voicecoach.files.outputs import SQUAD_MANIFEST, SQUAD_OVERVIEW, check_folder, slugify
from voicecoach.programme.folder import (
    ProgrammeOptions,
    ProgrammeResult,
    finish_programme,
    prepare_programme,
    session_outcomes,
)
from voicecoach.programme.publish import write_if_changed
from voicecoach.squad.personal import personal_programme
from voicecoach.squad.roster import Member, Squad
from voicecoach.workouts.steps import DEFAULT_OPEN_STEP_MS

SECRET_BYTES = 12  # 96 bits: a folder's name nobody guesses


@dataclass(frozen=True)
class SquadOptions:
    """What a squad build is asked for besides the squad."""

    programme: ProgrammeOptions = field(default_factory=ProgrammeOptions)
    open_step_ms: int = DEFAULT_OPEN_STEP_MS


@dataclass(frozen=True)
class SquadResult:
    """What a squad build wrote: each athlete's programme, the manifest and the overview."""

    folder: Path  # the squad's folder, to publish
    manifest: Path
    overview: Path
    athletes: tuple[tuple[Member, str, ProgrammeResult], ...]  # with their folder's name
    seconds: float


def squad_paths(squad: Squad, output_dir: Path) -> tuple[Path, Path, Path]:
    """The squad's folder, its manifest and its overview."""
    slug = slugify(squad.title)
    return (
        output_dir / slug,
        output_dir / f"{slug}{SQUAD_MANIFEST}",
        output_dir / f"{slug}{SQUAD_OVERVIEW}",
    )


def build_squad(
    squad: Squad,
    options: SquadOptions = SquadOptions(),
    on_athlete: Callable[[Member, ProgrammeResult], None] | None = None,
) -> SquadResult:
    """Build every athlete's programme (each only what changed), then the manifest."""
    started = time.perf_counter()
    folder, manifest, overview = squad_paths(squad, options.programme.build.output_dir)
    if folder.exists() and not folder.is_dir():
        raise ExportError(
            f"{folder}: expected a folder for the squad (or none), found something else; "
            "give the squad another title or use another output folder",
            option="output_dir",
        )
    check_folder(manifest.parent)
    earlier = _earlier(manifest)
    names = _folder_names(squad, {name: kept for name, (kept, _files) in earlier.items()})
    sessions = {m.name: earlier.get(m.name, ("", []))[1] for m in squad.members}
    # every athlete's link is in the manifest before any audio, and it is written again
    # after each athlete: a run that stops or fails half way loses no one's link
    # every athlete's plan is read before any audio: a mistake in one stops the run now
    programmes = {m.name: personal_programme(squad, m, options.open_step_ms) for m in squad.members}
    languages = {name: programme.language for name, programme in programmes.items()}
    write_if_changed(manifest, manifest_json(squad, folder, names, sessions, languages))
    # every athlete's build planned (folders, covers, what is already made) before any
    # audio; then all their sessions are one stream of tasks, so no worker waits for an
    # athlete's pages to be written before the next athlete's sessions start
    works = [
        prepare_programme(
            programmes[m.name], replace(options.programme, folder=folder / names[m.name])
        )
        for m in squad.members
    ]
    built = []
    with session_outcomes(works, options.programme) as outcomes:
        for member, work in zip(squad.members, works, strict=True):
            result = finish_programme(work, outcomes)
            built.append((member, names[member.name], result))
            sessions[member.name] = [record.file for record in result.records]
            if on_athlete is not None:
                on_athlete(member, result)
            write_if_changed(manifest, manifest_json(squad, folder, names, sessions, languages))
    write_if_changed(overview, overview_html(squad, folder, built))
    return SquadResult(folder, manifest, overview, tuple(built), time.perf_counter() - started)


def _earlier(manifest: Path) -> dict[str, tuple[str, list[str]]]:
    """Each athlete's folder and sessions as the last build listed them (a link stays)."""
    try:
        document = json.loads(manifest.read_text(encoding="utf-8"))
        found = {
            str(a["name"]): (str(a["folder"]), [str(s) for s in a.get("sessions", [])])
            for a in document["athletes"]
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}
    # a folder name from the file is used only if it is one this code could have made
    return {name: entry for name, entry in found.items() if _plain(entry[0])}


def _plain(name: str) -> bool:
    return bool(name) and "/" not in name and "\\" not in name and not name.startswith(".")


def _folder_names(squad: Squad, earlier: dict[str, str]) -> dict[str, str]:
    names = {}
    for member in squad.members:
        kept = earlier.get(member.name)
        if kept is None or not kept.startswith(member.slug + "-"):
            kept = f"{member.slug}-{secrets.token_urlsafe(SECRET_BYTES)}"
        names[member.name] = kept
    return names


def manifest_json(
    squad: Squad,
    folder: Path,
    names: dict[str, str],
    sessions: dict[str, list[str]],
    languages: dict[str, str],
) -> str:
    """The manifest: the squad, and each athlete's folder and sessions (the coach's file)."""
    document: dict[str, Any] = {
        "title": squad.title,
        "folder": folder.name,
        "athletes": [
            {
                "name": member.name,
                "folder": names[member.name],
                "language": languages[member.name],
                "sessions": sessions[member.name],
            }
            for member in squad.members
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def overview_html(
    squad: Squad, folder: Path, built: list[tuple[Member, str, ProgrammeResult]]
) -> str:
    """The coach's page: each athlete, their link, and what this build made."""
    rows = "\n".join(
        _row(member, f"{folder.name}/{name}/", result) for member, name, result in built
    )
    title = html.escape(squad.title)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{title}: the coach's overview</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;margin:1rem;color-scheme:light dark}}
table{{border-collapse:collapse}}td,th{{padding:.3rem .6rem;border-bottom:1px solid #8884;
text-align:left}}</style></head>
<body><h1>{title}</h1>
<p>Send each athlete their own link: the folder <code>{html.escape(folder.name)}/</code> is
what to publish, and nothing in it names another athlete's folder.</p>
<table><thead><tr><th>Athlete</th><th>Link</th><th>Sessions</th><th>This build</th></tr></thead>
<tbody>
{rows}
</tbody></table></body></html>
"""


def _row(member: Member, link: str, result: ProgrammeResult) -> str:
    cells = (
        html.escape(member.name),
        f'<a href="{html.escape(link + "index.html", quote=True)}">{html.escape(link)}</a>',
        str(len(result.records)),
        f"{len(result.made)} made, {len(result.kept)} unchanged",
    )
    return "<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"
