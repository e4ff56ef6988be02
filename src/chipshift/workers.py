"""Run a function over many items in guarded worker processes: a crash, a hang or a memory blow-up costs one item.

Parsers of untrusted code can die in native code (LibCST's parser overflows its stack on a 20,000-deep attribute
chain: SIGSEGV), recurse past Python's limit, or take minutes on a pathological file. :func:`run_guarded` gives each
item to a worker process with an address-space limit, runs it on a thread with a large stack and a raised recursion
limit, and turns a worker that dies or runs past the time limit into a :class:`Crashed` result for that item alone;
the worker is replaced and the other items go on. Results come back in the order of the items.
"""

from __future__ import annotations

import contextlib
import faulthandler
import multiprocessing
import os
import resource
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any, Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

GiB = 1024**3
PARENT_CHECK_S = 1.0
"""How often an idle worker checks that its parent is alive."""


@dataclass(frozen=True)
class Limits:
    """What one item may cost in a worker."""

    seconds_per_item: float | None = 120.0
    """Wall-clock limit for one item; the worker is killed past it (None: no limit)."""
    memory_bytes: int | None = 4 * GiB
    """Address space each worker may add to what it inherits from its parent (None: the system's limit)."""
    stack_bytes: int = 512 * 1024**2
    """Stack of the thread that runs each item (deep syntax trees recurse deeply)."""
    recursion_limit: int = 100_000
    """Python recursion limit on that thread."""


@dataclass(frozen=True)
class Crashed(Generic[Item]):
    """An item whose worker died, ran out of time or memory, or raised."""

    item: Item
    """The item."""
    reason: str
    """What happened, in words (``the worker died with signal 11 (SIGSEGV)``)."""


Progress = Callable[[int, int], None]
"""Called with (items done, items in total)."""


def run_guarded(
    function: Callable[[Item], Result],
    items: Sequence[Item],
    *,
    workers: int = 1,
    limits: Limits | None = None,
    progress: Progress | None = None,
) -> list[Result | Crashed[Item]]:
    """``function`` applied to each item in worker processes; a failure is a :class:`Crashed` for that item only.

    ``function`` must be importable at module level (it is passed to the workers). An exception it raises becomes a
    :class:`Crashed` too, with the exception's type and message.
    """
    limits = limits or Limits()
    pool = _Pool(function, limits, max(1, min(workers, len(items))))
    try:
        return pool.run(items, progress)
    finally:
        pool.close()


@dataclass
class _Worker:
    process: BaseProcess
    connection: Connection
    index: int | None = None
    started: float = 0.0


