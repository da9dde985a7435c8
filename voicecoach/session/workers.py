"""Worker processes for `--jobs`: fresh interpreters fed over pipes, each one stopped for sure.

Not multiprocessing's Pool: its terminate() waits forever on a worker that does not end,
and its spawn context starts a resource tracker that can outlive the command. Here every
worker is a child we started and end ourselves: asked to stop (SIGTERM), given a few
seconds to remove its temporary files, then killed, and always waited for.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import selectors
import signal
import struct
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any, TypeVar

from voicecoach.errors import Terminated, VoicecoachError, stop_on_signals

R = TypeVar("R")

STOP_GRACE_S = 3.0  # how long a worker asked to stop may take to clean up before it is killed
_HEADER = struct.Struct("!Q")


def _send(stream: IO[bytes], value: object) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _receive(stream: IO[bytes]) -> Any:
    """The next value on `stream`, or EOFError when the other end has gone."""
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError
    size = _HEADER.unpack(header)[0]
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)


class _Worker:
    """One child interpreter running `python -m voicecoach.session.workers`."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "voicecoach.session.workers"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            # its own session: a terminal's Ctrl-C reaches the parent alone, which stops
            # the workers itself, in order, instead of every process unwinding at once
            start_new_session=True,
        )
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.tasks = self.process.stdin
        self.results = self.process.stdout
        self.index: int | None = None  # the task it is working on

    def give(self, index: int, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.index = index
        _send(self.tasks, (function, args))

    def take(self) -> tuple[int, Any]:
        """The result of its task, or VoicecoachError if the worker ended without one."""
        index = self.index
        assert index is not None
        try:
            ok, value = _receive(self.results)
        except EOFError:
            code = self.process.wait()
            raise VoicecoachError(
                f"a worker process ended unexpectedly (exit code {code}); build with one job "
                "to see why",
                option="jobs",
            ) from None
        self.index = None
        if not ok:
            raise VoicecoachError(f"a worker process failed: {value}")
        return index, value


def _stop(workers: Sequence[_Worker], *, at_once: bool) -> None:
    """End every worker: idle ones on EOF; with `at_once`, busy ones on SIGTERM, then SIGKILL."""
    for worker in workers:
        with contextlib.suppress(OSError):
            worker.tasks.close()  # an idle worker ends on EOF
        if at_once and worker.process.poll() is None:
            worker.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + (STOP_GRACE_S if at_once else 24 * 3600)
    for worker in workers:
        try:
            worker.process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            worker.process.kill()
            worker.process.wait()
        worker.results.close()


def in_processes(
    function: Callable[..., R], arguments: Sequence[tuple[Any, ...]], jobs: int
) -> Iterator[R]:
    """`function` over each argument tuple, `jobs` at a time in processes, results in order.

    `function` must be importable by name (a module's top-level function). Should the run
    be stopped (Ctrl-C, SIGTERM, SIGHUP, an error, or the caller letting go), every worker
    is asked to stop, cleans up its temporary files and has ended before this returns.
    """
    workers: list[_Worker] = []
    finished = False
    try:
        workers = [_Worker() for _ in range(min(jobs, len(arguments)))]
        queue = iter(enumerate(arguments))
        done: dict[int, R] = {}
        selector = selectors.DefaultSelector()
        for worker in workers:
            task = next(queue, None)
            if task is not None:
                worker.give(task[0], function, task[1])
                selector.register(worker.results, selectors.EVENT_READ, worker)
        for wanted in range(len(arguments)):
            while wanted not in done:
                for key, _ in selector.select():
                    worker = key.data
                    index, value = worker.take()
                    done[index] = value
                    task = next(queue, None)
                    if task is None:
                        selector.unregister(worker.results)
                    else:
                        worker.give(task[0], function, task[1])
            yield done.pop(wanted)
        selector.close()
        finished = True
    finally:
        _stop(workers, at_once=not finished)


def _serve() -> int:
    """A worker's life: run each task read from stdin, answer on stdout, until EOF."""
    stop_on_signals()
    tasks = os.fdopen(os.dup(0), "rb")
    results = os.fdopen(os.dup(1), "wb")
    # anything else printed (pyttsx3 prints "Audio saved to ...") must not reach the pipe
    quiet = os.open(os.devnull, os.O_RDWR)
    os.dup2(quiet, 0)
    os.dup2(quiet, 1)
    try:
        while True:
            try:
                function, args = _receive(tasks)
            except EOFError:
                return 0
            try:
                outcome: tuple[bool, Any] = (True, function(*args))
            except Exception as exc:  # any: handed to the parent, which says it
                outcome = (False, f"{type(exc).__name__}: {exc}")
            _send(results, outcome)
    except KeyboardInterrupt:
        return 128 + signal.SIGINT
    except Terminated as exc:
        return 128 + exc.signum
    except BrokenPipeError:
        return 0  # the parent has gone


if __name__ == "__main__":
    sys.exit(_serve())
