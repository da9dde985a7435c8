"""Where session builds run: this machine's worker pool, or a Dask cluster.

A session build is a task of its inputs (a routine and its options) returning what it
wrote, so either runner takes the same function and arguments and gives back the results
in order. Dask (the `dask` extra) is imported only when a cluster is asked for.
"""

from __future__ import annotations

import collections
import itertools
import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

from voicecoach.errors import VoicecoachError
from voicecoach.session.workers import in_processes

LOCAL = "local"  # --scheduler local: a Dask LocalCluster on this machine
LOCAL_WORKERS = 2
# Dask's defaults for a worker cost a session build a fifth more time, measured: glibc told
# to give memory back at every 64 kB (MALLOC_TRIM_THRESHOLD_, which also fixes the mmap
# threshold, so every audio buffer is mapped and its pages faulted in afresh), and the
# profiler's look at every thread each 10 ms. A worker stays near 120 MB without them.
LOCAL_CONFIG = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    "distributed.worker.profile.enabled": False,
}
TASKS_A_THREAD = 3  # a Dask worker thread's tasks out at once: one running, two waiting


class Runner(Protocol):
    """Runs `function(*arguments[i])` for each i, somewhere; yields the results in order."""

    def map(
        self, function: Callable[..., Any], arguments: Sequence[tuple[Any, ...]]
    ) -> Iterator[Any]: ...

    def close(self) -> None: ...


class PoolRunner:
    """This machine's worker processes, `jobs` at a time (one: in this process)."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs

    def map(
        self, function: Callable[..., Any], arguments: Sequence[tuple[Any, ...]]
    ) -> Iterator[Any]:
        """The results in order, from fresh worker interpreters."""
        if self.jobs == 1 or len(arguments) <= 1:
            for args in arguments:
                yield function(*args)
            return
        yield from in_processes(function, list(arguments), self.jobs)

    def close(self) -> None:
        """Nothing is kept between runs."""


class DaskRunner:
    """A Dask distributed cluster: a running one by its address, or a LocalCluster.

    Its workers may be other machines: a task sends its session's files back whole, and
    the clip cache they share is a folder they all see or a URL (VOICECOACH_CACHE_DIR).
    A LocalCluster's workers write to this machine's folder themselves (`ships_files`).
    """

    def __init__(self, address: str, ships_files: bool | None = None) -> None:
        self.ships_files = address != LOCAL if ships_files is None else ships_files
        try:
            import dask
            from distributed import Client, LocalCluster
        except ImportError:
            raise VoicecoachError(
                "a Dask scheduler needs Dask, which is not installed; "
                "pip install 'voicecoach[dask]'",
                option="scheduler",
            ) from None
        self.cluster: Any = None
        try:
            if address == LOCAL:
                # a cluster of our own: its scheduler's and nannies' news is not the user's
                for name in ("distributed", "distributed.nanny", "distributed.scheduler"):
                    logging.getLogger(name).setLevel(logging.ERROR)
                with dask.config.set(LOCAL_CONFIG):
                    self.cluster = LocalCluster(
                        n_workers=LOCAL_WORKERS,
                        threads_per_worker=1,  # a session's encoder has a thread of its own
                        processes=True,
                        host="127.0.0.1",
                        dashboard_address=None,
                        silence_logs=logging.ERROR,
                    )
                self.client: Any = Client(self.cluster)
            else:
                self.client = Client(address, timeout=30)
        except OSError as exc:
            self.close()
            raise VoicecoachError(
                f"scheduler: cannot reach the Dask scheduler at {address}: {exc}",
                option="scheduler",
            ) from None

    def map(
        self, function: Callable[..., Any], arguments: Sequence[tuple[Any, ...]]
    ) -> Iterator[Any]:
        """Each call a task (run again elsewhere if its worker dies); results in order.

        A few tasks a worker thread are out at a time, so a squad's thousands wait here
        rather than on the scheduler, and results sent back (a session's files) are
        gathered soon after they are made. Stopped early (an error, Ctrl-C), the tasks not
        yet done are cancelled.
        """
        threads = sum(self.client.nthreads().values()) or 1
        window = TASKS_A_THREAD * threads
        pending = iter(arguments)
        futures: collections.deque[Any] = collections.deque()
        try:
            for args in itertools.islice(pending, window):
                futures.append(self.client.submit(function, *args, pure=False))
            while futures:
                result = futures.popleft().result()
                for args in itertools.islice(pending, 1):
                    futures.append(self.client.submit(function, *args, pure=False))
                yield result
        finally:
            self.client.cancel([f for f in futures if not f.done()])

    def close(self) -> None:
        """Let go of the cluster (and stop a LocalCluster and its workers)."""
        client = getattr(self, "client", None)
        if client is not None:
            client.close()
        if self.cluster is not None:
            self.cluster.close()


def runner_for(scheduler: str | None, jobs: int) -> Runner:
    """A Dask runner when a scheduler is named, else this machine's pool of `jobs`."""
    if scheduler:
        return DaskRunner(scheduler)
    return PoolRunner(jobs)
