"""What a programme build leaves beside its sessions: playlist, calendar, feed, page, JSON.

Each is made from the `Record` of every session, so a rebuild that made no session again
still writes the same files; a file whose content has not changed is not touched.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import unicodedata
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from voicecoach.errors import ExportError
from voicecoach.files.types import CHAPTERS_TYPE, MEDIA_TYPES
from voicecoach.language.saying import Words, words_for
from voicecoach.programme.plan import Programme
from voicecoach.routine.durations import format_length

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
ATOM = "http://www.w3.org/2005/Atom"
# the Podcasting 2.0 namespace's own UUID, from which every podcast:guid is derived
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a0b6f3e12d1a")


def podcast_guid(feed_url: str) -> str:
    """The feed's podcast:guid: UUIDv5 of its URL without the scheme and trailing slashes."""
    bare = re.sub(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", "", feed_url).rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare))


AUDIO_SUFFIXES = (".mp3", ".wav")


@dataclass(frozen=True)
class Record:
    """One session as the programme's files list it."""

    number: int
    week: int
    day: int
    date: datetime.date | None
    file: str  # relative to the programme's folder
    title: str
    duration_ms: int
    bytes: int
    built: datetime.datetime  # when its audio was written (UTC)
    chapters: tuple[tuple[str, int, int], ...]  # title, start_ms, end_ms
    exercises: dict[str, dict[str, Any]]  # name -> the values it takes that session
    key: str  # what the session was made from, to tell when it must be made again

    @property
    def chapters_file(self) -> str:
        """The Podcasting 2.0 chapters file beside the audio."""
        return str(Path(self.file).with_suffix(".chapters.json"))

    def document(self) -> dict[str, Any]:
        """The session in programme.json."""
        return {
            "number": self.number,
            "week": self.week,
            "day": self.day,
            "date": self.date.isoformat() if self.date else None,
            "file": self.file,
            "title": self.title,
            "duration_ms": self.duration_ms,
            "bytes": self.bytes,
            "built": self.built.isoformat(timespec="seconds"),
            "chapters": [
                {"title": title, "start_ms": start, "end_ms": end}
                for title, start, end in self.chapters
            ],
            "exercises": self.exercises,
            "key": self.key,
        }

    @classmethod
    def from_document(cls, data: dict[str, Any]) -> Record:
        """A session read back from programme.json."""
        return cls(
            number=data["number"],
            week=data["week"],
            day=data["day"],
            date=datetime.date.fromisoformat(data["date"]) if data["date"] else None,
            file=data["file"],
            title=data["title"],
            duration_ms=data["duration_ms"],
            bytes=data["bytes"],
            built=datetime.datetime.fromisoformat(data["built"]),
            chapters=tuple((c["title"], c["start_ms"], c["end_ms"]) for c in data["chapters"]),
            exercises=data["exercises"],
            key=data["key"],
        )


def describe_values(values: dict[str, Any], words: Words | None = None) -> str:
    """What an exercise takes, as a person writes it: "2 × 15 reps", "3 × 1:30"."""
    words = words or words_for()
    sets = values.get("sets", 1)
    if "reps" in values:
        reps = values["reps"]
        amount = "/".join(map(str, reps)) if isinstance(reps, list) else str(reps)
        amount = words.text("programme", "{amount} reps", amount=amount)
    else:
        duration = values.get("duration_ms", 0)
        durations = duration if isinstance(duration, list) else [duration]
        amount = "/".join(format_length(ms) for ms in durations)
    if values.get("sides"):
        amount = words.text("programme", "{amount} each side", amount=amount)
    return (f"{sets} × " if sets > 1 else "") + amount


# -- the files ----------------------------------------------------------------------------


def programme_json(
    programme: Programme,
    records: Sequence[Record],
    base_url: str | None = None,
    published: Sequence[str] = (),
) -> str:
    """programme.json: the plan, every session's values, the base URL and the files written."""
    document = {
        "title": programme.title,
        "description": programme.description,
        "author": programme.author,
        "email": programme.email,
        "copyright": programme.copyright,
        "weeks": programme.weeks,
        "per_week": programme.per_week,
        "start": programme.start.isoformat() if programme.start else None,
        "by": programme.progression.by if programme.progression else None,
        "base_url": base_url,
        "published": list(published),
        "sessions": [record.document() for record in records],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class Earlier:
    """What an earlier build of the folder said in its programme.json."""

    records: dict[int, Record]
    base_url: str | None = None  # remembered for the next build that names none
    published: tuple[str, ...] = ()  # the programme's own files it wrote (feed.xml, ...)
    warnings: tuple[str, ...] = ()
    title: str | None = None


def read_earlier(path: Path) -> Earlier:
    """The earlier build's programme.json, trusted no further than a plain file name.

    It is read back on every build, so it is input: a session whose `file` is anything but
    a plain audio file name in this folder (a path out of it, null) is not listed, with a
    warning, and is made again.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Earlier({})
    if not isinstance(data, dict):
        return Earlier({})
    records: dict[int, Record] = {}
    warnings: list[str] = []
    for index, item in enumerate(data.get("sessions") or []):
        try:
            record = Record.from_document(item)
            if not _plain_name(record.file):
                raise ValueError(record.file)
        except (ValueError, KeyError, TypeError, AttributeError):
            file = item.get("file") if isinstance(item, dict) else None
            warnings.append(
                f"{path}: session {index + 1} lists {json.dumps(file)}, not an audio file of "
                "this folder; it is made again"
            )
            continue
        records[record.number] = record
    base_url = data.get("base_url")
    published = data.get("published")
    title = data.get("title")
    return Earlier(
        records,
        base_url if isinstance(base_url, str) and base_url.startswith("http") else None,
        tuple(name for name in published if _plain_name(name, MIME_FILES))
        if isinstance(published, list)
        else (),
        tuple(warnings),
        title if isinstance(title, str) else None,
    )


MIME_FILES = (".xml", ".ics", ".m3u8", ".html", ".json", ".jpg")


def _plain_name(name: object, suffixes: Sequence[str] = AUDIO_SUFFIXES) -> bool:
    return (
        isinstance(name, str)
        and name == Path(name).name
        and "\\" not in name
        and not name.startswith(".")
        and Path(name).suffix in suffixes
    )


def playlist(programme: Programme, records: Sequence[Record]) -> str:
    """playlist.m3u8: extended M3U, every session in order, relative paths."""
    lines = ["#EXTM3U", f"#PLAYLIST:{_one_line(programme.title)}"]
    for record in records:
        lines.append(f"#EXTINF:{round(record.duration_ms / 1000)},{_one_line(record.title)}")
        lines.append(record.file)
    return "\n".join(lines) + "\n"


def ics_line(text: str) -> str:
    """Text for one line of a calendar: every kind of line break and control as a space.

    icalendar escapes CR and LF, but U+2028, U+2029, NEL, VT and FF go out raw, and a
    calendar app splits a title (or a property) at them.
    """
    return " ".join(
        "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text).split()
    )


def calendar(programme: Programme, records: Sequence[Record]) -> bytes:
    """calendar.ics: an all-day event per dated session."""
    import icalendar

    cal = icalendar.Calendar()
    cal.add("prodid", "-//voicecoach//programme//EN")
    cal.add("version", "2.0")
    words = words_for(programme.language)
    # an X- property is no TEXT to icalendar unless told: ; , and line breaks unescaped
    cal.add("x-wr-calname", icalendar.vText(ics_line(programme.title)))
    for record in records:
        if record.date is None:
            continue
        event = icalendar.Event()
        uid = f"{ics_line(programme.title)}-{record.number}@voicecoach".replace(" ", "-")
        event.add("uid", uid)
        event.add("dtstamp", record.built)
        event.add("dtstart", record.date)
        event.add("dtend", record.date + datetime.timedelta(days=1))
        minutes = max(1, round(record.duration_ms / 60_000))
        length = words.unit(minutes, "duration-minute", "short")
        event.add("summary", ics_line(f"{record.title}: {programme.title} ({length})"))
        lines = [
            f"{name}: {describe_values(values, words)}" for name, values in record.exercises.items()
        ]
        event.add("description", "\n".join(ics_line(line) for line in lines))
        cal.add_component(event)
    return bytes(cal.to_ical())


def chapters_json(record: Record) -> str:
    """A session's Podcasting 2.0 chapters (JSON chapters format 1.2.0)."""
    document = {
        "version": "1.2.0",
        "chapters": [
            {"startTime": start / 1000, "endTime": end / 1000, "title": title}
            for title, start, end in record.chapters
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def feed(
    programme: Programme, records: Sequence[Record], base_url: str, cover: str | None = None
) -> bytes:
    """feed.xml: an RSS 2.0 podcast, a season per week and an episode per session.

    `cover` names the artwork's file in the folder (on the channel and every item).
    """
    ET.register_namespace("itunes", ITUNES)
    ET.register_namespace("podcast", PODCAST)
    ET.register_namespace("atom", ATOM)
    rss = ET.Element("rss", {"version": "2.0"})
    art = f"{base_url}{quote(cover)}" if cover else None
    channel = _channel(rss, programme, base_url, art)
    for record in records:
        _item(channel, record, base_url, art, words_for(programme.language))
    ET.indent(rss)
    return bytes(ET.tostring(rss, encoding="utf-8", xml_declaration=True)) + b"\n"


def _add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> None:
    element = ET.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = text


def _channel(rss: ET.Element, programme: Programme, base_url: str, art: str | None) -> ET.Element:
    """The feed's channel: the programme as a podcast, its artwork and its owner."""
    channel = ET.SubElement(rss, "channel")
    feed_url = f"{base_url}feed.xml"
    author = programme.author or "voicecoach"
    _add(channel, "title", programme.title)
    _add(channel, "link", base_url)
    _add(channel, f"{{{ATOM}}}link", href=feed_url, rel="self", type=MEDIA_TYPES[".xml"])
    _add(channel, "description", programme.description or programme.title)
    _add(channel, "language", programme.language)
    _add(channel, "generator", "voicecoach")
    if programme.copyright:
        _add(channel, "copyright", programme.copyright)
    if art:
        image = ET.SubElement(channel, "image")
        _add(image, "url", art)
        _add(image, "title", programme.title)
        _add(image, "link", base_url)
        _add(channel, f"{{{ITUNES}}}image", href=art)
    _add(channel, f"{{{ITUNES}}}type", "serial")
    _add(channel, f"{{{ITUNES}}}author", author)
    owner = ET.SubElement(channel, f"{{{ITUNES}}}owner")
    _add(owner, f"{{{ITUNES}}}name", author)
    if programme.email:
        _add(owner, f"{{{ITUNES}}}email", programme.email)
    _add(channel, f"{{{ITUNES}}}summary", programme.description or programme.title)
    _add(channel, f"{{{ITUNES}}}explicit", "false")
    ET.SubElement(channel, f"{{{ITUNES}}}category", {"text": "Health & Fitness"})
    _add(channel, f"{{{PODCAST}}}guid", podcast_guid(feed_url))
    return channel


def _item(
    channel: ET.Element, record: Record, base_url: str, art: str | None, words: Words
) -> None:
    """One session as an episode: its audio, when it is for, and its chapters."""
    item = ET.SubElement(channel, "item")
    _add(item, "title", record.title)
    _add(item, "guid", f"{base_url}{quote(record.file)}#{record.key[:12]}", isPermaLink="false")
    when = (
        datetime.datetime.combine(record.date, datetime.time(6), datetime.timezone.utc)
        if record.date
        else record.built
    )
    _add(item, "pubDate", format_datetime(when))
    lines = [
        f"{name}: {describe_values(values, words)}" for name, values in record.exercises.items()
    ]
    _add(item, "description", "; ".join(lines))
    _add(
        item,
        "enclosure",
        url=f"{base_url}{quote(record.file)}",
        length=str(record.bytes),
        type=MEDIA_TYPES.get(Path(record.file).suffix, MEDIA_TYPES[".mp3"]),
    )
    _add(item, f"{{{ITUNES}}}title", record.title)
    if art:
        _add(item, f"{{{ITUNES}}}image", href=art)
    _add(item, f"{{{ITUNES}}}duration", str(round(record.duration_ms / 1000)))
    _add(item, f"{{{ITUNES}}}season", str(record.week))
    _add(item, f"{{{ITUNES}}}episode", str(record.number))
    _add(item, f"{{{ITUNES}}}episodeType", "full")
    _add(
        item,
        f"{{{PODCAST}}}chapters",
        url=f"{base_url}{quote(record.chapters_file)}",
        type=CHAPTERS_TYPE,
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())


# -- writing ------------------------------------------------------------------------------


def write_if_changed(path: Path, data: str | bytes) -> bool:
    """Write `data` to `path` through a temporary file, unless it holds that already."""
    content = data.encode("utf-8") if isinstance(data, str) else data
    try:
        if path.read_bytes() == content:
            return False
    except OSError:
        pass
    temporary = path.with_name(f".{path.name[:200]}.{os.getpid()}.part")
    try:
        temporary.write_bytes(content)
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None
    return True
