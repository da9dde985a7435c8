"""The voicecoach command line: each command loads, calls one function, and prints.

One module per group of commands; `base` holds what they share (the group with its one
error and exit-code wrapper, and `run`, the program's entry point).
"""

from voicecoach.cli import (  # noqa: F401  (importing registers the commands)
    building,
    importing,
    planning,
    serving,
    tools,
)
from voicecoach.cli.base import main, run
from voicecoach.cli.tools import HELP_TOPICS, help_text

__all__ = ["HELP_TOPICS", "help_text", "main", "run"]
