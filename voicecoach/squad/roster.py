"""A squad file read and checked: one plan, and the athletes to voice it for (a list or a CSV).

Every athlete's figures are checked here as a routine's `athlete` block would be, so an
error names the squad file (or the CSV), the line, and the key or column, in the words
the coach wrote.
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voicecoach import limits
from voicecoach.errors import RoutineError, closest
from voicecoach.files.outputs import slugify
from voicecoach.routine.checks import At, keys_of, text_of
from voicecoach.routine.loading import title_and_description
from voicecoach.routine.safe_yaml import LineDict, LineList, read_input, read_yaml
from voicecoach.routine.target_keys import ATHLETE_KEYS, UNITS, athlete_of, language_of

SQUAD_KEYS = ("title", "description", "programme", "language", "athletes")
MEMBER_KEYS = ("name", "language", "units", "start", "athlete")
# a CSV's columns: the member's keys, with the athlete's figures as columns of their own
CSV_COLUMNS = ("name", "language", "units", "start", *ATHLETE_KEYS[:-1])


@dataclass(frozen=True)
class Member:
    """One athlete of the squad, with the figures the plan is voiced at."""

    name: str
    slug: str  # the start of their folder's name
    where: str  # "file:line", for messages
    language: str | None  # over the plan's (its own, or the squad's)
    units: str | None = None  # over the plan's
    start: datetime.date | None = None  # over the plan's
    athlete: Any = None  # the athlete keys as a routine's `athlete` holds them (or none)


@dataclass(frozen=True)
class Squad:
    """A whole validated squad."""

    title: str
    source: str
    programme: Path  # a programme, a routine or a workout file
    members: tuple[Member, ...]
    description: str = ""
    inputs: tuple[str, ...] = ()  # the files it names (the plan and the CSV)


def is_squad(data: Any) -> bool:
    """A squad is told from a routine and a programme by its `athletes` key."""
    return isinstance(data, dict) and "athletes" in data


def parse_squad(data: Any, source: str) -> Squad:
    """Validate YAML data (as read_yaml returns it) into a Squad."""
    top = keys_of(
        data,
        At(source, "", getattr(data, "line", 1)),
        SQUAD_KEYS,
        "a squad: a mapping with 'title', 'programme' and 'athletes'",
    )
    at = At(source, "", top.line)
    title, description = title_and_description(top, at)
    if "programme" not in top:
        at.fail("expected 'programme': the programme, routine or workout file to voice")
    plan = Path(source).parent / text_of(top["programme"], at.key(top, "programme"))
    if not plan.is_file():
        at.key(top, "programme").fail(f"expected a file, found no file at {plan}")
    default = at.optional(top, "language", _language, None)
    if "athletes" not in top:
        at.fail("expected 'athletes': a list of athletes or a CSV file of them")
    athletes, athletes_at = top["athletes"], at.key(top, "athletes")
    inputs = [str(plan)]
    if isinstance(athletes, str):
        csv_path = Path(source).parent / athletes.strip()
        members = _csv_members(csv_path, default)
        inputs.append(str(csv_path))
    elif isinstance(athletes, LineList):
        members = [
            _member(item, athletes_at.item(athletes, index), default)
            for index, item in enumerate(athletes)
        ]
    else:
        athletes_at.expected("a list of athletes, or the name of a CSV file", athletes)
    _check_members(members, athletes_at)
    return Squad(title, source, plan, tuple(members), description, tuple(inputs))


def load_squad(path: str | Path) -> Squad:
    """Read and validate a squad file, and the CSV it names."""
    path = Path(path)
    return parse_squad(read_yaml(path), str(path))


def _language(value: Any, at: At) -> str:
    return language_of(text_of(value, at), at)


def _member(value: Any, at: At, default: str | None) -> Member:
    mapping = keys_of(value, at, MEMBER_KEYS, "an athlete: a mapping with 'name'")
    if "name" not in mapping:
        at.fail("expected the athlete's 'name', found none")
    name = text_of(mapping["name"], at.key(mapping, "name"))
    athlete: Any = at.optional(mapping, "athlete", _athlete, None)
    return Member(
        name=name,
        slug=slugify(name),
        where=f"{at.source}:{at.line}",
        language=at.optional(mapping, "language", _language, default),
        units=at.optional(mapping, "units", _units, None),
        start=at.optional(mapping, "start", _start, None),
        athlete=athlete,
    )


def _athlete(value: Any, at: At) -> Any:
    athlete_of(value, at)  # checked as a routine's would be, and kept as written
    return value


def _units(value: Any, at: At) -> str:
    if value not in UNITS:
        at.expected(" or ".join(UNITS), value)
    return str(value)


def _start(value: Any, at: At) -> datetime.date:
    found = value if isinstance(value, datetime.date) else None
    if isinstance(value, str):
        try:
            found = datetime.date.fromisoformat(value.strip())
        except ValueError:
            found = None
    if found is None:
        at.expected("a date written as YYYY-MM-DD, such as 2027-01-11", value)
    return found


def _csv_members(path: Path, default: str | None) -> list[Member]:
    """The athletes of a CSV file: a header row, then a row each; an empty cell is unsaid."""
    source = str(path)
    data = read_input(path, "a CSV")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RoutineError("expected UTF-8 text; save the CSV as UTF-8", source=source) from None
    first = text.split("\n", 1)[0]
    # a spreadsheet set for a comma-decimal language saves its CSV with ';' (or tabs)
    separator = next((s for s in (";", "\t") if s in first and "," not in first), ",")
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    header = [cell.strip().lower() for cell in next(rows, [])]
    for column in header:
        if column not in CSV_COLUMNS:
            close = closest(column, CSV_COLUMNS)
            hint = (
                f"did you mean '{close}'?" if close else f"the columns are {', '.join(CSV_COLUMNS)}"
            )
            At(source, "", 1).fail(f"unknown column '{column}' — {hint}")
    if "name" not in header:
        At(source, "", 1).fail("expected a 'name' column, found none")
    members = []
    for row in rows:
        line = rows.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            At(source, "", line).fail(f"expected {len(header)} cells, found {len(row)}")
        cells = {c: v.strip() for c, v in zip(header, row, strict=False) if v.strip()}
        members.append(_csv_member(cells, At(source, "", line), default))
        if len(members) > limits.MAX_ATHLETES:
            At(source, "", line).fail(f"expected at most {limits.MAX_ATHLETES} athletes")
    return members


def _csv_member(cells: dict[str, str], at: At, default: str | None) -> Member:
    """One CSV row as a member: each cell checked under its column's name."""
    mapping = LineDict()
    mapping.line = at.line or 0
    mapping.key_lines = {}
    figures = LineDict()
    figures.line = at.line or 0
    figures.key_lines = {}
    for column, cell in cells.items():
        value = _number(cell) if column in ATHLETE_KEYS else cell
        if column in ATHLETE_KEYS:
            figures[column] = value
            figures.key_lines[column] = at.line or 0
        else:
            mapping[column] = value
            mapping.key_lines[column] = at.line or 0
    if "name" not in mapping:
        at.fail("name: expected the athlete's name, found an empty cell")
    if figures:
        athlete_of(figures, at)  # an error names the column: 'ftp: expected ...'
        mapping["athlete"] = figures
        mapping.key_lines["athlete"] = at.line or 0
    return _member(mapping, at, default)


def _number(cell: str) -> Any:
    """A CSV cell as YAML would read it: a whole number, a decimal, or the text."""
    for kind in (int, float):
        try:
            return kind(cell) if len(cell) <= limits.MAX_NUMBER_DIGITS else cell
        except ValueError:
            continue
    return cell


def _check_members(members: list[Member], at: At) -> None:
    if not members:
        at.fail("expected at least one athlete, found none")
    by_slug: dict[str, Member] = {}
    for member in members:
        other = by_slug.get(member.slug)
        if other is not None:
            at.fail(
                f"'{other.name}' ({other.where}) and '{member.name}' ({member.where}) would "
                f"share the folder {member.slug}-…; give one of them another name"
            )
        by_slug[member.slug] = member
