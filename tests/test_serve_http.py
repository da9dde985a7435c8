"""serve_http.py and serve_host.py: HTTP's rules for ranges, revalidation and Host, unit by unit."""

from __future__ import annotations

import os

import pytest

from voicecoach.serve.hosts import Hosts, is_loopback, url_host
from voicecoach.serve.http import (
    Part,
    file_etag,
    http_date,
    range_still_applies,
    unchanged,
    wanted_part,
)


@pytest.mark.parametrize(
    ("header", "part"),
    [
        (None, Part(200, 0, 1000)),
        ("bytes=0-99", Part(206, 0, 100)),
        ("bytes=100-", Part(206, 100, 1000)),
        ("bytes=990-5000", Part(206, 990, 1000)),
        ("bytes=-10", Part(206, 990, 1000)),
        ("bytes=-5000", Part(206, 0, 1000)),
        ("Bytes = 5 - 9", Part(206, 5, 10)),
        ("bytes=999-999", Part(206, 999, 1000)),
        # valid, but nothing of the file: 416
        ("bytes=-0", Part(416)),
        ("bytes=1000-", Part(416)),
        ("bytes=4000-5000", Part(416)),
        # not a valid bytes range: ignored, the whole file
        ("bytes=abc", Part(200, 0, 1000)),
        ("items=0-5", Part(200, 0, 1000)),
        ("bytes=9-5", Part(200, 0, 1000)),
        ("bytes=-", Part(200, 0, 1000)),
        ("bytes=", Part(200, 0, 1000)),
        ("bytes=1-2-3", Part(200, 0, 1000)),
        ("bytes=" + "9" * 40 + "-", Part(200, 0, 1000)),
        # several ranges: HTTP lets a server ignore them, and this one does
        ("bytes=0-1,5-9", Part(200, 0, 1000)),
    ],
)
def test_a_range_header_asks_for_what_http_says(header: str | None, part: Part) -> None:
    assert wanted_part(header, 1000) == part


def test_if_range_applies_the_range_only_to_the_same_version(tmp_path: object) -> None:
    stat = os.stat(__file__)
    etag = file_etag(stat)
    modified = stat.st_mtime
    assert range_still_applies(None, etag, modified)
    assert range_still_applies(etag, etag, modified)
    assert not range_still_applies('"an-older-version"', etag, modified)
    assert not range_still_applies("W/" + etag, etag, modified)  # weak never matches
    assert range_still_applies(http_date(modified), etag, modified)
    assert not range_still_applies(http_date(modified - 60), etag, modified)
    assert not range_still_applies("not a date", etag, modified)


def test_revalidation_answers_304_only_for_the_current_version() -> None:
    etag = '"abc"'
    assert unchanged('"abc"', None, etag, None)
    assert unchanged('"x", W/"abc"', None, etag, None)  # If-None-Match compares weakly
    assert unchanged("*", None, etag, None)
    assert not unchanged('"x"', None, etag, None)
    # If-None-Match outranks the date
    assert not unchanged('"x"', http_date(2_000_000_000), etag, 1_000_000_000)
    assert unchanged(None, http_date(1_000_000_000), etag, 1_000_000_000.5)
    assert not unchanged(None, http_date(1_000_000_000), etag, 1_000_000_001)
    assert not unchanged(None, "yesterday", etag, 1_000_000_000)
    assert not unchanged(None, None, etag, 1_000_000_000)


LOCAL = Hosts(frozenset({"localhost"}))
ANYWHERE = Hosts(frozenset({"localhost", "runner-laptop", "runner-laptop.local"}))


@pytest.mark.parametrize(
    ("hosts", "header", "arrived", "answer"),
    [
        (LOCAL, "127.0.0.1:8000", "127.0.0.1", (200, "127.0.0.1:8000")),
        (LOCAL, "localhost:8000", "127.0.0.1", (200, "localhost:8000")),
        (LOCAL, "LocalHost.:8000", "127.0.0.1", (200, "localhost:8000")),
        (LOCAL, "127.0.0.1", "127.0.0.1", (200, "127.0.0.1")),
        (LOCAL, "[::1]:8000", "::1", (200, "[::1]:8000")),
        (LOCAL, "[0:0::1]:8000", "::1", (200, "[::1]:8000")),
        (LOCAL, None, "127.0.0.1", (200, "127.0.0.1")),  # HTTP/1.0: the address itself
        (LOCAL, "evil.example", "127.0.0.1", (421, "a Host this server does not answer for")),
        (LOCAL, "evil.example:8000", "127.0.0.1", (421, "a Host this server does not answer for")),
        (LOCAL, "127.0.0.2:8000", "127.0.0.1", (421, "a Host this server does not answer for")),
        (LOCAL, "a b", "127.0.0.1", (400, "a malformed Host")),
        (LOCAL, "127.0.0.1:1/../../", "127.0.0.1", (400, "a malformed Host")),
        (LOCAL, "127.0.0.1:0", "127.0.0.1", (400, "a malformed Host")),
        (LOCAL, "[127.0.0.1]:80", "127.0.0.1", (400, "a malformed Host")),
        (LOCAL, "", "127.0.0.1", (400, "a malformed Host")),
        (LOCAL, "x" * 300, "127.0.0.1", (400, "a malformed Host")),
        # listening on every address: the one the phone reached, and the machine's names
        (ANYWHERE, "192.168.1.20:8000", "192.168.1.20", (200, "192.168.1.20:8000")),
        (ANYWHERE, "192.168.1.20:8000", "::ffff:192.168.1.20", (200, "192.168.1.20:8000")),
        (ANYWHERE, "runner-laptop.local:8000", "192.168.1.20", (200, "runner-laptop.local:8000")),
        (
            ANYWHERE,
            "192.168.1.21:8000",
            "192.168.1.20",
            (421, "a Host this server does not answer for"),
        ),
        # localhost is this computer's name only: a phone cannot mean this server by it
        (
            ANYWHERE,
            "localhost:8000",
            "192.168.1.20",
            (421, "a Host this server does not answer for"),
        ),
    ],
)
def test_only_a_host_that_names_this_server_is_answered(
    hosts: Hosts, header: str | None, arrived: str, answer: tuple[int, str]
) -> None:
    assert hosts.authority(header, arrived) == answer


def test_addresses_are_written_as_urls_write_them() -> None:
    assert url_host("::1") == "[::1]"
    assert url_host("fe80::1") == "[fe80::1]"
    assert url_host("127.0.0.1") == "127.0.0.1"
    assert url_host("runner-laptop.local") == "runner-laptop.local"
    assert is_loopback("127.0.0.1")
    assert is_loopback("::1")
    assert is_loopback("localhost")
    assert not is_loopback("0.0.0.0")
    assert not is_loopback("::")
    assert not is_loopback("")
    assert not is_loopback("192.168.1.20")
    assert not is_loopback("runner-laptop.local")
