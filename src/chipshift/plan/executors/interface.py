"""The executor interface: map a pure, picklable function over items and return results in order."""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

In = TypeVar("In")
Out = TypeVar("Out")

Progress = Callable[[int, int], None]
"""Called with (items done, items in total) as results come in."""


class Executor(Protocol):
    """Runs independent tasks; results come back in the order of the items."""

    name: str

    def map(self, fn: Callable[[In], Out], items: Sequence[In], *, progress: Progress | None = None) -> list[Out]:
        """``[fn(item) for item in items]``, possibly in parallel; ``progress`` hears of each result."""
        ...


class ExecutorKind(enum.StrEnum):
    """Executors a user can choose with ``--executor``."""

    LOCAL = "local"
    RAY = "ray"
