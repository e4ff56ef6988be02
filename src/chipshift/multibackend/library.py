"""Library mode: a tree that is a Python package naming several accelerator backends is ported as a library.

A library must keep working on every backend it supports, so ``migrate`` adds no unconditional vendor import and
no device variable resolved at import time to it, and leaves its backend-specific implementations as they are
(:mod:`chipshift.multibackend.regions`); ``scan`` does not report those implementations as lock-in.
"""

from __future__ import annotations

from collections.abc import Iterable

from chipshift.multibackend.names import other_backends_in_text

LIBRARY_MIN_OTHER_BACKENDS = 2
"""Other backends (besides CUDA) a package's code must name to be a multi-backend library."""


def is_multi_backend_package(files: Iterable[tuple[str, str]]) -> bool:
    """Whether ``(relative path, text)`` pairs of Python files form a package (an ``__init__.py`` among them) whose
    text names at least :data:`LIBRARY_MIN_OTHER_BACKENDS` accelerator backends other than CUDA."""
    package = False
    backends: set[str] = set()
    for path, text in files:
        package = package or path.replace("\\", "/").rsplit("/", 1)[-1] == "__init__.py"
        backends |= other_backends_in_text(text)
    return package and len(backends) >= LIBRARY_MIN_OTHER_BACKENDS
