"""A Ray cluster (optional extra ``ray``): ``ray.init()`` joins the cluster named by ``RAY_ADDRESS`` or starts one."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from chipshift.errors import ChipshiftError

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

    def map(self, fn: Callable[[In], Out], items: Sequence[In]) -> list[Out]:
        """Results in the order of ``items``."""
        ray = self.ray
        if not ray.is_initialized():
            ray.init(num_cpus=self.workers, ignore_reinit_error=True, log_to_driver=False)
        task = ray.remote(num_cpus=1)(fn)
        return list(ray.get([task.remote(item) for item in items]))
