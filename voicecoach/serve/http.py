"""HTTP's rules as `voicecoach serve` follows them: byte ranges, If-Range, revalidation.

Written out here (RFC 9110, sections 13 and 14) rather than left to aiohttp's FileResponse,
which compares If-Range only as a date (so a stale ETag still got a part of a new file),
answers `bytes=-0` with the whole file as 206, and refuses a header it cannot parse with
416 where HTTP says to ignore it. Pure functions over header values: no I/O.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime

# a range-spec's positions; more than 18 digits is past any file and past int()'s comfort
_SPEC = re.compile(r"(\d{0,18})[ \t]*-[ \t]*(\d{0,18})")
_TAG = re.compile(r'(W/)?"([\x21\x23-\x7e\x80-\xff]*)"')


@dataclass(frozen=True)
class Part:
    """What to send of a file: all of it (200), bytes start..stop-1 (206), or nothing (416)."""

    status: int
    start: int = 0
    stop: int = 0  # exclusive


def wanted_part(range_header: str | None, size: int) -> Part:
    """The part of a `size`-byte file a `Range` header asks for.

    A header that is not a valid bytes range, or asks for several ranges, is ignored
    (HTTP allows both): the whole file. A valid range that starts past the end, or asks
    for the last 0 bytes, cannot be satisfied: 416.
    """
    whole = Part(200, 0, size)
    if not range_header or size == 0:
        return whole
    unit, _, specs = range_header.partition("=")
    if unit.strip().lower() != "bytes" or "," in specs:
        return whole
    found = _SPEC.fullmatch(specs.strip())
    if found is None or (found[1] == "" and found[2] == ""):
        return whole
    first, last = found[1], found[2]
    if first == "":  # the last N bytes
        suffix = int(last)
        return Part(206, max(0, size - suffix), size) if suffix else Part(416)
    start = int(first)
    if last != "" and int(last) < start:
        return whole  # last-pos before first-pos: not a valid range, so ignored
    if start >= size:
        return Part(416)
    return Part(206, start, size if last == "" else min(int(last) + 1, size))


def file_etag(stat: os.stat_result) -> str:
    """A strong ETag that changes when the file is replaced or rewritten."""
    return f'"{stat.st_ino:x}-{stat.st_mtime_ns:x}-{stat.st_size:x}"'


def body_etag(body: bytes) -> str:
    """A strong ETag of a rendered document: a digest of its bytes."""
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def http_date(seconds: float) -> str:
    """A Last-Modified or Date value: `Tue, 15 Nov 1994 08:12:31 GMT`."""
    return formatdate(seconds, usegmt=True)


def _seconds(value: str) -> int | None:
    try:
        return int(parsedate_to_datetime(value).timestamp())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def unchanged(
    if_none_match: str | None, if_modified_since: str | None, etag: str, modified: float | None
) -> bool:
    """Whether a GET can be answered 304: the client's copy is the current one.

    If-None-Match compares weakly and, when present, outranks If-Modified-Since.
    """
    if if_none_match is not None:
        if if_none_match.strip() == "*":
            return True
        return etag.removeprefix("W/") in {f'"{tag}"' for _, tag in _TAG.findall(if_none_match)}
    if if_modified_since is None or modified is None:
        return False
    since = _seconds(if_modified_since)
    return since is not None and int(modified) <= since


def range_still_applies(if_range: str | None, etag: str, modified: float) -> bool:
    """Whether a Range may be answered with a part: If-Range absent, or naming this file.

    An ETag must match strongly (a weak one never does); a date must be the file's
    Last-Modified exactly. Anything else means the client holds another version, so it
    gets the whole new file, not a piece of it to splice onto the old one.
    """
    if if_range is None:
        return True
    value = if_range.strip()
    if value.startswith(('"', "W/")):
        return value == etag and not etag.startswith("W/")
    return _seconds(value) == int(modified)
