"""The docs: a short README, a site that builds with --strict, guides from the package."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support.paths import REPO
from voicecoach import limits
from voicecoach.cli.helptext import inline, render
from voicecoach.help import LIMITS, MARKER, TOPICS, guide, limits_table

DOCS = REPO / "docs"


def test_the_readme_is_short() -> None:
    lines = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 250, f"the README has {len(lines)} lines; the guides belong in docs/"


def test_the_readme_keeps_the_two_commands_of_its_quick_start() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    quick = readme[readme.index("## Quick start") :]
    assert re.search(r"^make build ", quick, re.M)
    assert re.search(r"^make test ", quick, re.M)


def _repository_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    return [REPO / name for name in listed if not name.startswith(".ci/")]


def test_no_file_of_the_repository_or_the_package_names_a_folder_outside_it() -> None:
    outside = ("shared" + "/").encode()  # spelled apart, so this file does not name it
    naming = [
        str(path.relative_to(REPO))
        for path in _repository_files()
        if path.is_file() and outside in path.read_bytes()
    ]
    assert naming == []


def _nav_pages(entries: list[object]) -> list[str]:
    pages = []
    for entry in entries:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        pages += _nav_pages(value) if isinstance(value, list) else [str(value)]
    return pages


def _config() -> dict[str, object]:
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    assert isinstance(config, dict)
    return config


def test_every_page_the_nav_names_exists_and_every_page_is_in_the_nav() -> None:
    nav = _nav_pages(_config()["nav"])  # type: ignore[arg-type]
    assert [page for page in nav if not (DOCS / page).is_file()] == []
    pages = sorted(str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md"))
    assert sorted(nav) == pages


def test_the_site_fetches_nothing() -> None:
    config = _config()
    assert config["theme"]["font"] is False  # type: ignore[index]  # no web fonts
    assert config["plugins"] == ["search"]  # the built-in, local search index
    assert config["hooks"] == ["docs/hooks.py"]


def test_each_help_topic_is_one_page_of_the_site() -> None:
    holders: dict[str, list[str]] = {}
    for page in DOCS.rglob("*.md"):
        for match in MARKER.finditer(page.read_text(encoding="utf-8")):
            if match["kind"] == "help":
                holders.setdefault(match["name"], []).append(str(page.relative_to(DOCS)))
    assert sorted(holders) == sorted(TOPICS)
    assert {topic: pages for topic, pages in holders.items() if len(pages) != 1} == {}


@pytest.mark.parametrize("topic", list(TOPICS))
def test_each_guide_links_only_to_other_guides_and_has_one_title(topic: str) -> None:
    text = guide(topic)
    links = re.findall(r"\]\(([^)]*)\)", text)
    assert [link for link in links if not link.startswith(("help:", "https://"))] == []
    assert [link for link in links if link.startswith("help:") and link[5:] not in TOPICS] == []
    assert re.findall(r"^# .*", text, re.M) == [text.splitlines()[0]]
    assert "<!--" not in text  # every generated table in place


def test_the_limits_table_shows_every_limit_of_the_code() -> None:
    constants = {name for name in vars(limits) if name.isupper()}
    assert set(LIMITS) == constants
    table = limits_table()
    assert f"| {LIMITS['MAX_REPS'][0]} | {limits.MAX_REPS:,} |" in table
    low, high = limits.RATE_RANGE
    assert f"{low} to {high} words a minute" in table


# -- the terminal renderer -----------------------------------------------------------------


def test_inline_markup_is_dropped_and_links_say_where_to_read_on() -> None:
    assert inline("`cues:` and **bold** and *em* and a\\|b") == "cues: and bold and em and a|b"
    assert inline("see the [cue guide](help:cues)") == "see the cue guide (voicecoach help cues)"
    assert inline("[espeak-ng](https://example.org/)") == "espeak-ng (https://example.org/)"
    assert inline("`per_week` and `{rep!r}`, `a*b*c`") == "per_week and {rep!r}, a*b*c"


def test_headings_code_and_paragraphs_are_laid_out_for_a_terminal() -> None:
    markdown = (
        "# Title\n\nSome `code` in a paragraph that goes on and on,\nover two lines.\n\n"
        "## Part\n\n```yaml\ntitle: x   # a comment\n```\n\n### Detail\n\n"
        "- one item\n  continued\n  - nested\n- two\n"
    )
    assert render(markdown, width=40) == (
        "Title\n=====\n\n"
        "Some code in a paragraph that goes on\nand on, over two lines.\n\n"
        "Part\n----\n\n"
        "    title: x   # a comment\n\n"
        "Detail\n\n"
        "- one item continued\n  - nested\n- two\n"
    )


def test_a_table_is_laid_out_in_columns_when_it_fits_else_a_block_a_row() -> None:
    table = "| key | default |\n|---|---|\n| `rate` | 165 |\n| `volume` | 1.0 |\n"
    assert render(table) == "key     default\n------  -------\nrate    165\nvolume  1.0\n"
    assert render(table, width=10) == "rate\n  165\n\nvolume\n  1.0\n"
    wide = "| cue | when | default |\n|---|---|---|\n| `go` | when work starts | Go! |\n"
    assert render(wide, width=20) == "go\n  when: when work\n    starts\n  default: Go!\n"


def test_comments_and_markers_are_not_shown() -> None:
    assert render("<!-- a note -->\nText.\n") == "Text.\n"


# -- the site ------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_site_builds_with_strict_checks(tmp_path: Path) -> None:
    if importlib.util.find_spec("mkdocs") is None and not os.environ.get("CI"):
        pytest.skip("mkdocs is not installed (pip install -e '.[docs]'); CI requires it")
    site = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "WARNING" not in done.stderr
    cues = (site / "reference" / "cues" / "index.html").read_text(encoding="utf-8")
    assert "<table>" in cues
    assert "<code>last_outro</code>" in cues
    routines = (site / "guides" / "routines" / "index.html").read_text(encoding="utf-8")
    assert 'href="../../reference/routine-format/"' in routines  # a help: link, made a page's
    commands = (site / "reference" / "commands" / "index.html").read_text(encoding="utf-8")
    assert "Usage: voicecoach build [OPTIONS]" in commands
