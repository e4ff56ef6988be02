"""Plan executors: where Monte Carlo runs are solved (a local process pool by default, Ray when installed).

The interface is :mod:`chipshift.plan.executors.interface`; one module per implementation (``local``, ``ray``), and
:func:`get_executor` here picks one, importing only that one.
"""

from __future__ import annotations

from chipshift.plan.executors.interface import Executor, ExecutorKind, Progress


def get_executor(kind: ExecutorKind | str, workers: int | None = None) -> Executor:
    """The executor of a kind; Ray raises a clear error when its extra is not installed."""
    kind = ExecutorKind(kind)
    if kind is ExecutorKind.RAY:
        from chipshift.plan.executors.ray import RayExecutor

        return RayExecutor(workers)
    from chipshift.plan.executors.local import LocalExecutor

    return LocalExecutor(workers)


__all__ = ["Executor", "ExecutorKind", "Progress", "get_executor"]
