"""Where a build's files go, and the checks that keep it from writing where it must not."""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from voicecoach.errors import ExportError, VoicecoachError

SIDECAR_SUFFIXES = (".json", ".vtt", ".lrc")
DEFAULT_OUTPUT_DIR = Path("output")  # where sessions go unless told
# a programme folder's own files, beside its sessions
PROGRAMME_FILES = ("programme.json", "playlist.m3u8", "calendar.ics", "feed.xml", "index.html")
# a squad's manifest and overview, beside its folder: <squad-slug><suffix>
SQUAD_MANIFEST = ".squad.json"
SQUAD_OVERVIEW = ".coach.html"


def slugify(title: str) -> str:
    """The title in lower case, words joined by '-': letters and digits of any script.

    Accents are dropped ("Läufer" gives "laufer"), so a Latin title gives only a-z, 0-9
    and '-' as the format says; letters of other scripts are kept ("тренировка").
    """
    kept: list[str] = []
    for char in unicodedata.normalize("NFKD", title):
        # an accent on a Latin letter goes ("ü" gives "u"); a mark another script needs
        # to tell its letters apart stays (Japanese dakuten)
        if unicodedata.combining(char) and kept and kept[-1].isascii():
            continue
        kept.append(char)
    plain = "".join(kept)
    slug = re.sub(r"[\W_]+", "-", unicodedata.normalize("NFC", plain).lower()).strip("-")
    # a file name holds 255 bytes: a long title is cut at a word, well inside that
    while len(slug.encode()) > MAX_SLUG_BYTES:
        cut = slug.rfind("-")
        slug = slug[:cut] if cut > len(slug) // 3 else slug[:-1]
    return slug.strip("-") or "session"


MAX_SLUG_BYTES = 100


def output_files(audio_path: Path, sidecars: bool) -> list[Path]:
    """The audio file and, beside it, the sidecars a build writes."""
    return [audio_path] + (
        [audio_path.with_suffix(s) for s in SIDECAR_SUFFIXES] if sidecars else []
    )


def check_outputs(files: Sequence[Path], inputs: Sequence[Path]) -> None:
    """Refuse, before any audio is made, to write over an input or over what is no file."""
    audio = files[0]
    if audio.suffix.lower() in SIDECAR_SUFFIXES:
        raise ExportError(
            f"{audio}: expected a name for the audio (such as {audio.with_suffix('.mp3').name}), "
            f"found the extension {audio.suffix} of a sidecar the build writes beside it"
        )
    check_writable(files, inputs, "choose another output name", option="output")


def check_folder(folder: Path) -> None:
    """Make `folder` if need be and prove a file can be written in it, before any audio.

    A real file is made and removed: permission bits say nothing of a read-only mount, an
    immutable folder or a full disk's inodes, and nothing of them to root.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot make the folder {folder}: {exc.strerror or exc}") from None
    try:
        handle, name = tempfile.mkstemp(dir=folder, prefix=".voicecoach-", suffix=".part")
    except OSError as exc:
        raise ExportError(f"cannot write to {folder}: {exc.strerror or exc}") from None
    os.close(handle)
    os.unlink(name)


def check_writable(
    files: Sequence[Path], inputs: Sequence[Path], way_out: str, *, option: str | None = None
) -> None:
    """Refuse to write over an input, or over what is not a regular file.

    `way_out` says in words what to change; `option` names the parameter that changes it.
    """
    for path in files:
        if path.exists() and not path.is_file():
            raise ExportError(
                f"{path}: expected a regular file to write (or none), found something else "
                f"(a folder, a device or a pipe); {way_out}",
                option=option,
            )
        for given in inputs:
            if _same_file(path, given):
                raise ExportError(
                    f"{path}: the build would write over its own input {given}; {way_out}",
                    option=option,
                )


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return a.samefile(b)
        return a.resolve() == b.resolve()
    except OSError:
        return False


def stem_paths(out_path: Path) -> list[Path]:
    """Where `--stems` writes the voice and the music (bed and ticks) beside the audio."""
    return [out_path.with_suffix(".voice.wav"), out_path.with_suffix(".music.wav")]


YAML_SUFFIXES = (".yaml", ".yml")


def check_yaml_name(path: Path) -> None:
    """Refuse to write YAML under a name a build would read as something else (a .txt)."""
    if path.suffix.lower() not in YAML_SUFFIXES:
        found = f"'{path.suffix}'" if path.suffix else "no extension"
        raise ExportError(
            f"{path}: expected a name ending in .yaml or .yml (what is written is YAML, and a "
            f"build reads a file by its extension), found {found} (nothing was written)"
        )


def write_new_text(path: Path, text: str) -> None:
    """Write a new file (a starter, an imported routine), never over a file that is there.

    The text is written whole under a temporary name first and then put in place: a full
    disk leaves no empty file behind to block the retry.
    """
    if path.exists() or path.is_symlink():
        raise VoicecoachError(f"{path} is there already; give another name (nothing was written)")
    # os.open with 0o666 rather than mkstemp (0o600): the file gets the user's umask
    part = path.parent / f".voicecoach-{os.urandom(6).hex()}.part"
    try:
        handle = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise VoicecoachError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        _place_new(part, path)
    except FileExistsError:
        raise VoicecoachError(
            f"{path} is there already; give another name (nothing was written)"
        ) from None
    except OSError as exc:
        raise VoicecoachError(
            f"cannot write {path}: {exc.strerror or exc} (nothing was written)"
        ) from None
    finally:
        part.unlink(missing_ok=True)


def _place_new(part: Path, path: Path) -> None:
    """Give the written file its name, failing with FileExistsError if that name is taken."""
    try:
        os.link(part, path)  # atomic, and never replaces a file that appeared meanwhile
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links (FAT on a USB stick)
        if path.exists():
            raise FileExistsError(path) from None
        os.replace(part, path)