class _Pool(Generic[Item, Result]):
    def __init__(self, function: Callable[[Item], Result], limits: Limits, size: int) -> None:
        self.function = function
        self.limits = limits
        self.size = size
        self.context: Any = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
        self.workers: list[_Worker] = []

    def run(self, items: Sequence[Item], progress: Progress | None) -> list[Result | Crashed[Item]]:
        results: dict[int, Result | Crashed[Item]] = {}
        pending = list(range(len(items)))[::-1]
        self.workers = [self._start() for _ in range(self.size)]
        while len(results) < len(items):
            for worker in self.workers:
                if worker.index is None and pending:
                    self._give(worker, pending.pop(), items)
            for worker, (status, value) in self._collect():
                index = worker.index
                assert index is not None
                results[index] = value if status == "ok" else Crashed(items[index], str(value))
                worker.index = None
                if progress:
                    progress(len(results), len(items))
        return [results[index] for index in range(len(items))]

    def _start(self) -> _Worker:
        parent, child = self.context.Pipe()
        args = (child, self.function, self.limits, os.getpid())
        process = self.context.Process(target=_serve, args=args, daemon=True)
        process.start()
        child.close()
        return _Worker(process, parent)

    def _give(self, worker: _Worker, index: int, items: Sequence[Item]) -> None:
        worker.index = index
        worker.started = time.monotonic()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError, EOFError):  # a dead worker: _collect sees it
            worker.connection.send((index, items[index]))

    def _collect(self) -> list[tuple[_Worker, tuple[str, Any]]]:
        """Wait for results: ``("ok", result)`` or ``("error", reason)`` per finished worker.

        A worker that died or ran past the time limit is replaced and its item reported as an error.
        """
        busy = [worker for worker in self.workers if worker.index is not None]
        ready = wait([worker.connection for worker in busy], timeout=self._wait_s(busy))
        finished: list[tuple[_Worker, tuple[str, Any]]] = []
        for worker in busy:
            if worker.connection in ready:
                try:
                    finished.append((worker, worker.connection.recv()))
                except (EOFError, ConnectionResetError, OSError):
                    finished.append((worker, ("error", self._replace(worker, self._death(worker)))))
            elif self._overdue(worker):
                limit = self.limits.seconds_per_item
                finished.append((worker, ("error", self._replace(worker, f"took longer than the {limit:g} s limit"))))
        return finished

    def _wait_s(self, busy: list[_Worker]) -> float | None:
        limit = self.limits.seconds_per_item
        if limit is None or not busy:
            return None
        return max(0.0, min(worker.started + limit for worker in busy) - time.monotonic()) + 0.05

    def _overdue(self, worker: _Worker) -> bool:
        limit = self.limits.seconds_per_item
        return limit is not None and time.monotonic() - worker.started > limit

    def _death(self, worker: _Worker) -> str:
        worker.process.join(timeout=5)
        code = worker.process.exitcode
        if code is not None and code < 0:
            name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
            return f"the parser crashed (signal {-code}, {name})"
        return f"the worker stopped unexpectedly (exit status {code})"

    def _replace(self, worker: _Worker, reason: str) -> str:
        """Kill ``worker``, start a fresh one in its place, and return ``reason`` for its item."""
        _kill(worker.process)
        worker.connection.close()
        self.workers[self.workers.index(worker)] = self._start()
        return reason

    def close(self) -> None:
        for worker in self.workers:
            with contextlib.suppress(OSError):
                worker.connection.close()
            _kill(worker.process)


def _kill(process: BaseProcess) -> None:
    if process.is_alive():
        process.kill()
    process.join(timeout=5)


def _serve(connection: Connection, function: Callable[[Any], Any], limits: Limits, parent: int) -> None:
    """A worker's loop: take an item, run it on a big-stack thread, send back ``("ok", result)`` or the error.

    ``parent`` is the pid of the process that started it, as that process saw it: a worker that asked
    ``os.getppid()`` itself, after a parent killed in the moment it started, would take the new parent (init) for
    its own and outlive it for ever."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; Ctrl-C must not kill workers mid-item
    faulthandler.disable()  # a crash is reported by the parent, in one line, not as a C-level traceback
    if limits.memory_bytes is not None:
        _limit_address_space(limits.memory_bytes)
    threading.stack_size(limits.stack_bytes)
    while True:
        try:
            while not connection.poll(PARENT_CHECK_S):
                if os.getppid() != parent:  # the parent died (even by kill -9): a sibling may still hold our pipe
                    os._exit(0)
            _, item = connection.recv()
        except (EOFError, OSError):
            os._exit(0)
        outcome = _run_on_thread(function, item, limits, parent)
        try:
            connection.send(outcome)
        except (TypeError, ValueError, AttributeError) as error:  # a result that cannot be pickled
            connection.send(("error", f"result could not be sent back: {error}"))


def _limit_address_space(extra_bytes: int) -> None:
    """Cap this process's address space at what it has now plus ``extra_bytes`` (a forked worker inherits a lot)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as stream:
            current = int(stream.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return  # not Linux: no cap rather than a wrong one
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = current + extra_bytes
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))


def _run_on_thread(function: Callable[[Any], Any], item: Any, limits: Limits, parent: int) -> tuple[str, Any]:
    box: list[tuple[str, Any]] = []

    def target() -> None:
        sys.setrecursionlimit(limits.recursion_limit)
        try:
            box.append(("ok", function(item)))
        except MemoryError:
            box.append(("error", "ran out of memory"))
        except RecursionError:
            box.append(("error", "nested too deeply (recursion limit)"))
        except Exception as error:  # reported for this item; the caller decides what it means
            box.append(("error", f"{type(error).__name__}: {error}"))
        except SystemExit as error:
            box.append(("error", f"exited (status {error.code})"))

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(PARENT_CHECK_S)
        if os.getppid() != parent:  # nobody will read the result
            os._exit(0)
    return box[0] if box else ("error", "the worker thread stopped without a result")
