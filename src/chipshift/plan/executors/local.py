"""A process pool on this machine (the default executor). One HiGHS solve per process, one thread each."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from typing import TypeVar

from chipshift.plan.executors.interface import Progress

In = TypeVar("In")
Out = TypeVar("Out")


class LocalExecutor:
    """``concurrent.futures`` process pool; runs in this process when one worker is asked for or one item given."""

    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, workers if workers is not None else (os.cpu_count() or 1))

    def map(self, fn: Callable[[In], Out], items: Sequence[In], *, progress: Progress | None = None) -> list[Out]:
        """Results in the order of ``items``."""
        if self.workers == 1 or len(items) <= 1:
            results = []
            for item in items:
                results.append(fn(item))
                if progress:
                    progress(len(results), len(items))
            return results
        with ProcessPoolExecutor(max_workers=min(self.workers, len(items))) as pool:
            futures: list[Future[Out]] = [pool.submit(fn, item) for item in items]
            for done, _ in enumerate(as_completed(futures), start=1):
                if progress:
                    progress(done, len(items))
            return [future.result() for future in futures]
