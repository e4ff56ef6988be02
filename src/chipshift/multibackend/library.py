"""Library mode: a tree that is a Python package naming several accelerator backends is ported as a library.

A library must keep working on every backend it supports, so ``migrate`` adds no unconditional vendor import and
no device variable resolved at import time to it, and leaves its backend-specific implementations as they are
(:mod:`chipshift.multibackend.regions`); ``scan`` does not report those implementations as lock-in.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from chipshift.multibackend.names import names_one_backend, other_backends_in_text

LIBRARY_MIN_OTHER_BACKENDS = 2
"""Other backends (besides CUDA) a package's code must name to be a multi-backend library."""


def is_multi_backend_package(files: Iterable[tuple[str, str]]) -> bool:
    """Whether ``(relative path, text)`` pairs of Python files form a package (an ``__init__.py`` among them) whose
    text names at least :data:`LIBRARY_MIN_OTHER_BACKENDS` accelerator backends other than CUDA."""
    package = False
    backends: set[str] = set()
    for path, text in files:
        package = package or path.replace("\\", "/").rsplit("/", 1)[-1] == "__init__.py"
        if len(backends) < LIBRARY_MIN_OTHER_BACKENDS:
            backends |= other_backends_in_text(text)
        if package and len(backends) >= LIBRARY_MIN_OTHER_BACKENDS:
            return True
    return False


def dispatch_folders(files: Iterable[tuple[Path, Path]]) -> set[Path]:
    """Folders holding at least two subfolders named for one backend each (DeepSpeed's ``op_builder/`` with
    ``cpu/``, ``npu/``, ``xpu/``), from ``(file, root it was found under)`` pairs of Python modules and notebooks
    (scan and migrate pass the same kinds, so they decide alike): in a library, the modules beside
    those subfolders are the default (CUDA) backend's implementation, kept as written by scan and migrate alike."""
    named: dict[Path, set[str]] = {}
    for path, root in files:
        folder = path.parent
        if folder != root and names_one_backend(folder.name, cpu=True):
            named.setdefault(folder.parent, set()).add(folder.name)
    return {folder for folder, children in named.items() if len(children) >= 2}
