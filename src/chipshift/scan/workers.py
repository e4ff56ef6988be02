"""Running the analyzers over many files: in this process, in a pool of worker processes, or alone under a cap.

- Fewer than :data:`PARALLEL_MIN_FILES` files are analysed in this process; more go to a process pool.
- A file of :data:`ISOLATED_MIN_BYTES` or more is analysed alone in a child process whose address space is capped
  at :data:`ISOLATED_MEMORY_BYTES` more than it starts with: tree-sitter needs about 2.4 KB per byte on some
  ambiguous C++ (``a<a<a...``, ``(a)(a)(a)...``), 10 GB for a 4 MiB file, and would take the machine with it.
  Running out there is that file's skip.
- A worker that dies (a crash in a parser, the kernel's out-of-memory killer) costs the file it was on: the files
  not yet done are analysed again, the first one alone, and a file that kills its own process too is a skip.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from chipshift.files import MiB
from chipshift.scan.analyze import analyze_file, count_lines, default_analyzers
from chipshift.scan.discover import SourceFile
from chipshift.scan.model import FileOutcome, SkippedFile
from chipshift.scan.prefilter import Prefilter

Work = tuple[SourceFile, bytes, dict[str, str] | None]
"""A file, its bytes and the re-export table of the second pass (None in the first)."""

PARALLEL_MIN_FILES = 24
"""Below this many files to analyse, a pool costs more than it saves."""
ISOLATED_MIN_BYTES = 1 * MiB
"""Files at least this large are analysed alone in a child process with a memory cap."""
ISOLATED_MEMORY_BYTES = 2048 * MiB
"""Address space such a child may add to what it has when it starts."""

_DIED = "the analyzer process died on this file (a crash or out of memory)"
_DIED_CAPPED = "the analyzer process died on this file (a crash, or more than {:,} MiB of memory)"


def analyze_all(work: list[Work], jobs: int | None, progress: Callable[[int], None] | None = None) -> list[FileOutcome]:
    """The outcome of every file of ``work``, in order; ``progress`` is told how many are done."""
    results: dict[int, FileOutcome] = {}

    def finished(index: int, outcome: FileOutcome) -> None:
        results[index] = outcome
        if progress:
            progress(len(results))

    large = [i for i, (_, data, _) in enumerate(work) if len(data) >= ISOLATED_MIN_BYTES]
    small = sorted(set(range(len(work))) - set(large))
    workers = min(jobs or os.cpu_count() or 1, max(1, len(small) // PARALLEL_MIN_FILES))
    if workers <= 1 or len(small) < PARALLEL_MIN_FILES:
        for index in small:
            finished(index, analyze_one(work[index]))
    else:
        _analyze_in_pool(work, small, workers, finished)
    for index in large:
        finished(index, analyze_alone(work[index], ISOLATED_MEMORY_BYTES))
    return [results[index] for index in range(len(work))]


def _analyze_in_pool(
    work: list[Work], indexes: list[int], workers: int, finished: Callable[[int, FileOutcome], None]
) -> None:
    done = 0
    chunksize = max(1, min(32, len(indexes) // (workers * 16)))
    while done < len(indexes):
        with ProcessPoolExecutor(max_workers=workers) as pool:
            try:
                for outcome in pool.map(analyze_one, [work[i] for i in indexes[done:]], chunksize=chunksize):
                    finished(indexes[done], outcome)
                    done += 1
            except BrokenProcessPool:  # the first file not done may be the one that killed its worker
                finished(indexes[done], analyze_alone(work[indexes[done]]))
                done += 1
                chunksize = 1


def analyze_alone(item: Work, memory_bytes: int | None = None) -> FileOutcome:
    """One file in a child process of its own (its address space capped when ``memory_bytes`` is given)."""
    with ProcessPoolExecutor(max_workers=1, initializer=_cap_memory, initargs=(memory_bytes or 0,)) as pool:
        try:
            return pool.submit(analyze_one, item).result()
        except BrokenProcessPool:
            source, data, _ = item
            reason = _DIED_CAPPED.format(memory_bytes // MiB) if memory_bytes else _DIED
            return FileOutcome(skipped=SkippedFile(source.path.as_posix(), reason), lines=count_lines(data))


def _cap_memory(extra_bytes: int) -> None:
    """In a child process: allow ``extra_bytes`` of address space beyond what it uses now (Linux; else nothing)."""
    if extra_bytes <= 0:
        return
    try:
        import resource

        with open("/proc/self/statm", encoding="ascii") as statm:
            in_use = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = in_use + extra_bytes if hard == resource.RLIM_INFINITY else min(hard, in_use + extra_bytes)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, ValueError):
        pass


def analyze_one(item: Work) -> FileOutcome:
    """One file in this process (the function worker processes run)."""
    source, data, reexports = item
    extra = reexport_prefilter(tuple(reexport_tokens(reexports))) if reexports else None
    return analyze_file(source, data, default_analyzers(), reexports, extra)


@functools.lru_cache(maxsize=4)
def reexport_prefilter(tokens: tuple[str, ...]) -> Prefilter:
    """The prefilter of the second pass: files that name a module re-exporting CUDA names."""
    return Prefilter.for_rules([], tokens)


def reexport_tokens(reexports: dict[str, str]) -> list[str]:
    """The last segment of every re-exported name."""
    return sorted({name.rsplit(".", 1)[-1] for name in reexports})
