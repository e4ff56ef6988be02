"""chipshift.workers.run_guarded: a crash, a hang, a blow-up or an exception costs one item, never the run."""

from __future__ import annotations

import os
import signal
import sys
import time

import pytest

from chipshift.workers import Crashed, Limits, run_guarded


def _behave(item: str) -> str:
    """Module level, so the workers can run it; each item names a way to fail."""
    if item == "segfault":
        os.kill(os.getpid(), signal.SIGSEGV)
    if item == "hang":
        while True:
            time.sleep(60)
    if item == "raise":
        raise ValueError("bad item")
    if item == "memory":
        return str(len(bytearray(64 * 1024**3)))
    if item == "deep":
        return str(_depth(20_000))
    if item == "exit":
        sys.exit(3)
    return item.upper()


def _depth(count: int) -> int:
    return 0 if count == 0 else 1 + _depth(count - 1)


def test_each_failure_is_reported_for_its_item_and_the_others_complete_in_order() -> None:
    items = ["a", "segfault", "b", "raise", "c", "memory", "deep", "d"]
    results = run_guarded(_behave, items, workers=2, limits=Limits(seconds_per_item=None, memory_bytes=2 * 1024**3))
    assert results[0] == "A" and results[2] == "B" and results[4] == "C" and results[7] == "D"
    assert results[6] == "20000"  # the big stack and raised recursion limit let deep recursion finish
    crashed = {index: result for index, result in enumerate(results) if isinstance(result, Crashed)}
    assert set(crashed) == {1, 3, 5}
    assert "signal 11" in crashed[1].reason and "SIGSEGV" in crashed[1].reason
    assert crashed[3].reason == "ValueError: bad item"
    assert crashed[5].reason == "ran out of memory"
    assert all(crashed[index].item == items[index] for index in crashed)


def test_an_item_past_the_time_limit_is_stopped_and_the_worker_replaced() -> None:
    # "hang" never ends, whatever the machine's load: the outcome does not depend on timing.
    results = run_guarded(_behave, ["hang", "x", "y"], workers=1, limits=Limits(seconds_per_item=1.0))
    assert isinstance(results[0], Crashed) and "longer than the 1 s limit" in results[0].reason
    assert results[1:] == ["X", "Y"]


def test_a_worker_that_exits_is_reported_and_replaced() -> None:
    results = run_guarded(_behave, ["exit", "z"], workers=1)
    assert isinstance(results[0], Crashed) and results[0].reason == "exited (status 3)"
    assert results[1] == "Z"


def test_progress_counts_every_item() -> None:
    seen: list[tuple[int, int]] = []
    run_guarded(_behave, ["a", "b", "c"], workers=2, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (3, 3) and len(seen) == 3


@pytest.mark.parametrize("workers", [1, 3])
def test_no_items_no_workers(workers: int) -> None:
    assert run_guarded(_behave, [], workers=workers) == []
