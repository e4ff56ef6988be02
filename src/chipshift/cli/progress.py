"""Progress of a long step on stderr: a bar on a terminal, otherwise one line when it starts, one every few seconds
while it runs and one when it ends; nothing with ``-q``.

An engine reports ``(done, total)`` through a callback (:meth:`StepProgress.update`); a step that reports nothing
until it ends still gets its lines, since a background ticker writes them. The step is announced ("started") at its
first report or first tick, once its input has been read: input refused before that is one error line, not wrapped
in progress. Lines carry counts, never timing that a test would have to wait for: a step that reports its work gets
its first and last line every time.
"""

from __future__ import annotations

import threading
import time
from types import TracebackType

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from chipshift.cli.common import settings, stderr
from chipshift.cli.output import note

LINE_EVERY_S = 5.0
"""Seconds between two lines when stderr is not a terminal."""


class StepProgress:
    """Progress of one step (``scan``, ``size``, ``validate``...) counted in ``unit`` (files, candidates, cases)."""

    def __init__(self, step: str, unit: str, total: int | None = None) -> None:
        self.step, self.unit = step, unit
        self.done, self.total = 0, total
        self.started = 0.0
        self.running = False
        self.announced = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self._bar: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> StepProgress:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.finish(completed=kind is None)

    def start(self) -> None:
        """Begin: the bar, or the ticker (which announces the step at its first tick)."""
        if self.running or settings.quiet:
            return
        self.running, self.started = True, time.monotonic()
        if stderr.is_terminal:
            columns = (TextColumn(self.step), BarColumn(), MofNCompleteColumn(), TextColumn(self.unit))
            self._bar = Progress(*columns, TimeElapsedColumn(), console=stderr, transient=True)
            self._bar.start()
            self._task = self._bar.add_task(self.step, total=self.total)
            return
        self._ticker = threading.Thread(target=self._tick, name=f"progress-{self.step}", daemon=True)
        self._ticker.start()

    def update(self, done: int, total: int | None = None) -> None:
        """``done`` of ``total`` units are finished (the engines' progress callback); the last one ends the step."""
        with self._lock:
            self.done = done
            self.total = total if total is not None else self.total
        self.start()
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, completed=done, total=self.total)
        elif self.running:
            self._announce()
        if self.total is not None and done >= self.total:
            self.finish()

    def finish(self, *, completed: bool = True) -> None:
        """End: the bar goes, or the last line says how far the step got (nothing when it failed unannounced)."""
        if not self.running:
            return
        self.running = False
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
        if self._bar is not None:
            self._bar.stop()
            return
        if completed or self.announced:
            verb = "done" if completed else "stopped"
            note(f"{self.step}: {verb}{self._count()} in {time.monotonic() - self.started:.1f} s")

    def _announce(self) -> None:
        """The step's first line, once."""
        with self._lock:
            if self.announced:
                return
            self.announced = True
            total = f" ({self.total:,} {self.unit})" if self.total is not None else ""
        note(f"{self.step}: started{total}")

    def _count(self) -> str:
        with self._lock:
            if self.total is None:
                return f", {self.done:,} {self.unit}" if self.done else ""
            return f", {self.done:,} of {self.total:,} {self.unit}"

    def _tick(self) -> None:
        while not self._stop.wait(LINE_EVERY_S):
            self._announce()
            note(f"{self.step}: working{self._count()}, {time.monotonic() - self.started:.0f} s so far")
