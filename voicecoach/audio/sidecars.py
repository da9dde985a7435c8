"""Text files written beside the MP3 from its timeline: JSON, WebVTT captions and LRC lyrics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from voicecoach.timeline import Timeline


def timeline_document(timeline: Timeline, extra: dict[str, Any]) -> dict[str, Any]:
    """The JSON sidecar's content: the contract's fields first, then what else we know."""
    return {
        "title": timeline.title,
        "duration_ms": timeline.duration_ms,
        "chapters": [
            {"title": c.title, "start_ms": c.start_ms, "end_ms": c.end_ms}
            for c in timeline.chapters
        ],
        "cues": [
            {
                "start_ms": c.start_ms,
                "end_ms": c.end_ms,
                "kind": c.kind,
                "text": c.text,
                "exercise": c.exercise,
                "cue": c.name,
            }
            for c in timeline.cues
        ],
        "blocks": [block.document() for block in timeline.blocks],
        "left_out": [item.document() for item in timeline.left_out],
        **extra,
        "warnings": list(timeline.warnings),
    }


def json_text(document: dict[str, Any]) -> str:
    """The JSON sidecar, indented and UTF-8 friendly."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _vtt_time(ms: int) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def vtt_text(timeline: Timeline) -> str:
    """WebVTT captions: one cue per spoken cue, at its exact start and end."""
    blocks = ["WEBVTT", f"NOTE {_caption_line(timeline.title)}".replace("-->", "->")]
    for number, cue in enumerate((c for c in timeline.cues if c.kind == "speech"), start=1):
        # "-->" would end a cue's timing line early; a blank line would end the cue
        text = _caption_line(cue.text).replace("-->", "->")
        blocks.append(f"{number}\n{_vtt_time(cue.start_ms)} --> {_vtt_time(cue.end_ms)}\n{text}")
    return "\n\n".join(blocks) + "\n"


def _caption_line(text: str) -> str:
    # a tip written over several lines is one caption line: a line break inside it would
    # start a timed LRC line of its own, or end a VTT cue or NOTE block early
    return " ".join(text.split())


def _lrc_time(ms: int) -> str:
    minutes, rest = divmod(ms // 10, 6000)
    return f"{minutes:02d}:{rest // 100:02d}.{rest % 100:02d}"


def lrc_text(timeline: Timeline) -> str:
    """LRC lyrics: each spoken cue on its own timed line, so a phone shows the words."""
    title = _caption_line(timeline.title)
    lines = [f"[ti:{title}]", f"[length:{_lrc_time(timeline.duration_ms)[:5]}]"]
    lines += [
        f"[{_lrc_time(c.start_ms)}]{_caption_line(c.text)}"
        for c in timeline.cues
        if c.kind == "speech"
    ]
    return "\n".join(lines) + "\n"


def write_text(path: Path, text: str | bytes) -> None:
    """Write a sidecar: text as UTF-8, or bytes (a FIT workout) as they are."""
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
