from __future__ import annotations

import re

from voicecoach.audio.sidecars import lrc_text, timeline_document, vtt_text
from voicecoach.timeline import Chapter, Cue, Timeline

TIMELINE = Timeline(
    "Hops --> fun",
    3_723_456,
    (Chapter("Intro", 0, 1_000), Chapter("Hop", 1_000, 3_723_456)),
    (
        Cue(500, 1_200, "speech", "Welcome.", None, "intro"),
        Cue(1_300, 1_480, "tone", "", "Hop", "go"),
        Cue(1_540, 2_000, "speech", "Go --> now", "Hop", "go"),
        Cue(3_600_010, 3_601_999, "speech", "Stop.", "Hop", "stop"),
    ),
)

VTT_TIME = re.compile(r"^(\d\d):(\d\d):(\d\d)\.(\d\d\d) --> (\d\d):(\d\d):(\d\d)\.(\d\d\d)$")


def _ms(h: str, m: str, s: str, f: str) -> int:
    return ((int(h) * 60 + int(m)) * 60 + int(s)) * 1000 + int(f)


def test_vtt_is_well_formed_with_one_cue_per_spoken_cue() -> None:
    text = vtt_text(TIMELINE)
    assert text.startswith("WEBVTT\n\n")
    blocks = text.strip().split("\n\n")[2:]
    assert len(blocks) == 3
    times = []
    for block in blocks:
        _number, timing, words = block.split("\n")
        match = VTT_TIME.match(timing)
        assert match, timing
        times.append((_ms(*match.groups()[:4]), _ms(*match.groups()[4:])))
        assert "-->" not in words
        assert words
    assert times == [(500, 1_200), (1_540, 2_000), (3_600_010, 3_601_999)]
    assert "NOTE Hops -> fun" in text


def test_lrc_lines_are_timed_to_the_hundredth() -> None:
    lines = lrc_text(TIMELINE).splitlines()
    assert lines[:2] == ["[ti:Hops --> fun]", "[length:62:03]"]
    assert lines[2:] == ["[00:00.50]Welcome.", "[00:01.54]Go --> now", "[60:00.01]Stop."]


def test_json_document_has_the_contract_fields_first() -> None:
    document = timeline_document(TIMELINE, {"sample_rate": 44100})
    assert list(document)[:4] == ["title", "duration_ms", "chapters", "cues"]
    assert document["cues"][1] == {
        "start_ms": 1_300,
        "end_ms": 1_480,
        "kind": "tone",
        "text": "",
        "exercise": "Hop",
        "cue": "go",
    }
    assert document["sample_rate"] == 44100
    assert document["warnings"] == []


def test_a_tip_over_several_lines_is_one_caption_line() -> None:
    from dataclasses import replace

    tip = Cue(2_100, 2_900, "speech", "Keep tall.\n[00:00.00]INJECTED\n\nSTYLE", "Hop", "tip")
    timeline = replace(TIMELINE, title="Two\n\nSTYLE", cues=(*TIMELINE.cues, tip))
    lrc = lrc_text(timeline).splitlines()
    assert lrc[0] == "[ti:Two STYLE]"
    assert "[00:02.10]Keep tall. [00:00.00]INJECTED STYLE" in lrc
    assert not any(line.startswith("[00:00.00]") for line in lrc)
    blocks = vtt_text(timeline).strip().split("\n\n")
    assert blocks[1] == "NOTE Two STYLE"
    assert blocks[-1].split("\n")[2] == "Keep tall. [00:00.00]INJECTED STYLE"
    assert len(blocks) == 2 + 4  # the header, the note and one block per spoken cue
