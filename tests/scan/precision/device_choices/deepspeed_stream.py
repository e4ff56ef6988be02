from functools import lru_cache

from deepspeed.accelerator import get_accelerator


@lru_cache(maxsize=None)
def _get_async_split_plan_stream(device_index: int):
    return get_accelerator().Stream(device=device_index)
