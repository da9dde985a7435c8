"""What the benchmarks share: stopping cleanly."""

from __future__ import annotations

import signal
import sys
from types import FrameType


def stop_cleanly() -> None:
    """Make SIGTERM and SIGHUP end the benchmark as Ctrl-C does: its temporary folders go.

    A benchmark keeps its files in a TemporaryDirectory; raising SystemExit from the signal
    lets that context manager (and any child it waits for) clean up on the way out.
    """

    def leave(signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    for stop in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop, leave)


if __name__ == "__main__":  # pragma: no cover
    sys.exit("benchlib is imported by the benchmarks, not run")
