"""Programmes: a plan over weeks, built as a folder of sessions with a playlist, a
calendar, a podcast feed, a page and a JSON summary (voicecoach help programme-format)."""
