"""The --jobs workers: results in order, failures named, and every process ended."""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

import pytest

from voicecoach.errors import VoicecoachError
from voicecoach.session.workers import in_processes


def _children() -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        found |= {int(pid) for pid in (task / "children").read_text().split()}
    return found


def test_results_come_in_order_and_every_worker_has_ended() -> None:
    before = _children()
    arguments = [(n,) for n in (12, 3, 7, 1, 9)]
    assert list(in_processes(math.factorial, arguments, 2)) == [
        math.factorial(n) for (n,) in arguments
    ]
    assert _children() == before


def test_a_failing_task_is_named_and_the_run_stops() -> None:
    before = _children()
    with pytest.raises(VoicecoachError, match=r"a worker process failed: ValueError: .*'x'"):
        list(in_processes(int, [("1",), ("x",), ("3",)], 2))
    assert _children() == before


def test_a_worker_that_dies_is_reported_not_waited_for() -> None:
    before = _children()
    with pytest.raises(VoicecoachError, match=r"ended unexpectedly \(exit code 3\)"):
        list(in_processes(os._exit, [(3,)], 1))
    assert _children() == before


def test_letting_go_early_stops_busy_workers_at_once() -> None:
    before = _children()
    results = in_processes(time.sleep, [(0,), (60,), (60,)], 2)
    assert next(results) is None
    started = time.monotonic()
    results.close()  # as Ctrl-C does: the sleeping worker is stopped, not waited for
    assert time.monotonic() - started < 10
    assert _children() == before
