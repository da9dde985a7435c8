"""mkdocs hook: the site's guides and tables come from the package, so there is one source.

A page holds markers, each closed by its own end marker; the lines between are what a
reader of the raw page (on GitHub, say) sees instead:

    <!-- help: cues -->      the guide `voicecoach help cues` prints (voicecoach/help/cues.md)
    <!-- table: limits -->   a table made from the code's own tables (voicecoach.help.TABLES)
    <!-- commands: -->       every command's --help, as a terminal shows it

A guide's links to other guides are written `help:TOPIC`; here they point to the page
that holds that guide, and in a terminal they say `voicecoach help TOPIC`.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

import click
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from voicecoach.help import MARKER, TOPICS, expand_tables, guide

_HELP_LINK = re.compile(r"\]\(help:([a-z-]+)\)")

# each topic's page, found in the pages' markers when the files are known
_PAGES: dict[str, str] = {}


def on_files(files: Files, config: Any) -> Files:
    """Note which page holds each guide, so links between guides can point there."""
    _PAGES.clear()
    for file in files.documentation_pages():
        for match in MARKER.finditer(file.content_string):
            if match["kind"] != "help":
                continue
            topic = match["name"]
            if topic not in TOPICS:
                raise PluginError(f"{file.src_uri}: no help topic '{topic}'")
            if topic in _PAGES:
                raise PluginError(f"help topic '{topic}' is on {_PAGES[topic]} and {file.src_uri}")
            _PAGES[topic] = file.src_uri
    missing = sorted(set(TOPICS) - set(_PAGES))
    if missing:
        raise PluginError(f"no page holds the help topics {', '.join(missing)}")
    return files


def on_page_markdown(markdown: str, page: Page, config: Any, files: Files) -> str:
    """The page with its markers replaced by the guides, tables and command help."""

    def replaced(match: re.Match[str]) -> str:
        if match["kind"] == "help":
            return guide(match["name"])
        if match["kind"] == "commands":
            return commands_reference()
        return match[0]

    text = expand_tables(MARKER.sub(replaced, markdown))
    here = posixpath.dirname(page.file.src_uri)

    def link(match: re.Match[str]) -> str:
        topic = match[1]
        if topic not in _PAGES:
            raise PluginError(f"{page.file.src_uri}: a link to no help topic '{topic}'")
        return f"]({posixpath.relpath(_PAGES[topic], here or '.')})"

    return _HELP_LINK.sub(link, text)


def commands_reference() -> str:
    """Every command's --help, as an 80-column terminal shows it, a section each."""
    from voicecoach.cli import main

    sections = []
    for path, command in _commands(main, ("voicecoach",)):
        name = " ".join(path)
        with click.Context(command, info_name=name, terminal_width=80) as context:
            text = command.get_help(context)
        sections.append(f"## {name}\n\n```text\n{text}\n```\n")
    return "\n".join(sections)


def _commands(
    command: click.Command, path: tuple[str, ...]
) -> list[tuple[tuple[str, ...], click.Command]]:
    found = [(path, command)]
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            found += _commands(command.commands[name], (*path, name))
    return found
