"""Where session builds run: this machine's worker pool, or a Dask cluster.

A session build is a task of its inputs (a routine and its options) returning what it
wrote, so either runner takes the same function and arguments and gives back the results
in order. Dask (the `dask` extra) is imported only when a cluster is asked for.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

from voicecoach.errors import VoicecoachError
from voicecoach.session.workers import in_processes

LOCAL = "local"  # --scheduler local: a Dask LocalCluster on this machine
LOCAL_WORKERS = 2


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

        Stopped early (an error, Ctrl-C), the tasks not yet done are cancelled.
        """
        futures = [self.client.submit(function, *args, pure=False) for args in arguments]
        try:
            for future in futures:
                yield future.result()
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
