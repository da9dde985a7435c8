from __future__ import annotations

import pytest

from voicecoach.routine.durations import format_clock, parse_duration


@pytest.mark.parametrize(
    ("written", "ms"),
    [
        (30, 30_000),
        (0, 0),
        (1.5, 1_500),
        ("30", 30_000),
        ("45s", 45_000),
        ("4m", 240_000),
        ("1m30s", 90_000),
        ("1m 30s", 90_000),
        ("1:30", 90_000),
        ("1.5s", 1_500),
        ("45 seconds", 45_000),
        ("45 secs", 45_000),
        ("1 second", 1_000),
        ("2 minutes", 120_000),
        ("1 minute 30 seconds", 90_000),
        ("1 hour", 3_600_000),
        ("2 hrs", 7_200_000),
        ("1:02:03", 3_723_000),
        ("1h", 3_600_000),
        (" 2 min ", 120_000),
        ("90 sec", 90_000),
        ("0.25s", 250),
    ],
)
def test_written_durations_parse(written: object, ms: int) -> None:
    assert parse_duration(written) == ms


@pytest.mark.parametrize(
    "written",
    [
        "",
        "abc",
        "1:60",
        "-3",
        "-3s",
        True,
        None,
        "m",
        "1.5.2s",
        [1],
        "s",
        "3x",
        "1e9",
        "2 minutess",
        "5 secondss",
    ],
)
def test_non_durations_are_refused(written: object) -> None:
    with pytest.raises(ValueError) as raised:  # noqa: PT011 (its message is checked below)
        parse_duration(written)
    assert str(raised.value) == ""  # a bare ValueError: the caller says what was expected


def test_clock_format() -> None:
    assert format_clock(0) == "0:00.0"
    assert format_clock(61_290) == "1:01.2"
    assert format_clock(3_723_000) == "1:02:03.0"
