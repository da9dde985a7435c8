"""The errors voicecoach raises: each one is a message a person can act on."""

from __future__ import annotations

import difflib
import signal
import sys
from collections.abc import Sequence
from typing import Any


class VoicecoachError(Exception):
    """Base of every error the CLI reports as one `Error: ...` line.

    `option` names the library's parameter the error is about (`output_dir`, `session`):
    the library never names a command-line flag, and the CLI adds the flag it has for it.
    A message that begins with the option's name and a colon is about its value.
    """

    def __init__(self, message: str = "", *, option: str | None = None) -> None:
        super().__init__(message)
        self.option = option


class RoutineError(VoicecoachError):
    """The routine file cannot be read or does not follow the routine format."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        path: str | None = None,
    ) -> None:
        where = []
        if source:
            where.append(f"{source}:{line}" if line else source)
        if path:
            where.append(path)
        prefix = ": ".join(where)
        message = one_line(message)
        super().__init__(f"{prefix}: {message}" if prefix else message)
        self.option: str | None = None


class LimitError(RoutineError):
    """A routine over a limit that the caller set (`option` names it), such as max_minutes.

    The library does not know flags: the command line adds the flag that raises the limit,
    where the command has one.
    """

    def __init__(self, message: str, *, option: str, source: str | None = None) -> None:
        super().__init__(message, source=source)
        self.option = option


def bug_message(exc: BaseException) -> str:
    """What is said of an exception voicecoach did not expect: a bug, with the way to report it."""
    return (
        f"unexpected {type(exc).__name__}: {exc} (this is a bug in voicecoach; run it again "
        "with VOICECOACH_DEBUG=1 for the details and report it)"
    )


class SpeechError(VoicecoachError):
    """The speech engine failed or does not know the requested voice."""


class ExportError(VoicecoachError):
    """The session could not be written."""


class Terminated(SystemExit):
    """The process was asked to stop (SIGTERM, SIGHUP): unwinds like Ctrl-C, cleaning up.

    A SystemExit, so that a worker process stopped this way exits quietly with 128+N.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.signum = signum


def stop_on_signals() -> None:
    """Turn the first SIGINT, SIGTERM or SIGHUP into an exception, so every `finally` runs.

    Ctrl-C raises KeyboardInterrupt as Python's own handler does; SIGTERM and SIGHUP raise
    Terminated. Once one has arrived the others are ignored: a second signal raised in the
    middle of the cleanup would cut it short and leave a thread waiting or a file behind.
    """
    handled = [getattr(signal, name) for name in STOP_SIGNALS if hasattr(signal, name)]

    def stop(signum: int, _frame: object) -> None:
        for number in handled:
            signal.signal(number, signal.SIG_IGN)
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise Terminated(signum)

    for number in handled:
        signal.signal(number, stop)
    if not isinstance(sys.unraisablehook, _StopAgain):
        sys.unraisablehook = _StopAgain(sys.unraisablehook)


class _StopAgain:
    """A stop that lands in a weakref callback or a __del__ (the garbage collector runs
    them anywhere) is dropped by Python with an "Exception ignored" and a traceback; this
    raises it again instead, at the next safe point, from a SIGALRM a millisecond on."""

    def __init__(self, previous: Any) -> None:
        self.previous = previous

    def __call__(self, unraisable: Any) -> None:
        stop = unraisable.exc_value
        if not isinstance(stop, (KeyboardInterrupt, Terminated)) or not hasattr(
            signal, "setitimer"
        ):
            self.previous(unraisable)
            return

        def again(_signum: int, _frame: object) -> None:
            signal.signal(signal.SIGALRM, signal.SIG_DFL)
            raise stop

        signal.signal(signal.SIGALRM, again)
        signal.setitimer(signal.ITIMER_REAL, 0.001)


STOP_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")


def one_line(text: str) -> str:
    """Show line breaks and tabs inside a message as escapes: an error is one line."""
    return printable(text.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t"))


def printable(text: str) -> str:
    """Text safe for a terminal: control characters but line breaks and tabs as \\u escapes.

    A file name or a tag read from a file could hold ESC: printed raw, an escape sequence
    recolours or retitles the user's terminal.
    """
    return "".join(
        f"\\u{ord(char):04x}"
        if (ord(char) < 0x20 and char not in "\n\t") or 0x7F <= ord(char) <= 0x9F
        else char
        for char in text
    )


# -- one "did you mean" for every message that names a choice: keys, voices, templates --


def _edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: a swap of neighbours counts as one edit."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            row[j] = min(
                rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + (a[i - 1] != b[j - 1])
            )
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[i - 2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def _score(word: str, option: str) -> tuple[int, float]:
    lowered, other = word.lower(), option.lower()
    return _edit_distance(lowered, other), -difflib.SequenceMatcher(None, lowered, other).ratio()


def closest(word: str, options: Sequence[str]) -> str | None:
    """The option a typo most likely meant, or None when nothing is close."""
    if not options:
        return None
    (distance, _), best = min((_score(word, o), o) for o in options)
    return best if distance <= max(1, len(word) // 2) else None


def close_ones(word: str, options: Sequence[str], count: int = 4) -> list[str]:
    """Up to `count` options near `word`, nearest first (for "close ones: ..." lists)."""
    scored = sorted((_score(word, o), o) for o in dict.fromkeys(options))
    return [o for (distance, _), o in scored if distance <= max(2, len(word) // 2)][:count]
