"""chipshift.workers.run_guarded: a crash, a hang, a blow-up or an exception costs one item, never the run."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chipshift.workers import Crashed, Limits, _serve, run_guarded


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


def test_workers_exit_when_their_parent_is_killed(tmp_path: Path) -> None:
    # A parent killed with SIGKILL cannot close its pipes, and forked siblings hold copies of them: the workers
    # must notice the parent is gone by themselves rather than wait for ever.
    script = tmp_path / "parent.py"
    script.write_text(
        "import os, sys, time\n"
        "from chipshift.workers import run_guarded\n"
        "from tests_helpers import slow\n"
        "print(os.getpid(), flush=True)\n"
        "run_guarded(slow, list(range(6)), workers=3)\n"
    )
    (tmp_path / "tests_helpers.py").write_text("import time\ndef slow(item):\n    time.sleep(3600)\n")
    parent = subprocess.Popen([sys.executable, str(script)], cwd=tmp_path, stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    parent_pid = int(parent.stdout.readline())
    children = _children(parent_pid, expected=3)
    os.kill(parent_pid, signal.SIGKILL)
    parent.wait()
    for _ in range(6000):  # each worker checks every second; 600 s only guards against a hang, whatever the load
        alive = [pid for pid in children if _alive(pid)]
        if not alive:
            break
        time.sleep(0.1)
    else:
        for pid in alive:
            os.kill(pid, signal.SIGKILL)
        raise AssertionError(f"workers outlived their killed parent: {alive}")


def _children(parent: int, expected: int) -> list[int]:
    for _ in range(6000):  # 600 s: a guard against a hang, not a race with the machine's load
        found = [int(entry) for entry in os.listdir("/proc") if entry.isdigit() and _parent_of(int(entry)) == parent]
        if len(found) >= expected:
            return found
        time.sleep(0.1)
    raise AssertionError("the workers did not start")


def _parent_of(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stream:
            return int(stream.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stream:
            return stream.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_worker_whose_starter_is_gone_before_it_runs_exits() -> None:
    """The parent's pid comes from the parent, not from the worker's own ``os.getppid()``: a parent killed while the
    worker was still starting up (it happened under load) left a worker that took init for its parent and lived on."""
    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe()
    gone = 2**22 + 1  # not this process: the worker must see that its starter is not its parent
    worker = context.Process(target=_serve, args=(theirs, _behave, Limits(), gone), daemon=True)
    worker.start()
    worker.join(600)  # a guard against a hang, not a race: the worker checks once a second
    alive = worker.is_alive()
    if alive:
        worker.kill()
    assert not alive and worker.exitcode == 0
    ours.close()
