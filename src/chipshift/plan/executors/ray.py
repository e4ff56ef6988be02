"""A Ray cluster (optional extra ``ray``): ``ray.init()`` joins the cluster named by ``RAY_ADDRESS`` or starts a local
one that listens on 127.0.0.1 only (Ray's own default listens on every interface)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from chipshift.errors import ChipshiftError
from chipshift.plan.executors.interface import Progress

In = TypeVar("In")
Out = TypeVar("Out")

MISSING = "the ray executor needs Ray, an optional extra: pip install 'chipshift[ray]' (or use --executor local)"


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ChipshiftError(MISSING) from None
    return ray


class RayExecutor:
    """Each item is one ``ray.remote`` task."""

    name = "ray"

    def __init__(self, workers: int | None = None) -> None:
        self.ray = _ray()
        self.workers = workers

    def map(self, fn: Callable[[In], Out], items: Sequence[In], *, progress: Progress | None = None) -> list[Out]:
        """Results in the order of ``items``."""
        ray = self.ray
        if not ray.is_initialized():
            ray.init(
                num_cpus=self.workers,
                ignore_reinit_error=True,
                log_to_driver=False,
                include_dashboard=False,
                _node_ip_address="127.0.0.1",
            )
        task = ray.remote(num_cpus=1)(fn)
        pending = [task.remote(item) for item in items]
        waiting = list(pending)
        while waiting:
            _ready, waiting = ray.wait(waiting, num_returns=1)
            if progress:
                progress(len(items) - len(waiting), len(items))
        return list(ray.get(pending))
