"""Markdown shown in a terminal: the guides of `voicecoach help`, without Markdown's syntax.

Headings become plain lines (underlined), code blocks are indented instead of fenced,
backticks, emphasis and link syntax are dropped (a link to another guide says which
`voicecoach help` shows it), paragraphs and list items are wrapped to the width, and a
table is laid out in columns when it fits, or as one block per row when it does not.
Only the Markdown the guides use is understood; anything else is shown as written.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Iterator

WIDTH = 80

_FENCE = re.compile(r"^\s*```")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_ITEM = re.compile(r"^(\s*)(?:[-*+]|\d+[.)])\s+(.*)$")
_COMMENT = re.compile(r"^\s*<!--.*-->\s*$")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EMPHASIS = re.compile(r"(?<![\w*])([*_])(?=\S)(.+?)(?<=\S)\1(?![\w*])")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>])")
_UNDERLINES = {1: "=", 2: "-"}


def render(markdown: str, width: int = WIDTH) -> str:
    """`markdown` as plain text for a terminal `width` columns wide."""
    return "\n\n".join(_blocks(markdown.splitlines(), width)).rstrip("\n") + "\n"


def inline(text: str) -> str:
    """One line or cell of Markdown as plain text: no backticks, emphasis or link syntax."""
    parts: list[str] = []
    last = 0
    for span in _CODE_SPAN.finditer(text):
        parts.append(_plain(text[last : span.start()]))
        parts.append(span[2].strip() if span[1] != "`" else span[2])
        last = span.end()
    parts.append(_plain(text[last:]))
    return "".join(parts)


def _plain(text: str) -> str:
    text = _LINK.sub(_link, text)
    text = _STRONG.sub(r"\2", text)
    text = _EMPHASIS.sub(r"\2", text)
    return _ESCAPE.sub(r"\1", text)


def _link(match: re.Match[str]) -> str:
    label, target = match[1], match[2]
    if target.startswith("help:"):
        return f"{label} (voicecoach help {target.removeprefix('help:')})"
    if target.startswith(("http://", "https://")) and target not in label:
        return f"{label} ({target})"
    return label


def _blocks(lines: list[str], width: int) -> Iterator[str]:
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip() or _COMMENT.match(line):
            i += 1
        elif _FENCE.match(line):
            end = i + 1
            while end < len(lines) and not _FENCE.match(lines[end]):
                end += 1
            yield "\n".join(("    " + code).rstrip() for code in lines[i + 1 : end])
            i = end + 1
        elif heading := _HEADING.match(line):
            yield _heading(len(heading[1]), inline(heading[2]))
            i += 1
        elif line.lstrip().startswith("|"):
            end = _run(lines, i, lambda s: s.lstrip().startswith("|"))
            yield _table(lines[i:end], width)
            i = end
        elif _ITEM.match(line):
            end = _run(lines, i, lambda s: bool(s.strip()) and not _starts_block(s, items=False))
            yield _list(lines[i:end], width)
            i = end
        else:
            end = _run(lines, i, lambda s: bool(s.strip()) and not _starts_block(s))
            yield _wrap(" ".join(part.strip() for part in lines[i:end]), width)
            i = end


def _run(lines: list[str], start: int, belongs: Callable[[str], bool]) -> int:
    """The end of the run of lines from `start` that `belongs` accepts (the first always)."""
    end = start + 1
    while end < len(lines) and belongs(lines[end]):
        end += 1
    return end


def _starts_block(line: str, *, items: bool = True) -> bool:
    return bool(
        _FENCE.match(line)
        or _HEADING.match(line)
        or line.lstrip().startswith("|")
        or _COMMENT.match(line)
        or (items and _ITEM.match(line))
    )


def _heading(level: int, text: str) -> str:
    if level in _UNDERLINES:
        return text + "\n" + _UNDERLINES[level] * len(text)
    return text


def _wrap(text: str, width: int, first: str = "", rest: str = "") -> str:
    return textwrap.fill(
        inline(text),
        width=width,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _list(lines: list[str], width: int) -> str:
    """List items, each wrapped under its bullet; an item indented further is nested."""
    items: list[tuple[int, str]] = []
    for line in lines:
        item = _ITEM.match(line)
        if item:
            items.append((len(item[1]) // 2, item[2].strip()))
        else:
            depth, text = items[-1]
            items[-1] = (depth, text + " " + line.strip())
    return "\n".join(
        _wrap(text, width, "  " * depth + "- ", "  " * depth + "  ") for depth, text in items
    )


def _cells(row: str) -> list[str]:
    row = row.strip().removeprefix("|").removesuffix("|")
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", row)]


def _table(lines: list[str], width: int) -> str:
    """A table in columns when it fits `width`, else one block per row, cells labelled."""
    rows = [_cells(line) for line in lines if not re.fullmatch(r"\s*\|?[\s:|-]+\|?\s*", line)]
    columns = len(rows[0])
    rows = [row + [""] * (columns - len(row)) for row in rows]
    header, body = rows[0], rows[1:]
    plain = [[inline(cell) for cell in row] for row in rows]
    widths = [max(len(row[c]) for row in plain) for c in range(columns)]
    if sum(widths) + 2 * (columns - 1) <= width:
        shown = [_columns(plain[0], widths), _columns(["-" * w for w in widths], widths)]
        shown += [_columns(row, widths) for row in plain[1:]]
        return "\n".join(shown)
    blocks = []
    for row in body:
        block = [_wrap(row[0], width)]
        for label, cell in zip(header[1:], row[1:], strict=True):
            if cell:
                # with one cell beside the first, its header says nothing the layout does not
                labelled = cell if columns == 2 else f"{label}: {cell}"
                block.append(_wrap(labelled, width, "  ", "    "))
        blocks.append("\n".join(block))
    return "\n\n".join(blocks)


def _columns(cells: list[str], widths: list[int]) -> str:
    return "  ".join(cell.ljust(w) for cell, w in zip(cells, widths, strict=True)).rstrip()
