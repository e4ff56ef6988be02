"""A process pool on this machine (the default executor). One HiGHS solve per process, one thread each."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

In = TypeVar("In")
Out = TypeVar("Out")


class LocalExecutor:
    """``concurrent.futures`` process pool; runs in this process when one worker is asked for or one item given."""

    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, workers if workers is not None else (os.cpu_count() or 1))

    def map(self, fn: Callable[[In], Out], items: Sequence[In]) -> list[Out]:
        """Results in the order of ``items``."""
        if self.workers == 1 or len(items) <= 1:
            return [fn(item) for item in items]
        with ProcessPoolExecutor(max_workers=min(self.workers, len(items))) as pool:
            return list(pool.map(fn, items, chunksize=max(1, len(items) // (4 * self.workers))))
