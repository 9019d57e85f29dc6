"""Where tasks run: in this process, in a local process pool, or on a dask.distributed cluster.

Results never depend on the executor: each task carries its own seed, and the store sorts rows by task key.
The process pool is the local default (about 1.9x on two cores); dask is for clusters that outgrow one
machine (a LocalCluster on one machine is slower than the pool: its scheduler competes for the cores).
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, TypeVar

from scalesim.errors import ScenarioError
from scalesim.experiment.tasks import TaskOutput
from scalesim.limits import default_jobs

TaskFunction = Callable[[Any], TaskOutput]
R = TypeVar("R")  # what a task function returns


@dataclass(frozen=True)
class Runner:
    """Where an experiment's tasks run and whether it shows progress: never what it computes."""

    jobs: int | None = None
    """Worker processes (None: one per core; 1: this process)."""
    scheduler: str | None = None
    """A dask.distributed scheduler address, or ``local`` for a LocalCluster (None: no dask)."""
    progress: bool = False
    """A progress bar on stderr (only when it is a terminal)."""

    def describe(self) -> dict[str, Any]:
        return {"jobs": self.jobs or default_jobs(), "scheduler": self.scheduler}

    @property
    def workers(self) -> int:
        """How many runs go at once (a cluster's own size is unknown here: its ``-j``, or this machine's cores)."""
        return self.jobs or default_jobs()


def run_tasks(
    tasks: Sequence[Any], jobs: int | None = None, scheduler: str | None = None, *, fn: Callable[[Any], R]
) -> Iterator[R]:
    """Yield ``fn(task)`` for each task as it completes (order depends on the executor; callers sort by key).

    ``fn`` must be a module-level function and tasks picklable, so that worker processes can run them.
    """
    if not tasks:
        return
    if scheduler is not None:
        yield from _dask(tasks, jobs, scheduler, fn)
    elif (jobs or default_jobs()) == 1 or len(tasks) == 1 or not _main_is_importable():
        for task in tasks:
            yield fn(task)
    else:
        yield from _pool(tasks, jobs or default_jobs(), fn)


def _main_is_importable() -> bool:
    """Spawned workers re-import the main module: impossible for code read from stdin (``python - <<EOF``).
    Then the tasks run in this process instead, with identical results."""
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    return main_file is None or os.path.exists(main_file)


_POOLS: dict[int, ProcessPoolExecutor] = {}
"""Worker pools kept for the life of this process, by size: an analysis that runs in batches (a decision's worlds,
a sensitivity analysis on a budget) starts its workers once, and they keep what they remembered (the pilot pass)."""


def _shared_pool(jobs: int) -> ProcessPoolExecutor:
    pool = _POOLS.get(jobs)
    if pool is None:
        # 'spawn' starts clean interpreters: the same behaviour on every platform and no inherited threads.
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"))
        _POOLS[jobs] = pool
    return pool


@atexit.register
def _close_pools() -> None:
    for pool in _POOLS.values():
        pool.shutdown(wait=True, cancel_futures=True)
    _POOLS.clear()


def _pool(tasks: Sequence[Any], jobs: int, fn: Callable[[Any], R]) -> Iterator[R]:
    pool = _shared_pool(jobs)
    futures = [pool.submit(fn, task) for task in tasks]
    try:
        for future in as_completed(futures):
            yield future.result()
    except BaseException as error:
        for future in futures:
            future.cancel()
        if isinstance(error, BrokenProcessPool | KeyboardInterrupt):  # a pool that lost a worker is not reused
            _POOLS.pop(jobs, None)
            pool.shutdown(wait=False, cancel_futures=True)
        raise


def _dask(tasks: Sequence[Any], jobs: int | None, scheduler: str, fn: Callable[[Any], R]) -> Iterator[R]:
    try:
        from distributed import Client, LocalCluster
        from distributed import as_completed as dask_completed
    except ImportError:
        raise ScenarioError(
            f"--scheduler {scheduler}: dask.distributed is not installed; install it with pip install 'scalesim[dask]'"
        ) from None
    if scheduler == "local":
        cluster = LocalCluster(
            n_workers=jobs or default_jobs(),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        client = Client(cluster)
    else:
        cluster = None
        try:
            client = Client(scheduler, timeout="10s")
        except OSError as exc:
            raise ScenarioError(f"--scheduler {scheduler}: cannot reach the dask scheduler ({exc})") from None
    try:
        futures = client.map(fn, list(tasks), pure=False)
        for future in dask_completed(futures):
            yield future.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
