"""Plan executors: where Monte Carlo runs are solved (a local process pool by default, Ray when installed)."""

from __future__ import annotations

from chipshift.plan.executors.interface import Executor, ExecutorKind, Progress, get_executor

__all__ = ["Executor", "ExecutorKind", "Progress", "get_executor"]
