"""Nothing a user has is overwritten: outputs never land on inputs, devices or each other."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from voicecoach.cli import main
from voicecoach.outputs import slugify

ROUTINE = "title: {title}\nexercises: [{{name: Hop, reps: 2, tempo: 1s, countdown: 0}}]\n"


def _write(path: Path, title: str = "Tiny") -> Path:
    path.write_text(ROUTINE.format(title=title), encoding="utf-8")
    return path


def _refused(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert result.stderr == f"Error: {message}\n"
    assert result.stdout == ""


def test_a_routine_is_never_its_own_output(tmp_path: Path) -> None:
    routine = _write(tmp_path / "r.yaml")
    before = routine.read_bytes()
    _refused(
        ["build", str(routine), "-o", str(routine)],
        f"-o {routine}: expected a name ending in .mp3 for mp3 output, found '.yaml'; "
        f"try -o {routine.with_suffix('.mp3')}",
    )
    assert routine.read_bytes() == before


def test_a_sidecar_never_replaces_a_routine_written_as_json(tmp_path: Path) -> None:
    routine = tmp_path / "tuesday.json"
    routine.write_text(
        '{"title": "Tuesday", "exercises": [{"name": "Hop", "reps": 2, "countdown": 0}]}'
    )
    before = routine.read_bytes()
    _refused(
        ["build", str(routine), "-o", str(tmp_path / "tuesday.mp3")],
        f"{routine}: the build would write over its own input {routine}; choose another "
        "output name (-o)",
    )
    assert routine.read_bytes() == before and not (tmp_path / "tuesday.mp3").exists()


@pytest.mark.parametrize("suffix", [".json", ".vtt", ".lrc"])
def test_an_audio_name_with_a_sidecars_extension_is_refused(tmp_path: Path, suffix: str) -> None:
    routine = _write(tmp_path / "r.yaml")
    out = tmp_path / f"x{suffix}"
    _refused(
        ["build", str(routine), "-o", str(out)],
        f"{out}: expected a name for the audio (such as x.mp3), found the extension {suffix} "
        "of a sidecar the build writes beside it",
    )
    assert list(tmp_path.iterdir()) == [routine]


def test_what_is_not_a_regular_file_is_never_replaced(tmp_path: Path) -> None:
    routine = _write(tmp_path / "r.yaml")
    fifo = tmp_path / "pipe.mp3"
    os.mkfifo(fifo)
    message = (
        "expected a regular file to write (or none), found something else (a folder, a "
        "device or a pipe); choose another output name (-o)"
    )
    _refused(["build", str(routine), "-o", str(fifo)], f"{fifo}: {message}")
    assert fifo.is_fifo()
    folder = tmp_path / "x.json"  # a folder where a sidecar would go
    folder.mkdir()
    _refused(["build", str(routine), "-o", str(tmp_path / "x.mp3")], f"{folder}: {message}")
    assert folder.is_dir() and not (tmp_path / "x.mp3").exists()


@pytest.mark.parametrize(
    ("first", "second"), [("Tuesday", "Tüesday!"), ("Тренировка", "тренировка")]
)
def test_two_routines_that_would_write_one_file_are_refused_up_front(
    tmp_path: Path, first: str, second: str
) -> None:
    a, b = _write(tmp_path / "a.yaml", first), _write(tmp_path / "b.yaml", second)
    out = tmp_path / "out"
    slug = slugify(first)
    _refused(
        ["build", str(a), str(b)],
        f"{a} and {b} would both write output/{slug}.mp3; give one of them another title or "
        "build them one at a time under another output name (-o)",
    )
    assert not out.exists()


@pytest.mark.parametrize(
    ("title", "slug"),
    [("Ünïcödé", "unicode"), ("Тренировка", "тренировка"), ("トレーニング 1", "トレーニング-1")],
)
def test_slugs_keep_the_letters_of_every_script(title: str, slug: str) -> None:
    assert slugify(title) == slug


def test_a_disk_full_while_tagging_is_one_error_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from mutagen import MutagenError
    from mutagen.id3 import ID3

    def full(*args: object, **kwargs: object) -> None:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as exc:
            raise MutagenError(exc) from exc  # as mutagen wraps what the disk says

    routine = _write(tmp_path / "r.yaml")
    out = tmp_path / "tiny.mp3"
    out.write_bytes(b"the session I had")
    monkeypatch.setattr(ID3, "save", full)
    _refused(
        ["build", str(routine), "-q", "-o", str(out)],
        f"cannot write {out}: No space left on device; it and the files beside it were left as "
        "they were",
    )
    assert out.read_bytes() == b"the session I had"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.yaml", "tiny.mp3"]


def test_a_wav_too_long_for_its_header_is_refused_before_any_speech(tmp_path: Path) -> None:
    routine = tmp_path / "long.yaml"
    routine.write_text("title: Long\nexercises: [{name: Walk, duration: 7h}]\n")
    args = ["build", str(routine), "--format", "wav", "--channels", "2", "--sample-rate", "48000"]
    _refused(
        [*args, "--max-minutes", "1440", "-o", str(tmp_path / "long.wav")],
        "expected a session a WAV file can hold (4 GiB, 1073741812 samples at 2 channels), "
        "found 1209600000; write MP3, mono, or fewer minutes (--format)",
    )
    assert list(tmp_path.iterdir()) == [routine]


# -- programmes ---------------------------------------------------------------------------


def _programme_files(tmp_path: Path) -> None:
    (tmp_path / "legs").mkdir()
    _write(tmp_path / "legs" / "r.yaml")
    (tmp_path / "a.yaml").write_text("title: Legs\nroutine: legs/r.yaml\nweeks: 1\n")
    (tmp_path / "b.yaml").write_text("title: LEGS!\nroutine: legs/r.yaml\nweeks: 1\n")


def test_a_programme_never_writes_over_its_own_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _programme_files(tmp_path)
    monkeypatch.chdir(tmp_path)
    programme = Path("legs/programme.json")
    programme.write_text("title: Legs\nroutine: r.yaml\nweeks: 1\n")
    before = programme.read_bytes()
    _refused(
        ["build", str(programme), "--output-dir", "."],
        f"{programme}: the build would write over its own input {programme}; choose another "
        "output folder (--output-dir)",
    )
    assert programme.read_bytes() == before
    assert sorted(p.name for p in Path("legs").iterdir()) == ["programme.json", "r.yaml"]


def test_two_programmes_or_two_routines_of_one_run_never_share_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _programme_files(tmp_path)
    monkeypatch.chdir(tmp_path)
    _refused(
        ["build", "a.yaml", "b.yaml"],
        "a.yaml and b.yaml would both write output/legs/; give one of them another title or "
        "build them one at a time into another output folder (--output-dir)",
    )
    for name in ("x1.yaml", "x2.yaml"):
        _write(tmp_path / name)
    title = yaml_title(tmp_path / "x1.yaml")
    _refused(
        ["build", "a.yaml", "x1.yaml", "x2.yaml"],
        f"x1.yaml and x2.yaml would both write output/{title}.mp3; give one of them another "
        "title or build them one at a time under another output name (-o)",
    )
    assert not Path("output").exists()


def test_a_folder_holding_another_programme_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _programme_files(tmp_path)
    monkeypatch.chdir(tmp_path)
    folder = Path("output/legs")
    folder.mkdir(parents=True)
    listing = '{"title": "Legs", "sessions": []}\n'
    (folder / "programme.json").write_text(listing)
    _refused(
        ["build", "b.yaml"],
        "output/legs holds another programme, 'Legs' (its programme.json); give 'LEGS!' "
        "another title or use another output folder (--output-dir)",
    )
    assert sorted(p.name for p in folder.iterdir()) == ["programme.json"]
    assert (folder / "programme.json").read_text() == listing


def yaml_title(path: Path) -> str:
    from voicecoach.loader import load_routine
    from voicecoach.outputs import slugify

    return slugify(load_routine(path).title)


def test_long_titles_and_names_fit_the_file_system(tmp_path: Path) -> None:
    from voicecoach.outputs import MAX_SLUG_BYTES, slugify

    assert len(slugify("a" * 300).encode()) == MAX_SLUG_BYTES
    worded = slugify(" ".join(["тренировка"] * 40))
    assert len(worded.encode()) <= MAX_SLUG_BYTES and not worded.endswith("-")
    assert worded.split("-") == ["тренировка"] * len(worded.split("-"))  # cut at a word
    routine = _write(tmp_path / "r.yaml")
    out = tmp_path / ("b" * 240 + ".mp3")  # 244 bytes: its temporary name must be shorter
    result = CliRunner().invoke(main, ["build", "-q", str(routine), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert out.read_bytes()[:3] == b"ID3"


def test_a_programme_folder_that_cannot_be_made_is_refused_before_any_audio(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _programme_files(tmp_path)
    monkeypatch.chdir(tmp_path)
    Path("output").mkdir()
    Path("output/legs").write_text("a file where the folder goes")
    _refused(
        ["build", "a.yaml"],
        "output/legs: expected a folder for the programme's files (or none), found a file or "
        "a broken link; give the programme another title or use another output folder "
        "(--output-dir)",
    )
    Path("output/legs").unlink()
    Path("output/legs").symlink_to("nowhere")
    _refused(
        ["build", "a.yaml"],
        "output/legs: expected a folder for the programme's files (or none), found a file or "
        "a broken link; give the programme another title or use another output folder "
        "(--output-dir)",
    )


@contextmanager
def _unwritable(folder: Path) -> Iterator[None]:
    """`folder` made so no file can be made in it, even by root (immutable), then undone."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        made = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, check=False)
        if made.returncode != 0:
            pytest.skip(f"chattr +i is refused here: {made.stderr.decode().strip()}")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
    else:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)


