"""`python -m voicecoach`."""

from voicecoach.cli import run

run()
