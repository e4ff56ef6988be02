"""``scan_paths``: discover files, read them, take what the cache knows, analyse the rest in a process pool.

Re-exports inside the scanned repository are handled in a second pass: modules that bind CUDA-related names at
module level (``from torch.cuda import amp`` in ``pkg/devices.py``) form a table, and files that could use one of
those names are analysed again with the table, so ``from pkg.devices import amp; amp.autocast()`` is found.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from chipshift.catalog import Catalog
from chipshift.errors import InputFileError
from chipshift.files import read_input
from chipshift.multibackend import backend_of_path_part, dispatch_folders, is_multi_backend_package
from chipshift.scan.analyze import MAX_FILE_BYTES, Analyzers, default_analyzers, own_packages, root_modules
from chipshift.scan.backends import ShippedBackend, detect_backends
from chipshift.scan.cache import OutcomeCache, content_key, default_cache_dir
from chipshift.scan.config import ScanConfig, load_config
from chipshift.scan.cpp_analyzer import in_ascend_c_folder
from chipshift.scan.discover import FileKind, SourceFile, discover, gitignored, is_vendored
from chipshift.scan.finding import Finding
from chipshift.scan.model import FileOutcome, ScanResult, SkippedFile
from chipshift.scan.python_analyzer import module_name
from chipshift.scan.targets import chosen_targets
from chipshift.scan.workers import analyze_all, reexport_prefilter, reexport_tokens

Progress = Callable[[int, int], None]
"""Called with (files done, files in total) while a scan runs."""


def scan_paths(
    paths: Sequence[Path],
    targets: Sequence[str] | None = None,
    *,
    catalog: Catalog | None = None,
    jobs: int | None = None,
    cache_dir: Path | None = None,
    use_cache: bool = True,
    progress: Progress | None = None,
    include_vendored: bool = False,
    use_gitignore: bool = True,
) -> ScanResult:
    """Scan files and directories for CUDA lock-in; nothing scanned is imported or run.

    ``targets`` are porting targets of ``catalog`` (the shipped catalog when none is given), all of them by default;
    an unknown one is a :class:`ChipshiftError`. Findings in vendored trees (:func:`is_vendored`) go to
    ``result.vendored``, not costed, unless ``include_vendored``. Files the ``.gitignore`` of a root's git repository
    leaves out are not scanned (counted in ``result.gitignored``) unless ``use_gitignore`` is false."""
    chosen = chosen_targets(targets, catalog)
    started = time.perf_counter()
    analyzers = default_analyzers()
    cache = OutcomeCache((cache_dir or default_cache_dir()) if use_cache else None, analyzers.book)
    result = ScanResult(roots=[p.as_posix() for p in paths], targets=chosen)
    sources: list[SourceFile] = []
    settings: list[ScanConfig] = []
    for root in paths:
        config = load_config(root, analyzers.book.by_id)
        found: list[SourceFile] = []
        for item in discover(root):
            if isinstance(item, SkippedFile):
                result.skipped.append(item)
            elif not config.excludes(item.relative):
                found.append(item)
        if use_gitignore:
            ignored = gitignored(root, [source.path for source in found])
            result.gitignored += len(ignored)
            found = [source for source in found if source.path not in ignored]
        own = frozenset(name for name in root_modules(root) if _top(name) in analyzers.python.package_names)
        found = [replace(s, root_modules=own) if s.kind in _PYTHON_KINDS else s for s in found]
        python = [(s, _text(s)) for s in found if s.kind is FileKind.PYTHON]
        found = _as_library(found) if _is_library(python) else found
        result.backends += _backends(root, python, found)
        sources += found
        settings += [config] * len(found)
    outcomes = _first_pass(sources, analyzers, cache, jobs, progress)
    _second_pass(sources, outcomes, analyzers, cache, jobs)
    cache.save()
    copies = set() if include_vendored else _copies(sources, outcomes)
    for index, (source, config, (outcome, cached)) in enumerate(zip(sources, settings, outcomes, strict=True)):
        apart = not include_vendored and (is_vendored(source.relative) or index in copies)
        (result.vendored if apart else result.findings).extend(_configured(outcome.findings, config))
        if outcome.skipped:
            result.skipped.append(outcome.skipped)
        result.lines_scanned += outcome.lines
        result.cache_hits += cached
    result.files_scanned = len(sources)
    result.cache_rejected = cache.rejected
    result.findings.sort(key=lambda f: (f.path, f.cell or 0, f.line, f.column, f.rule_id))
    result.vendored.sort(key=lambda f: (f.path, f.cell or 0, f.line, f.column, f.rule_id))
    result.duration_s = time.perf_counter() - started
    return result


_PYTHON_KINDS = (FileKind.PYTHON, FileKind.NOTEBOOK)


def _copies(sources: list[SourceFile], outcomes: list[tuple[FileOutcome, bool]]) -> set[int]:
    """Indexes of files with findings whose name and bytes another file already has (the one nearest the root is
    kept, then the first by path): a second copy of a tree (DeepSpeed's sdist carries ``csrc/`` twice) is not more
    work."""
    seen: set[bytes] = set()  # hashes of name and bytes: files alike under other names are the project's own
    found: set[int] = set()
    for index in sorted(range(len(sources)), key=lambda i: (len(sources[i].path.parts), sources[i].path.as_posix())):
        if not outcomes[index][0].findings:
            continue
        data = _read(sources[index])
        if isinstance(data, SkippedFile):
            continue
        digest = hashlib.sha256(data + b"\0" + sources[index].path.name.encode()).digest()
        if digest in seen:
            found.add(index)
        seen.add(digest)
    return found


def _configured(findings: Sequence[Finding], config: ScanConfig) -> list[Finding]:
    """``findings`` without the folder's disabled rules, re-rated as it says (:mod:`chipshift.scan.config`)."""
    kept = [finding for finding in findings if finding.rule_id not in config.disable]
    if not config.severity:
        return kept
    return [replace(f, severity=config.severity.get(f.rule_id, f.severity)) for f in kept]


def _is_library(python: list[tuple[SourceFile, str]]) -> bool:
    """Whether the Python files of one root form a multi-backend package (:mod:`chipshift.multibackend.library`)."""
    if not any(source.path.name == "__init__.py" for source, _ in python):
        return False
    return is_multi_backend_package((s.relative, text) for s, text in python)


def _backends(root: Path, python: list[tuple[SourceFile, str]], found: list[SourceFile]) -> list[ShippedBackend]:
    """Backends the project under ``root`` already ships (:mod:`chipshift.scan.backends`), vendored trees aside."""
    own = [(s.path.as_posix(), text) for s, text in python if not is_vendored(s.relative)]
    return detect_backends(root.as_posix(), own, (s.path.as_posix() for s in found))


def _text(source: SourceFile) -> str:
    data = _read(source)
    return "" if isinstance(data, SkippedFile) else data.decode("utf-8", errors="replace")


def _library_key(
    source: SourceFile, data: bytes, package_names: frozenset[str], referenced: frozenset[str] = frozenset()
) -> str:
    """Part of the cache key of a file whose place decides what is reported: a path that names another backend (its
    code is that backend's, or HIP, or Ascend C), in a multi-backend package the path, the project's own code (its
    own API is not reported) and, for a module with a relative import, its module path. Only own names a rule starts
    with (``package_names``) count, and only those the file's bytes, its module path or the re-exports it is analysed
    with (``referenced``) name: only those can change its findings, so adding a top-level script does not invalidate
    every other file's entry."""
    other = next((part for part in source.relative.split("/")[:-1] if backend_of_path_part(part)), "")
    place = f"backend:{other}" if other or backend_of_path_part(source.path.stem) else ""
    if source.kind in (FileKind.CUDA, FileKind.CPP):
        return place + ("ascend-c:" if in_ascend_c_folder(source.relative) else "")
    if source.kind not in _PYTHON_KINDS:
        return ""
    module = module_name(source.relative)
    named = referenced | {_top(module)}
    own = ",".join(
        sorted(
            prefix
            for prefix in own_packages(source)
            if (top := _top(prefix)) in package_names and (top in named or top.encode() in data)
        )
    )
    relative = f"module:{module}:" if _top(module) in package_names and b"from ." in data else ""
    default = "default-backend:" if source.default_backend else ""
    library = f"library:{source.relative}" if source.library else ""
    return place + default + library + relative + (f"own:{own}" if own else "")


def _top(dotted: str) -> str:
    return dotted.split(".", 1)[0]


def _as_library(sources: list[SourceFile]) -> list[SourceFile]:
    dispatch = dispatch_folders((s.path, s.root) for s in sources if s.kind in _PYTHON_KINDS)
    return [
        replace(source, library=True, default_backend=source.path.parent in dispatch)
        if source.kind is FileKind.PYTHON
        else source
        for source in sources
    ]


def _read(source: SourceFile) -> bytes | SkippedFile:
    """The file's bytes, or why not: too large, not a regular file any more, unreadable. Never more than the cap."""
    path = source.path
    try:
        size = path.stat().st_size
    except OSError as error:
        return SkippedFile(path.as_posix(), f"unreadable: {error.strerror or error}")
    if size > MAX_FILE_BYTES:
        return SkippedFile(path.as_posix(), f"too large ({size:,} bytes > {MAX_FILE_BYTES:,})")
    try:  # the size may change after stat (a file being written): read_input reads at most the cap plus one byte
        return read_input(path, limit_bytes=MAX_FILE_BYTES, what="file to scan")
    except InputFileError as error:
        return SkippedFile(
            path.as_posix(), error.message.removeprefix(f"{path}: ").replace("cannot read", "unreadable")
        )


def _first_pass(
    sources: list[SourceFile], analyzers: Analyzers, cache: OutcomeCache, jobs: int | None, progress: Progress | None
) -> list[tuple[FileOutcome, bool]]:
    outcomes: list[tuple[FileOutcome, bool] | None] = [None] * len(sources)
    pending: list[tuple[int, str, bytes]] = []
    for index, source in enumerate(sources):
        data = _read(source)
        if isinstance(data, SkippedFile):
            outcomes[index] = (FileOutcome(skipped=data), False)
            continue
        key = content_key(data, source.kind, _library_key(source, data, analyzers.python.package_names))
        hit = cache.get(key, source.path.as_posix(), data)
        if hit is not None:
            outcomes[index] = (hit, True)
        else:  # the prefilter runs in the workers too: it is a third of the cold time
            pending.append((index, key, data))
    done = len(sources) - len(pending)
    if progress:
        progress(done, len(sources))
    for (index, key, _), outcome in zip(pending, _analyze_all(sources, pending, jobs, progress, done), strict=True):
        cache.put(key, outcome)
        outcomes[index] = (outcome, False)
    return [o for o in outcomes if o is not None]


def _analyze_all(
    sources: list[SourceFile],
    pending: list[tuple[int, str, bytes]],
    jobs: int | None,
    progress: Progress | None,
    done: int,
    reexports: dict[str, str] | None = None,
) -> list[FileOutcome]:
    work = [(sources[index], data, reexports) for index, _, data in pending]
    return analyze_all(work, jobs, (lambda count: progress(done + count, len(sources))) if progress else None)


def _second_pass(
    sources: list[SourceFile],
    outcomes: list[tuple[FileOutcome, bool]],
    analyzers: Analyzers,
    cache: OutcomeCache,
    jobs: int | None,
) -> None:
    table: dict[str, str] = {}
    for source, (outcome, _) in zip(sources, outcomes, strict=True):
        parts = module_name(source.relative).split(".")
        for local, qualified in outcome.exports:
            # the import root is unknown (src/ layouts, scanning a parent folder): register every suffix
            for start in range(len(parts)):
                if parts[start]:
                    table[".".join([*parts[start:], local])] = qualified
    if not table:
        return
    digest = hashlib.sha256(repr(sorted(table.items())).encode()).hexdigest()[:16]
    referenced = frozenset(_top(qualified) for qualified in table.values())
    tokens = reexport_prefilter(tuple(reexport_tokens(table)))
    pending: list[tuple[int, str, bytes]] = []
    for index, source in enumerate(sources):
        if source.kind not in (FileKind.PYTHON, FileKind.NOTEBOOK):
            continue
        data = _read(source)
        if isinstance(data, SkippedFile) or not tokens.may_match(data):
            continue
        key = content_key(
            data, source.kind, digest + _library_key(source, data, analyzers.python.package_names, referenced)
        )
        hit = cache.get(key, source.path.as_posix(), data)
        if hit is not None:
            outcomes[index] = (hit, True)
        else:
            pending.append((index, key, data))
    for (index, key, _), outcome in zip(pending, _analyze_all(sources, pending, jobs, None, 0, table), strict=True):
        cache.put(key, outcome)
        outcomes[index] = (outcome, outcomes[index][1])
