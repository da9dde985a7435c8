"""What kind of file each one voicecoach writes is, once: the media type a feed announces
and a server sends."""

from __future__ import annotations

# the formats a session can be written in (audio.format, --format)
AUDIO_FORMATS = ("mp3", "wav")
# by suffix; a text type's charset is added where it is served
MEDIA_TYPES = {
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".xml": "application/rss+xml",
    ".ics": "text/calendar",
    ".m3u8": "audio/x-mpegurl",
    ".html": "text/html",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".vtt": "text/vtt",
    ".lrc": "text/plain",
    ".json": "application/json",
}
# a session's Podcasting 2.0 chapters (<name>.chapters.json)
CHAPTERS_TYPE = "application/json+chapters"
TEXT_SUFFIXES = (".xml", ".ics", ".m3u8", ".html", ".vtt", ".lrc", ".json")


def media_type(name: str) -> str:
    """The media type of a file by its name, with the charset a text file is written in."""
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    kind = CHAPTERS_TYPE if name.endswith(".chapters.json") else MEDIA_TYPES.get(suffix, "")
    return f"{kind}; charset=utf-8" if suffix in TEXT_SUFFIXES and kind else kind
