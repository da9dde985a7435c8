"""The errors voicecoach raises: each one is a message a person can act on."""

from __future__ import annotations


class VoicecoachError(Exception):
    """Base of every error the CLI reports as one `Error: ...` line."""


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
    """Turn SIGTERM and SIGHUP into Terminated, so every `finally` runs before the exit."""
    import signal

    def stop(signum: int, _frame: object) -> None:
        raise Terminated(signum)

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), stop)


def one_line(text: str) -> str:
    """Show line breaks and tabs inside a message as escapes: an error is one line."""
    return text.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")
