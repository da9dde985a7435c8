"""`python -m voicecoach`."""

from voicecoach.cli import main

main()