def test_an_output_folder_that_cannot_be_written_is_refused_before_any_audio(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    routine = _write(tmp_path / "r.yaml")
    cache = tmp_path / "cache"
    with _unwritable(tmp_path / "locked"):
        for out in ("locked/s.mp3", "locked/deeper/s.mp3"):
            result = CliRunner().invoke(
                main, ["build", str(routine), "-o", out, "--cache-dir", str(cache)]
            )
            assert result.exit_code == 1, result.output
            [line] = result.stderr.splitlines()
            folder = str(Path(out).parent)
            assert line in (
                f"Error: cannot write to {folder}: Permission denied",
                f"Error: cannot write to {folder}: Operation not permitted",
                f"Error: cannot make the folder {folder}: Permission denied",
                f"Error: cannot make the folder {folder}: Operation not permitted",
            ), line
        _programme_files(tmp_path)
        result = CliRunner().invoke(
            main, ["build", "a.yaml", "--output-dir", "locked", "--cache-dir", str(cache)]
        )
        assert result.exit_code == 1, result.output
        made = "Error: cannot make the folder locked/legs: "
        assert result.stderr.startswith(made), result.stderr
        assert list((tmp_path / "locked").iterdir()) == []
    # nothing was spoken: the checks came before any audio
    assert not cache.exists() or not any(p.is_file() for p in cache.rglob("*"))
